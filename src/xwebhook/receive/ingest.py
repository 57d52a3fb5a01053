"""Accept one signed delivery from X: verify, split into events, enqueue, and say what to answer.

Order of checks, each failing closed with a receive/errors.py failure (its status: FAILURES there):
  size cap (BodyTooLarge) -> signature over the raw bytes (SignatureMissing, SignatureMismatch;
  SecretUnavailable) -> a synthetic marker, when the delivery has one (SyntheticMarkerMismatch;
  synthetic.py) -> JSON object (BadDelivery) -> split into events (EmptyDelivery, TooDeep;
  MessageTooLarge when an event cannot fit in an SQS message) -> drop activities already delivered
  (DedupUnavailable) -> SQS (PublishError unless every message was accepted) -> remember the
  activities (NotRecorded) -> 200.
Nothing is enqueued before the signature is checked, and 200 means SQS accepted every new event.

AWS calls on X's clock, with the dedup table and a FIFO queue (docs/messages.md "Exactly once"):
- An event whose own time (X's payload) is less than `fifo_trust_seconds` old (240 s: SQS's 5-minute
  FIFO window less a minute for the clocks) cannot have been enqueued before the window began, so SQS
  drops any copy (a retry, the other family's copy) by its MessageDeduplicationId: no dedup read.
  Steady state is then one SendMessageBatch and one BatchWriteItem per delivery of up to 10 events.
- Older events (replays, late retries), events without a usable time, and every event on a standard
  queue are read first (BatchGetItem): 3 calls.
- The write after the send stays in every case, so a replay hours later finds the activity.
"""

import time
from _json import encode_basestring_ascii as _quote

from xwebhook.http_api import failure_answer
from xwebhook.log_line import utc_timestamp
from xwebhook.receive.errors import (
    BadDelivery,
    BodyTooLarge,
    DedupUnavailable,
    NotRecorded,
    PublishError,
    SignatureMismatch,
    SignatureMissing,
    SyntheticMarkerMismatch,
)
from xwebhook.receive.jsontext import parse
from xwebhook.receive.settings import CLOCK_SKEW_SECONDS, FIFO_TRUST_SECONDS
from xwebhook.receive.signing import verify_signature
from xwebhook.receive.splitting import split_delivery

# A signature that does not match makes us re-read the secret (it may have been rotated), at most
# once per this many seconds.
SECRET_RECHECK_SECONDS = 30.0


class IngestOutcome:
    """What ingest did with one delivery: the HTTP status and the figures the log line carries.

    `sent`: the messages SQS accepted. Not "enqueued": on a FIFO queue SQS also accepts, and silently
    drops, a copy whose MessageDeduplicationId it accepted in the last 5 minutes, and its answer does not
    say which (docs/messages.md "What ingest knows it enqueued"). `duplicates`: the copies ingest itself
    left out (repeated in the delivery, or found in the dedup table).
    The figures a delivery leaves unset keep these class defaults (made per POST: fewer stores)."""

    reason = ""  # told to the caller
    detail = ""  # logged only (names AWS errors; never a secret or a payload)
    source = ""
    events = 0
    sent = 0
    duplicates = 0
    sqs_calls = 0
    dedup_calls = 0
    event_types = ()
    synthetic = False  # a synthetic delivery (synthetic.py): its messages are marked

    def __init__(self, status, events=0):
        self.status = status
        self.events = events

    @classmethod
    def failed(cls, failure, table):
        """The outcome of a delivery that raised `failure`: its answer by `table` (receive/errors.py's
        FAILURES for ingest: the handler's one table), with the figures of what was done before it."""
        status, reason, detail = failure_answer(failure, table)
        figures = getattr(failure, "figures", None)
        outcome = cls(status, figures.events if figures is not None else 0)
        outcome.reason, outcome.detail = reason, detail
        if figures is not None:  # what SQS took before a 503 included: the log line says so
            outcome.source, outcome.sent, outcome.duplicates = figures.source, figures.sent, figures.duplicates
            outcome.sqs_calls, outcome.dedup_calls = figures.sqs_calls, figures.dedup_calls
            outcome.synthetic = figures.synthetic
        return outcome

    @property
    def aws_calls(self):
        return self.sqs_calls + self.dedup_calls

    def body(self):
        if self.status == 200:
            return '{"status":"ok","events":%d,"sent":%d,"duplicates":%d}' % (
                self.events,
                self.sent,
                self.duplicates,
            )
        return '{"error":%s}' % _quote(self.reason)


class DeliveryIngestor:
    def __init__(self, secret, publisher, max_body_bytes, dedup=None, clock=time.time, fifo_trust_seconds=None):
        self._secret = secret
        self._publisher = publisher
        self._max_body_bytes = max_body_bytes
        self._dedup = dedup
        self._clock = clock
        trust = FIFO_TRUST_SECONDS if fifo_trust_seconds is None else fifo_trust_seconds
        # Only a FIFO queue deduplicates; a standard queue reads the table for every event.
        self._trust = trust if publisher.fifo else 0

    def ingest(self, body, signature, text=None, synthetic=None):
        """The outcome of a POST with raw `body` bytes and the signature header's value (or None), all its
        events on the queue; raises a receive/errors.py failure (whose answer FAILURES gives) otherwise.
        `text`: the body as the str it arrived as, when it did (http_api.body_text): parsed without decoding
        the bytes again (~0.3 us for 4 KB). `synthetic`: the x-xwebhook-synthetic header's value, when
        the delivery has one (X's never do): its messages are then marked synthetic."""
        if len(body) > self._max_body_bytes:
            raise BodyTooLarge(f"body exceeds {self._max_body_bytes} bytes")
        if not signature:
            raise SignatureMissing("x-twitter-webhooks-signature header is missing")
        if not self._signature_matches(body, signature):
            raise SignatureMismatch("signature does not match the body")
        if synthetic is not None:
            from xwebhook.receive.synthetic import marker_matches  # only for a synthetic delivery

            if not marker_matches(self._secret.get(), body, synthetic):
                raise SyntheticMarkerMismatch("x-xwebhook-synthetic does not match the body")
        try:
            delivery = parse(body if text is None else text)
        except BadDelivery:
            raise
        except ValueError:  # also UnicodeDecodeError
            raise BadDelivery("body is not JSON (UTF-8, RFC 8259)") from None
        if not isinstance(delivery, dict):
            raise BadDelivery("body is JSON but not an object")
        now = self._clock()
        return self._enqueue(split_delivery(delivery, utc_timestamp(now)), now, synthetic is not None)

    def _signature_matches(self, body, signature):
        if verify_signature(self._secret.get(), body, signature):
            return True
        return self._secret.refresh_if_older_than(SECRET_RECHECK_SECONDS) and verify_signature(
            self._secret.get(), body, signature
        )

    def _needs_read(self, message, now):
        """False when SQS's FIFO deduplication alone is sure to drop any earlier copy of the event: the event
        is fresh and its one deduplication id names every copy (a post that is surely one XAA type for the
        account; post_kinds.py)."""
        at = message.occurred_at
        if at is None or self._trust <= 0 or not -CLOCK_SKEW_SECONDS <= now - at <= self._trust:
            return True
        post = message.post  # EventMessage.fifo_safe, written out (every fresh event)
        return post is not None and not post[1]

    def _enqueue(self, messages, now, synthetic=False):
        outcome = IngestOutcome(200, len(messages))
        if messages:
            outcome.source = messages[0].source
        if synthetic:
            from xwebhook.receive.synthetic import mark

            mark(messages)
            outcome.synthetic = True
        # One message per event: the first copy in the delivery of each dedup key (for a post, of each
        # (type, post) pair: X's distinct types for one post are distinct events).
        fresh = messages
        # Distinct activities have distinct keys: the keys are compared only when activities repeat.
        if len(messages) > 1 and len({message.activity_id for message in messages}) != len(messages):
            first = {message.dedup_key: message for message in reversed(messages)}
            fresh = [message for message in messages if first[message.dedup_key] is message]
        sightings, sighted = [], None
        if self._dedup is not None and fresh:
            calls = self._dedup.calls
            to_read = [message for message in fresh if self._needs_read(message, now)]
            try:
                seen = self._dedup.seen(to_read) if to_read else {}
            except DedupUnavailable as exc:
                exc.figures = outcome
                raise
            outcome.dedup_calls = self._dedup.calls - calls
            if seen:
                # A message any of whose keys was delivered is a copy (an AAA tweet_create stands for each
                # XAA type of its post). The other family's copy is recorded (not sent): the admin function
                # learns that XAA events arrive during the AAA -> XAA overlap.
                copies = [m for m in fresh if any(key in seen for key in m.dedup_keys)]
                if copies:
                    sightings = [m for m in copies if m.source not in _families(seen, m.dedup_keys)]
                    fresh = [m for m in fresh if not any(key in seen for key in m.dedup_keys)]
                    # A copy records only the keys found: the XAA types an AAA post stands for that are
                    # not on the queue yet must still get through when X delivers them.
                    sighted = {m: [key for key in m.dedup_keys if key in seen] for m in sightings}
        outcome.duplicates = len(messages) - len(fresh)
        outcome.event_types = _types(fresh)
        try:
            outcome.sqs_calls = self._publisher.publish(fresh, synthetic) if fresh else 0
        except BadDelivery as exc:  # MessageTooLarge: found before the first call
            exc.figures = outcome
            raise
        except PublishError as exc:
            outcome.sqs_calls, outcome.sent = exc.calls, len(exc.accepted)
            exc.figures = outcome
            if self._dedup is not None and exc.accepted:
                # What SQS took is recorded before X is asked to retry: a FIFO queue would drop those copies
                # anyway, a standard queue would deliver them twice. Best effort: if this write fails too,
                # a standard queue may double them (docs/edges.md); a FIFO queue still drops them.
                calls = self._dedup.calls
                try:  # noqa: SIM105 - contextlib is not loaded on ingest's cold path for this
                    self._dedup.remember(exc.accepted)
                except DedupUnavailable:
                    pass
                outcome.dedup_calls += self._dedup.calls - calls
            raise
        outcome.sent = len(fresh)
        if self._dedup is not None and (fresh or sightings):
            calls = self._dedup.calls
            try:
                self._dedup.remember(fresh + sightings, sighted)
            except DedupUnavailable as exc:
                # Enqueued but not remembered: ask X to retry; SQS's deduplication drops the copy.
                failure = NotRecorded(str(exc))
                failure.figures = outcome
                raise failure from exc
            outcome.dedup_calls += self._dedup.calls - calls
        return outcome


def _types(messages):
    """The distinct event types of `messages`, sorted (the log line's event_types). A delivery is nearly
    always of one type (every XAA delivery; an AAA delivery of one kind): that is checked first."""
    if not messages:
        return []
    first = messages[0].event_type
    for message in messages:
        if message.event_type != first:
            return sorted({message.event_type for message in messages})
    return [first]


def _families(seen, keys):
    """The families that delivered any of `keys` (seen: {key: families})."""
    found = set()
    for key in keys:
        found |= seen.get(key, frozenset())
    return found
