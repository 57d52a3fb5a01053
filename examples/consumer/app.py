"""Example consumer of xwebhook's events queue: a Lambda on an SQS event source, with partial batch failures.

Each record's body is parsed with the published models (xwebhook.contract, from the stack's layer;
pydantic and Powertools come from this function's requirements.txt), then handed to `handle`. A record
that fails - not a message of the contract, or `handle` raised - is reported in `batchItemFailures`:
SQS gives it back after the queue's visibility timeout, and after MaxReceiveCount receives moves it to
the dead-letter queue. The others in the batch are done and deleted.

On a FIFO queue (the default) a failed message also fails the later messages of its group (the same
account) in the batch, so an account's events are never handled out of order; other accounts' messages
go on. Those held back count a receive too: if one message keeps failing, its group's next messages in
the same batches may reach the dead-letter queue with it (redrive them once the cause is fixed).

Messages marked `synthetic` (a test delivery `xwebhook doctor` sent through the whole chain, not an event X
delivered) are skipped: logged and deleted, never handed to `handle`.

Deploy it with the stack (`DeployExampleConsumer=true`), or run it locally on `make run`'s queue with
`make consume`. Replace `handle` (and HANDLERS) with your own work; keep it idempotent: SQS delivers at
least once, and a batch can be retried.
"""

import time

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)

from xwebhook.contract import InvalidMessage, parse_message

logger = Logger()  # service name from POWERTOOLS_SERVICE_NAME, level from LOG_LEVEL

# A whole batch that fails is reported as failures too (rather than raised): the same retry, no
# Lambda error for a batch that held one bad message.
standard_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
fifo_processor = SqsFifoPartialProcessor(skip_group_on_error=True)
fifo_processor.raise_on_entire_batch_failure = False  # same switch; its constructor does not take it


def on_post(message):
    """post.create / tweet_create: where a bot would answer, an index would store the post."""
    if message.source == "xaa":
        return {"post_id": (message.event.payload or {}).get("id")}
    return {"post_id": message.event.get("id_str") if isinstance(message.event, dict) else None}


# event_type -> what to do with it, returning facts worth a log line (never the content: DMs are private).
HANDLERS = {"post.create": on_post, "tweet_create": on_post}


def handle(message):
    """Your work on one event (AaaMessage or XaaMessage). Raise to have SQS deliver it again."""
    facts = HANDLERS.get(message.event_type, lambda message: {})(message)
    logger.info(
        "event",
        event_id=message.event_id,
        event_type=message.event_type,
        source=message.source,
        for_user_id=message.for_user_id,
        queued_seconds=round(time.time() - message.received_at.timestamp(), 3),
        **facts,
    )


def record_handler(record):
    try:
        message = parse_message(record.body)
    except InvalidMessage as exc:
        # Retrying cannot cure it; it fails until SQS moves it to the dead-letter queue for a person.
        logger.warning(
            "not an xwebhook message",
            message_id=record.message_id,
            receive_count=record.attributes.approximate_receive_count,
            problem=str(exc),
        )
        raise
    if message.synthetic:
        # A synthetic delivery's message (`xwebhook doctor` checks the chain with one): not an event X
        # delivered. Done without handling; the batch deletes it like any other.
        logger.info("synthetic message skipped", message_id=record.message_id, event_id=message.event_id)
        return
    handle(message)


def handler(event, context):
    records = event.get("Records") or []
    from_fifo = bool(records) and records[0].get("eventSourceARN", "").endswith(".fifo")
    return process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=fifo_processor if from_fifo else standard_processor,
        context=context,
    )
