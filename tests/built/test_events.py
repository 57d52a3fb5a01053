"""The events/ payloads, answered by the built functions over the local AWS endpoint and the extension
stand-in, with the statuses events/README.md documents.

Which function takes a file (the naming rule, see events/README.md): an HTTP API event (it has a
`routeKey`) goes to the function whose HttpApi event in the template has that route; any other file
`<name>-<case>.json` goes to the function whose logical id is `<Name>Function` (admin-status.json ->
AdminFunction). A file no function takes fails here. Expected statuses come from localdev.events, which
writes the HTTP files; an HTTP file it does not know must still get an answer below 500.
"""

import base64
import hashlib
import hmac
import json
from collections import Counter

import pytest

from localdev.built import http_routes
from localdev.events import CRC_TOKEN, EVENTS_DIR, expected_statuses
from tests.built.conftest import discovered
from xwebhook.receive.splitting import split_delivery

FOUND = discovered()
STATUSES = expected_statuses()
NOT_EVENTS = {"env.json"}


def event_files():
    return sorted(path.name for path in EVENTS_DIR.glob("*.json") if path.name not in NOT_EVENTS)


def function_for(name, event, functions):
    """The logical id of the function that takes events/<name> (the naming rule above), or None."""
    if isinstance(event, dict) and "routeKey" in event:
        method, _, path = event["routeKey"].partition(" ")
        routes = http_routes(functions)
        return routes.get((method, path)) or routes.get(("ANY", path))
    prefix = name.split("-", 1)[0].lower()
    matches = [logical_id for logical_id in functions if logical_id.lower() == f"{prefix}function"]
    return matches[0] if matches else None


def load(name):
    return json.loads((EVENTS_DIR / name).read_text())


def http_files():
    return [name for name in event_files() if "routeKey" in load(name)]


def direct_files():
    return [name for name in event_files() if "routeKey" not in load(name)]


def body_of(event):
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


@pytest.mark.parametrize("name", event_files())
def test_every_event_file_names_a_function_of_the_build(built, name):
    assert function_for(name, load(name), built), f"events/{name}: no function of the build takes it"


@pytest.mark.parametrize("name", http_files())
def test_http_event_file_gets_its_documented_status_from_the_built_function(built_world, name):
    event = load(name)
    logical_id = function_for(name, event, built_world.built)
    answer = built_world.invoke(logical_id, event)
    queued = built_world.drain()
    status = answer["statusCode"]
    if name in STATUSES:
        assert status == STATUSES[name], answer
    else:
        assert status < 500, answer
    headers = {key.lower(): value for key, value in (answer.get("headers") or {}).items()}
    if headers.get("content-type", "").startswith("text/html"):
        # a page for a browser (the connect routes): it says what went wrong in plain words
        assert queued == [], f"{name} answered {status} but left messages on the queue"
        assert "<title>" in answer["body"], f"{name}: {status} without a page"
        assert len(answer["body"]) > 100, f"{name}: {status} without a page"
        return
    document = json.loads(answer.get("body") or "null")
    if status == 200 and event["requestContext"]["http"]["method"] == "POST":
        # a signed delivery: one message per event of X's payload, each with the id X's ids give it; an
        # event an earlier file already delivered (the base64 copy of the favorite) is a duplicate, not queued
        expected = [message.event_id for message in split_delivery(json.loads(body_of(event)), "t")]
        ids = [json.loads(message["Body"])["event_id"] for message in queued]
        assert document["sent"] + document["duplicates"] == len(expected), document
        assert document["sent"] == len(ids)
        assert set(ids) <= set(expected)
        assert not set(ids) & built_world.seen, "an event was queued twice"
        assert set(expected) <= set(ids) | built_world.seen
        built_world.seen.update(ids)
    else:
        assert queued == [], f"{name} answered {status} but left messages on the queue"
    if status >= 400:
        assert isinstance(document, dict), f"{name}: {status} without a JSON reason"
        assert document.get("error"), f"{name}: {status} without a JSON reason"


def test_the_valid_crc_is_answered_with_the_hmac_of_the_dev_secret(built_world):
    event = load("crc-valid.json")
    answer = built_world.invoke(function_for("crc-valid.json", event, built_world.built), event)
    digest = hmac.new(b"dev-consumer-secret", CRC_TOKEN.encode(), hashlib.sha256).digest()
    assert json.loads(answer["body"]) == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_signed_deliveries_over_http_through_the_gateway_land_on_the_queue_once_each(built_world):
    """X's own side: the emulator signs and POSTs each sample to the gateway, which runs the built ingest."""
    from tests.conftest import sample

    emulator = built_world.emulator
    webhook = emulator.add_webhook(built_world.gateway.webhook_url)
    emulator.add_subscription(webhook["id"], "2244994945")
    names = ["aaa/tweet_delete", "aaa/block", "xaa/post.delete", "xaa/chat.received"]  # not in events/
    expected = []
    for name in names:
        assert emulator.deliver(sample(name), webhook["id"]) == 200
        expected += [message.event_id for message in split_delivery(sample(name), "t")]
    ids = [json.loads(message["Body"])["event_id"] for message in built_world.drain()]
    assert sorted(ids) == sorted(expected)
    assert max(Counter(ids).values()) == 1
