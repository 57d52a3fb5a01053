"""The AAA -> XAA migration end to end: the template provisioned on moto, the real crc and ingest functions
behind the local gateway, X's emulator as X, and the admin function's logic in process (the accounts
table is connect's: a MemoryAccountStore stands in for it; the dedup table is the stack's own).

  three AAA accounts subscribed (OAuth 1.0a, from the credentials secret) -> plan (changes nothing)
  -> apply two of them -> the emulator delivers the same activities in both families -> on the queue
  -> cutover -> their AAA subscriptions are gone, XAA keeps flowing, ensure does not put AAA back
  -> the third: apply, then rollback -> its XAA subscriptions are gone, AAA flows as before.

CROSS_FAMILY_DEDUP says whether receive's activity dedup is in the template (every message has an
`activity_id`, the second copy of an activity is dropped, the dedup table has the by_user index): then each
activity is on the queue once, and cutover goes ahead on the XAA events seen. Without it each activity
would arrive once per family and cutover would have to be forced (no XAA event could be seen per account).
test_the_cross_family_flag_matches_the_template fails while the flag and the template disagree.
"""

from collections import Counter

import pytest

from localdev.testing import message_bodies, stack_with_x, wait_for_messages
from tests.fakes import MemoryAccountStore
from xwebhook.admin.settings import AdminSettings
from xwebhook.admin.wiring import build_admin
from xwebhook.migrate.seen import DynamoSeenEvents
from xwebhook.recovery.state import MemoryState
from xwebhook.x_api import event_types

CROSS_FAMILY_DEDUP = True  # receive's activity_id dedup and the by_user index are in

OWNER, BOB, CAROL = "2244994945", "1500000002", "1500000003"
TOKENS = {user: (f"{user}-e2e-token", f"{user}-e2e-secret") for user in (OWNER, BOB, CAROL)}
CREDENTIALS = {
    "consumer_key": "e2e-consumer-key",
    "bearer_token": "e2e-bearer-token",
    "access_token": TOKENS[OWNER][0],
    "access_token_secret": TOKENS[OWNER][1],
    "users": {user: {"access_token": TOKENS[user][0], "access_token_secret": TOKENS[user][1]} for user in (BOB, CAROL)},
}
PARITY = len(event_types.AAA_PARITY)
# (kind, the account it is for, details, order): the same activity in both families. Some XAA copies go
# first so that, with receive's dedup, an XAA event is recorded for each account (the first copy wins).
ACTIVITIES = [
    ("post", OWNER, {"post_id": "1900000000000000001", "text": "moving to XAA"}, "xaa_first"),
    ("like", OWNER, {"favorite_id": "a" * 32, "liker_id": BOB, "post_id": "1900000000000000001"}, "aaa_first"),
    ("dm", OWNER, {"dm_id": "1900000000000000002", "sender_id": BOB}, "aaa_first"),
    ("follow", OWNER, {"source_id": CAROL}, "aaa_first"),
    ("delete", OWNER, {"post_id": "1900000000000000001"}, "aaa_first"),
    ("mention", BOB, {"post_id": "1900000000000000003", "author_id": CAROL}, "xaa_first"),
]


def template_has_by_user_index(template_document):
    indexes = template_document["Resources"]["DedupTable"]["Properties"].get("GlobalSecondaryIndexes") or []
    return any(index.get("IndexName") == "by_user" for index in indexes)


def test_the_cross_family_flag_matches_the_template(template):
    assert template_has_by_user_index(template) == CROSS_FAMILY_DEDUP, (
        "receive's by_user index is in the template: set CROSS_FAMILY_DEDUP = True (and the reverse)"
    )


@pytest.fixture
def world(stack_factory, tmp_path):
    # X's lists come in pages: 51 subscriptions are 6 of them
    with stack_with_x(stack_factory, CREDENTIALS, TOKENS, tmp_path / "functions.log", xaa_page_size=10) as (
        stack,
        emulator,
        _log,
    ):
        admin = build_admin(
            AdminSettings.from_env(stack.env("admin")),
            sleep=lambda _seconds: None,
            accounts=MemoryAccountStore(),  # the accounts table's store is connect's (tests/e2e/test_accounts_*)
            state=MemoryState(),
            seen=DynamoSeenEvents(stack.client("dynamodb"), stack.table),
        )
        yield admin, emulator, stack


def run(admin, action, **fields):
    return admin.handle({"action": action, **fields})


def by_user(result):
    return {entry["user_id"]: entry for entry in result["accounts"]}


def deliver(emulator, stack, activities):
    """Each activity once, in the families X has subscriptions for; the queue's messages for them."""
    sent = 0
    for kind, user_id, details, order in activities:
        outcomes = emulator.activity(kind, user_id, order, **details)
        assert outcomes, outcomes
        assert all(outcome["status"] == 200 for outcome in outcomes), outcomes
        sent += len(outcomes)
    expected = len(activities) if CROSS_FAMILY_DEDUP else sent
    return message_bodies(wait_for_messages(stack, expected, timeout=15)), sent


def natural_key(body):
    """What both families' copies of one of ACTIVITIES share, read from a queue message."""
    event = body["event"]
    payload = event.get("payload", {}) if body["source"] == "xaa" else event
    if body["event_type"] in ("tweet_create", "post.create", "post.mention.create"):
        return ("post", payload.get("id_str") or payload.get("id"))
    if body["event_type"] in ("favorite", "like.create"):
        return ("like", payload["id"])
    if body["event_type"] in ("direct_message", "dm.received"):
        return ("dm", (payload.get("direct_message_events") or [payload])[0]["id"])
    if body["event_type"] in ("follow.follow",):
        source = payload["source"]
        return ("follow", source.get("id_str") or source["data"]["id"])
    if body["event_type"] in ("tweet_delete", "post.delete"):
        return ("delete", payload.get("status", payload)["id"])
    raise AssertionError(f"unexpected message {body['event_type']}")


def test_aaa_accounts_move_to_xaa_with_a_plan_an_overlap_a_cutover_and_a_way_back(world):
    admin, emulator, stack = world

    # three AAA accounts: ensure registers the webhook (CRC through the gateway) and subscribes them
    ensured = run(admin, "ensure")
    assert ensured["webhook_valid"] is True, ensured
    assert ensured["ok"] is True, ensured
    webhook_id = ensured["webhook"]["id"]
    assert emulator.subscriptions[webhook_id] == {OWNER, BOB, CAROL}

    # plan: what each needs, what it would cost, what XAA will not deliver; nothing changes at X
    plan = run(admin, "migrate", mode="plan")
    assert plan["ok"] is True
    assert plan["changes_nothing"] is True
    assert emulator.xaa_subscriptions == {}
    accounts = by_user(plan)
    assert set(accounts) == {OWNER, BOB, CAROL}
    assert all(entry["subscriptions"]["needed"] == PARITY and not entry["refusals"] for entry in accounts.values())
    assert plan["cap"]["to_create"] == 3 * PARITY
    assert plan["xaa_gaps"] == list(event_types.XAA_GAPS)
    if not CROSS_FAMILY_DEDUP:
        assert "has no by_user index" in accounts[OWNER]["counts"]["unknown"]

    # apply two accounts: XAA subscriptions made (OAuth 1.0a for the private types), AAA still on
    applied = run(admin, "migrate", mode="apply", user_ids=[OWNER, BOB])
    assert applied["ok"] is True, applied
    assert {e["user_id"]: e["state_after"] for e in applied["accounts"]} == {OWNER: "overlap", BOB: "overlap"}
    assert len(emulator.xaa_subscriptions) == 2 * PARITY
    assert emulator.subscriptions[webhook_id] == {OWNER, BOB, CAROL}
    assert run(admin, "migrate", mode="apply", user_ids=[OWNER, BOB])["accounts"][0]["created"] == 0

    # the overlap: every activity arrives in both families, each copy once ...
    bodies, sent = deliver(emulator, stack, ACTIVITIES)
    assert sent == 2 * len(ACTIVITIES)
    copies = Counter((natural_key(body), body["source"]) for body in bodies)
    if CROSS_FAMILY_DEDUP:
        # ... and receive's activity dedup keeps one message per activity, whichever family came first, but
        # for follows: X's XAA follow payloads carry no time of their own, so their activity id holds the
        # event_uuid and the AAA copy is a second message (docs/messages.md "Identity": a duplicate, never a loss)
        keys = Counter(natural_key(body) for body in bodies)
        follows = {key for key in keys if key[0] == "follow"}
        assert len(keys) == len(ACTIVITIES)
        assert follows
        assert {key: n for key, n in keys.items() if key not in follows} == dict.fromkeys(keys.keys() - follows, 1)
        assert all(copies[(key, "aaa")] == copies[(key, "xaa")] == 1 for key in follows)
    else:
        assert len(bodies) == sent
        assert set(copies.values()) == {1}
        assert Counter(source for _key, source in copies) == {"aaa": len(ACTIVITIES), "xaa": len(ACTIVITIES)}
    assert {body["for_user_id"] for body in bodies} == {OWNER, BOB}

    # cutover: the AAA subscriptions go once XAA is seen (forced here when the stack cannot see it)
    status = run(admin, "migrate", mode="status")
    assert {e["user_id"]: e["state"] for e in status["accounts"]} == {
        OWNER: "overlap",
        BOB: "overlap",
        CAROL: "not_started",
    }
    if CROSS_FAMILY_DEDUP:
        cut = run(admin, "migrate", mode="cutover", user_ids=[OWNER, BOB])
        assert {e["verified"]["how"] for e in cut["accounts"]} == {"xaa_seen"}, cut
    else:
        refused = run(admin, "migrate", mode="cutover", user_ids=[OWNER, BOB])
        assert refused["ok"] is False
        assert all(e["refused"] for e in refused["accounts"])
        assert emulator.subscriptions[webhook_id] == {OWNER, BOB, CAROL}
        cut = run(admin, "migrate", mode="cutover", user_ids=[OWNER, BOB], force=True)
    assert cut["ok"] is True, cut
    assert emulator.subscriptions[webhook_id] == {CAROL}

    # XAA only now: a new activity arrives once, as XAA; ensure keeps AAA off and the XAA set in place
    after, sent = deliver(emulator, stack, [("post", OWNER, {"post_id": "1900000000000000009"}, "aaa_first")])
    assert sent == 1
    assert [(b["source"], b["event_type"]) for b in after] == [("xaa", "post.create")]
    ensured = run(admin, "ensure")
    assert ensured["ok"] is True, ensured
    assert not any(step["step"] == "subscribe" for step in ensured["did"]), ensured
    assert ensured["xaa"]["did"] == []
    assert ensured["xaa"]["present"] == 2 * PARITY
    assert emulator.subscriptions[webhook_id] == {CAROL}

    # the way back, on another account: apply CAROL, then roll it back
    assert run(admin, "migrate", mode="apply", user_ids=[CAROL])["ok"] is True
    assert len(emulator.xaa_subscriptions) == 3 * PARITY
    rolled = run(admin, "migrate", mode="rollback", user_ids=[CAROL])
    assert rolled["ok"] is True, rolled
    assert len(by_user(rolled)[CAROL]["deleted"]) == PARITY, rolled
    assert len(emulator.xaa_subscriptions) == 2 * PARITY
    assert not any(s["filter"]["user_id"] == CAROL for s in emulator.xaa_subscriptions.values())
    back, _ = deliver(emulator, stack, [("dm", CAROL, {"dm_id": "1900000000000000010"}, "xaa_first")])
    assert [(b["source"], b["event_type"]) for b in back] == [("aaa", "direct_message")]
    again = run(admin, "ensure")
    assert again["ok"] is True
    assert again["xaa"]["did"] == []
    assert len(emulator.xaa_subscriptions) == 2 * PARITY


def test_the_fit_of_an_aaa_account_names_the_post_types_it_really_produced(world):
    # AAA's tweet_create stands for five XAA post types; ingest records each post under the ones it is for
    # the account (the dedup table's by_user index), so plan's fit proposes those, not all five
    admin, emulator, stack = world
    assert run(admin, "ensure")["ok"] is True
    produced = [
        ("post", CAROL, {"post_id": "1900000000000000011"}, "aaa_first"),  # her own post
        ("reply", CAROL, {"post_id": "1900000000000000012"}, "aaa_first"),  # another account replies to her
    ]
    bodies, _ = deliver(emulator, stack, produced)
    assert [body["event_type"] for body in bodies] == ["tweet_create", "tweet_create"]  # AAA only: not applied
    carol = by_user(run(admin, "migrate", mode="plan"))[CAROL]
    assert carol["counts"]["aaa"] == {"tweet_create/post.create": 1, "tweet_create/post.reply.create": 1}
    assert carol["fit"]["from"] == "aaa"
    assert sorted(carol["fit"]["event_types"]) == ["post.create", "post.reply.create"]
