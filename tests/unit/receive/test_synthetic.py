"""Synthetic deliveries (receive/synthetic.py): a marker only a holder of the consumer secret can make, bound to
the body; ingest marks every message of a marked delivery (attribute and body field), refuses a marker that
does not match, and leaves X's deliveries exactly as they were."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import sample_bytes, signature
from tests.fakes import FakeSqs, StaticSecret, answered
from xwebhook.contract import parse_message
from xwebhook.contract.schema import load_schema
from xwebhook.receive import errors, synthetic
from xwebhook.receive.ingest import DeliveryIngestor, IngestOutcome
from xwebhook.receive.publisher import SqsEventPublisher
from xwebhook.receive.splitting import split_delivery

REPO = Path(__file__).resolve().parents[3]
SECRET = b"dev-consumer-secret"
QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events.fifo"
NOW = 1_764_300_000.5


def make():
    sqs = FakeSqs()
    publisher = SqsEventPublisher(sqs, QUEUE, sleep=lambda _: None)
    return DeliveryIngestor(StaticSecret(SECRET), publisher, 512 * 1024, clock=lambda: NOW), sqs


def synthetic_answer(ingestor, body, marker):
    try:
        return ingestor.ingest(body, signature(body), None, marker)
    except Exception as exc:
        return IngestOutcome.failed(exc, errors.FAILURES)


def test_the_marker_of_a_body_matches_that_body_under_the_same_secret():
    body = sample_bytes("xaa/post.create")
    assert synthetic.marker_matches(SECRET, body, synthetic.marker(SECRET, body))


def test_the_marker_of_one_body_does_not_match_another():
    marker = synthetic.marker(SECRET, sample_bytes("xaa/post.create"))
    assert not synthetic.marker_matches(SECRET, sample_bytes("aaa/favorite"), marker)


def test_a_marker_made_with_another_secret_does_not_match():
    body = sample_bytes("xaa/post.create")
    assert not synthetic.marker_matches(SECRET, body, synthetic.marker(b"another-secret", body))


def test_xs_own_signature_of_the_body_is_not_its_marker():
    body = sample_bytes("xaa/post.create")
    assert not synthetic.marker_matches(SECRET, body, signature(body))


@pytest.mark.parametrize("header", ["", "   ", "sha256=", "true"])
def test_an_empty_or_made_up_marker_does_not_match(header):
    assert not synthetic.marker_matches(SECRET, sample_bytes("xaa/post.create"), header)


@pytest.mark.parametrize("name", ["aaa/favorite_multi", "xaa/post.create"])
def test_every_message_of_a_marked_delivery_carries_the_synthetic_attribute(name):
    ingestor, sqs = make()
    body = sample_bytes(name)
    outcome = ingestor.ingest(body, signature(body), None, synthetic.marker(SECRET, body))
    assert outcome.status == 200
    assert [entry["MessageAttributes"]["synthetic"]["StringValue"] for entry in sqs.accepted] == ["true"] * len(
        sqs.accepted
    )


@pytest.mark.parametrize("name", ["aaa/favorite_multi", "xaa/post.create"])
def test_every_message_of_a_marked_delivery_says_synthetic_true_in_its_body(name):
    ingestor, sqs = make()
    body = sample_bytes(name)
    ingestor.ingest(body, signature(body), None, synthetic.marker(SECRET, body))
    assert [json.loads(entry["MessageBody"])["synthetic"] for entry in sqs.accepted] == [True] * len(sqs.accepted)


def test_a_marked_message_satisfies_the_published_schema_and_parses_as_synthetic():
    ingestor, sqs = make()
    body = sample_bytes("xaa/post.create")
    ingestor.ingest(body, signature(body), None, synthetic.marker(SECRET, body))
    (entry,) = sqs.accepted
    jsonschema.validate(json.loads(entry["MessageBody"]), load_schema())
    assert parse_message(entry["MessageBody"]).synthetic is True


def test_the_outcome_of_a_marked_delivery_says_it_was_synthetic():
    ingestor, _ = make()
    body = sample_bytes("xaa/post.create")
    assert ingestor.ingest(body, signature(body), None, synthetic.marker(SECRET, body)).synthetic is True


@pytest.mark.parametrize("name", ["aaa/favorite_multi", "xaa/post.create"])
def test_a_delivery_without_the_marker_gets_neither_the_attribute_nor_the_body_field(name):
    ingestor, sqs = make()
    body = sample_bytes(name)
    ingestor.ingest(body, signature(body))
    assert [
        ("synthetic" in entry["MessageAttributes"], "synthetic" in json.loads(entry["MessageBody"]))
        for entry in sqs.accepted
    ] == [(False, False)] * len(sqs.accepted)


def test_a_real_delivery_after_a_synthetic_one_of_the_same_type_and_account_is_not_marked():
    # The publisher shares one attributes dict per (type, source, account): marking must not change it.
    ingestor, sqs = make()
    first = sample_bytes("xaa/post.create")
    ingestor.ingest(first, signature(first), None, synthetic.marker(SECRET, first))
    second = json.dumps(dict(json.loads(first), data={**json.loads(first)["data"], "event_uuid": "other"})).encode()
    ingestor.ingest(second, signature(second))
    assert "synthetic" not in sqs.accepted[-1]["MessageAttributes"]


def test_a_marker_that_does_not_match_is_401_and_nothing_is_enqueued():
    ingestor, sqs = make()
    body = sample_bytes("xaa/post.create")
    outcome = synthetic_answer(ingestor, body, synthetic.marker(b"not-the-secret", body))
    assert (outcome.status, sqs.calls) == (401, [])


def test_an_empty_marker_header_is_401_rather_than_an_unmarked_message():
    ingestor, _ = make()
    body = sample_bytes("xaa/post.create")
    assert synthetic_answer(ingestor, body, "").status == 401


def test_the_refusal_of_a_bad_marker_names_the_header():
    ingestor, _ = make()
    body = sample_bytes("xaa/post.create")
    assert json.loads(synthetic_answer(ingestor, body, "sha256=AAAA").body()) == {
        "error": "x-xwebhook-synthetic does not match the body"
    }


def test_a_bad_marker_on_a_wrongly_signed_delivery_is_refused_for_its_signature_first():
    ingestor, _ = make()
    body = sample_bytes("xaa/post.create")
    with pytest.raises(errors.SignatureMismatch):
        ingestor.ingest(body, signature(b"another body"), None, "sha256=AAAA")


def test_a_marked_messages_size_counts_its_body_field_and_its_attribute():
    (message,) = split_delivery(json.loads(sample_bytes("xaa/post.create")), "2026-12-04T00:00:00Z")
    synthetic.mark([message])
    assert message.size == len(message.body.encode()) + synthetic.ATTRIBUTE_BYTES


def test_a_marked_message_body_is_still_one_json_object():
    (message,) = split_delivery(json.loads(sample_bytes("aaa/favorite")), "2026-12-04T00:00:00Z")
    before = json.loads(message.body)
    synthetic.mark([message])
    assert json.loads(message.body) == {**before, "synthetic": True}


def test_answered_without_a_marker_header_ingest_is_as_before():
    ingestor, _ = make()
    body = sample_bytes("aaa/favorite")
    assert answered(ingestor, body, signature(body)).synthetic is False


PROBE = """
import json, sys
from bench.warm import ENV, SECRET, _ingest_function, http_event, quiet_stdout, three_event_body
from xwebhook.receive.signing import sign
ingest, sqs = _ingest_function(ENV, "probe_ingest")
body = three_event_body()
headers = {"x-twitter-webhooks-signature": sign(SECRET.encode(), body)}
with quiet_stdout():
    plain = ingest.handler(http_event("POST", body, headers=headers), None)["statusCode"]
loaded_after_plain = "xwebhook.receive.synthetic" in sys.modules
from xwebhook.receive.synthetic import marker
marked = dict(headers, **{"x-xwebhook-synthetic": marker(SECRET, body)})
with quiet_stdout():
    synthetic = ingest.handler(http_event("POST", body, headers=marked), None)["statusCode"]
print(json.dumps([plain, loaded_after_plain, synthetic]))
"""


def test_ingest_answers_x_without_loading_the_synthetic_module_and_a_marked_post_through_its_handler():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200, False, 200], result.stderr
