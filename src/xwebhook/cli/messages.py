"""Reading the events queue (and its dead-letter queue): `xwebhook tail`, `make queue`, the local console.

A message is shown as one document: {"message_id", "group_id", "receive_count", "sent_at",
"attributes": {event_type, source, for_user_id}, "body": the event message}.

Three ways to read, and who they take messages from:
  - the tap (local stack only): the AWS endpoint's own record of what was added to the queue. Nothing is
    received: no visibility change, no receive count. `tail` and the console use it, so a consumer
    (`make queue`, `make consume`, yours) still gets every message.
  - peek (AWS): SQS has no read that leaves a message untouched. A peek receives with a visibility timeout
    of 0 (no consumer waits on it, a FIFO group is not held) and never deletes; each peek still counts one
    receive towards the queue's maxReceiveCount. So a following peek receives only when more messages are
    waiting than at its last receive, shows each message once, and stops (PeekBudgetSpent) before its
    receives could push a message to the dead-letter queue. On a FIFO queue it sees each group's head only.
  - consume: receive, show, delete. What a consumer does; only on request (`tail --consume`, `make queue`).
"""

import fnmatch
import json
import math
import time

from xwebhook.cli.words import plural


class PeekBudgetSpent(RuntimeError):
    """Peeking again could move a message to the dead-letter queue."""


def _attributes(raw):
    return {name: value.get("StringValue") for name, value in (raw or {}).items() if "StringValue" in value}


def _number(text):
    """A JSON number beyond a double (1e400) kept as written, a string: as a float it would be Infinity, which
    json.dumps writes and no JSON parser reads (a script's `tail --json`, the console's page)."""
    value = float(text)
    return value if math.isfinite(value) else text


def parse_json(text):
    """A JSON document as Python, every number still JSON when written again; ValueError/TypeError as json's."""
    return json.loads(text, parse_float=_number)


def _body(text):
    try:
        return parse_json(text)
    except (TypeError, ValueError):
        return text


def _iso(epoch_ms):
    if not epoch_ms:
        return None
    seconds = int(epoch_ms) / 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(epoch_ms) % 1000:03d}Z"


def render(message):
    """A received SQS message as the document above."""
    system = message.get("Attributes") or {}
    document = {"message_id": message["MessageId"]}
    if "MessageGroupId" in system:
        document["group_id"] = system["MessageGroupId"]
    document["receive_count"] = int(system.get("ApproximateReceiveCount", "1"))
    if "SentTimestamp" in system:
        document["sent_at"] = _iso(system["SentTimestamp"])
    document["attributes"] = _attributes(message.get("MessageAttributes"))
    document["body"] = _body(message["Body"])
    return document


def render_tapped(record):
    """A tap record (localdev.moto_guard) as the same document."""
    document = {"message_id": record["message_id"]}
    if record.get("group_id"):
        document["group_id"] = record["group_id"]
    document["receive_count"] = record.get("receive_count", 0)
    document["sent_at"] = _iso(record.get("sent_timestamp"))
    document["attributes"] = _attributes(record.get("message_attributes"))
    document["body"] = _body(record["body"])
    return document


def matches(document, types=(), users=()):
    """Whether a document passes the filters: event types (globs: `dm.*`) and accounts (for_user_id)."""
    body = document.get("body") if isinstance(document.get("body"), dict) else {}
    event_type = document["attributes"].get("event_type") or body.get("event_type") or ""
    user = document["attributes"].get("for_user_id") or body.get("for_user_id") or ""
    if types and not any(fnmatch.fnmatchcase(event_type, pattern) for pattern in types):
        return False
    return not users or str(user) in {str(u) for u in users}


# --- receiving ---------------------------------------------------------------------------------------------


def receive(sqs, queue_url, wait_seconds, max_messages, visibility_timeout=30):
    return sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(10, max_messages)),
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        VisibilityTimeout=visibility_timeout,
        WaitTimeSeconds=int(min(20, max(0, wait_seconds))),
    ).get("Messages", [])


def _entries(messages):
    return [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]


def release(sqs, queue_url, messages):
    """Make received messages visible again at once (visibility timeout 0)."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries = [dict(entry, VisibilityTimeout=0) for entry in _entries(chunk)]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def consume(sqs, queue_url, peek=False, max_messages=0, wait=0.0, follow=False, emit=None, keep=None):
    """Receive messages and call `emit(message)` for each; returns the count emitted.

    Consuming deletes each batch once it is shown. Peeking receives each message once and then sets its
    visibility timeout to 0, so it is back on the queue as it was (one receive counted). `keep(message)`
    False means "not mine": released untouched, never deleted (filters of a consuming tail). If showing
    fails, what was shown is deleted (or released) and the rest made visible again.
    """
    held = []  # peeked messages, released at the end
    count = 0
    first = True
    try:
        while True:
            remaining = max_messages - count if max_messages else 10
            if max_messages and remaining <= 0:
                return count
            batch = receive(sqs, queue_url, 20 if follow else (wait if first else 0), remaining)
            first = False
            if not batch:
                if follow:
                    continue
                return count
            shown, skipped = [], []
            try:
                for message in batch:
                    if keep is not None and not keep(message):
                        skipped.append(message)
                        continue
                    emit(message)
                    shown.append(message)
                    count += 1
            finally:
                done = {m["MessageId"] for m in shown + skipped}
                unshown = [m for m in batch if m["MessageId"] not in done] + skipped
                if unshown:
                    release(sqs, queue_url, unshown)
                if peek:
                    held.extend(shown)
                elif shown:
                    sqs.delete_message_batch(QueueUrl=queue_url, Entries=_entries(shown))
            if skipped and not shown and not follow:
                return count  # only others' messages are waiting: they would come back at once
    finally:
        if held:
            release(sqs, queue_url, held)


class Peeker:
    """Peeks at an SQS queue on AWS without taking messages from its consumers (see the module's note)."""

    def __init__(self, sqs, queue_url):
        self.sqs = sqs
        self.queue_url = queue_url
        self.seen = set()
        self.visible_at_last_receive = None
        # A queue without a redrive policy (a dead-letter queue) has no such attribute: the answer then has no
        # Attributes at all.
        answer = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
        policy = json.loads(answer.get("Attributes", {}).get("RedrivePolicy") or "{}")
        self.max_receive_count = int(policy.get("maxReceiveCount") or 0)

    def visible(self):
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def poll(self):
        """The messages not shown yet; receives only when more are waiting than at the last receive."""
        visible = self.visible()
        last, self.visible_at_last_receive = self.visible_at_last_receive, visible
        if visible == 0 or (last is not None and visible <= last):
            if visible == 0:
                self.visible_at_last_receive = 0
            return []
        batch = receive(self.sqs, self.queue_url, 0, 10, visibility_timeout=0)
        fresh = [message for message in batch if message["MessageId"] not in self.seen]
        self.seen.update(message["MessageId"] for message in batch)
        if self.max_receive_count:
            for message in batch:
                count = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "0"))
                if count >= self.max_receive_count - 1:
                    raise PeekBudgetSpent(
                        f"message {message['MessageId']} has been received {count} times and the queue moves a "
                        f"message to its dead-letter queue after {self.max_receive_count}: stopped peeking so "
                        "that its consumer keeps its last tries (tail --consume if you are the consumer)"
                    )
        return fresh


def tail(target, queue_url, emit, follow=False, consume_messages=False, types=(), users=(), poll_seconds=2.0):
    """Show a queue's messages (and, with `follow`, those that arrive) as documents; returns how many.

    Locally through the tap, on AWS by peeking, or by consuming when asked (see the module's note).
    """
    shown = 0

    def show(document):
        nonlocal shown
        if matches(document, types, users):
            emit(document)
            shown += 1

    if consume_messages:
        sqs = target.client("sqs")
        consume(
            sqs,
            queue_url,
            follow=follow,
            emit=lambda m: show(render(m)),
            keep=lambda m: matches(render(m), types, users),
        )
        return shown
    tap = target.tap(queue_url)
    if tap is not None:
        held, last = tap.held()
        seen = set()
        for record in held:
            seen.add(record["message_id"])
            show(render_tapped(record))
        while follow:
            added, last = tap.added(after=last, wait=10)
            for record in added:
                if record["message_id"] not in seen:
                    show(render_tapped(record))
        return shown
    peeker = Peeker(target.client("sqs"), queue_url)
    while True:
        for message in peeker.poll():
            show(render(message))
        if not follow:
            return shown
        time.sleep(poll_seconds)


def depth(sqs, queue_url):
    """{"visible", "in_flight", "delayed"} of a queue."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[*names, "VisibilityTimeout"])[
        "Attributes"
    ]
    return {
        "visible": int(attributes.get(names[0], 0)),
        "in_flight": int(attributes.get(names[1], 0)),
        "delayed": int(attributes.get(names[2], 0)),
        "visibility_timeout": int(attributes.get("VisibilityTimeout", 30)),
    }


def hidden_note(counts, fifo=False):
    """Why messages a reader did not get are still on the queue (None when there are none)."""
    if not counts["in_flight"]:
        return None
    are = "is" if counts["in_flight"] == 1 else "are"
    note = (
        f"{plural(counts['in_flight'], 'message')} {are} in flight: another reader received them and has not "
        "deleted them "
        f"(a consumer at work, an `aws sqs receive-message`, a peek that was interrupted). They stay hidden until "
        f"their visibility timeout runs out ({counts['visibility_timeout']} s, the queue's VisibilityTimeout, unless "
        "the reader chose another) and then come back"
    )
    if fifo:
        note += "; on a FIFO queue, later messages of their groups wait behind them"
    return note + "."
