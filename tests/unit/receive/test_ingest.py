"""DeliveryIngestor: every answer a delivery can get, and that nothing is enqueued on a failure."""

import json
from decimal import Decimal

import pytest

from tests.conftest import all_sample_names, sample_bytes, signature
from tests.fakes import Clock, FakeDynamo, FakeSqs, StaticSecret, answered
from tests.sqs_rules import assert_entry_acceptable
from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.consumer_secret import consumer_secret_from_value
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.receive import errors
from xwebhook.receive.dedup import MAX_KEY_BYTES, DynamoDedupStore
from xwebhook.receive.ingest import DeliveryIngestor, utc_timestamp
from xwebhook.receive.publisher import SqsEventPublisher

QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events.fifo"
NOW = 1_764_300_000.5


def make(sqs=None, secret=None, dedup=None, max_body_bytes=512 * 1024, queue=QUEUE):
    sqs = sqs if sqs is not None else FakeSqs()
    publisher = SqsEventPublisher(sqs, queue, sleep=lambda _: None)
    ingestor = DeliveryIngestor(secret or StaticSecret(), publisher, max_body_bytes, dedup=dedup, clock=lambda: NOW)
    return ingestor, sqs


def signed_body(delivery):
    body = json.dumps(delivery).encode()
    return body, signature(body)


def signed(name):
    body = sample_bytes(name)
    return body, signature(body)


@pytest.mark.parametrize("name", all_sample_names())
def test_every_sample_is_accepted_with_all_its_events_enqueued(name):
    ingestor, sqs = make()
    outcome = ingestor.ingest(*signed(name))
    assert outcome.status == 200, outcome.reason
    assert outcome.sent == outcome.events == len(sqs.accepted) >= 1
    assert json.loads(outcome.body()) == {
        "status": "ok",
        "events": outcome.events,
        "sent": outcome.events,
        "duplicates": 0,
    }
    for entry in sqs.accepted:
        assert_entry_acceptable(entry)


@pytest.mark.parametrize(
    ("case", "failure"),
    [
        ("no signature", errors.SignatureMissing),
        ("another body's signature", errors.SignatureMismatch),
        ("over the size cap", errors.BodyTooLarge),
        ("not JSON", errors.BadDelivery),
        ("no event", errors.EmptyDelivery),
        ("secret unreadable", SecretUnavailable),
    ],
)
def test_ingest_raises_each_failure_as_its_class_for_the_handler_to_answer(case, failure):
    body = {"not JSON": b"not json", "no event": b"{}"}.get(case, sample_bytes("aaa/favorite"))
    header = {"no signature": None, "another body's signature": signature(b"x")}.get(case, signature(body))
    ingestor, sqs = make(
        secret=StaticSecret(available=case != "secret unreadable"), max_body_bytes=100 if "cap" in case else 512 * 1024
    )
    with pytest.raises(failure):
        ingestor.ingest(body, header)
    assert sqs.calls == []


@pytest.mark.parametrize("name", ["aaa/favorite_multi", "xaa/post.create"])
def test_the_body_given_as_text_as_well_is_ingested_as_its_bytes_are(name):
    body, header = signed(name)
    ingestor, sqs = make()
    again, sqs_again = make()
    assert ingestor.ingest(body, header).body() == again.ingest(body, header, body.decode()).body()
    assert sqs.accepted == sqs_again.accepted


def test_received_at_is_the_acceptance_time_in_utc():
    ingestor, sqs = make()
    ingestor.ingest(*signed("aaa/favorite"))
    assert json.loads(sqs.accepted[0]["MessageBody"])["received_at"] == utc_timestamp(1_764_300_000.5)
    assert utc_timestamp(1_764_300_000.5) == "2025-11-28T03:20:00.500Z"


def test_missing_signature_is_401_and_nothing_is_enqueued():
    ingestor, sqs = make()
    outcome = answered(ingestor, sample_bytes("aaa/favorite"), None)
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
    outcome = answered(ingestor, sample_bytes("aaa/favorite"), header)
    assert (outcome.status, sqs.calls) == (401, [])


def test_signature_made_with_another_secret_is_401():
    body = sample_bytes("aaa/favorite")
    ingestor, sqs = make()
    assert answered(ingestor, body, signature(body, secret="not-the-secret")).status == 401
    assert sqs.calls == []


def test_a_mismatch_rechecks_a_possibly_rotated_secret_once():
    values = iter(["old-secret", "dev-consumer-secret"])
    clock = Clock(0.0)
    secret = CachedSecret(lambda: next(values), ttl_seconds=300, clock=clock, parse=consumer_secret_from_value)
    ingestor, sqs = make(secret=secret)
    secret.get()
    clock.now = 60  # older than the re-check floor
    assert ingestor.ingest(*signed("aaa/favorite")).status == 200
    assert len(sqs.accepted) == 1


def test_body_over_the_cap_is_413_before_anything_else():
    ingestor, sqs = make(max_body_bytes=100)
    outcome = answered(ingestor, *signed("aaa/favorite"))
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
    outcome = answered(ingestor, body, signature(body))
    assert outcome.status == status
    assert reason in json.loads(outcome.body())["error"]
    assert sqs.calls == []


def test_empty_event_list_is_accepted_with_nothing_enqueued():
    body = b'{"for_user_id": "1", "favorite_events": []}'
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert (outcome.status, outcome.sent, sqs.calls) == (200, 0, [])


def test_secret_unavailable_is_503_and_nothing_is_enqueued():
    ingestor, sqs = make(secret=StaticSecret(available=False))
    outcome = answered(ingestor, *signed("aaa/favorite"))
    assert (outcome.status, sqs.calls) == (503, [])


def test_sqs_failure_is_503_with_a_generic_reason_and_a_logged_detail():
    sqs = FakeSqs(script=[ConnectionError("endpoint down")] * 3)
    ingestor, _ = make(sqs=sqs)
    outcome = answered(ingestor, *signed("aaa/favorite_multi"))
    assert outcome.status == 503
    assert json.loads(outcome.body()) == {"error": "events could not be stored; retry"}
    assert "ConnectionError" in outcome.detail
    assert sqs.accepted == []


def test_a_503_after_sqs_took_part_of_the_delivery_says_how_many_it_took():
    sqs = FakeSqs(script=[{"1"}] * 3)  # entry 1 fails every time: 2 of 3 are taken
    ingestor, _ = make(sqs=sqs)
    outcome = answered(ingestor, *signed("aaa/favorite_multi"))
    assert (outcome.status, outcome.sent, outcome.sqs_calls) == (503, 2, 3)


def test_partial_batch_failure_is_retried_and_then_200():
    sqs = FakeSqs(script=[{"1"}])
    ingestor, _ = make(sqs=sqs)
    outcome = ingestor.ingest(*signed("aaa/favorite_multi"))
    assert (outcome.status, outcome.sqs_calls, len(sqs.accepted)) == (200, 2, 3)


def test_duplicate_activities_inside_one_delivery_are_enqueued_once():
    body = json.dumps({"for_user_id": "1", "favorite_events": [{"id": "same"}, {"id": "same"}]}).encode()
    ingestor, sqs = make()
    outcome = ingestor.ingest(body, signature(body))
    assert (outcome.status, outcome.sent, outcome.duplicates, len(sqs.accepted)) == (200, 1, 1, 1)


def test_with_dedup_a_replayed_delivery_enqueues_nothing_new():
    dynamo = FakeDynamo()
    dedup = DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: 1000.0)
    ingestor, sqs = make(dedup=dedup)
    assert ingestor.ingest(*signed("aaa/favorite_multi")).sent == 3
    replay = ingestor.ingest(*signed("aaa/favorite_multi"))
    assert (replay.status, replay.sent, replay.duplicates) == (200, 0, 3)
    assert len(sqs.accepted) == 3


def test_with_dedup_ids_are_remembered_only_after_sqs_accepted_them():
    dynamo = FakeDynamo()
    dedup = DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: 1000.0)
    sqs = FakeSqs(script=[ConnectionError("down")] * 3)
    ingestor, _ = make(sqs=sqs, dedup=dedup)
    assert answered(ingestor, *signed("aaa/favorite")).status == 503
    assert dynamo.items == {}  # X's retry must be enqueued, not skipped
    assert ingestor.ingest(*signed("aaa/favorite")).sent == 1


@pytest.mark.parametrize(("operation", "enqueued"), [("batch_get_item", 0), ("batch_write_item", 1)])
def test_dedup_store_faults_are_503(operation, enqueued):
    dedup = DynamoDedupStore(FakeDynamo(fail_on=[operation]), "dedup", 3600, sleep=lambda _: None)
    ingestor, sqs = make(dedup=dedup)
    outcome = answered(ingestor, *signed("aaa/favorite"))
    assert outcome.status == 503
    assert len(sqs.accepted) == enqueued  # a failed read sends nothing; a failed write asks X to retry


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_constants_are_400(constant):
    body = b'{"for_user_id":"1","favorite_events":[{"id":"x","n":' + constant + b"}]}"
    ingestor, sqs = make()
    outcome = answered(ingestor, body, signature(body))
    assert (outcome.status, sqs.calls) == (400, [])


# --- issue 6: signed deliveries that were lost for good or doubled (each was reproduced) -------------


def test_a_noncharacter_anywhere_is_stored_in_a_body_sqs_takes_and_decodes_to_what_x_sent():
    delivery = {"for_user_id": "1", "favorite_events": [{"id": "f\ufffe", "text": "a\uffffb", "k\ufffe": 1}]}
    ingestor, sqs = make()
    outcome = ingestor.ingest(*signed_body(delivery))
    assert outcome.status == 200
    (entry,) = sqs.accepted
    assert_entry_acceptable(entry)
    assert json.loads(entry["MessageBody"])["event"] == delivery["favorite_events"][0]


def test_a_number_a_double_cannot_hold_is_kept_exactly_even_beside_a_huge_integer():
    body = b'{"for_user_id":"1","future_kind_events":[{"id":"n","x":1e400,"big":123456789012345678901234567890}]}'
    ingestor, sqs = make()
    assert ingestor.ingest(body, signature(body)).status == 200
    text = sqs.accepted[0]["MessageBody"]
    assert "Infinity" not in text
    assert "null" not in text
    event = json.loads(text, parse_float=Decimal)["event"]
    assert (event["x"], event["big"]) == (Decimal("1e400"), 123456789012345678901234567890)


def test_a_lone_surrogate_in_a_key_the_user_or_an_id_is_stored_not_a_500():
    body = b'{"for_user_id":"1\\ud800","favorite_events":[{"id":"\\udfff","\\ud83d":"\\ud800 and \xc3\xa9"}]}'
    dynamo = FakeDynamo()
    ingestor, sqs = make(dedup=DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: NOW))
    outcome = ingestor.ingest(body, signature(body))
    assert outcome.status == 200, outcome.reason
    (entry,) = sqs.accepted
    assert_entry_acceptable(entry)
    assert json.loads(entry["MessageBody"])["event"] == {"id": "\udfff", "\ud83d": "\ud800 and é"}
    for item in dynamo.items.values():
        for attribute in item.values():
            next(iter(attribute.values())).encode("utf-8")  # what DynamoDB needs


def test_an_event_id_longer_than_a_dynamodb_key_is_stored_under_a_short_key():
    delivery = {"for_user_id": "1" * 3000, "direct_message_events": [{"id": "9" * 5000}]}
    dynamo = FakeDynamo()
    ingestor, sqs = make(dedup=DynamoDedupStore(dynamo, "dedup", 3600, clock=lambda: NOW))
    assert ingestor.ingest(*signed_body(delivery)).status == 200
    assert all(len(key.encode()) <= MAX_KEY_BYTES for key in dynamo.items)
    assert_entry_acceptable(sqs.accepted[0])
    assert ingestor.ingest(*signed_body(delivery)).duplicates == 1  # and found again


@pytest.mark.parametrize("depth", [600, 20000, 200_000])
def test_nesting_too_deep_is_a_400_with_a_reason_every_time(depth):
    body = ('{"for_user_id":"1","x_events":[' + "[" * depth + "]" * depth + "]}").encode()
    ingestor, sqs = make()
    for _ in range(2):
        outcome = answered(ingestor, body, signature(body))
        assert (outcome.status, sqs.calls) == (400, [])
        assert "nests deeper than 512 levels" in json.loads(outcome.body())["error"]


def test_an_event_too_large_for_one_sqs_message_is_a_413_and_nothing_is_sent():
    delivery = {"for_user_id": "1", "x_events": [{"id": "a"}, {"id": "b", "pad": "\ufffe" * 200_000}]}
    ingestor, sqs = make(max_body_bytes=1024 * 1024)
    outcome = answered(ingestor, *signed_body(delivery))
    assert (outcome.status, sqs.calls) == (413, [])


def test_a_delivery_of_thousands_of_events_and_users_is_stored_whole_in_concurrent_batches():
    from tests.unit.receive.test_publisher import InFlightSqs
    from xwebhook.receive.concurrency import Concurrently

    count = 5000
    delivery = {
        "for_user_id": "1",
        "tweet_delete_events": [
            {"status": {"id": str(n), "user_id": str(n)}, "timestamp_ms": "1"} for n in range(count)
        ],
        "users": {str(n): {"id": str(n)} for n in range(count)},
    }
    sqs = InFlightSqs(wanted=8)
    publisher = SqsEventPublisher(sqs, QUEUE, concurrently=Concurrently(8))
    ingestor = DeliveryIngestor(StaticSecret(), publisher, 4 * 1024 * 1024, clock=lambda: NOW)
    outcome = ingestor.ingest(*signed_body(delivery))
    assert (outcome.status, outcome.sent, outcome.sqs_calls) == (200, count, count // 10)
    assert sqs.most == 8
    assert len({entry["MessageDeduplicationId"] for entry in sqs.accepted}) == count
