"""What can go wrong on the receive path, each with the HTTP status ingest answers.

4xx: the delivery itself can never be stored, whoever retries it (X counts it as failed; the reason is
in the answer and the log). 5xx: a dependency failed; X delivers again and nothing was half-recorded.
"""


class BadDelivery(ValueError):
    """A signed delivery that can never be stored as it is (400)."""

    status = 400


class EmptyDelivery(BadDelivery):
    """A delivery object that carries no event at all."""


class TooDeep(BadDelivery):
    """JSON nested deeper than the receive path writes (jsontext.MAX_NESTING)."""


class MessageTooLarge(BadDelivery):
    """A single event makes a message larger than SQS takes (413)."""

    status = 413


class PublishError(Exception):
    """SQS did not accept every message (503). The text says how many and why, never their content;
    `accepted` holds the messages SQS took before the rest failed, `calls` the SQS calls made."""

    status = 503

    def __init__(self, message, accepted=(), calls=0):
        super().__init__(message)
        self.accepted = list(accepted)
        self.calls = calls


class DedupUnavailable(Exception):
    """The dedup table could not be read or written (503)."""

    status = 503
