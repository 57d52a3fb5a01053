"""One message per event X delivers, end to end: the template provisioned on moto, the real crc and ingest
functions behind the local gateway, X's emulator delivering one reply that also @mentions the account, as
AAA delivers it (one tweet_create) and as XAA does (post.reply.create and post.mention.create)."""

import pytest

from localdev.testing import message_bodies, stack_with_x, wait_for_messages

OWNER = "2244994945"
TOKENS = {OWNER: ("e2e-owner-token", "e2e-owner-secret")}
CREDENTIALS = {
    "consumer_key": "e2e-consumer-key",
    "bearer_token": "e2e-bearer-token",
    "access_token": TOKENS[OWNER][0],
    "access_token_secret": TOKENS[OWNER][1],
}
REPLY = {"post_id": "1900000000000000042", "mentions": True, "text": "thanks for this"}


@pytest.fixture
def world(stack_factory, tmp_path):
    with stack_with_x(stack_factory, CREDENTIALS, TOKENS, tmp_path / "functions.log") as (stack, emulator, _log):
        webhook = emulator.add_webhook(stack.env("admin")["WEBHOOK_URL"])
        for event_type in ("post.reply.create", "post.mention.create"):
            emulator.create_xaa({"event_type": event_type, "filter": {"user_id": OWNER}, "webhook_id": webhook["id"]})
        yield stack, emulator, webhook


def settle(stack, expected):
    """What the queue holds once `expected` messages are there, and a moment more for any beyond them."""
    received = wait_for_messages(stack, expected, timeout=15)
    received += wait_for_messages(stack, 1, timeout=1.0)
    return message_bodies(received)


def test_xaa_delivers_a_reply_that_mentions_the_account_as_two_messages(world):
    stack, emulator, _webhook = world
    outcomes = emulator.activity("reply", OWNER, **REPLY)
    assert [o["event_type"] for o in outcomes] == ["post.reply.create", "post.mention.create"]
    bodies = settle(stack, 2)
    assert sorted(b["event_type"] for b in bodies) == ["post.mention.create", "post.reply.create"]
    assert len({b["event_id"] for b in bodies}) == 2
    assert {b["activity_id"] for b in bodies} == {f"post:{OWNER}:{REPLY['post_id']}"}


def test_during_the_overlap_the_aaa_copy_covers_both_xaa_types_when_it_comes_first(world):
    stack, emulator, webhook = world
    emulator.add_subscription(webhook["id"], OWNER)
    outcomes = emulator.activity("reply", OWNER, "aaa_first", **REPLY)
    assert [o["family"] for o in outcomes] == ["aaa", "xaa", "xaa"]
    assert all(o["status"] == 200 for o in outcomes)
    bodies = settle(stack, 1)
    assert [(b["source"], b["event_type"]) for b in bodies] == [("aaa", "tweet_create")]


def test_during_the_overlap_each_xaa_type_is_once_when_xaa_comes_first(world):
    stack, emulator, webhook = world
    emulator.add_subscription(webhook["id"], OWNER)
    emulator.activity("reply", OWNER, "xaa_first", **REPLY)
    bodies = settle(stack, 2)
    assert sorted((b["source"], b["event_type"]) for b in bodies) == [
        ("xaa", "post.mention.create"),
        ("xaa", "post.reply.create"),
    ]
