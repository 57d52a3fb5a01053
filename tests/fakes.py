"""In-memory stand-ins for the ports the core talks to (SQS, DynamoDB, the secret)."""

from xwebhook.credentials.extension import SecretUnavailable


class FakeSqs:
    """Records SendMessageBatch calls. `script` holds, per call, what goes wrong:
    an Exception to raise, a set of entry ids to fail, or None for success."""

    def __init__(self, script=(), sender_fault=False):
        self.script = list(script)
        self.sender_fault = sender_fault
        self.calls = []
        self.accepted = []

    def send_message_batch(self, QueueUrl, Entries):
        self.calls.append([dict(entry) for entry in Entries])
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, Exception):
            raise outcome
        failing = outcome or set()
        failed = [
            {"Id": e["Id"], "SenderFault": self.sender_fault, "Code": "InternalError", "Message": "boom"}
            for e in Entries
            if e["Id"] in failing
        ]
        ok = [e for e in Entries if e["Id"] not in failing]
        self.accepted.extend(ok)
        answer = {"Successful": [{"Id": e["Id"], "MessageId": "m" + e["Id"]} for e in ok]}
        if failed:
            answer["Failed"] = failed
        return answer


class FakeDynamo:
    """A DynamoDB table keyed by event_id, with injectable failures and unprocessed rounds."""

    def __init__(self, table="dedup", fail_on=(), unprocessed_rounds=0):
        self.table = table
        self.items = {}
        self.fail_on = set(fail_on)
        self.unprocessed_rounds = unprocessed_rounds
        self.calls = []

    def batch_get_item(self, RequestItems):
        self.calls.append("batch_get_item")
        if "batch_get_item" in self.fail_on:
            raise ConnectionError("dynamodb down")
        request = RequestItems[self.table]
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"Responses": {self.table: []}, "UnprocessedKeys": RequestItems}
        found = [self.items[k["event_id"]["S"]] for k in request["Keys"] if k["event_id"]["S"] in self.items]
        return {"Responses": {self.table: found}, "UnprocessedKeys": {}}

    def batch_write_item(self, RequestItems):
        self.calls.append("batch_write_item")
        if "batch_write_item" in self.fail_on:
            raise ConnectionError("dynamodb down")
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"UnprocessedItems": RequestItems}
        for request in RequestItems[self.table]:
            item = request["PutRequest"]["Item"]
            self.items[item["event_id"]["S"]] = item
        return {"UnprocessedItems": {}}


class StaticSecret:
    """A CachedSecret stand-in: a fixed value, or unavailable."""

    def __init__(self, value=b"dev-consumer-secret", available=True):
        self.value = value
        self.available = available
        self.refreshes = 0

    def get(self):
        if not self.available:
            raise SecretUnavailable("secret store down")
        return self.value

    def refresh_if_older_than(self, seconds):
        self.refreshes += 1
        return False
