"""SendMessageBatch packing, FIFO fields, partial failures and retries, against an in-memory SQS."""

import contextlib
import hashlib
import json
import threading

import pytest

from tests.fakes import FakeSqs
from tests.sqs_rules import assert_entry_acceptable
from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.errors import MessageTooLarge, PublishError
from xwebhook.receive.publisher import SqsEventPublisher, attribute_text
from xwebhook.receive.splitting import EventMessage

FIFO = "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events.fifo"
STANDARD = "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events"


def message(n, user="42", size=100, event_type="favorite"):
    body = json.dumps({"event_id": f"e{n}", "pad": "x" * size})
    return EventMessage(f"e{n}", f"a{n}", event_type, "aaa", user, None, None, body, len(body))


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


def test_fifo_entries_group_by_user_and_deduplicate_by_activity_id():
    sqs = FakeSqs()
    publisher(sqs).publish([message(1, user="42"), message(2, user=None)])
    first, second = sqs.calls[0]
    assert first["MessageGroupId"] == "42"
    assert second["MessageGroupId"] == "unattributed"
    assert first["MessageDeduplicationId"] == "a1"  # the activity id, as SQS takes it
    assert_entry_acceptable(first)


@pytest.mark.parametrize("activity_id", ["kw=Open AI:news", "post:é:1", "x:" + "9" * 200, "a:\ud800"])
def test_an_activity_id_sqs_cannot_take_as_a_deduplication_id_is_digested(activity_id):
    body = "{}"
    odd = EventMessage("e", activity_id, "news.new", "xaa", "1", None, None, body, 2)
    (entry,) = publisher(FakeSqs()).batches([odd])[0]
    assert entry["MessageDeduplicationId"] == hashlib.sha256(activity_id.encode("utf-8", "surrogatepass")).hexdigest()
    assert_entry_acceptable(entry)


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


def test_attribute_bytes_count_towards_the_size_limit():
    # The body alone fits; with a 256-character event type and the attribute names it does not.
    body_size = 1024 * 1024 - 200
    sqs = FakeSqs()
    fits = message(1, size=body_size - 40, event_type="x")
    assert len(publisher(sqs).batches([fits])) == 1
    with pytest.raises(MessageTooLarge):
        publisher(sqs).batches([message(2, size=body_size - 40, event_type="y" * 256)])


@pytest.mark.parametrize("odd", ["a\ud800b", "\ufffe", "line\nbreak", "x" * 1000, "\x00"])
def test_attribute_values_are_texts_sqs_takes_whatever_x_sent(odd):
    sqs = FakeSqs()
    publisher(sqs).publish([message(1, user=odd, event_type=odd)])
    (entry,) = sqs.calls[0]
    assert_entry_acceptable(entry)
    assert len(entry["MessageAttributes"]["for_user_id"]["StringValue"]) <= 256
    assert attribute_text(odd) == attribute_text(odd)


def test_ids_and_type_names_x_sends_pass_unchanged_as_attributes():
    for text in ("2244994945", "profile.update.bio", "follow.unfollow", "kw=Open AI"):
        assert attribute_text(text) == text


class InFlightSqs(FakeSqs):
    """Holds the first calls until `wanted` of them are in flight at once (or a timeout): concurrency
    shows in `most`, the most calls seen in flight together."""

    def __init__(self, wanted):
        super().__init__()
        self.barrier = threading.Barrier(wanted, timeout=10)
        self.most = 0
        self.now = 0
        self.entered = 0
        self.lock = threading.Lock()

    def send_message_batch(self, QueueUrl, Entries):
        with self.lock:
            self.now += 1
            self.entered += 1
            first = self.entered <= self.barrier.parties
            self.most = max(self.most, self.now)
        if first:
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait()
        with self.lock:
            self.now -= 1
        return super().send_message_batch(QueueUrl, Entries)


def test_batches_of_a_large_delivery_are_sent_concurrently_within_the_bound():
    sqs = InFlightSqs(wanted=4)
    calls = publisher(sqs, concurrently=Concurrently(4)).publish([message(n) for n in range(80)])
    assert calls == 8
    assert sqs.most == 4
    assert sorted(json.loads(e["MessageBody"])["event_id"] for e in sqs.accepted) == sorted(f"e{n}" for n in range(80))


def test_with_concurrency_one_batches_go_one_after_another_in_order():
    sqs = FakeSqs()
    publisher(sqs, concurrently=Concurrently(1)).publish([message(n) for n in range(25)])
    assert [json.loads(e["MessageBody"])["event_id"] for e in sqs.accepted] == [f"e{n}" for n in range(25)]


def test_a_failing_batch_among_concurrent_ones_fails_the_delivery_after_all_ended():
    sqs = FakeSqs(script=[None, ConnectionError("down"), ConnectionError("down"), ConnectionError("down")])
    with pytest.raises(PublishError):
        publisher(sqs, concurrently=Concurrently(1), max_attempts=3).publish([message(n) for n in range(20)])
    assert len(sqs.accepted) == 10
