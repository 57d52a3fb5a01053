"""A secret held in process for a while: fetched through a source, parsed, cached, never logged."""

import time


def _identity(value):
    return value


class CachedSecret:
    """Holds a fetched and parsed secret for `ttl_seconds`, then fetches it again.

    A failed fetch or parse is never cached and never answered with a stale or made-up value: callers
    get the exception (SecretUnavailable here) and answer 5xx, which X treats as transient.
    `parse` turns the stored text into what callers use (consumer_secret_from_value for the consumer
    secret); a parse error is not cached either.
    """

    __slots__ = ("_fetch", "_ttl", "_clock", "_parse", "_value", "_fetched_at")

    def __init__(self, fetch, ttl_seconds=300, clock=time.monotonic, parse=_identity):
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._clock = clock
        self._parse = parse
        self._value = None
        self._fetched_at = 0.0

    def get(self):
        now = self._clock()
        if self._value is None or now - self._fetched_at >= self._ttl:
            self._value = None
            self._value = self._parse(self._fetch())
            self._fetched_at = now
        return self._value

    def refresh_if_older_than(self, seconds):
        """Re-fetch when the cached value is at least `seconds` old; True when it did.

        Used when a signature does not match: the secret may have been rotated since it was
        cached. The age floor keeps forged requests from turning into a stream of fetches.
        """
        if self._value is None or self._clock() - self._fetched_at < seconds:
            return False
        self._value = None
        self.get()
        return True
