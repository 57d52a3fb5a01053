"""events/: the committed sam-local-invoke payloads are what localdev.events generates, and say what they claim."""

import base64
import json

import pytest

from localdev.events import DEV_SECRET, EVENTS_DIR, build_events, drift, env_json, expected_statuses
from localdev.provision import FUNCTIONS, load_template
from localdev.testing import template_path
from xwebhook.http_api import raw_body
from xwebhook.receive.signing import verify_signature

EVENTS = build_events()


def test_committed_events_match_the_generator():
    # Fix with: python -m localdev.events
    assert drift() == []


def test_every_generated_file_is_committed_and_named_for_its_function():
    committed = {path.name for path in EVENTS_DIR.glob("*.json") if not path.name.startswith("admin-")}
    assert committed == set(EVENTS) | {"env.json"}
    assert all(name.startswith(("crc-", "delivery-", "connect-")) for name in EVENTS)


def body_of(event):
    return raw_body(event)


@pytest.mark.parametrize("name", sorted(name for name, (_, status) in EVENTS.items() if name.startswith("delivery-")))
def test_deliveries_are_signed_with_the_dev_secret_unless_meant_not_to_be(name):
    event, status = EVENTS[name]
    signature = event["headers"].get("x-twitter-webhooks-signature")
    signed = verify_signature(DEV_SECRET.encode(), body_of(event), signature)
    # A 401 is an unsigned or forged delivery, or a signed one whose synthetic marker is not the body's.
    assert signed is (status != 401 or "synthetic" in name), name


def test_the_base64_event_carries_the_favorite_sample():
    event, _ = EVENTS["delivery-base64-encoded.json"]
    assert event["isBase64Encoded"] is True
    assert json.loads(base64.b64decode(event["body"]))["favorite_events"]


def test_the_oversize_event_is_over_ingest_limit_but_under_api_gateway_limit():
    event, status = EVENTS["delivery-oversize.json"]
    size = len(body_of(event))
    assert status == 413
    assert 512 * 1024 < size < 10 * 1024 * 1024
    json.loads(body_of(event))  # still valid JSON: the size alone is the problem


def test_crc_events_are_gets_with_their_query():
    assert EVENTS["crc-valid.json"][0]["queryStringParameters"] == {"crc_token": "challenge_string"}
    assert "queryStringParameters" not in EVENTS["crc-missing-token.json"][0]
    assert EVENTS["crc-malformed-token.json"][0]["queryStringParameters"]["crc_token"] == '{"a":1}'
    assert all(EVENTS[name][0]["routeKey"] == "GET /webhook" for name in EVENTS if name.startswith("crc-"))


def test_expected_statuses_cover_every_case():
    statuses = expected_statuses()
    assert set(statuses.values()) == {200, 400, 401, 403, 413}


def test_connect_events_are_browser_gets_on_the_connect_routes_and_carry_no_real_token():
    connect = {name: event for name, (event, _) in EVENTS.items() if name.startswith("connect-")}
    assert {event["routeKey"] for event in connect.values()} == {"GET /connect", "GET /connect/callback"}
    assert all(event["requestContext"]["http"]["method"] == "GET" for event in connect.values())
    assert connect["connect-callback-forged-cookie.json"]["cookies"][0].startswith("xwebhook_signin=")


def test_env_json_only_sets_variables_the_template_declares():
    # sam local invoke --env-vars only overrides variables the template gives the function.
    template = load_template(template_path())
    globals_env = template["Globals"]["Function"]["Environment"]["Variables"]
    for logical_id, values in env_json().items():
        assert logical_id in FUNCTIONS.values()
        declared = set(globals_env) | set(template["Resources"][logical_id]["Properties"]["Environment"]["Variables"])
        assert set(values) <= declared, logical_id
