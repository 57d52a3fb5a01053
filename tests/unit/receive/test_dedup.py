"""The DynamoDB dedup store: one item per activity and family with decision 1's attributes, expiry checked
on read, chunking, unprocessed items, faults."""

import json

import pytest

from tests.fakes import Clock, FakeDynamo, event_message
from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.dedup import MAX_KEY_BYTES, DedupUnavailable, DynamoDedupStore, dedup_key


def store(dynamo, clock, ttl=3600, **options):
    return DynamoDedupStore(dynamo, "dedup", ttl, clock=clock, sleep=lambda _: None, **options)


def test_remembered_activities_are_seen_with_the_families_that_delivered_them_until_they_expire():
    dynamo, clock = FakeDynamo(), Clock(1_000_000.0)
    dedup = store(dynamo, clock)
    dedup.remember([event_message("a"), event_message("b", source="xaa")])
    asked = [event_message("a", source="xaa"), event_message("b"), event_message("c")]
    assert dedup.seen(asked) == {"a": {"aaa"}, "b": {"xaa"}}
    dedup.remember([event_message("a", source="xaa")])  # the other family's copy: an item of its own
    assert dedup.seen(asked)["a"] == {"aaa", "xaa"}
    assert sorted(dynamo.items) == ["a#aaa", "a#xaa", "b#xaa"]
    clock.advance(3601)  # DynamoDB may not have deleted them yet: expiry is checked on read
    assert dedup.seen(asked) == {}


def test_items_carry_the_attributes_the_admin_function_queries():
    dynamo, clock = FakeDynamo(), Clock(1_000_000.9)
    store(dynamo, clock).remember([event_message("post:1:9", source="xaa", event_type="post.create", for_user_id="1")])
    assert dynamo.items["post:1:9#xaa"] == {
        "event_id": {"S": "post:1:9#xaa"},
        "expires_at": {"N": "1003600"},
        "received_at": {"N": "1000000"},
        "source": {"S": "xaa"},
        "event_type": {"S": "post.create"},
        "for_user_id": {"S": "1"},
    }


@pytest.mark.parametrize(("event_type", "source"), [("user_event.revoke", "aaa"), ("oauth.revoke", "xaa")])
def test_revokes_are_marked_as_signals_with_the_user_who_revoked(event_type, source):
    dynamo, clock = FakeDynamo(), Clock(0.0)
    message = event_message("revoke:-:63046977", source, event_type, for_user_id=None, signal_user_id="63046977")
    store(dynamo, clock).remember([message])
    item = dynamo.items[f"revoke:-:63046977#{source}"]
    assert (item["signal"], item["signal_user_id"]) == ({"S": "revoke"}, {"S": "63046977"})
    assert "for_user_id" not in item  # sparse in the by_user index


@pytest.mark.parametrize("sample", ["aaa/user_event_revoke", "xaa/oauth.revoke"])
def test_a_revoke_is_dated_by_its_own_date_time_not_by_when_it_was_received(sample):
    from datetime import datetime

    from tests.conftest import sample_bytes
    from xwebhook.receive.splitting import split_delivery

    delivery = json.loads(sample_bytes(sample))
    (message,) = split_delivery(delivery, "2026-12-01T00:00:00Z")
    dynamo, clock = FakeDynamo(), Clock(1_800_000_000.0)  # received long after X dated it
    store(dynamo, clock).remember([message])
    (item,) = dynamo.items.values()
    stamp = (
        delivery["user_event"]["revoke"]["date_time"]
        if "user_event" in delivery
        else delivery["data"]["payload"]["date_time"]
    )
    assert item["signal_at"] == {"N": str(int(datetime.fromisoformat(stamp).timestamp()))}
    assert item["received_at"] == {"N": "1800000000"}


def test_other_events_carry_no_signal():
    dynamo, clock = FakeDynamo(), Clock(0.0)
    store(dynamo, clock).remember([event_message("a")])
    assert "signal" not in dynamo.items["a#aaa"]


def test_an_activity_id_too_long_for_a_key_is_stored_under_its_digest():
    long_id = "post:1:" + "9" * 3000
    assert dedup_key(long_id).startswith("sha256:")
    assert len(dedup_key(long_id)) <= MAX_KEY_BYTES
    assert dedup_key("post:1:9") == "post:1:9#aaa"
    assert dedup_key("post:1:9", "xaa") == "post:1:9#xaa"
    dynamo, clock = FakeDynamo(), Clock(0.0)
    dedup = store(dynamo, clock)
    dedup.remember([event_message(long_id)])
    assert list(dynamo.items) == [dedup_key(long_id)]
    assert dedup.seen([event_message(long_id)]) == {long_id: {"aaa"}}


def test_odd_texts_are_stored_as_dynamodb_takes_them():
    dynamo, clock = FakeDynamo(), Clock(0.0)
    store(dynamo, clock).remember([event_message("a", event_type="t\ud800", for_user_id="u\ufffe" + "x" * 500)])
    item = dynamo.items["a#aaa"]
    for attribute in ("event_type", "for_user_id"):
        item[attribute]["S"].encode("utf-8")
        assert len(item[attribute]["S"]) <= 256


def test_large_sets_are_chunked_to_dynamodb_limits_and_counted():
    dynamo, clock = FakeDynamo(), Clock(0.0)
    dedup = store(dynamo, clock, concurrently=Concurrently(4))
    messages = [event_message(f"e{n}") for n in range(130)]
    dedup.remember(messages)
    assert dynamo.calls.count("batch_write_item") == 6  # 25 per call
    assert set(dedup.seen(messages)) == {f"e{n}" for n in range(130)}
    assert dynamo.calls.count("batch_get_item") == 3  # 100 keys per call, both families' keys per activity
    assert dedup.calls == 9


def test_unprocessed_keys_and_items_are_retried():
    dynamo, clock = FakeDynamo(unprocessed_rounds=1), Clock(0.0)
    dedup = store(dynamo, clock)
    dedup.remember([event_message("a")])
    dynamo.unprocessed_rounds = 1
    assert dedup.seen([event_message("a")]) == {"a": {"aaa"}}
    assert dedup.calls == 4


def test_endless_unprocessed_items_are_an_error_not_a_silent_pass():
    dynamo, clock = FakeDynamo(unprocessed_rounds=99), Clock(0.0)
    with pytest.raises(DedupUnavailable):
        store(dynamo, clock).remember([event_message("a")])
    with pytest.raises(DedupUnavailable):
        store(dynamo, clock).seen([event_message("a")])


@pytest.mark.parametrize("operation", ["batch_get_item", "batch_write_item"])
def test_faults_become_dedup_unavailable(operation):
    dynamo, clock = FakeDynamo(fail_on=[operation]), Clock(0.0)
    dedup = store(dynamo, clock)
    with pytest.raises(DedupUnavailable, match=operation):
        dedup.seen([event_message("a")]) if operation == "batch_get_item" else dedup.remember([event_message("a")])
