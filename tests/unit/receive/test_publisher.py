"""SendMessageBatch packing, FIFO fields, partial failures and retries, against an in-memory SQS."""

import json

import pytest

from tests.fakes import FakeSqs
from xwebhook.receive.publisher import MessageTooLarge, PublishError, SqsEventPublisher, deduplication_id
from xwebhook.receive.splitting import EventMessage

FIFO = "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events.fifo"
STANDARD = "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events"


def message(n, user="42", size=100):
    body = json.dumps({"event_id": f"e{n}", "pad": "x" * size})
    return EventMessage(f"e{n}", "favorite", "aaa", user, body)


def publisher(sqs, url=FIFO, **kwargs):
    return SqsEventPublisher(sqs, url, sleep=lambda _: None, **kwargs)


def test_one_call_per_ten_messages_in_order():
    sqs = FakeSqs()
    calls = publisher(sqs).publish([message(n) for n in range(23)])
    assert calls == 3
    assert [len(batch) for batch in sqs.calls] == [10, 10, 3]
    assert [json.loads(e["MessageBody"])["event_id"] for e in sqs.accepted] == [f"e{n}" for n in range(23)]
    assert all(len({e["Id"] for e in batch}) == len(batch) for batch in sqs.calls)


def test_batches_stay_under_one_mebibyte():
    sqs = FakeSqs()
    publisher(sqs).publish([message(n, size=300_000) for n in range(7)])
    assert [len(batch) for batch in sqs.calls] == [3, 3, 1]
    for batch in sqs.calls:
        assert sum(len(e["MessageBody"]) for e in batch) <= 1024 * 1024


def test_fifo_entries_group_by_user_and_deduplicate_by_event_id():
    sqs = FakeSqs()
    publisher(sqs).publish([message(1, user="42"), message(2, user=None)])
    first, second = sqs.calls[0]
    assert first["MessageGroupId"] == "42"
    assert second["MessageGroupId"] == "unattributed"
    assert first["MessageDeduplicationId"] == deduplication_id("e1")
    assert len(first["MessageDeduplicationId"]) <= 128


def test_attributes_let_consumers_filter_and_omit_an_absent_user():
    sqs = FakeSqs()
    publisher(sqs).publish([message(1, user="42"), message(2, user=None)])
    with_user, without_user = sqs.calls[0]
    assert with_user["MessageAttributes"]["event_type"] == {"DataType": "String", "StringValue": "favorite"}
    assert with_user["MessageAttributes"]["for_user_id"]["StringValue"] == "42"
    assert with_user["MessageAttributes"]["source"]["StringValue"] == "aaa"
    assert "for_user_id" not in without_user["MessageAttributes"]


def test_standard_queue_entries_have_no_fifo_fields():
    sqs = FakeSqs()
    publisher(sqs, STANDARD).publish([message(1)])
    assert "MessageGroupId" not in sqs.calls[0][0]
    assert "MessageDeduplicationId" not in sqs.calls[0][0]


def test_a_message_too_large_for_sqs_fails_before_anything_is_sent():
    sqs = FakeSqs()
    with pytest.raises(MessageTooLarge):
        publisher(sqs).publish([message(1), message(2, size=1024 * 1024)])
    assert sqs.calls == []


def test_failed_entries_of_a_partial_batch_are_sent_again():
    sqs = FakeSqs(script=[{"1", "3"}, None])
    calls = publisher(sqs).publish([message(n) for n in range(5)])
    assert calls == 2
    assert [e["Id"] for e in sqs.calls[1]] == ["1", "3"]
    assert sorted(json.loads(e["MessageBody"])["event_id"] for e in sqs.accepted) == [f"e{n}" for n in range(5)]


def test_persistent_failure_raises_after_the_bounded_attempts():
    sqs = FakeSqs(script=[{"0"}, {"0"}, {"0"}, None])
    with pytest.raises(PublishError, match="1 of 1 entries failed"):
        publisher(sqs, max_attempts=3).publish([message(1)])
    assert len(sqs.calls) == 3


def test_sender_faults_are_not_retried():
    sqs = FakeSqs(script=[{"0"}], sender_fault=True)
    with pytest.raises(PublishError):
        publisher(sqs).publish([message(1)])
    assert len(sqs.calls) == 1


def test_connection_errors_are_retried_then_reported_without_payloads():
    sqs = FakeSqs(script=[ConnectionError("refused"), ConnectionError("refused"), ConnectionError("refused")])
    with pytest.raises(PublishError) as caught:
        publisher(sqs).publish([message(1)])
    assert "ConnectionError" in str(caught.value)
    assert "pad" not in str(caught.value)


def test_a_transient_error_then_success_publishes_everything_once():
    sqs = FakeSqs(script=[TimeoutError("slow")])
    assert publisher(sqs).publish([message(1), message(2)]) == 2
    assert len(sqs.accepted) == 2


def test_backoff_between_attempts_is_bounded():
    slept = []
    sqs = FakeSqs(script=[{"0"}, {"0"}, None])
    SqsEventPublisher(sqs, FIFO, max_attempts=3, backoff_seconds=(0.05, 0.2), sleep=slept.append).publish([message(1)])
    assert slept == [0.05, 0.2]
