"""The app's consumer secret (API secret key): fetched through a source, cached, never logged.

The secret in Secrets Manager holds either the bare consumer secret or a JSON object with a
`consumer_secret` key (so one secret can also carry the consumer key). An empty value counts as
"not configured": answering a CRC with an HMAC of the empty string would be a wrong 2XX, which X
punishes by invalidating the webhook at once.
"""

import os

from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.extension import SecretUnavailable, fetch_secret_string, parse_json
from xwebhook.env import number, text


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


class SecretSettings:
    """Where the consumer secret lives and how long a fetched value is trusted."""

    __slots__ = ("secret_id", "cache_seconds", "extension_port", "session_token")

    def __init__(self, secret_id, cache_seconds=300, extension_port=2773, session_token=""):
        self.secret_id = secret_id
        self.cache_seconds = cache_seconds
        self.extension_port = extension_port
        self.session_token = session_token

    @classmethod
    def from_env(cls, env=os.environ):
        return cls(
            secret_id=text(env, "CONSUMER_SECRET_ID"),
            cache_seconds=number(env, "SECRET_CACHE_SECONDS", 300, 0, 3600),
            # Both names are the AWS Parameters and Secrets Lambda Extension's own.
            extension_port=number(env, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", 2773, 1, 65535),
            session_token=env.get("AWS_SESSION_TOKEN", ""),
        )


def consumer_secret(settings):
    """The cached consumer secret described by a SecretSettings, read through the extension."""

    def fetch():
        return fetch_secret_string(settings.secret_id, settings.extension_port, settings.session_token)

    return CachedSecret(fetch, settings.cache_seconds, parse=consumer_secret_from_value)
