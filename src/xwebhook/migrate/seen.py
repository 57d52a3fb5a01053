"""What the stack received per account: event counts by family and type, from the dedup table.

ingest records every event it enqueues in the dedup table with for_user_id, source (aaa|xaa), event_type
and received_at, and the table's `by_user` index (hash for_user_id, range received_at, projecting source
and event_type) lets admin read them per account (infra/template.yaml's DedupTable). migrate uses the counts
to estimate XAA's cost and to verify that XAA events arrive for an account before cutting its AAA
subscription. Read only: a Query on the index, never the table itself.

Without the table (ReplayDedup=disabled) or the index, counts are unknown (None, with the reason): the
plan says so and cutover falls back to its grace period.
"""

from collections import Counter
from dataclasses import dataclass, field

MAX_PAGES = 20  # per account and call: at ~25 000 projected items a page, far beyond a day's activity


@dataclass(frozen=True)
class Counts:
    by_type: dict = field(default_factory=dict)  # (source, event_type) -> n
    since: float = 0.0
    truncated: bool = False  # MAX_PAGES reached: the counts are a lower bound

    def total(self, source=None):
        return sum(n for (family, _), n in self.by_type.items() if source in (None, family))

    def of(self, source):
        return {event_type: n for (family, event_type), n in sorted(self.by_type.items()) if family == source}

    def as_dict(self):
        found = {"aaa": self.of("aaa"), "xaa": self.of("xaa")}
        if self.truncated:
            found["truncated"] = True
        return found


class SeenEvents:
    """The port. `counts(user_id, since_epoch)` -> Counts, or None when the stack cannot tell;
    `unknown_reason` says why."""

    unknown_reason = "not configured"

    def counts(self, user_id, since_epoch):
        raise NotImplementedError


class NoSeenEvents(SeenEvents):
    def __init__(self, reason):
        self.unknown_reason = reason

    def counts(self, user_id, since_epoch):
        return None


class DynamoSeenEvents(SeenEvents):
    """`client`: a boto3 DynamoDB client, or a function making one (made at the first query, not at the
    admin function's import)."""

    def __init__(self, client, table, index="by_user", max_pages=MAX_PAGES):
        self._client = client
        self._table = table
        self._index = index
        self._max_pages = max_pages
        self._index_missing = False
        self.unknown_reason = None

    def counts(self, user_id, since_epoch):
        if self._index_missing:  # do not ask again for every account; a deploy brings a new container
            return None
        request = {
            "TableName": self._table,
            "IndexName": self._index,
            "KeyConditionExpression": "for_user_id = :user AND received_at >= :since",
            "ExpressionAttributeValues": {":user": {"S": str(user_id)}, ":since": {"N": str(int(since_epoch))}},
            "ExpressionAttributeNames": {"#source": "source"},  # SOURCE is a DynamoDB reserved word
            "ProjectionExpression": "#source, event_type",
        }
        found, pages = Counter(), 0
        if callable(self._client) and not hasattr(self._client, "query"):
            self._client = self._client()
        while True:
            try:
                answer = self._client.query(**request)
            except Exception as exc:  # ClientError, connection and timeout errors
                from xwebhook.aws import error_code

                code = error_code(exc)
                self._index_missing = code in ("ValidationException", "ResourceNotFoundException")
                self.unknown_reason = (
                    f"the dedup table {self._table} has no {self._index} index (receive's, ReplayDedup=enabled)"
                    if self._index_missing
                    else f"the dedup table could not be read ({code})"
                )
                return None
            pages += 1
            for item in answer.get("Items", []):
                source = item.get("source", {}).get("S", "?")
                event_type = item.get("event_type", {}).get("S", "?")
                found[(source, event_type)] += 1
            last = answer.get("LastEvaluatedKey")
            if not last:
                return Counts(dict(found), since_epoch)
            if pages >= self._max_pages:
                return Counts(dict(found), since_epoch, truncated=True)
            request["ExclusiveStartKey"] = last


def seen_events(settings, client_factory):
    """The SeenEvents the settings describe. `client_factory()` -> a boto3 DynamoDB client."""
    if not settings.dedup_table:
        return NoSeenEvents("no dedup table (ReplayDedup=disabled, or DEDUP_TABLE unset for admin)")
    return DynamoSeenEvents(client_factory, settings.dedup_table, settings.by_user_index)
