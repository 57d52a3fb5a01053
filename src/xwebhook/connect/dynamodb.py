"""Sign-ins in progress in the accounts table, under `signin#<sha256(state)>` (see accounts/dynamodb.py).

`take` is one DeleteItem that answers the deleted item (ReturnValues ALL_OLD): of two callbacks carrying
the same state (a replay, a double click), exactly one gets the sign-in, so a code or verifier is never
exchanged twice and no second account or subscription can come of it. `expires_at` is the table's TTL
attribute; DynamoDB deletes late (up to days), so the flow checks the time itself as well.
"""

from dataclasses import fields

from xwebhook.accounts.dynamodb import from_item, to_item
from xwebhook.connect.state import PendingSignIn, SignInStore

PREFIX = "signin#"
_FIELDS = [f.name for f in fields(PendingSignIn)]


class DynamoSignInStore(SignInStore):
    def __init__(self, table):
        self._table = table

    def put(self, pending):
        document = {"pk": PREFIX + pending.key}
        for name in _FIELDS:
            value = getattr(pending, name)
            document[name] = list(value) if isinstance(value, tuple) else value
        self._table.call("put_item", Item=to_item(document))

    def take(self, key):
        answer = self._table.call("delete_item", Key={"pk": {"S": PREFIX + key}}, ReturnValues="ALL_OLD")
        item = answer.get("Attributes")
        if not item:
            return None
        document = from_item(item)
        values = {name: document[name] for name in _FIELDS if name in document}
        values["event_types"] = tuple(values.get("event_types", ()))
        values["expires_at"] = float(values["expires_at"])
        return PendingSignIn(**values)
