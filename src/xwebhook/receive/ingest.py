"""Accept one signed delivery from X: verify, split into events, enqueue, and say what to answer.

Order of checks, each failing closed:
  size cap (413) -> signature over the raw bytes (401; 503 if the secret cannot be read)
  -> JSON object (400) -> split into events (400 when it holds none or nests too deep; 413 when an
  event cannot fit in an SQS message) -> drop activities already delivered (503 if the dedup table
  fails) -> SQS (503 unless every message was accepted) -> remember the activities (503) -> 200.
Nothing is enqueued before the signature is checked, and 200 means every event is on the queue.

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

from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.log_line import utc_timestamp
from xwebhook.receive.errors import BadDelivery, DedupUnavailable, PublishError
from xwebhook.receive.jsontext import parse
from xwebhook.receive.settings import CLOCK_SKEW_SECONDS, FIFO_TRUST_SECONDS
from xwebhook.receive.signing import verify_signature
from xwebhook.receive.splitting import split_delivery

# A signature that does not match makes us re-read the secret (it may have been rotated), at most
# once per this many seconds.
SECRET_RECHECK_SECONDS = 30.0


class IngestOutcome:
    """What ingest did with one delivery: the HTTP status and the figures the log line carries."""

    __slots__ = (
        "status",
        "reason",
        "detail",
        "source",
        "events",
        "enqueued",
        "duplicates",
        "sqs_calls",
        "dedup_calls",
        "event_types",
    )

    def __init__(self, status, reason="", detail="", source="", events=0, enqueued=0, duplicates=0):
        self.status = status
        self.reason = reason  # told to the caller
        self.detail = detail  # logged only (names AWS errors; never a secret or a payload)
        self.source = source
        self.events = events
        self.enqueued = enqueued
        self.duplicates = duplicates
        self.sqs_calls = 0
        self.dedup_calls = 0
        self.event_types = []

    @property
    def aws_calls(self):
        return self.sqs_calls + self.dedup_calls

    def body(self):
        if self.status == 200:
            return '{"status":"ok","events":%d,"enqueued":%d,"duplicates":%d}' % (
                self.events,
                self.enqueued,
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

    def ingest(self, body, signature):
        """The outcome of a POST with raw `body` bytes and the signature header's value (or None)."""
        if len(body) > self._max_body_bytes:
            return IngestOutcome(413, f"body exceeds {self._max_body_bytes} bytes")
        if not signature:
            return IngestOutcome(401, "x-twitter-webhooks-signature header is missing")
        try:
            if not self._signature_matches(body, signature):
                return IngestOutcome(401, "signature does not match the body")
        except SecretUnavailable:
            return IngestOutcome(503, "consumer secret unavailable")
        try:
            delivery = parse(body)
        except BadDelivery as exc:
            return IngestOutcome(400, str(exc))
        except ValueError:  # also UnicodeDecodeError
            return IngestOutcome(400, "body is not JSON (UTF-8, RFC 8259)")
        if not isinstance(delivery, dict):
            return IngestOutcome(400, "body is JSON but not an object")
        now = self._clock()
        try:
            messages = split_delivery(delivery, utc_timestamp(now))
            return self._enqueue(messages, now)
        except BadDelivery as exc:  # EmptyDelivery, TooDeep, MessageTooLarge
            return IngestOutcome(exc.status, str(exc))

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

    def _enqueue(self, messages, now):
        outcome = IngestOutcome(200, events=len(messages))
        outcome.source = messages[0].source if messages else ""
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
                return self._failure(503, "events could not be checked for duplicates; retry", exc, outcome)
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
        types = {message.event_type for message in fresh}
        outcome.event_types = sorted(types) if len(types) > 1 else list(types)
        try:
            outcome.sqs_calls = self._publisher.publish(fresh) if fresh else 0
        except PublishError as exc:
            outcome.sqs_calls = exc.calls
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
            return self._failure(503, "events could not be stored; retry", exc, outcome)
        outcome.enqueued = len(fresh)
        if self._dedup is not None and (fresh or sightings):
            calls = self._dedup.calls
            try:
                self._dedup.remember(fresh + sightings, sighted)
            except DedupUnavailable as exc:
                # Enqueued but not remembered: ask X to retry; SQS's deduplication drops the copy.
                return self._failure(503, "events stored but not recorded as delivered; retry", exc, outcome)
            outcome.dedup_calls += self._dedup.calls - calls
        return outcome

    @staticmethod
    def _failure(status, reason, exc, outcome):
        failed = IngestOutcome(status, reason, str(exc), outcome.source, outcome.events, duplicates=outcome.duplicates)
        failed.sqs_calls, failed.dedup_calls = outcome.sqs_calls, outcome.dedup_calls
        return failed


def _families(seen, keys):
    """The families that delivered any of `keys` (seen: {key: families})."""
    found = set()
    for key in keys:
        found |= seen.get(key, frozenset())
    return found
