"""What can go wrong on the ingest path, and FAILURES: the one table of what ingest answers for each.

The logic raises a class below; functions/ingest/app.py maps whatever it caught through FAILURES with
http_api.failure_answer (the cookbook's exception-handler table, style.md). Anything not in the table is
a bug: 500, which X retries, logged with its class.
4xx: the delivery itself can never be stored, whoever retries it (X counts it as failed; the reason is
in the answer and the log). 5xx: a dependency failed; X delivers again and nothing was half-recorded.
A failure raised after AWS calls carries `figures` (the IngestOutcome so far) for the log line.
"""

from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.http_api import BadRequest


class IngestFailure(Exception):
    """A delivery ingest does not take; `figures`: what it did before (an IngestOutcome), or None."""

    figures = None


class BodyTooLarge(IngestFailure):
    """A body over MAX_BODY_BYTES (checked before anything else)."""


class SignatureMissing(IngestFailure):
    """No x-twitter-webhooks-signature header, or an empty one."""


class SignatureMismatch(IngestFailure):
    """A signature that is not the body's under the consumer secret (re-read once if it may have rotated)."""


class SyntheticMarkerMismatch(IngestFailure):
    """An x-xwebhook-synthetic header that is not the body's marker under the consumer secret (synthetic.py):
    refused rather than enqueued unmarked or marked, so a real event is never hidden from consumers."""


class BadDelivery(IngestFailure, ValueError):
    """A signed delivery that can never be stored as it is: not JSON, not an object, no event."""


class EmptyDelivery(BadDelivery):
    """A delivery object that carries no event at all."""


class TooDeep(BadDelivery):
    """JSON nested deeper than the receive path writes (jsontext.MAX_NESTING)."""


class MessageTooLarge(BadDelivery):
    """A single event makes a message larger than SQS takes."""


class DedupUnavailable(IngestFailure):
    """The dedup table could not be read or written."""


class NotRecorded(DedupUnavailable):
    """The events are on the queue but the dedup table did not record them: X's retry comes within SQS's
    5-minute window, which drops the copies, and writes the items."""


class PublishError(IngestFailure):
    """SQS did not accept every message. The text says how many and why, never their content;
    `accepted` holds the messages SQS took before the rest failed, `calls` the SQS calls made."""

    def __init__(self, message, accepted=(), calls=0):
        super().__init__(message)
        self.accepted = list(accepted)
        self.calls = calls


# (failure, HTTP status, the reason told to the caller): the first row the failure is an instance of answers.
# Reason None: the failure's own text (a 4xx's reason about the delivery; never a secret or a payload).
# A text: said instead of the failure's own, which is logged only (a 5xx's names an AWS error).
FAILURES = (
    (BodyTooLarge, 413, None),
    (SignatureMissing, 401, None),
    (SignatureMismatch, 401, None),
    (SyntheticMarkerMismatch, 401, None),
    (MessageTooLarge, 413, None),
    (BadDelivery, 400, None),  # not JSON, not an object, no event, nesting too deep
    (BadRequest, 400, None),  # a body marked base64 that is not (http_api.raw_body)
    (SecretUnavailable, 503, "consumer secret unavailable"),
    (NotRecorded, 503, "events stored but not recorded as delivered; retry"),
    (DedupUnavailable, 503, "events could not be checked for duplicates; retry"),
    (PublishError, 503, "events could not be stored; retry"),
)
