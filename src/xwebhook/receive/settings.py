"""Settings of the ingest function, read from the environment and validated once (see xwebhook.env).

A bad setting raises ConfigError at import, so the function fails its init with a message that
names the variable, instead of answering anything.
"""

import os

from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.env import ConfigError, number, text

# HTTP API (payload 2.0) lower-cases header names; X's header as it arrives here.
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
# The marker of a synthetic delivery (synthetic.py), which X never sends.
SYNTHETIC_HEADER = "x-xwebhook-synthetic"

# SQS's largest message since 2025 (and the queue's MaximumMessageSize in the template).
SQS_MAX_MESSAGE_BYTES = 1024 * 1024

# SQS FIFO drops a message whose deduplication id it accepted in the last 5 minutes. An event whose own
# time (from X's payload) is younger than that, less a margin for the two clocks, cannot have been
# enqueued before the window began: SQS drops any earlier copy, and ingest skips the dedup read.
FIFO_DEDUP_WINDOW_SECONDS = 300
CLOCK_SKEW_SECONDS = 60
FIFO_TRUST_SECONDS = FIFO_DEDUP_WINDOW_SECONDS - CLOCK_SKEW_SECONDS


class IngestSettings:
    """Settings of the ingest function."""

    __slots__ = (
        "secret",
        "queue_url",
        "max_body_bytes",
        "dedup_table",
        "dedup_ttl_seconds",
        "publish_attempts",
        "publish_concurrency",
        "fifo_trust_seconds",
        "fifo_group_shards",
    )

    def __init__(
        self,
        secret,
        queue_url,
        max_body_bytes=512 * 1024,
        dedup_table="",
        dedup_ttl_seconds=30 * 3600,
        publish_attempts=3,
        publish_concurrency=16,
        fifo_trust_seconds=FIFO_TRUST_SECONDS,
        fifo_group_shards=1,
    ):
        self.secret = secret
        self.queue_url = queue_url
        self.max_body_bytes = max_body_bytes
        self.dedup_table = dedup_table
        self.dedup_ttl_seconds = dedup_ttl_seconds
        self.publish_attempts = publish_attempts
        self.publish_concurrency = publish_concurrency
        self.fifo_trust_seconds = fifo_trust_seconds
        self.fifo_group_shards = fifo_group_shards

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
            publish_concurrency=number(env, "PUBLISH_CONCURRENCY", 16, 1, 64),
            fifo_trust_seconds=number(env, "DEDUP_FIFO_TRUST_SECONDS", FIFO_TRUST_SECONDS, 0, FIFO_TRUST_SECONDS),
            fifo_group_shards=number(env, "FIFO_GROUP_SHARDS", 1, 1, 64),
        )
