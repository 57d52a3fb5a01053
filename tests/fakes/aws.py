"""boto3's SQS and DynamoDB clients imitated, answering as the AWS APIs do, with failures a test scripts: for
the adapters' own tests (receive/publisher.py's SendMessageBatch, receive/dedup.py's BatchGetItem and
BatchWriteItem), and where a test looks at what reaches AWS through the real adapters (the entries ingest
sends, the AWS calls a delivery makes: ingest.py's IngestWorld). Code above the adapters that needs none of
that runs on the ports' own fakes (stores.py, x_api.py)."""


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


class FifoSqs(FakeSqs):
    """SendMessageBatch with SQS FIFO's deduplication (scope: message group): an entry whose
    MessageDeduplicationId the group accepted in the last 5 minutes is accepted and not delivered.
    `delivered` is what consumers would receive; `clock` is shared with the code under test."""

    WINDOW_SECONDS = 300

    def __init__(self, clock, script=()):
        super().__init__(script)
        self.clock = clock
        self.first_sent = {}
        self.delivered = []

    def send_message_batch(self, QueueUrl, Entries):
        answer = super().send_message_batch(QueueUrl, Entries)
        accepted = {item["Id"] for item in answer["Successful"]}
        for entry in Entries:
            if entry["Id"] not in accepted:
                continue
            key = (entry["MessageGroupId"], entry["MessageDeduplicationId"])
            first = self.first_sent.get(key)
            if first is not None and self.clock() - first < self.WINDOW_SECONDS:
                continue
            self.first_sent[key] = self.clock()
            self.delivered.append(entry)
        return answer


FIFO_QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events.fifo"
STANDARD_QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events"


class Logged:
    """A client that records each call (service, operation) in a log shared by several clients."""

    def __init__(self, client, service, log):
        self._client, self._service, self._log = client, service, log

    def __getattr__(self, operation):
        def call(**kwargs):
            self._log.append((self._service, operation))
            return getattr(self._client, operation)(**kwargs)

        return call
