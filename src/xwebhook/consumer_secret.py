"""The app's consumer secret (API secret key): fetched through a source, cached, never logged.

The secret in Secrets Manager holds either the bare consumer secret or a JSON object with a
`consumer_secret` key (so one secret can also carry the consumer key). An empty value counts as
"not configured": answering a CRC with an HMAC of the empty string would be a wrong 2XX, which X
punishes by invalidating the webhook at once.
"""

import time

from xwebhook.secret_extension import SecretUnavailable, fetch_secret_string, parse_json


def consumer_secret_from_value(value):
    """The consumer secret as bytes from the stored SecretString."""
    text = value.strip()
    if text.startswith("{"):
        try:
            document = parse_json(text)
        except ValueError:
            raise SecretUnavailable("consumer secret value is neither a plain string nor valid JSON") from None
        text = document.get("consumer_secret") if isinstance(document, dict) else None
        if not isinstance(text, str):
            raise SecretUnavailable("consumer secret JSON has no string 'consumer_secret' key")
        text = text.strip()
    if not text:
        raise SecretUnavailable("consumer secret is not configured (the stored value is empty)")
    return text.encode()


class CachedSecret:
    """Holds a fetched and parsed secret for `ttl_seconds`, then fetches it again.

    A failed fetch or parse is never cached and never answered with a stale or made-up value: callers
    get the exception (SecretUnavailable here) and answer 5xx, which X treats as transient.
    `parse` turns the stored text into what callers use: the consumer secret's bytes by default.
    """

    __slots__ = ("_fetch", "_ttl", "_clock", "_parse", "_value", "_fetched_at")

    def __init__(self, fetch, ttl_seconds=300, clock=time.monotonic, parse=consumer_secret_from_value):
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


def consumer_secret(settings):
    """The cached consumer secret described by a SecretSettings, read through the extension."""

    def fetch():
        return fetch_secret_string(settings.secret_id, settings.extension_port, settings.session_token)

    return CachedSecret(fetch, settings.cache_seconds)
