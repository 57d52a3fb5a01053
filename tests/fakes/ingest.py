"""Ingest on the fakes: an EventMessage for the ports' tests, what the ingest handler answers, and a world in
which X, ingest, SQS and the dedup table share one clock."""

import json
from types import SimpleNamespace

from localdev.events import sign as signature
from tests.fakes.aws import FIFO_QUEUE, FakeDynamo, FakeSqs, FifoSqs, Logged
from tests.fakes.clock import Clock
from tests.fakes.secrets import StaticSecret
from xwebhook.receive.dedup import DynamoDedupStore
from xwebhook.receive.errors import FAILURES
from xwebhook.receive.ingest import DeliveryIngestor, IngestOutcome
from xwebhook.receive.publisher import SqsEventPublisher
from xwebhook.receive.splitting import EventMessage


def event_message(
    activity_id, source="aaa", event_type="favorite", for_user_id="1", occurred_at=None, signal_user_id=None
):
    """An EventMessage for the ports' tests (splitting builds the real ones from deliveries)."""

    body = '{"activity_id": "%s"}' % activity_id
    return EventMessage(
        f"{source}:{activity_id}",
        activity_id,
        event_type,
        source,
        for_user_id,
        occurred_at,
        signal_user_id,
        body,
        len(body.encode()),
    )


def answered(ingestor, body, signature):
    """What the ingest handler answers (functions/ingest/app.py): the outcome, or the failure ingest raised
    answered by receive/errors.py's FAILURES."""
    try:
        return ingestor.ingest(body, signature)
    except Exception as exc:
        return IngestOutcome.failed(exc, FAILURES)


class IngestWorld:
    """X, ingest, SQS (FIFO deduplication) and the dedup table on one clock; `deliver` gives the outcome
    and the AWS calls it made, in order."""

    START = 1_800_000_000.0

    def __init__(self, queue=FIFO_QUEUE, dedup=True, fifo_trust_seconds=None):
        self.clock = clock = Clock(self.START)
        self.sqs = FifoSqs(clock) if queue == FIFO_QUEUE else FakeSqs()
        self.dynamo = FakeDynamo()
        self.log = []
        dynamo, sqs = Logged(self.dynamo, "dynamodb", self.log), Logged(self.sqs, "sqs", self.log)
        store = DynamoDedupStore(dynamo, "dedup", 30 * 3600, clock=clock, sleep=lambda _: None) if dedup else None
        publisher = SqsEventPublisher(sqs, queue, sleep=lambda _: None)
        self.ingestor = DeliveryIngestor(
            StaticSecret(), publisher, 512 * 1024, dedup=store, clock=clock, fifo_trust_seconds=fifo_trust_seconds
        )

    def deliver(self, delivery):
        body = json.dumps(delivery).encode()
        before = len(self.log)
        outcome = answered(self.ingestor, body, signature(body))
        calls = self.log[before:]
        return SimpleNamespace(
            status=outcome.status,
            sent=outcome.sent,
            duplicates=outcome.duplicates,
            aws_calls=outcome.aws_calls,
            calls=calls,
        )

    @property
    def now(self):
        return self.clock.now

    def later(self, seconds):
        self.clock.advance(seconds)

    @property
    def delivered(self):
        entries = self.sqs.delivered if isinstance(self.sqs, FifoSqs) else self.sqs.accepted
        return [json.loads(entry["MessageBody"])["activity_id"] for entry in entries]
