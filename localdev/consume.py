"""`make consume`: run the example consumer (examples/consumer) on the local stack's events queue, as
Lambda's SQS event source runs it in AWS.

    make consume                          receive, process, delete what succeeded; until Ctrl-C
    make consume ARGS='--drain'           stop once the queue is empty (all processed, or moved to the DLQ)
    make consume ARGS='--retry-delay 0'   failed messages come back at once (default 5 s)
    make consume ARGS='--verbose'         also the consumer's own log line per event

Like the event source: up to 10 messages per batch, the handler's `batchItemFailures` are left on the
queue, the rest deleted. A failed message is received again once its visibility timeout ends; here
that is `--retry-delay` seconds (AWS waits the queue's whole visibility timeout, 60 s by default), so
that a poison message reaches the dead-letter queue after MaxReceiveCount receives in seconds, not
minutes. The consumer runs in this process with the environment the template gives its function.
"""

import argparse
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from localdev import stack
from localdev.gateway import LambdaContext
from localdev.handlers import load_module
from localdev.template import TemplateEvaluator, load_template

REPO = Path(__file__).resolve().parent.parent
CONSUMER = REPO / "examples" / "consumer" / "app.py"
CONSUMER_ID = "ExampleConsumerFunction"
MAX_BATCH = 10


def consumer_environment(template=None, log_level=None):
    """The example consumer's environment as the template sets it (its own variables: it reads no others)."""
    template = template or load_template()
    evaluator = TemplateEvaluator(template, {"DeployExampleConsumer": "true"})
    properties = template["Resources"][CONSUMER_ID]["Properties"]
    env = evaluator.resolve(properties.get("Environment", {}).get("Variables", {}))
    if log_level:
        env["LOG_LEVEL"] = log_level
    return {name: str(value) for name, value in env.items()}


def load_consumer(env, module_name=None):
    return load_module(CONSUMER, env, module_name or f"xwebhook_example_consumer_{uuid.uuid4().hex[:8]}")


def lambda_record(message, queue_arn, region):
    """An SQS message as Lambda's event source hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": None,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@dataclass
class Batch:
    processed: list = field(default_factory=list)  # the SQS messages deleted
    failed: list = field(default_factory=list)  # left for retry (or the dead-letter queue)
    error: str = ""  # the handler raised: the whole batch failed


class LocalEventSource:
    """Receive -> handler -> delete the successes, give the failures back: one `poll()` is one batch."""

    def __init__(self, sqs, queue_url, handler, region="us-east-1", retry_delay=5, batch_size=MAX_BATCH):
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.region = region
        self.retry_delay = retry_delay
        self.batch_size = min(MAX_BATCH, batch_size)
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn", "RedrivePolicy"])
        self.queue_arn = attributes["Attributes"]["QueueArn"]
        policy = attributes["Attributes"].get("RedrivePolicy")
        self.max_receive_count = int(json.loads(policy)["maxReceiveCount"]) if policy else None

    def poll(self, wait_seconds=0):
        """One batch; None when the queue had nothing to give within `wait_seconds`."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=int(min(20, max(0, wait_seconds))),
        ).get("Messages", [])
        if not messages:
            return None
        event = {"Records": [lambda_record(m, self.queue_arn, self.region) for m in messages]}
        batch = Batch()
        try:
            answer = self.handler(event, LambdaContext("example-consumer", str(uuid.uuid4()), 10))
            failed_ids = {item["itemIdentifier"] for item in (answer or {}).get("batchItemFailures", [])}
        except Exception as exc:  # as in Lambda: an error fails the whole batch
            batch.error = f"{exc.__class__.__name__}: {exc}"
            failed_ids = {m["MessageId"] for m in messages}
        for message in messages:
            (batch.failed if message["MessageId"] in failed_ids else batch.processed).append(message)
        if batch.processed:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=_entries(batch.processed))
        if batch.failed:
            entries = [dict(entry, VisibilityTimeout=self.retry_delay) for entry in _entries(batch.failed)]
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
        return batch

    def is_empty(self):
        counts = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesNotVisible"]) == 0

    def drain(self, deadline_seconds=300, on_batch=None):
        """Poll until the queue holds nothing (processed, or moved to the DLQ); returns the batches."""
        batches = []
        stop = time.monotonic() + deadline_seconds
        while time.monotonic() < stop:
            batch = self.poll(wait_seconds=1)
            if batch is None:
                if self.is_empty():
                    return batches
                continue
            batches.append(batch)
            if on_batch:
                on_batch(batch)
        raise TimeoutError(f"{self.queue_url} still holds messages after {deadline_seconds} s")


def _entries(messages):
    return [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]


def _describe(message):
    try:
        body = json.loads(message["Body"])
        return f"{body['event_type']:<30s} {body['source']}  {body.get('for_user_id') or '-':<20s} {body['event_id']}"
    except (ValueError, KeyError, TypeError):
        return f"{'(not an xwebhook message)':<30s} message {message['MessageId']}"


def report(batch, source, out):
    counts = f"{len(batch.processed)} processed, {len(batch.failed)} failed"
    out.write(f"batch of {len(batch.processed) + len(batch.failed)}: {counts}\n")
    if batch.error:
        out.write(f"  the consumer raised {batch.error}: the whole batch is retried\n")
    for message in batch.processed:
        out.write(f"  ok    {_describe(message)}\n")
    for message in batch.failed:
        receives = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
        if source.max_receive_count is None:
            fate = f"back on the queue in {source.retry_delay} s"
        elif receives >= source.max_receive_count:
            fate = f"receive {receives} of {source.max_receive_count}: the next one moves it to the dead-letter queue"
        else:
            fate = f"receive {receives} of {source.max_receive_count}: back on the queue in {source.retry_delay} s"
        out.write(f"  FAIL  {_describe(message)}\n        {fate}\n")
    out.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make consume ARGS=...", description=__doc__.split("\n\n")[0])
    parser.add_argument("--drain", action="store_true", help="stop once the queue is empty")
    parser.add_argument("--retry-delay", type=int, default=5, help="seconds before a failed message comes back")
    parser.add_argument("--batch-size", type=int, default=MAX_BATCH, help="messages per batch (1-10)")
    parser.add_argument("--verbose", action="store_true", help="the consumer's own log lines (INFO)")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    return parser.parse_args(argv)


def main(argv=None, out=None):
    out = out or sys.stdout
    args = parse_args(argv)
    try:
        state = stack.read_state(args.state_file)
    except stack.StackNotRunning as exc:
        sys.stderr.write(f"make consume: {exc}\n")
        return 2
    sqs = stack.aws_client(state, "sqs")
    queue_url = state["resources"]["EventsQueue"]
    app = load_consumer(consumer_environment(log_level="INFO" if args.verbose else "WARNING"))
    source = LocalEventSource(
        sqs, queue_url, app.handler, state.get("region", "us-east-1"), args.retry_delay, args.batch_size
    )
    out.write(f"consuming {queue_url} with examples/consumer (Ctrl-C to stop)\n")
    out.flush()
    processed = failed = 0
    try:
        if args.drain:
            batches = source.drain(on_batch=lambda batch: report(batch, source, out))
            processed = sum(len(b.processed) for b in batches)
            failed = sum(len(b.failed) for b in batches)
        else:
            while True:
                batch = source.poll(wait_seconds=20)
                if batch is not None:
                    report(batch, source, out)
                    processed, failed = processed + len(batch.processed), failed + len(batch.failed)
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # botocore errors: the endpoint went away
        sys.stderr.write(f"make consume: {exc.__class__.__name__}: {exc}\n")
        return 2
    dlq = sqs.get_queue_attributes(
        QueueUrl=state["resources"]["EventsDeadLetterQueue"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    sys.stderr.write(f"{processed} processed, {failed} failed (then retried or dead-lettered); {dlq} on the DLQ\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
