"""The ingest function's composition root: DeliveryIngestor wired to SQS (and DynamoDB when set)."""

from xwebhook.aws import client
from xwebhook.credentials.consumer_secret import consumer_secret
from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.dedup import DynamoDedupStore
from xwebhook.receive.ingest import DeliveryIngestor
from xwebhook.receive.publisher import SqsEventPublisher


def build_ingestor(settings):
    """The DeliveryIngestor described by IngestSettings."""
    concurrently = Concurrently(settings.publish_concurrency)  # one pool for SQS and DynamoDB calls
    dedup = None
    if settings.dedup_table:
        dedup = DynamoDedupStore(
            client("dynamodb"), settings.dedup_table, settings.dedup_ttl_seconds, concurrently=concurrently
        )
    publisher = SqsEventPublisher(
        client("sqs"), settings.queue_url, max_attempts=settings.publish_attempts, concurrently=concurrently
    )
    return DeliveryIngestor(
        secret=consumer_secret(settings.secret),
        publisher=publisher,
        max_body_bytes=settings.max_body_bytes,
        dedup=dedup,
        fifo_trust_seconds=settings.fifo_trust_seconds,
    )
