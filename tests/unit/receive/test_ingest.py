"""DeliveryIngestor: every answer a delivery can get, and that nothing is enqueued on a failure."""

import json

import pytest

from tests.conftest import all_sample_names, sample_bytes, signature
from tests.fakes import FakeDynamo, FakeSqs, StaticSecret
from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.consumer_secret import consumer_secret_from_value
from xwebhook.receive.dedup import DynamoDedupStore
from xwebhook.receive.ingest import DeliveryIngestor, utc_timestamp
from xwebhook.receive.publisher import SqsEventPublisher

QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events.fifo"


def make(sqs=None, secret=None, dedup=None, max_body_bytes=512 * 1024):
    sqs = sqs if sqs is not None else FakeSqs()
    publisher = SqsEventPublisher(sqs, QUEUE, sleep=lambda _: None)
    ingestor = DeliveryIngestor(
        secret or StaticSecret(), publisher, max_body_bytes, dedup=dedup, clock=lambda: 1_764_300_000.5
    )
    return ingestor, sqs


def signed(name):
    body = sample_bytes(name)
    return body, signature(body)


@pytest.mark.parametrize("name", all_sample_names())
def test_every_sample_is_accepted_with_all_its_events_enqueued(name):
    ingestor, sqs = make()
    outcome = ingestor.ingest(*signed(name))
    assert outcome.status == 200, outcome.reason
    assert outcome.enqueued == outcome.events == len(sqs.accepted) >= 1
    assert json.loads(outcome.body()) == {
        "status": "ok",
        "events": outcome.events,
        "enqueued": outcome.events,
        "duplicates": 0,
    }


def test_received_at_is_the_acceptance_time_in_utc():
    ingestor, sqs = make()
    ingestor.ingest(*signed("aaa/favorite"))
    assert json.loads(sqs.accepted[0]["MessageBody"])["received_at"] == utc_timestamp(1_764_300_000.5)
    assert utc_timestamp(1_764_300_000.5) == "2025-11-28T03:20:00.500Z"


def test_missing_signature_is_401_and_nothing_is_enqueued():
    ingestor, sqs = make()
    outcome = ingestor.ingest(sample_bytes("aaa/favorite"), None)
    assert (outcome.status, sqs.calls) == (401, [])
    assert "missing" in json.loads(outcome.body())["error"]


@pytest.mark.parametrize(
    "header",
    [
        "sha256=AAAA",
        signature(b"another body"),
        signature(b"", secret="x"),
        "md5=whatever",
        "garbage",
    ],
)
def test_wrong_signature_is_401_and_nothing_is_enqueued(header):
    ingestor, sqs = make()
    outcome = ingestor.ingest(sample_bytes("aaa/favorite"), header)
    assert (outcome.status, sqs.calls) == (401, [])


def test_signature_made_with_another_secret_is_401():
    body = sample_bytes("aaa/favorite")
    ingestor, sqs = make()
    assert ingestor.ingest(body, signature(body, secret="not-the-secret")).status == 401
    assert sqs.calls == []


def test_a_mismatch_rechecks_a_possibly_rotated_secret_once():
    values = iter(["old-secret", "dev-consumer-secret"])
    now = [0.0]
    secret = CachedSecret(lambda: next(values), ttl_seconds=300, clock=lambda: now[0], parse=consumer_secret_from_value)
    ingestor, sqs = make(secret=secret)
    secret.get()
    now[0] = 60  # older than the re-check floor
    assert ingestor.ingest(*signed("aaa/favorite")).status == 200
    assert len(sqs.accepted) == 1


def test_body_over_the_cap_is_413_before_anything_else():
    ingestor, sqs = make(max_body_bytes=100)
    outcome = ingestor.ingest(*signed("aaa/favorite"))
    assert (outcome.status, sqs.calls) == (413, [])
    assert "exceeds 100 bytes" in outcome.reason


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", 400, "not JSON"),
        (b"\xff\xfe", 400, "not JSON"),
        (b"[1, 2]", 400, "not an object"),
        (b'"text"', 400, "not an object"),
        (b"{}", 400, "holds no event"),
        (b'{"for_user_id": "1"}', 400, "holds no event"),
    ],
)
def test_signed_but_unusable_bodies_are_400_with_a_reason(body, status, reason):
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert outcome.status == status
    assert reason in json.loads(outcome.body())["error"]
    assert sqs.calls == []


def test_empty_event_list_is_accepted_with_nothing_enqueued():
    body = b'{"for_user_id": "1", "favorite_events": []}'
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert (outcome.status, outcome.enqueued, sqs.calls) == (200, 0, [])


def test_secret_unavailable_is_503_and_nothing_is_enqueued():
    ingestor, sqs = make(secret=StaticSecret(available=False))
    outcome = ingestor.ingest(*signed("aaa/favorite"))
    assert (outcome.status, sqs.calls) == (503, [])


def test_sqs_failure_is_503_with_a_generic_reason_and_a_logged_detail():
    sqs = FakeSqs(script=[ConnectionError("endpoint down")] * 3)
    ingestor, _ = make(sqs=sqs)
    outcome = ingestor.ingest(*signed("aaa/favorite_multi"))
    assert outcome.status == 503
    assert json.loads(outcome.body()) == {"error": "events could not be stored; retry"}
    assert "ConnectionError" in outcome.detail
    assert sqs.accepted == []


def test_partial_batch_failure_is_retried_and_then_200():
    sqs = FakeSqs(script=[{"1"}])
    ingestor, _ = make(sqs=sqs)
    outcome = ingestor.ingest(*signed("aaa/favorite_multi"))
    assert (outcome.status, outcome.sqs_calls, len(sqs.accepted)) == (200, 2, 3)


def test_duplicate_events_inside_one_delivery_are_enqueued_once():
    body = json.dumps({"for_user_id": "1", "favorite_events": [{"id": "same"}, {"id": "same"}]}).encode()
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert (outcome.status, outcome.enqueued, outcome.duplicates, len(sqs.accepted)) == (200, 1, 1, 1)


def test_with_dedup_a_replayed_delivery_enqueues_nothing_new():
    dynamo = FakeDynamo()
    dedup = DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: 1000.0)
    ingestor, sqs = make(dedup=dedup)
    assert ingestor.ingest(*signed("aaa/favorite_multi")).enqueued == 3
    replay = ingestor.ingest(*signed("aaa/favorite_multi"))
    assert (replay.status, replay.enqueued, replay.duplicates) == (200, 0, 3)
    assert len(sqs.accepted) == 3


def test_with_dedup_ids_are_remembered_only_after_sqs_accepted_them():
    dynamo = FakeDynamo()
    dedup = DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: 1000.0)
    sqs = FakeSqs(script=[ConnectionError("down")] * 3)
    ingestor, _ = make(sqs=sqs, dedup=dedup)
    assert ingestor.ingest(*signed("aaa/favorite")).status == 503
    assert dynamo.items == {}  # X's retry must be enqueued, not skipped
    assert ingestor.ingest(*signed("aaa/favorite")).enqueued == 1


@pytest.mark.parametrize(("operation", "enqueued"), [("batch_get_item", 0), ("batch_write_item", 1)])
def test_dedup_store_faults_are_503(operation, enqueued):
    dedup = DynamoDedupStore(FakeDynamo(fail_on=[operation]), "dedup", 3600, sleep=lambda _: None)
    ingestor, sqs = make(dedup=dedup)
    outcome = ingestor.ingest(*signed("aaa/favorite"))
    assert outcome.status == 503
    assert len(sqs.accepted) == enqueued  # a failed read sends nothing; a failed write asks X to retry


def test_a_lone_surrogate_escape_is_enqueued_as_valid_utf8_not_a_crash():
    body = b'{"for_user_id":"1","favorite_events":[{"id":"s","text":"\\ud800 and \xc3\xa9"}]}'
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert outcome.status == 200
    (entry,) = sqs.accepted
    entry["MessageBody"].encode("utf-8")  # what SQS needs
    assert json.loads(entry["MessageBody"])["event"]["text"] == "\ud800 and é"


def test_integers_beyond_64_bits_are_kept_exactly():
    body = b'{"for_user_id":"1","future_kind_events":[{"id":"big","n":123456789012345678901234567890}]}'
    ingestor, sqs = make()
    assert ingestor.ingest(body, signature(body)).status == 200
    assert json.loads(sqs.accepted[0]["MessageBody"])["event"]["n"] == 123456789012345678901234567890


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_constants_are_400(constant):
    body = b'{"for_user_id":"1","favorite_events":[{"id":"x","n":' + constant + b"}]}"
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert (outcome.status, sqs.calls) == (400, [])
