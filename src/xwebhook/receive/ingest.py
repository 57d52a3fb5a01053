"""Accept one signed delivery from X: verify, split into events, enqueue, and say what to answer.

Order of checks, each failing closed:
  size cap (413) -> signature over the raw bytes (401; 503 if the secret cannot be read)
  -> JSON object (400) -> split into events (400 when it holds none) -> drop ids already delivered
  (503 if the dedup store fails) -> SQS (503 unless every message was accepted) -> remember ids -> 200.
Nothing is enqueued before the signature is checked, and 200 means every event is on the queue.
"""

import json
import time
from dataclasses import dataclass, field

from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.log_line import utc_timestamp
from xwebhook.receive.dedup import DedupUnavailable
from xwebhook.receive.publisher import MessageTooLarge, PublishError
from xwebhook.receive.signing import verify_signature
from xwebhook.receive.splitting import EmptyDelivery, split_delivery


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


# Strict JSON (RFC 8259): the standard library would otherwise accept NaN and Infinity. Made once.
_DECODER = json.JSONDecoder(parse_constant=_not_json)

# A signature that does not match makes us re-read the secret (it may have been rotated), at most
# once per this many seconds.
SECRET_RECHECK_SECONDS = 30.0


@dataclass
class IngestOutcome:
    status: int
    reason: str = ""  # told to the caller
    detail: str = ""  # logged only (names AWS errors; never a secret or a payload)
    source: str = ""
    events: int = 0
    enqueued: int = 0
    duplicates: int = 0
    sqs_calls: int = 0
    event_types: list = field(default_factory=list)

    def body(self):
        if self.status == 200:
            document = {"status": "ok", "events": self.events, "enqueued": self.enqueued, "duplicates": self.duplicates}
        else:
            document = {"error": self.reason}
        return json.dumps(document)


class DeliveryIngestor:
    def __init__(self, secret, publisher, max_body_bytes, dedup=None, clock=time.time):
        self._secret = secret
        self._publisher = publisher
        self._max_body_bytes = max_body_bytes
        self._dedup = dedup
        self._clock = clock

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
            delivery = _DECODER.decode(body.decode("utf-8"))
        except ValueError:  # also UnicodeDecodeError
            return IngestOutcome(400, "body is not JSON (UTF-8, RFC 8259)")
        if not isinstance(delivery, dict):
            return IngestOutcome(400, "body is JSON but not an object")
        try:
            messages = split_delivery(delivery, utc_timestamp(self._clock()))
        except EmptyDelivery as exc:
            return IngestOutcome(400, str(exc))
        return self._enqueue(messages)

    def _signature_matches(self, body, signature):
        if verify_signature(self._secret.get(), body, signature):
            return True
        return self._secret.refresh_if_older_than(SECRET_RECHECK_SECONDS) and verify_signature(
            self._secret.get(), body, signature
        )

    def _enqueue(self, messages):
        outcome = IngestOutcome(200, events=len(messages))
        outcome.source = messages[0].source if messages else ""
        unique = list({message.event_id: message for message in messages}.values())
        try:
            seen = self._dedup.seen([m.event_id for m in unique]) if self._dedup and unique else set()
        except DedupUnavailable as exc:
            return self._failure(503, "events could not be checked for duplicates; retry", exc, outcome)
        fresh = [message for message in unique if message.event_id not in seen]
        outcome.duplicates = len(messages) - len(fresh)
        outcome.event_types = sorted({message.event_type for message in fresh})
        try:
            outcome.sqs_calls = self._publisher.publish(fresh) if fresh else 0
        except MessageTooLarge as exc:
            return self._failure(413, str(exc), exc, outcome)
        except PublishError as exc:
            return self._failure(503, "events could not be stored; retry", exc, outcome)
        outcome.enqueued = len(fresh)
        if self._dedup and fresh:
            try:
                self._dedup.remember([message.event_id for message in fresh])
            except DedupUnavailable as exc:
                # Enqueued but not remembered: ask X to retry; SQS's deduplication drops the copy.
                return self._failure(503, "events stored but not recorded as delivered; retry", exc, outcome)
        return outcome

    @staticmethod
    def _failure(status, reason, exc, outcome):
        return IngestOutcome(status, reason, str(exc), outcome.source, outcome.events, duplicates=outcome.duplicates)
