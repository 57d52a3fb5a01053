"""What can go wrong talking to X's API, as exceptions with a safe message and details for a result.

Every message is safe to return and log: no secret value, no request header, no token.
"""

import time

from xwebhook.errors import ReportedError
from xwebhook.utc import iso


class XError(ReportedError):
    """A call to X cannot be made or was refused. `str(exc)` is safe to show."""


class Unsupported(XError):
    """The configured API flavour has no such operation (e.g. replay on v1.1)."""


class UnsafePathValue(XError):
    """A value meant for a URL path segment would change the path (empty, '.', '..', '/', '%', ...):
    the call is not made. The inputs check ids first; this stops a value from anywhere else."""

    def __init__(self, operation, name):
        super().__init__(f"bad input: not sent to X: {name} for {operation} is not a plain path segment")


class XApiError(XError):
    """X answered with a 4xx (other than 429): X's reason and the parsed error body."""

    def __init__(self, operation, status, reason, x_error=None):
        super().__init__(f"X refused {operation} (HTTP {status}): {reason}")
        self.operation = operation
        self.status = status
        self.reason = reason
        self.x_error = x_error or {}

    def details(self):
        return {"x_error": {"status": self.status, **self.x_error}}


class RateLimited(XError):
    """X answered 429. Not retried: the limit resets at a known time, usually minutes away."""

    def __init__(
        self, operation, reset_epoch=None, limit=None, remaining=None, clock=time.time, reason="", x_error=None
    ):
        self.operation = operation
        self.reset_epoch = reset_epoch
        self.limit = limit
        self.remaining = remaining
        self.reason = reason  # X's words, when its answer had a body
        self.x_error = x_error or {}
        # X's problem type: a rate limit, or its "usage-capped" (which no reset time cures the same way).
        kind = self.x_error.get("type")
        self.problem_type = kind if isinstance(kind, str) else None
        self.retry_after_seconds = None if reset_epoch is None else max(0, int(reset_epoch - clock()))
        when = "at an unknown time (no x-rate-limit-reset header)"
        if reset_epoch is not None:
            when = f"at {iso(reset_epoch)} (in {self.retry_after_seconds} s)"
        super().__init__(f"X rate limit reached for {operation}; it resets {when}")

    def details(self):
        details = {"x_error": {"status": 429}}
        if self.reset_epoch is not None:
            details.update(
                rate_limit_reset=iso(self.reset_epoch),
                rate_limit_reset_epoch=self.reset_epoch,
                retry_after_seconds=self.retry_after_seconds,
            )
        if self.limit is not None:
            details["x_error"]["rate_limit_limit"] = self.limit
        return details


class XUnavailable(XError):
    """X's API answered 5xx or could not be reached, after the bounded retries."""

    def __init__(self, operation, problem, attempts, status=None, x_error=None):
        super().__init__(f"X API unavailable for {operation} after {attempts} attempt(s): {problem}")
        self.status = status
        self.x_error = x_error or {}

    def details(self):
        if self.status is None:
            return {}
        return {"x_error": {"status": self.status, **self.x_error}}


class UnexpectedAnswer(XError):
    """X answered 2xx with a body this code cannot read (a changed API, or the wrong base URL)."""

    def __init__(self, operation, what):
        super().__init__(f"unexpected answer from X for {operation}: {what}")
