"""`xwebhook redrive`: messages from the dead-letter queue back to the events queue.

On AWS, SQS's own message move task (StartMessageMoveTask) does it, and its progress is polled
(ListMessageMoveTasks). Where the endpoint lacks it (moto, for the local stack), or when `--count` asks for
a given number, messages are received from the DLQ, sent to the queue and deleted from the DLQ only once
the queue accepted them (nothing is lost if the move is interrupted; at worst a message is sent twice).
On FIFO queues the group id is kept and the deduplication id is new (the original id would be dropped as
a duplicate within SQS's 5-minute window), derived from the DLQ message id so a repeated move of the same
message within that window is still dropped.
"""

import hashlib
import time

from xwebhook.cli.errors import CliError
from xwebhook.cli.words import plural


def _arn(sqs, queue_url):
    return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def waiting(sqs, queue_url):
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def redrive(sqs, dlq_url, queue_url, count=None, progress=None, poll_seconds=2.0):
    """Move messages; `progress(moved, total)` is called as they go. Returns {"moved", "total", "method"}."""
    progress = progress or (lambda moved, total: None)
    total = waiting(sqs, dlq_url) if count is None else count
    if count is None:
        try:
            return _move_task(sqs, dlq_url, queue_url, total, progress, poll_seconds)
        except _NoMoveTask:
            pass  # receive-send-delete below
    moved = _receive_send_delete(sqs, dlq_url, queue_url, total, progress)
    return {"moved": moved, "total": total, "method": "receive-send-delete"}


class _NoMoveTask(Exception):
    pass


def _move_task(sqs, dlq_url, queue_url, total, progress, poll_seconds):
    from botocore.exceptions import ClientError

    source = _arn(sqs, dlq_url)
    try:
        handle = sqs.start_message_move_task(SourceArn=source, DestinationArn=_arn(sqs, queue_url))["TaskHandle"]
    except ClientError as exc:
        # The endpoint lacks the operation (moto answers 500), or refuses it: receive-send-delete works wherever
        # receiving and sending do, so it is the fallback for any refusal.
        raise _NoMoveTask(exc.response.get("Error", {}).get("Code") or "refused") from None
    except AttributeError:  # a botocore without the operation
        raise _NoMoveTask("no such operation") from None
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=source, MaxResults=10).get("Results", [])
        task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else {})
        moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
        total = int(task.get("ApproximateNumberOfMessagesToMove", total) or total)
        progress(moved, total)
        status = task.get("Status")
        if status == "COMPLETED":
            return {"moved": moved, "total": total, "method": "message-move-task"}
        if status in ("FAILED", "CANCELLED", "CANCELLING"):
            raise CliError(f"the message move task ended {status}: {task.get('FailureReason', 'no reason given')}")
        time.sleep(poll_seconds)


def _entry(index, message, fifo):
    system = message.get("Attributes") or {}
    entry = {"Id": str(index), "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    if fifo:
        entry["MessageGroupId"] = system.get("MessageGroupId", "redriven")
        entry["MessageDeduplicationId"] = hashlib.sha256(f"redrive:{message['MessageId']}".encode()).hexdigest()
    return entry


def _receive_send_delete(sqs, dlq_url, queue_url, total, progress):
    fifo = queue_url.endswith(".fifo")
    moved = 0
    progress(0, total)
    while moved < total:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=min(10, total - moved),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not batch:
            break
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=[_entry(i, m, fifo) for i, m in enumerate(batch)])
        sent = {int(item["Id"]) for item in answer.get("Successful", [])}
        done = [m for i, m in enumerate(batch) if i in sent]
        if done:
            sqs.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        failed = [m for i, m in enumerate(batch) if i not in sent]
        if failed:
            sqs.change_message_visibility_batch(
                QueueUrl=dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(failed)
                ],
            )
            reasons = "; ".join(f"{item.get('Code')}: {item.get('Message')}" for item in answer.get("Failed", []))
            raise CliError(
                f"the queue refused {plural(len(failed), 'message')}, left on the DLQ: {reasons}",
                moved=moved + len(done),
            )
        moved += len(done)
        progress(moved, total)
    return moved
