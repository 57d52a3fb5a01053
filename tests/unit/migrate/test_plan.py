"""`migrate plan`, pure: per-account needs, refusals, cost estimate, gaps, states and verification."""

from dataclasses import replace

import pytest

from tests.unit.migrate.conftest import (
    ALICE,
    CAP,
    HOOK,
    NOW,
    OTHER,
    OWNER,
    PARITY,
    SETTINGS,
    account,
    oauth1,
    oauth2,
    ours,
    view,
)
from xwebhook.migrate import plan as plans
from xwebhook.migrate.seen import Counts
from xwebhook.x_api import event_types
from xwebhook.x_api.xaa import Listing

T = NOW.timestamp()


def listing(*subscriptions, total=None):
    return Listing(tuple(subscriptions), total, 1, ())


def the_plan(views, subscriptions=(), counts=None, settings=SETTINGS, **options):
    return plans.migration_plan(views, listing(*subscriptions), HOOK.id, settings, NOW, counts, "no table", **options)


def owner_view(**changes):
    return view(account(OWNER, aaa=True, **changes), "secret", oauth1(), aaa_subscribed=True)


def test_each_aaa_account_needs_the_aaa_parity_set_and_the_plan_changes_nothing():
    document = the_plan([owner_view(), view(account(ALICE, oauth2=oauth2()), aaa_subscribed=False)])
    (entry,) = document["accounts"]  # ALICE is not on AAA: not part of the migration
    assert entry["user_id"] == OWNER
    assert entry["state"] == "not_started"
    assert entry["source"] == "secret"
    assert entry["event_types"] == "default"  # the AAA parity types, said once rather than per account
    assert entry["subscriptions"]["needed"] == PARITY
    assert entry["subscriptions"]["to_create"] == PARITY
    public = sum(1 for name in event_types.AAA_PARITY if event_types.CATALOGUE[name].privacy == "public")
    private = PARITY - public  # with the account's OAuth 1.0a tokens: ⚠ X may refuse oauth1
    assert entry["subscriptions"]["credentials"] == {"bearer": public, "oauth1": private}
    assert document["changes_nothing"] is True
    assert document["days_left"] == 30
    assert document["xaa_gaps"] == list(event_types.XAA_GAPS)
    cap = document["cap"]
    fits = (CAP, 0, PARITY, CAP - PARITY, [])  # the cap, none used, one account's set, the room left, no one out
    assert (cap["cap"], cap["used"], cap["needed"], cap["room_after"], cap["does_not_fit"]) == fits
    assert cap["verdict"] == "fits"


def test_what_x_would_refuse_is_said_per_account_with_the_reconnect_need():
    no_tokens = view(account("5", aaa=True, aaa_subscribed=True), "x", aaa_subscribed=True)
    (entry,) = the_plan([no_tokens])["accounts"]
    private = [r["event_type"] for r in entry["refusals"]]
    assert "dm.received" in private
    assert "post.create" not in private
    assert entry["subscriptions"]["credentials"] == {"bearer": 2}  # the public ones, with the app's token
    assert entry["reconnect"]["needed"] is True
    assert "no OAuth 2.0 token" in entry["reconnect"]["why"]


def test_an_oauth2_token_missing_a_scope_needs_a_reconnect_too():
    scoped = view(account(ALICE, aaa=True, oauth2=oauth2(scopes=("tweet.read", "dm.read"))), aaa_subscribed=True)
    (entry,) = the_plan([scoped])["accounts"]
    assert {r["event_type"] for r in entry["refusals"]} == {
        "like.create",
        "mute.mute",
        "mute.unmute",
        "block.block",
        "block.unblock",
    }
    assert entry["reconnect"]["needed"] is True
    assert "lacks scopes" in entry["reconnect"]["why"]


def test_accounts_over_the_cap_are_named_and_x_refusals_seen_before_are_repeated():
    small = replace(SETTINGS, subscription_cap=PARITY + 3)  # room for one account's set, not two
    refused = owner_view(migration={"refused": {"dm.received": [{"credential": "oauth1", "status": 403}]}})
    other = view(account(OTHER, aaa=True), "secret", oauth1(), aaa_subscribed=True)
    document = the_plan([refused, other], settings=small)
    first, second = document["accounts"]
    assert {
        "event_type": "dm.received",
        "why": "X refused it before",
        "refused": [{"credential": "oauth1", "status": 403}],
    } in first["refusals"]
    assert second["subscriptions"]["does_not_fit"] == PARITY
    assert second["subscriptions"]["to_create"] == 0
    assert document["cap"]["does_not_fit"] == [OTHER]
    assert document["cap"]["verdict"] == "does_not_fit"  # no counts: no fit to propose
    assert "no fit can be proposed" in document["cap"]["advice"]


def test_user_ids_narrow_the_plan_to_those_accounts():
    document = the_plan(
        [owner_view(), view(account(OTHER, aaa=True), "secret", oauth1(), aaa_subscribed=True)], user_ids=[OTHER]
    )
    assert [entry["user_id"] for entry in document["accounts"]] == [OTHER]


# cost ---------------------------------------------------------------------------------------------------


def test_the_estimate_prices_aaa_counts_as_the_xaa_types_they_stand_for_with_a_range():
    counts = Counts(
        {
            ("aaa", "tweet_create"): 10,
            ("aaa", "direct_message"): 4,
            ("aaa", "favorite"): 6,
            ("aaa", "follow.follow"): 1,
            ("aaa", "tweet_delete"): 3,
        }
    )
    estimate = plans.estimate(counts, 24)
    # per day: posts 10 x 0.005, follows 1 x 0.010, DMs 0 (sent) .. 4 x 0.010 (received); deletes free
    assert estimate["basis"] == "aaa"
    assert estimate["window_hours"] == 24
    assert estimate["low_usd"] == pytest.approx(30 * (0.05 + 0.01))
    assert estimate["high_usd"] == pytest.approx(30 * (0.05 + 0.01 + 0.04))
    assert estimate["not_priced_events_per_month"] == {"favorite": 180}  # X publishes no price for likes
    assert estimate["events_per_month"] == 30 * (10 + 4 + 1 + 3)  # every event but the likes, which X does not price


def test_once_xaa_events_are_seen_the_estimate_uses_them_exactly():
    counts = Counts({("aaa", "tweet_create"): 50, ("xaa", "post.create"): 2, ("xaa", "dm.sent"): 5})
    estimate = plans.estimate(counts, 12)
    assert estimate["basis"] == "xaa"
    assert estimate["low_usd"] == estimate["high_usd"] == pytest.approx(2 * 0.005 * 60)


def test_the_plan_carries_counts_and_estimates_or_says_they_are_unknown():
    counts = {OWNER: Counts({("aaa", "tweet_create"): 2})}
    (known,) = the_plan([owner_view()], counts=counts)["accounts"]
    assert known["counts"] == {"window_hours": 24, "aaa": {"tweet_create": 2}, "xaa": {}}
    assert known["estimate"]["high_usd"] == pytest.approx(0.3)
    document = the_plan([owner_view()])
    assert document["accounts"][0]["counts"] == {"unknown": "no table"}
    assert document["accounts"][0]["estimate"] is None
    assert document["estimate_total"]["accounts_unknown"] == 1


def test_the_count_window_never_reaches_past_what_the_dedup_table_remembers():
    assert replace(SETTINGS, count_hours=72, dedup_ttl_hours=30).count_window_hours == 30


# states and verification ------------------------------------------------------------------------------------


def test_states_follow_the_record_and_what_x_has():
    applied = owner_view(event_types=("post.create", "post.delete"), migration={"state": "applied", "applied_at": T})
    assert plans.state_of(owner_view(), [], SETTINGS) == "not_started"
    assert plans.state_of(applied, [ours("1", "post.create", OWNER)], SETTINGS) == "applying"
    both = [ours("1", "post.create", OWNER), ours("2", "post.delete", OWNER)]
    assert plans.state_of(applied, both, SETTINGS) == "overlap"
    assert plans.state_of(owner_view(migration={"state": "cut_over"}), [], SETTINGS) == "cut_over"


def applied_view(hours_ago):
    return owner_view(migration={"state": "applied", "applied_at": T - hours_ago * 3600})


def test_an_xaa_event_seen_since_apply_verifies_the_account():
    result = plans.verification(applied_view(1), Counts({("xaa", "post.create"): 1}), SETTINGS, T)
    assert result == {"verified": True, "how": "xaa_seen", "xaa_events": 1, "aaa_events": 0}


def test_a_quiet_account_is_verified_once_the_grace_period_passes():
    assert plans.verification(applied_view(47), Counts({}), SETTINGS, T)["verified"] is False
    assert plans.verification(applied_view(49), Counts({}), SETTINGS, T)["how"] == "grace"
    assert plans.verification(applied_view(49), None, SETTINGS, T, "no table")["how"] == "grace"


def test_aaa_events_arriving_without_any_xaa_one_never_verify_the_account():
    result = plans.verification(applied_view(100), Counts({("aaa", "direct_message"): 3}), SETTINGS, T)
    assert result["verified"] is False
    assert "XAA is not reaching us" in result["why"]


def test_not_applied_is_never_verified():
    assert plans.verification(owner_view(), Counts({("xaa", "post.create"): 9}), SETTINGS, T) == {
        "verified": False,
        "why": "not applied yet",
    }
