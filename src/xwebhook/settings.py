"""Typed settings for the crc and ingest functions, read from the environment and validated once.

Plain classes on purpose: dataclasses, typing and pydantic each cost 10-40 ms at import on a cold
start, and the crc function's cold start is what X's CRC deadline sees (bench/crc_cold.py).
A bad setting raises ConfigError at import, so the function fails its init with a message that
names the variable, instead of answering anything.
"""

import os

# HTTP API (payload 2.0) lower-cases header names; X's header as it arrives here.
SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# SQS's largest message since 2025 (and the queue's MaximumMessageSize in the template).
SQS_MAX_MESSAGE_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """A setting is missing or out of range. The message names the variable, never a secret."""


# Typed readers of one variable each, shared by every function's settings.


def text(env, name, default=None):
    """The stripped value; `default` when unset (None: the variable is required)."""
    value = env.get(name, "").strip()
    if value:
        return value
    if default is None:
        raise ConfigError(f"{name} must be set")
    return default


def number(env, name, default, lowest, highest, kind=int):
    """An int (or float, with kind=float) within [lowest, highest]; `default` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    if not lowest <= value <= highest:
        raise ConfigError(f"{name} must be between {lowest} and {highest}, got {raw}")
    return value


def flag(env, name, default):
    """true/1/yes/on or false/0/no/off; `default` when unset."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


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


class IngestSettings:
    """Settings of the ingest function."""

    __slots__ = (
        "secret",
        "queue_url",
        "max_body_bytes",
        "dedup_table",
        "dedup_ttl_seconds",
        "publish_attempts",
    )

    def __init__(
        self,
        secret,
        queue_url,
        max_body_bytes=512 * 1024,
        dedup_table="",
        dedup_ttl_seconds=30 * 3600,
        publish_attempts=3,
    ):
        self.secret = secret
        self.queue_url = queue_url
        self.max_body_bytes = max_body_bytes
        self.dedup_table = dedup_table
        self.dedup_ttl_seconds = dedup_ttl_seconds
        self.publish_attempts = publish_attempts

    @classmethod
    def from_env(cls, env=os.environ):
        queue_url = text(env, "EVENTS_QUEUE_URL")
        if not queue_url.startswith(("https://", "http://")):
            raise ConfigError(f"EVENTS_QUEUE_URL must be a queue URL, got {queue_url!r}")
        return cls(
            secret=SecretSettings.from_env(env),
            queue_url=queue_url,
            # Each event becomes one message no larger than its delivery plus ~1 KB of envelope,
            # so a cap below SQS's 1 MiB keeps every message of an accepted delivery sendable.
            max_body_bytes=number(env, "MAX_BODY_BYTES", 512 * 1024, 1024, SQS_MAX_MESSAGE_BYTES - 16384),
            dedup_table=env.get("DEDUP_TABLE", "").strip(),
            # X replays up to 24 h back; a replayed copy can arrive a while after the job starts.
            dedup_ttl_seconds=number(env, "DEDUP_TTL_HOURS", 30, 25, 24 * 14) * 3600,
            publish_attempts=number(env, "PUBLISH_ATTEMPTS", 3, 1, 5),
        )
