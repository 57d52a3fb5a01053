"""The built admin function against the X API emulator: `ensure` registers the webhook (X's CRC reaches the
built crc function through the local gateway) and subscribes the app owner; `status` then shows it valid
and subscribed; X's deliveries reach the built ingest; and every events/admin-*.json payload is answered
with its action, never an internal error.
"""

import json

import pytest

from tests.built.conftest import OWNER_ID
from tests.built.test_events import direct_files, function_for, load
from tests.conftest import sample
from xwebhook.receive.splitting import split_delivery

ADMIN = "AdminFunction"


@pytest.fixture(scope="module")
def ensured(built_world):
    """The result of events/admin-ensure.json, run once on a fresh emulator."""
    return built_world.invoke(ADMIN, load("admin-ensure.json"))


def test_ensure_registers_the_webhook_through_the_built_crc_function_and_subscribes(built_world, ensured):
    emulator = built_world.emulator
    assert ensured["ok"] is True, ensured
    assert ensured["webhook_valid"] is True, ensured
    assert [step["step"] for step in ensured["did"]] == ["register", "subscribe"]
    webhook_id = ensured["webhook"]["id"]
    assert emulator.webhooks[webhook_id]["url"] == built_world.gateway.webhook_url
    # X's CRC GET travelled over HTTP to the gateway and was answered by the built crc function
    assert [(entry["url"], entry["outcome"]) for entry in emulator.crc_log] == [(built_world.gateway.webhook_url, "ok")]
    assert built_world.gateway.pools["CrcFunction"].built is built_world.built["CrcFunction"]
    assert emulator.subscriptions[webhook_id] == {OWNER_ID}


def test_status_after_ensure_shows_the_webhook_valid_and_the_owner_subscribed(built_world, ensured):
    status = built_world.invoke(ADMIN, load("admin-status.json"))
    assert status["ok"] is True, status
    assert status["webhook"]["id"] == ensured["webhook"]["id"]
    assert status["webhook"]["valid"] is True
    assert status["subscribed_user_ids"] == [OWNER_ID], status
    assert status["ensure_would"] == [], status


def test_after_ensure_x_delivers_to_the_built_ingest_and_the_events_are_queued(built_world, ensured):
    built_world.drain()
    assert built_world.emulator.deliver(sample("aaa/favorite")) == 200
    queued = [json.loads(message["Body"])["event_id"] for message in built_world.drain()]
    assert queued == [message.event_id for message in split_delivery(sample("aaa/favorite"), "t")]


@pytest.mark.parametrize("name", direct_files())
def test_direct_event_file_is_answered_with_its_action_by_its_function(built_world, ensured, name):
    event = load(name)
    logical_id = function_for(name, event, built_world.built)
    answer = built_world.invoke(logical_id, event)
    assert answer is None or isinstance(answer, (dict, list)), answer
    if logical_id == ADMIN:
        wanted = "ensure" if event.get("source") == "aws.events" else event["action"]
        assert answer["action"] == wanted, answer
        assert isinstance(answer["ok"], bool), answer
        assert "internal error" not in str(answer.get("error", "")), answer
