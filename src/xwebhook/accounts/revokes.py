"""Which accounts revoked the app, as X told the receiver (AAA `user_event.revoke`, XAA `oauth.revoke`).

Ingest (on X's clock, with no access to the accounts table) records every delivered event in the dedup
table; a revoke also gets `signal` = "revoke" and `signal_user_id` = who revoked (shared decision 1).
The table's sparse GSI `signals` (hash `signal`, range `received_at`, projection ALL) holds only those
items, and the admin function may Query it, read only. So ingest stays least privilege, and the next
`ensure` after a revoke marks the account `revoked` and never uses its tokens again.

A revoke is dated by its own time (`signal_at`: AAA `revoke.date_time`, XAA `payload.date_time`), never by
when it was received: X retries a delivery it got a 5xx for, the admin function replays an outage, and
during a migration the other family's copy may come much later, so a revoke from *before* an owner
connected again may arrive *after*. Compared with the account's `connected_at`, it then leaves the
reconnected account alone, while a revoke dated after the reconnect still revokes. An item without
`signal_at` (a revoke without a readable date, or written by an older ingest) falls back to received_at.

The dedup table's TTL (30 h) bounds what is there; ensure runs at least every 12 h, so no revoke is
missed. With ReplayDedup=disabled there is no table: NoRevokeSignals says so ("unknown"), and a revoked
account shows up as X refusing its tokens (invalid_grant on refresh, 401 on a call), which ensure marks
needs_reconnect.
"""

SIGNALS_INDEX = "signals"
REVOKE = "revoke"
LOOKBACK_SECONDS = 30 * 3600  # the dedup table's TTL: older signals are gone anyway


class RevokeSignals:
    """The port: `revokes_since(epoch)` -> {user id: when the latest revoke received since `epoch` was made
    (its own time, epoch seconds)}."""

    known = True
    source = ""

    def revokes_since(self, since):
        raise NotImplementedError


class NoRevokeSignals(RevokeSignals):
    known = False
    source = (
        "unknown: no dedup table (ReplayDedup=disabled), so X's revoke deliveries are not kept; "
        "a revoked account shows as X refusing its tokens (needs_reconnect)"
    )

    def revokes_since(self, since):
        return {}


class SignalsIndexMissing(Exception):
    """The dedup table has no signals index (a stack from before it): revokes are unknown, as without a table."""


class DynamoRevokeSignals(RevokeSignals):
    """Query the dedup table's `signals` index (`table` is an accounts.dynamodb.Table on the dedup table)."""

    def __init__(self, table):
        self._table = table
        self.source = f"the dedup table's {SIGNALS_INDEX} index ({table.name})"

    def revokes_since(self, since):
        from xwebhook.accounts.store import AccountsUnavailable

        try:
            return self._revokes_since(since)
        except AccountsUnavailable as exc:
            if exc.code in ("ResourceNotFoundException", "ValidationException"):  # DynamoDB: no such index
                raise SignalsIndexMissing(
                    f"unknown: {self._table.name} has no {SIGNALS_INDEX} index ({exc.code}); "
                    "a revoked account shows as X refusing its tokens (needs_reconnect)"
                ) from None
            raise

    def _revokes_since(self, since):
        found, start = {}, None
        while True:
            page = {"ExclusiveStartKey": start} if start else {}
            answer = self._table.call(
                "query",
                IndexName=SIGNALS_INDEX,
                KeyConditionExpression="#signal = :revoke AND received_at >= :since",
                ExpressionAttributeNames={"#signal": "signal"},
                ExpressionAttributeValues={":revoke": {"S": REVOKE}, ":since": {"N": str(int(since))}},
                **page,
            )
            for item in answer.get("Items", []):
                user_id = item.get("signal_user_id", {}).get("S")
                made = (item.get("signal_at") or item.get("received_at") or {}).get("N")
                if user_id and made:
                    found[user_id] = max(found.get(user_id, 0.0), float(made))
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found
