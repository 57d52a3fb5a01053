"""Settings of the ingest function, read from the environment and validated once (see xwebhook.env).

A bad setting raises ConfigError at import, so the function fails its init with a message that
names the variable, instead of answering anything.
"""

import os

from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.env import ConfigError, number, text

# HTTP API (payload 2.0) lower-cases header names; X's header as it arrives here.
SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# SQS's largest message since 2025 (and the queue's MaximumMessageSize in the template).
SQS_MAX_MESSAGE_BYTES = 1024 * 1024


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
