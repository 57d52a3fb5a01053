"""The DynamoDB dedup store: expiry checked on read, chunking, unprocessed items, faults."""

import pytest

from tests.fakes import FakeDynamo
from xwebhook.receive.dedup import DedupUnavailable, DynamoDedupStore


def store(dynamo, now, ttl=3600):
    return DynamoDedupStore(dynamo, "dedup", ttl, clock=lambda: now[0], sleep=lambda _: None)


def test_remembered_ids_are_seen_until_they_expire():
    dynamo, now = FakeDynamo(), [1_000_000.0]
    dedup = store(dynamo, now)
    dedup.remember(["a", "b"])
    assert dedup.seen(["a", "b", "c"]) == {"a", "b"}
    now[0] += 3601  # DynamoDB may not have deleted them yet: expiry is checked on read
    assert dedup.seen(["a", "b"]) == set()


def test_large_sets_are_chunked_to_dynamodb_limits():
    dynamo, now = FakeDynamo(), [0.0]
    dedup = store(dynamo, now)
    ids = [f"e{n}" for n in range(130)]
    dedup.remember(ids)
    assert dynamo.calls.count("batch_write_item") == 6  # 25 per call
    assert dedup.seen(ids) == set(ids)
    assert dynamo.calls.count("batch_get_item") == 2  # 100 per call


def test_unprocessed_keys_and_items_are_retried():
    dynamo, now = FakeDynamo(unprocessed_rounds=1), [0.0]
    dedup = store(dynamo, now)
    dedup.remember(["a"])
    dynamo.unprocessed_rounds = 1
    assert dedup.seen(["a"]) == {"a"}


def test_endless_unprocessed_items_are_an_error_not_a_silent_pass():
    dynamo, now = FakeDynamo(unprocessed_rounds=99), [0.0]
    with pytest.raises(DedupUnavailable):
        store(dynamo, now).remember(["a"])
    with pytest.raises(DedupUnavailable):
        store(dynamo, now).seen(["a"])


@pytest.mark.parametrize("operation", ["batch_get_item", "batch_write_item"])
def test_faults_become_dedup_unavailable(operation):
    dynamo, now = FakeDynamo(fail_on=[operation]), [0.0]
    dedup = store(dynamo, now)
    with pytest.raises(DedupUnavailable, match=operation):
        dedup.seen(["a"]) if operation == "batch_get_item" else dedup.remember(["a"])
