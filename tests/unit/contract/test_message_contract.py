"""The published message contract (schema file and pydantic models) against what the receiver really writes.

Every sample delivery is split with the real receive/splitting.py; each message must satisfy the JSON
Schema and parse with the models into the same values. Hand-made bad messages must be refused by both.
"""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import all_sample_names, sample
from xwebhook.contract import AaaMessage, InvalidMessage, XaaMessage, parse_message
from xwebhook.contract.schema import load_schema
from xwebhook.receive.splitting import split_delivery

REPO = Path(__file__).resolve().parents[3]
AT = "2026-11-28T03:20:00.500Z"
SCHEMA = load_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def sample_messages():
    return [(name, message) for name in all_sample_names() for message in split_delivery(sample(name), AT)]


def schema_errors(document):
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_file_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_sample_gives_messages():
    names = {name for name, _ in sample_messages()}
    assert names == set(all_sample_names())
    assert len(sample_messages()) >= len(names)


@pytest.mark.parametrize(("name", "message"), sample_messages(), ids=lambda value: getattr(value, "event_id", value))
def test_every_sample_message_satisfies_the_schema(name, message):
    assert schema_errors(json.loads(message.body)) == [], name


@pytest.mark.parametrize(("name", "message"), sample_messages(), ids=lambda value: getattr(value, "event_id", value))
def test_every_sample_message_parses_into_the_models_with_the_same_values(name, message):
    body = json.loads(message.body)
    parsed = parse_message(message.body)
    assert type(parsed) is {"aaa": AaaMessage, "xaa": XaaMessage}[body["source"]]
    assert (parsed.event_id, parsed.event_type, parsed.source, parsed.for_user_id) == (
        body["event_id"],
        body["event_type"],
        body["source"],
        body["for_user_id"],
    )
    assert parsed.received_at.isoformat(timespec="milliseconds").replace("+00:00", "Z") == body["received_at"]
    assert parsed.activity_id == body.get("activity_id")
    if parsed.source == "aaa":
        assert parsed.event == body["event"]
        assert parsed.users == body.get("users", {})
        assert parsed.apps == body.get("apps", {})
    else:
        assert parsed.event.model_dump(exclude_unset=True) == body["event"]
        assert parsed.event.event_uuid == body["event"].get("event_uuid")
    # Nothing the receiver writes is unknown to the models either.
    assert set(body) <= set(type(parsed).model_fields), name


def test_the_models_have_the_schemas_fields_and_require_what_it_requires():
    aaa_only = {branch["required"][0] for branch in SCHEMA["$defs"]["xaa"]["not"]["anyOf"]}
    assert aaa_only == {"users", "apps", "user_has_blocked"}
    for model, fields in ((AaaMessage, set(SCHEMA["properties"])), (XaaMessage, set(SCHEMA["properties"]) - aaa_only)):
        required = {name for name, field in model.model_fields.items() if field.is_required()}
        assert required == set(SCHEMA["required"]), model.__name__
        assert set(model.model_fields) == fields, model.__name__


DROP = object()


def good_message(**changes):
    """A valid AAA message body (a favorite), with `changes` applied (DROP = remove the field)."""
    (message,) = split_delivery(sample("aaa/favorite"), AT)
    body = json.loads(message.body)
    for key, value in changes.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def good_xaa_message(**event_changes):
    (message,) = split_delivery(sample("xaa/post.create"), AT)
    body = json.loads(message.body)
    body["event"].update(event_changes)
    return body


BAD_MESSAGES = {
    "no event_id": good_message(event_id=DROP),
    "an empty event_id": good_message(event_id=""),
    "a numeric event_id": good_message(event_id=12345),
    "an unknown source": good_message(source="twitter"),
    "no source": good_message(source=DROP),
    "no event_type": good_message(event_type=DROP),
    "an empty event_type": good_message(event_type=""),
    "no for_user_id (null is the way to say none)": good_message(for_user_id=DROP),
    "a numeric for_user_id": good_message(for_user_id=2244994945),
    "received_at in another time zone": good_message(received_at="2026-11-28T05:20:00.500+02:00"),
    "received_at as epoch seconds": good_message(received_at=1795836000),
    "received_at that is not a time": good_message(received_at="yesterday"),
    "no event": good_message(event=DROP),
    "a null activity_id": good_message(activity_id=None),
    "an empty activity_id": good_message(activity_id=""),
    "users that is not a map": good_message(users=["2244994945"]),
    "a user that is not an object": good_message(users={"2244994945": "Fancy Pants"}),
    "a null user_has_blocked": good_message(user_has_blocked=None),
    "an XAA event that is not an object": dict(good_xaa_message(), event=["post.create"]),
    "an XAA event_uuid that is a number": good_xaa_message(event_uuid=2080761390344937796),
    "an XAA filter that is not an object": good_xaa_message(filter="1111111111111111111"),
    "synthetic as text": good_message(synthetic="true"),
}


@pytest.mark.parametrize("case", BAD_MESSAGES)
def test_a_bad_message_is_refused_by_the_schema_and_by_the_models(case):
    body = BAD_MESSAGES[case]
    assert schema_errors(body), case
    with pytest.raises(InvalidMessage):
        parse_message(json.dumps(body))


@pytest.mark.parametrize("body", ["[]", '"favorite"', "null", "{not json", ""])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    with pytest.raises(InvalidMessage):
        parse_message(body)


@pytest.mark.parametrize("source", [DROP, "twitter"])
def test_a_message_without_a_known_source_is_refused_for_its_source(source):
    with pytest.raises(InvalidMessage, match="source: must be aaa or xaa"):
        parse_message(json.dumps(good_message(source=source)))


def test_the_refusal_names_the_field_but_never_quotes_the_message():
    body = good_message(event_id=DROP, event={"text": "my private direct message"})
    with pytest.raises(InvalidMessage) as caught:
        parse_message(json.dumps(body))
    assert "event_id" in str(caught.value)
    assert "private" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_activity_id_is_taken_when_the_receiver_writes_it():
    body = good_message(activity_id="activity:2244994945:favorite:a7ba59eab0bfcba386f7acedac279542")
    assert schema_errors(body) == []
    assert parse_message(json.dumps(body)).activity_id == body["activity_id"]


def test_the_schema_refuses_an_undocumented_field_and_the_models_ignore_it():
    """The schema is exact (the producer's tests catch an undocumented field); the models are forward
    compatible (a consumer keeps working when a later receiver adds one)."""
    body = good_message(added_later="x")
    assert schema_errors(body)
    assert not hasattr(parse_message(json.dumps(body)), "added_later")


def test_a_message_of_xs_deliveries_is_not_synthetic_for_the_models():
    assert parse_message(json.dumps(good_message())).synthetic is False


def test_synthetic_is_true_or_absent_for_the_schema():
    assert schema_errors(good_message(synthetic=True)) == []
    assert schema_errors(good_message(synthetic=False))


def test_aaa_only_fields_are_refused_on_an_xaa_message_by_the_schema():
    body = dict(good_xaa_message(), users={"1": {"id": "1"}})
    assert schema_errors(body)


def test_an_xaa_envelope_keeps_the_fields_x_adds():
    body = good_xaa_message(new_field={"a": 1})
    parsed = parse_message(json.dumps(body))
    assert parsed.event.model_extra["new_field"] == {"a": 1}
    assert parsed.event.payload["text"] == "Hello from the Activity API"


def test_crc_and_ingest_never_load_the_contract_or_pydantic():
    probe = (
        "import sys; from bench.warm import ENV; from localdev.handlers import load_function;"
        "load_function('crc', ENV); load_function('ingest', ENV);"
        "loaded = [m for m in sys.modules if m.startswith(('pydantic', 'xwebhook.contract'))];"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
