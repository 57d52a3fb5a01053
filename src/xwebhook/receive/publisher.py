"""Put event messages on the SQS events queue with SendMessageBatch.

- Batches of at most 10 entries and 1 MiB (SQS's limits), in delivery order. Every message is sized
  before the first call, so a delivery is never half-sent because of a message that could never fit.
- FIFO queues (URL ending in `.fifo`): MessageGroupId per account keeps each account's events in
  order; MessageDeduplicationId from the activity id makes SQS drop a copy sent again within its
  5-minute window (X's retries, the other family's copy of the activity, our own retries).
  `group_shards` > 1 spreads an account over that many groups (`<account>#<n>`, by activity): SQS
  takes ~3,000 messages/s per group, so one very busy account can go beyond it, ordered per shard.
- A delivery of more than one batch sends its batches concurrently (at most `concurrently.limit` calls at a
  time), so the largest delivery X sends is stored within X's deadline. SQS orders a FIFO group by
  arrival, so order is kept within each batch of 10 and between deliveries, and across the batches
  of one large delivery only with concurrency 1 (PUBLISH_CONCURRENCY).
- Failed entries of a partial batch are sent again, up to `max_attempts` calls per batch; what still
  fails raises PublishError, and the caller answers 5xx so X delivers again.
- Attribute values are texts SQS takes whatever X sent (see `attribute_text`).
"""

import time

from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.errors import MessageTooLarge, PublishError
from xwebhook.receive.event_ids import digest
from xwebhook.receive.settings import SQS_MAX_MESSAGE_BYTES
from xwebhook.receive.splitting import shard_group

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = SQS_MAX_MESSAGE_BYTES
MAX_ATTRIBUTE_CHARS = 256
_IDS = [str(n) for n in range(MAX_BATCH_ENTRIES)]  # entry ids within a batch
# Name and data type of each attribute, which SQS counts towards the message size.
_ATTRIBUTE_OVERHEAD = {name: len(name) + len("String") for name in ("event_type", "source", "for_user_id")}


def attribute_text(text):
    """`text` as an SQS attribute value: characters SQS refuses escaped (\\uXXXX), at most 256 characters
    (longer: its first 180 and a digest). Ids and type names X sends pass unchanged."""
    if not text.isprintable():  # control characters, lone surrogates, U+FFFE/U+FFFF, ...
        text = "".join(char if char.isprintable() else "\\u%04x" % ord(char) for char in text)
    if len(text) > MAX_ATTRIBUTE_CHARS:
        text = text[:180] + "~" + digest(text)[:40]
    return text


class SqsEventPublisher:
    def __init__(
        self,
        client,
        queue_url,
        max_attempts=3,
        backoff_seconds=(0.05, 0.2),
        sleep=time.sleep,
        concurrently=None,
        group_shards=1,
    ):
        self._client = client
        self._queue_url = queue_url
        self.fifo = queue_url.endswith(".fifo")
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._concurrently = concurrently or Concurrently(1)
        self._known = {}  # (event_type, source, for_user_id) -> (attributes, their size, group)
        self._shards = group_shards

    def _shared(self, message, key):
        """(attributes, bytes SQS counts for them, group) of a message: the same for every event of one
        type and account, so they are made once per (event_type, source, for_user_id) and remembered
        for the next deliveries (bounded; nothing mutates them)."""
        known = self._known.get(key)
        if known is not None:
            return known
        if len(self._known) >= 4096:
            self._known.clear()
        event_type = message.event_type
        if len(event_type) > 64 or not (event_type.isascii() and event_type.isprintable()):
            event_type = attribute_text(event_type)
        attributes = {
            "event_type": {"DataType": "String", "StringValue": event_type},
            "source": {"DataType": "String", "StringValue": message.source},
        }
        # SQS counts each attribute's name, data type and value towards the message size.
        size = _ATTRIBUTE_OVERHEAD["event_type"] + len(event_type.encode())
        size += _ATTRIBUTE_OVERHEAD["source"] + len(message.source)
        if message.for_user_id:  # SQS rejects empty attribute values; absent means "no user"
            user = attribute_text(message.for_user_id)
            attributes["for_user_id"] = {"DataType": "String", "StringValue": user}
            size += _ATTRIBUTE_OVERHEAD["for_user_id"] + len(user.encode())
        known = self._known[key] = (attributes, size, message.group_id)
        return known

    def batches(self, messages):
        """The SendMessageBatch entry lists for `messages`; raises MessageTooLarge first."""
        batches, current, current_size = [], [], 0
        fifo, sharded = self.fifo, self._shards != 1
        last = None  # the last message's (event_type, source, for_user_id): a delivery repeats them
        for message in messages:
            key = (message.event_type, message.source, message.for_user_id)
            if key != last:
                shared = self._known.get(key) or self._shared(message, key)
                last = key
            attributes, size, group = shared
            size += message.size
            if size > SQS_MAX_MESSAGE_BYTES:
                # No size in the text: it is the answer's reason, and a metric dimension (one per value).
                raise MessageTooLarge(
                    f"event {attribute_text(message.event_type)[:64]} makes a message over SQS's"
                    f" {SQS_MAX_MESSAGE_BYTES} bytes"
                )
            if current and (len(current) == MAX_BATCH_ENTRIES or current_size + size > MAX_BATCH_BYTES):
                batches.append(current)
                current, current_size = [], 0
            entry = {"Id": _IDS[len(current)], "MessageBody": message.body, "MessageAttributes": attributes}
            if fifo:
                entry["MessageGroupId"] = shard_group(group, message.activity_id, self._shards) if sharded else group
                entry["MessageDeduplicationId"] = message.deduplication_id
            current.append(entry)
            current_size += size
        if current:
            batches.append(current)
        return batches

    def publish(self, messages, synthetic=False):
        """Send every message; returns the number of SQS calls made. Raises PublishError, whose `accepted`
        lists the messages SQS did take before the rest failed (ingest records them: on a standard queue,
        nothing else would keep X's retry from sending them again). `synthetic`: each message gets the
        `synthetic` attribute (receive/synthetic.py; their sizes already count it)."""
        batches = self.batches(messages)
        if synthetic:
            from xwebhook.receive.synthetic import mark_entries

            mark_entries(batches)
        if len(batches) == 1:  # the common delivery: no pool, no bookkeeping on success
            result = self._send_batch(batches[0])
            if not result[2]:
                return result[0]
            results = [result]
        else:
            results = self._concurrently.map(self._send_batch, batches)
        calls = sum(result[0] for result in results)
        problems = [result[2] for result in results if result[2]]
        if not problems:
            return calls
        accepted, offset = [], 0
        for batch, (_, taken, _) in zip(batches, results, strict=True):
            positions = range(len(batch)) if taken is None else sorted(_IDS.index(entry_id) for entry_id in taken)
            accepted += [messages[offset + position] for position in positions]
            offset += len(batch)
        raise PublishError(f"SQS did not accept the delivery: {problems[0]}", accepted=accepted, calls=calls)

    def _send_batch(self, entries):
        """(SQS calls, the ids of the entries SQS took (None: all of them), the problem or "")."""
        pending = entries
        taken = set()
        problem = ""
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(self._backoff[min(attempt - 1, len(self._backoff) - 1)])
            try:
                answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=pending)
            except Exception as exc:  # botocore ClientError, connection and timeout errors
                problem = f"{exc.__class__.__name__}: {exc}"
                continue
            failed = answer.get("Failed")
            if not failed:
                return attempt + 1, (None if attempt == 0 else taken | {entry["Id"] for entry in pending}), ""
            failed_ids = {failure["Id"] for failure in failed}
            taken |= {entry["Id"] for entry in pending if entry["Id"] not in failed_ids}
            codes = sorted({failure.get("Code", "?") for failure in failed})
            problem = f"{len(failed)} of {len(pending)} entries failed ({', '.join(codes)})"
            if any(failure.get("SenderFault") for failure in failed):
                return attempt + 1, taken, problem  # the request itself is wrong: sending it again cannot help
            pending = [entry for entry in pending if entry["Id"] in failed_ids]
        return self._max_attempts, taken, problem
