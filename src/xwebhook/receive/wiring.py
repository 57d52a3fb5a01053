"""The ingest function's composition root: DeliveryIngestor wired to SQS (and DynamoDB when set)."""

from botocore.config import Config

from xwebhook.aws import FAST_FAIL, client
from xwebhook.credentials.consumer_secret import consumer_secret
from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.dedup import DynamoDedupStore
from xwebhook.receive.ingest import DeliveryIngestor
from xwebhook.receive.publisher import SqsEventPublisher


def client_config(settings):
    """Ingest's botocore config: X's deadline (FAST_FAIL), a connection per concurrent call, and no
    parameter validation. The requests are built here in fixed shapes (and run against moto in the
    tests); validating each against the service model took a fifth of a large delivery's CPU."""
    return FAST_FAIL.merge(Config(parameter_validation=False, max_pool_connections=settings.publish_concurrency))


def build_ingestor(settings):
    """The DeliveryIngestor described by IngestSettings."""
    concurrently = Concurrently(settings.publish_concurrency)  # one pool for SQS and DynamoDB calls
    config = client_config(settings)
    dedup = None
    if settings.dedup_table:
        dedup = DynamoDedupStore(
            client("dynamodb", config), settings.dedup_table, settings.dedup_ttl_seconds, concurrently=concurrently
        )
    publisher = SqsEventPublisher(
        client("sqs", config),
        settings.queue_url,
        max_attempts=settings.publish_attempts,
        concurrently=concurrently,
        group_shards=settings.fifo_group_shards,
    )
    return DeliveryIngestor(
        secret=consumer_secret(settings.secret),
        publisher=publisher,
        max_body_bytes=settings.max_body_bytes,
        dedup=dedup,
        fifo_trust_seconds=settings.fifo_trust_seconds,
    )
