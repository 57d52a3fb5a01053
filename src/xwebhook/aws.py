"""boto3 clients and the ingest pipeline wired to them.

Clients find their endpoint the standard way: AWS in Lambda, `AWS_ENDPOINT_URL` for local runs and
tests (the moto server). Timeouts are short because X waits 3 s at most (legacy) for an answer.
"""

import boto3
from botocore.config import Config

from xwebhook.consumer_secret import consumer_secret
from xwebhook.dedup import DynamoDedupStore
from xwebhook.ingest import DeliveryIngestor
from xwebhook.publisher import SqsEventPublisher

FAST_FAIL = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2})


def client(service, config=FAST_FAIL):
    return boto3.client(service, config=config)


def build_ingestor(settings):
    """The DeliveryIngestor described by IngestSettings, talking to SQS (and DynamoDB when set)."""
    dedup = None
    if settings.dedup_table:
        dedup = DynamoDedupStore(client("dynamodb"), settings.dedup_table, settings.dedup_ttl_seconds)
    return DeliveryIngestor(
        secret=consumer_secret(settings.secret),
        publisher=SqsEventPublisher(client("sqs"), settings.queue_url, max_attempts=settings.publish_attempts),
        max_body_bytes=settings.max_body_bytes,
        dedup=dedup,
    )
