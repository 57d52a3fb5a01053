"""Put event messages on the SQS events queue with SendMessageBatch.

- Batches of at most 10 entries and 1 MiB (SQS's limits), in delivery order.
- FIFO queues (URL ending in `.fifo`): MessageGroupId per account keeps each account's events in
  order; MessageDeduplicationId from the event id makes SQS drop a copy sent again within its
  5-minute window (X's retries, our own retries of a partial batch).
- Every message is sized before the first call, so a delivery is never half-sent because of a message
  that could never fit.
- Failed entries of a partial batch are sent again, up to `max_attempts` calls per batch; what still
  fails raises PublishError, and the caller answers 5xx so X delivers again.
"""

import hashlib
import time

from xwebhook.receive.settings import SQS_MAX_MESSAGE_BYTES

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = SQS_MAX_MESSAGE_BYTES


class PublishError(Exception):
    """SQS did not accept every message. The message says how many and why, never their content."""


class MessageTooLarge(ValueError):
    """A single event message exceeds SQS's message size limit."""


def deduplication_id(event_id):
    # SQS allows 128 characters of a restricted alphabet; a digest of the event id fits any id.
    return hashlib.sha256(event_id.encode()).hexdigest()


def _attributes(message):
    attributes = {
        "event_type": {"DataType": "String", "StringValue": message.event_type},
        "source": {"DataType": "String", "StringValue": message.source},
    }
    if message.for_user_id:  # SQS rejects empty attribute values; absent means "no user"
        attributes["for_user_id"] = {"DataType": "String", "StringValue": message.for_user_id}
    return attributes


def _entry_size(entry):
    """Bytes SQS counts for an entry: the body plus each attribute's name, type and value."""
    size = len(entry["MessageBody"].encode())
    for name, attribute in entry["MessageAttributes"].items():
        size += len(name) + len(attribute["DataType"]) + len(attribute["StringValue"].encode())
    return size


class SqsEventPublisher:
    def __init__(self, client, queue_url, max_attempts=3, backoff_seconds=(0.05, 0.2), sleep=time.sleep):
        self._client = client
        self._queue_url = queue_url
        self._fifo = queue_url.endswith(".fifo")
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    def _entry(self, message):
        entry = {"MessageBody": message.body, "MessageAttributes": _attributes(message)}
        if self._fifo:
            entry["MessageGroupId"] = message.group_id
            entry["MessageDeduplicationId"] = deduplication_id(message.event_id)
        return entry

    def batches(self, messages):
        """The SendMessageBatch entry lists for `messages`; raises MessageTooLarge first."""
        batches, current, current_size = [], [], 0
        for message in messages:
            entry = self._entry(message)
            size = _entry_size(entry)
            if size > SQS_MAX_MESSAGE_BYTES:
                raise MessageTooLarge(
                    f"event {message.event_type} makes a {size}-byte message; SQS takes at most {SQS_MAX_MESSAGE_BYTES}"
                )
            if current and (len(current) == MAX_BATCH_ENTRIES or current_size + size > MAX_BATCH_BYTES):
                batches.append(current)
                current, current_size = [], 0
            entry["Id"] = str(len(current))
            current.append(entry)
            current_size += size
        if current:
            batches.append(current)
        return batches

    def publish(self, messages):
        """Send every message; returns the number of SQS calls made. Raises PublishError."""
        calls = 0
        for batch in self.batches(messages):
            calls += self._send_batch(batch)
        return calls

    def _send_batch(self, entries):
        pending = entries
        problem = ""
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(self._backoff[min(attempt - 1, len(self._backoff) - 1)])
            try:
                answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=pending)
            except Exception as exc:  # botocore ClientError, connection and timeout errors
                problem = f"{exc.__class__.__name__}: {exc}"
                continue
            failed = answer.get("Failed") or []
            if not failed:
                return attempt + 1
            failed_ids = {failure["Id"] for failure in failed}
            codes = sorted({failure.get("Code", "?") for failure in failed})
            problem = f"{len(failed)} of {len(pending)} entries failed ({', '.join(codes)})"
            if any(failure.get("SenderFault") for failure in failed):
                break  # the request itself is wrong: sending it again cannot help
            pending = [entry for entry in pending if entry["Id"] in failed_ids]
        raise PublishError(f"SQS did not accept the delivery: {problem}")
