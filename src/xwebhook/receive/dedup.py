"""Remember delivered event ids for a day and more, so a replay does not enqueue them a second time.

SQS FIFO deduplication covers 5 minutes, enough for X's retries but not for a replay, which re-sends
events up to 24 h old. This store keeps `event_id -> expires_at` in DynamoDB (TTL on `expires_at`).

Order matters for "never lose, never double":
1. `seen()` before publishing: ids delivered before are skipped.
2. publish the rest.
3. `remember()` only after SQS accepted them: a failed publish leaves nothing marked, so X's retry
   is enqueued. If `remember()` fails, ingest answers 5xx; X's retry comes within SQS's 5-minute
   deduplication window, so the copy it enqueues again is dropped by SQS.

Why not Powertools' idempotency utility: it guards one function call per key, with a write before and
a write after each call. Here one delivery holds up to dozens of events, checked with one
BatchGetItem and recorded with one BatchWriteItem.
"""

import time

MAX_GET_KEYS = 100
MAX_WRITE_ITEMS = 25


class DedupUnavailable(Exception):
    """The store could not be read or written; the caller answers 5xx."""


def _chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


class DynamoDedupStore:
    def __init__(self, client, table, ttl_seconds, clock=time.time, max_rounds=4, sleep=time.sleep):
        self._client = client
        self._table = table
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_rounds = max_rounds
        self._sleep = sleep

    def seen(self, event_ids):
        """The subset of `event_ids` delivered within the TTL."""
        now = int(self._clock())
        found = set()
        for chunk in _chunks(sorted(set(event_ids)), MAX_GET_KEYS):
            request = {
                self._table: {
                    "Keys": [{"event_id": {"S": event_id}} for event_id in chunk],
                    "ProjectionExpression": "event_id, expires_at",
                    "ConsistentRead": True,
                }
            }
            for _ in range(self._max_rounds):
                answer = self._call("batch_get_item", RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    # DynamoDB deletes expired items lazily (within days): check the time ourselves.
                    if int(item["expires_at"]["N"]) > now:
                        found.add(item["event_id"]["S"])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(0.05)
            else:
                raise DedupUnavailable("DynamoDB left keys unprocessed")
        return found

    def remember(self, event_ids):
        expires_at = str(int(self._clock()) + self._ttl)
        for chunk in _chunks(sorted(set(event_ids)), MAX_WRITE_ITEMS):
            request = {
                self._table: [
                    {"PutRequest": {"Item": {"event_id": {"S": event_id}, "expires_at": {"N": expires_at}}}}
                    for event_id in chunk
                ]
            }
            for _ in range(self._max_rounds):
                answer = self._call("batch_write_item", RequestItems=request)
                request = answer.get("UnprocessedItems") or {}
                if not request:
                    break
                self._sleep(0.05)
            else:
                raise DedupUnavailable("DynamoDB left items unwritten")

    def _call(self, operation, **kwargs):
        try:
            return getattr(self._client, operation)(**kwargs)
        except Exception as exc:  # ClientError, connection and timeout errors
            raise DedupUnavailable(f"DynamoDB {operation} failed: {exc.__class__.__name__}") from exc
