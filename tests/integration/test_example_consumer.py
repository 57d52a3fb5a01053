"""examples/consumer on the events queue of a provisioned stack (moto over HTTP), run as Lambda's SQS
event source runs it (localdev/consume.py): real messages from the real ingest handler, a poison
message, partial batch failures, retries and the dead-letter queue."""

import json

import pytest

from localdev import consume
from localdev.events import signed_delivery_event, synthetic_delivery_event
from localdev.testing import invoke
from tests.conftest import DEV_SECRET, sample_bytes

DELIVERIES = ["aaa/favorite", "xaa/post.create", "aaa/direct_message", "xaa/dm.received", "aaa/favorite_multi"]


def enqueue_samples(stack, names=DELIVERIES):
    """POST each sample delivery through the real ingest handler; returns the event ids it enqueued."""
    ingest = stack.load("ingest")
    for name in names:
        answer = invoke(ingest, signed_delivery_event(sample_bytes(name), DEV_SECRET))
        assert answer["statusCode"] == 200, answer
    visible = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert int(visible) >= len(names)


def send_poison(stack, fifo=True, body='{"event_id": "not-a-message"}'):
    extra = {"MessageGroupId": "poison", "MessageDeduplicationId": "poison-1"} if fifo else {}
    return stack.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=body, **extra)["MessageId"]


@pytest.fixture
def consumer():
    return consume.load_consumer(consume.consumer_environment(log_level="WARNING"))


def event_source(stack, app, handler=None, retry_delay=0):
    return consume.LocalEventSource(
        stack.client("sqs"), stack.queue_url, handler or app.handler, retry_delay=retry_delay
    )


def processed_event_ids(batches):
    return [json.loads(m["Body"])["event_id"] for batch in batches for m in batch.processed]


def redrive_count(stack):
    return int(
        json.loads(
            stack.client("sqs").get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["RedrivePolicy"])[
                "Attributes"
            ]["RedrivePolicy"]
        )["maxReceiveCount"]
    )


@pytest.mark.parametrize("queue_type", ["fifo", "standard"])
def test_a_poison_message_reaches_the_dlq_after_max_receive_count_while_the_others_are_processed(
    stack_factory, consumer, queue_type
):
    # Given real events from the ingest handler and a message that is not of the contract
    stack = stack_factory(parameters={"QueueType": queue_type})
    enqueue_samples(stack)
    poison_id = send_poison(stack, fifo=queue_type == "fifo")
    source = event_source(stack, consumer)
    # When the consumer runs until the queue is empty
    batches = source.drain(deadline_seconds=60)
    # Then every real event was processed exactly once, and deleted
    processed = processed_event_ids(batches)
    assert len(processed) == len(set(processed)) == 7  # favorite_multi holds 3
    assert all(not event_id.startswith("not-") for event_id in processed)
    # and the poison message failed every receive, then SQS moved it to the dead-letter queue
    failures = [m for batch in batches for m in batch.failed]
    assert {m["MessageId"] for m in failures} == {poison_id}
    assert len(failures) == redrive_count(stack) == 5
    (dead,) = stack.drain(stack.dlq_url)
    assert dead["MessageId"] == poison_id
    assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= 5
    assert stack.peek_count() == 0


def test_a_message_that_fails_once_is_processed_on_its_next_receive(stack_factory, consumer, monkeypatch):
    stack = stack_factory()
    enqueue_samples(stack, ["aaa/favorite", "xaa/post.create"])
    seen = []

    def flaky(message):
        seen.append(message.event_id)
        if message.event_type == "post.create" and seen.count(message.event_id) == 1:
            raise RuntimeError("the downstream service is busy")

    monkeypatch.setattr(consumer, "handle", flaky)
    batches = event_source(stack, consumer).drain(deadline_seconds=30)
    assert sorted(processed_event_ids(batches)) == sorted(set(seen))
    assert [json.loads(m["Body"])["event_type"] for b in batches for m in b.failed] == ["post.create"]
    assert stack.peek_count(stack.dlq_url) == 0


def test_on_a_fifo_queue_an_accounts_later_events_wait_for_its_failed_one(stack_factory, consumer, monkeypatch):
    # Given three favorites of one account (one message group) and a post of another
    stack = stack_factory()
    enqueue_samples(stack, ["aaa/favorite_multi", "xaa/post.create"])
    order, failed_once = [], set()

    def first_fails_once(message):
        if message.event_type == "favorite" and not failed_once:
            failed_once.add(message.event_id)
            raise RuntimeError("transient")
        order.append(message.event_id)

    monkeypatch.setattr(consumer, "handle", first_fails_once)
    batches = event_source(stack, consumer).drain(deadline_seconds=30)
    favorites = [event_id for event_id in order if ":favorite:" in event_id]
    # Then the account's favorites were handled in their queue order, the failed one first
    (first,) = failed_once
    assert favorites[0] == first
    assert len(favorites) == 3
    assert favorites == sorted(favorites)  # favorite_multi's ids ...540, ...541, ...542
    # and the later favorites of that batch came back with it, unprocessed, while the other account went on
    first_batch = batches[0]
    assert [json.loads(m["Body"])["event_id"] for m in first_batch.failed] == favorites
    assert [json.loads(m["Body"])["event_type"] for m in first_batch.processed] == ["post.create"]


def test_a_synthetic_message_is_done_without_being_handled_while_xs_events_are_handled(
    stack_factory, consumer, monkeypatch
):
    # Given a synthetic delivery (as xwebhook doctor sends one, through the real ingest handler) and X's post
    stack = stack_factory()
    answer = invoke(stack.load("ingest"), synthetic_delivery_event(sample_bytes("xaa/like.create"), DEV_SECRET))
    assert answer["statusCode"] == 200, answer
    enqueue_samples(stack, ["xaa/post.create"])
    handled = []
    monkeypatch.setattr(consumer, "handle", lambda message: handled.append(message.event_type))
    batches = event_source(stack, consumer).drain(deadline_seconds=30)
    # Then only X's event reached `handle`, and both left the queue as processed
    assert handled == ["post.create"]
    assert sorted(json.loads(m["Body"])["event_type"] for b in batches for m in b.processed) == [
        "like.create",
        "post.create",
    ]


def test_a_consumer_that_raises_fails_the_whole_batch_and_loses_nothing(stack_factory, consumer):
    stack = stack_factory()
    enqueue_samples(stack, ["aaa/favorite", "xaa/post.create"])
    calls = []

    def broken_then_fixed(event, context):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise RuntimeError("bug")
        return consumer.handler(event, context)

    batches = event_source(stack, consumer, handler=broken_then_fixed).drain(deadline_seconds=30)
    assert batches[0].error == "RuntimeError: bug"
    assert not batches[0].processed
    assert len(processed_event_ids(batches)) == 2


def test_make_consume_drains_the_running_stacks_queue_and_says_what_happened(stack_factory, tmp_path, capsys):
    stack = stack_factory()
    enqueue_samples(stack, ["aaa/favorite"])
    send_poison(stack)
    state_file = tmp_path / "stack.json"
    from localdev import stack as stack_state

    stack_state.write_state(
        {"aws_endpoint": stack.endpoint, "region": "us-east-1", "resources": dict(stack.resources)}, state_file
    )
    assert consume.main(["--drain", "--retry-delay", "0", "--state-file", str(state_file)]) == 0
    out, err = capsys.readouterr()
    assert "ok    favorite" in out
    assert "receive 5 of 5: the next one moves it to the dead-letter queue" in out
    assert "1 processed" in err
    assert "1 on the DLQ" in err


def test_make_consume_says_when_no_stack_is_running(tmp_path, capsys):
    assert consume.main(["--state-file", str(tmp_path / "none.json")]) == 2
    assert "make run" in capsys.readouterr().err
