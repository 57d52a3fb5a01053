"""The admin function end to end: the template provisioned on moto, the real crc and ingest functions behind
the local gateway, X's emulator as X, and the real admin handler loaded with the stack's admin environment.

  register (X's CRC GET goes through the gateway to the crc function) -> subscribe the owner
  -> X delivers signed AAA and XAA events -> they are on the queue
  -> replay the window -> X delivers them again -> nothing new on the queue but the replay's status event
  -> X marks the webhook invalid -> ensure revalidates it (PUT -> CRC) -> WebhookValid 1
  -> the app's secret at X no longer matches ours -> ensure cannot revalidate -> WebhookValid 0, loudly.

Run with both queue types. On a FIFO queue SQS itself drops a copy sent again within 5 minutes, which
would hide a failure of ingest's own deduplication; on a standard queue nothing but ingest's DynamoDB
dedup table stands between a replay and a duplicate, so exactly-once there proves the replay path.
Either way ingest's answers to the replayed deliveries must report them as duplicates.
"""

import contextlib
import json
from collections import Counter
from pathlib import Path

import pytest

from localdev.testing import invoke, message_bodies, stack_with_x, wait_for_messages
from tests.conftest import sample
from xwebhook.receive.splitting import split_delivery

OWNER_ID = "2244994945"
OWNER_TOKENS = (f"{OWNER_ID}-e2e-owner-token", "e2e-owner-token-secret")
CREDENTIALS = {
    "consumer_key": "e2e-consumer-key",
    "bearer_token": "e2e-bearer-token",
    "access_token": OWNER_TOKENS[0],
    "access_token_secret": OWNER_TOKENS[1],
}
DELIVERIES = ["aaa/favorite_multi", "aaa/tweet_create", "xaa/post.create", "xaa/like.create"]
SCHEDULED_EVENT = Path(__file__).resolve().parents[2] / "events" / "admin-ensure-scheduled-event.json"


def webhook_valid_metric(stdout):
    """The WebhookValid values in the EMF lines the admin function printed."""
    values = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "WebhookValid" in document and "_aws" in document:
            value = document["WebhookValid"]
            values.extend(value if isinstance(value, list) else [value])
    return values


def event_ids(messages):
    return [body["event_id"] for body in message_bodies(messages)]


@pytest.fixture
def world(stack_factory, tmp_path):
    """make(queue_type) -> (stack, the gateway's request log, emulator): X and our stack, pointed at each other."""
    with contextlib.ExitStack() as running:

        def make(queue_type):
            stack, emulator, log = running.enter_context(
                stack_with_x(
                    stack_factory,
                    CREDENTIALS,
                    {OWNER_ID: OWNER_TOKENS},
                    tmp_path / "functions.log",
                    parameters={"QueueType": queue_type},
                )
            )
            return stack, log, emulator

        yield make


@pytest.mark.parametrize("queue_type", ["standard", "fifo"])
def test_register_subscribe_deliver_replay_and_keep_the_webhook_valid(world, queue_type, capsys):
    stack, gateway_log, emulator = world(queue_type)
    assert stack.env("ingest")["DEDUP_TABLE"], "ingest's dedup table must be on for this test"
    admin = stack.load("admin")

    # register: X's CRC GET travels through the gateway to the real crc function
    registered = invoke(admin, {"action": "register"})
    assert registered["ok"] is True, registered
    assert registered["created"] is True, registered
    webhook_id = registered["webhook"]["id"]
    assert registered["webhook"]["valid"] is True
    assert [entry["outcome"] for entry in emulator.crc_log] == ["ok"]
    assert "GET  /webhook 200 crc" in gateway_log.getvalue()

    # subscribe the app owner (OAuth 1.0a as the owner, checked by the emulator)
    subscribed = invoke(admin, {"action": "subscribe"})
    assert subscribed["ok"] is True
    assert subscribed["user_id"] == OWNER_ID
    assert emulator.subscriptions[webhook_id] == {OWNER_ID}

    # X delivers signed events; they happened two minutes ago, so a replay "up to now" covers them
    emulator.advance_clock(-120)
    expected = []
    for name in DELIVERIES:
        assert emulator.deliver(sample(name)) == 200
        expected += [message.event_id for message in split_delivery(sample(name), "t")]
    emulator.advance_clock(120)
    first = wait_for_messages(stack, len(expected))
    assert sorted(event_ids(first)) == sorted(expected)

    # replay the window: X sends every delivery again, then a replay_job_status event
    replay = invoke(admin, {"action": "replay", "from": "-10m"})
    assert replay["ok"] is True, replay
    assert replay["webhook_id"] == webhook_id, replay
    job = emulator.wait_replay(replay["job_id"])
    assert job["job_state"] == "Complete"
    assert job["delivered"] == len(DELIVERIES)
    replayed = [d for d in emulator.deliveries if d["replay"]]
    assert [d["status"] for d in replayed] == [200] * (len(DELIVERIES) + 1)
    # ingest answered each replayed delivery: every event already delivered, nothing enqueued again
    duplicates_noted = [line for line in gateway_log.getvalue().splitlines() if "duplicates=" in line]
    assert len(duplicates_noted) == len(DELIVERIES)
    assert all("sent=0" in line for line in duplicates_noted)
    # and the queue holds only what is new: the replay's own status event
    after = wait_for_messages(stack, 1)
    assert [body["event_type"] for body in message_bodies(after)] == ["replay_job_status"]
    assert max(Counter(event_ids(first) + event_ids(after)).values()) == 1

    # X marks the webhook invalid (failed periodic CRCs): no events reach us any more
    emulator.invalidate(webhook_id)
    assert emulator.deliver(sample("aaa/favorite")) is None
    capsys.readouterr()

    # the scheduled ensure revalidates it (PUT -> CRC through the gateway) and says so in its metric
    ensured = invoke(admin, {"action": "ensure"})
    assert ensured["ok"] is True, ensured
    assert ensured["webhook_valid"] is True, ensured
    assert [(step["step"], step["ok"]) for step in ensured["did"]] == [("revalidate", True)]
    assert emulator.webhooks[webhook_id]["valid"] is True
    assert webhook_valid_metric(capsys.readouterr().out) == [1.0]
    assert emulator.deliver(sample("aaa/favorite")) == 200

    # the consumer secret at X no longer matches ours (rotated at X only): every CRC now gets a wrong token
    emulator.invalidate(webhook_id)
    emulator.consumer_secret = "rotated-at-x-only"
    failing = invoke(admin, {"action": "ensure"})
    assert failing["ok"] is False
    assert failing["webhook_valid"] is False
    assert "is still invalid" in failing["error"]
    assert "CrcValidationFailed" in failing["error"]
    assert emulator.webhooks[webhook_id]["valid"] is False
    assert webhook_valid_metric(capsys.readouterr().out) == [0.0]
    assert [entry["outcome"] for entry in emulator.crc_log][-1] == "invalid"


def test_scheduled_rule_event_runs_ensure_from_nothing(world, capsys):
    stack, _log, emulator = world("fifo")
    admin = stack.load("admin")
    capsys.readouterr()
    event = json.loads(
        (__import__("pathlib").Path(__file__).parents[2] / "events/admin-ensure-scheduled-event.json").read_text()
    )
    result = invoke(admin, event)
    assert result["action"] == "ensure", result
    assert result["ok"] is True, result
    assert [step["step"] for step in result["did"]] == ["register", "subscribe"]
    webhook_id = result["webhook"]["id"]
    assert emulator.webhooks[webhook_id]["valid"] is True
    assert emulator.subscriptions[webhook_id] == {OWNER_ID}
    assert webhook_valid_metric(capsys.readouterr().out) == [1.0]
