"""Fitting under X's subscription cap (`plan`'s cap section and `fit`), dry runs, and the inputs an operator
types: what the migrate action says and does over fakes."""

from dataclasses import replace

import pytest

from tests.fakes import RESET_EPOCH, FakeSeen
from tests.unit.migrate.conftest import OTHER, OWNER, PARITY, SETTINGS, account, oauth1, view
from xwebhook.migrate import plan as plans
from xwebhook.migrate.holds import Held
from xwebhook.migrate.seen import Counts
from xwebhook.x_api import event_types


def migrate(admin, mode, **fields):
    return admin.handle({"action": "migrate", "mode": mode, **fields})


def by_user(result):
    return {entry["user_id"]: entry for entry in result["accounts"]}


POSTS = {("aaa", "tweet_create"): 4, ("aaa", "favorite"): 1}  # AAA kinds: the XAA types each stands for
POSTS_FIT = {*event_types.AAA_KIND_TO_XAA["tweet_create"], "like.create"}  # the post types and like.create
DMS = {("xaa", "dm.received"): 2}  # XAA events: exact
DMS_FIT = {"dm.received"}
ROOM_FOR_ONE = PARITY + 3  # a cap with room for one account's parity set, not two: only a fit makes both fit


# fit -----------------------------------------------------------------------------------------------------------


def test_fit_proposes_the_types_each_account_produced_and_says_where_they_came_from():
    owner = view(account(OWNER, aaa=True), "secret", oauth1(), True)
    counts = {OWNER: Counts(POSTS)}
    types, basis = plans.fit_types(owner, counts[OWNER], SETTINGS)
    assert basis == "aaa"
    assert set(types) == POSTS_FIT
    exact, basis = plans.fit_types(owner, Counts({**POSTS, **DMS}), SETTINGS)
    assert (exact, basis) == (("dm.received",), "xaa")


def test_an_aaa_post_counted_with_its_xaa_type_fits_that_type_only():
    # ingest names the XAA type of each key of an AAA post (receive/dedup.py): replies to the account and
    # its own posts, nothing else; a `tweet_create` counted before that stands for all five.
    owner = view(account(OWNER, aaa=True), "secret", oauth1(), True)
    named = {("aaa", "tweet_create/post.reply.create"): 3, ("aaa", "tweet_create/post.create"): 1}
    types, basis = plans.fit_types(owner, Counts(named), SETTINGS)
    assert basis == "aaa"
    assert sorted(types) == ["post.create", "post.reply.create"]
    older, _ = plans.fit_types(owner, Counts({**named, ("aaa", "tweet_create"): 1}), SETTINGS)
    assert set(older) == set(event_types.AAA_KIND_TO_XAA["tweet_create"])


def test_a_named_type_an_aaa_kind_cannot_stand_for_stands_for_nothing():
    assert plans.xaa_types_of("aaa", "tweet_create/post.reply.create") == ("post.reply.create",)
    assert plans.xaa_types_of("aaa", "tweet_create/like.create") == ()
    assert plans.xaa_types_of("aaa", "favorite") == ("like.create",)


def test_the_estimate_prices_each_named_post_type_as_xaa_bills_it():
    named = Counts({("aaa", "tweet_create/post.create"): 1, ("aaa", "tweet_create/post.mention.create"): 1})
    estimate = plans.estimate(named, 24)
    assert estimate["not_priced_events_per_month"] == {}
    assert estimate["events_per_month"] == round(2 * plans.DAYS_PER_MONTH)
    assert estimate["low_usd"] == round(2 * event_types.CATALOGUE["post.create"].price_usd * plans.DAYS_PER_MONTH, 2)


def test_a_quiet_account_gets_only_the_floor_and_an_unknown_one_keeps_its_set():
    owner = view(account(OWNER, aaa=True), "secret", oauth1(), True)
    assert plans.fit_types(owner, Counts({}), SETTINGS) == ((), "quiet")
    assert plans.fit_types(owner, Counts({}), SETTINGS, ("post.mention.create",)) == (("post.mention.create",), "quiet")
    assert plans.fit_types(owner, None, SETTINGS) == (event_types.AAA_PARITY, "unknown")


def test_when_only_fit_makes_every_account_fit_the_plan_says_so(world):
    admin = world(seen=FakeSeen({OWNER: POSTS, OTHER: DMS}), settings=replace(SETTINGS, subscription_cap=ROOM_FOR_ONE))
    plan = migrate(admin, "plan")
    cap = plan["cap"]
    assert cap["needed"] == 2 * PARITY
    assert cap["room"] == ROOM_FOR_ONE
    assert cap["fit"]["needed"] == len(POSTS_FIT) + len(DMS_FIT)  # OWNER's post types and like.create, OTHER's DMs
    assert cap["verdict"] == "fit_fits"
    assert "migrate fit stores those sets" in cap["advice"]
    assert by_user(plan)[OTHER]["fit"] == {"event_types": ["dm.received"], "from": "xaa", "needed": 1}


def test_when_even_fit_does_not_fit_the_plan_says_only_x_can_raise_the_cap(world):
    too_small = 5  # fewer than the fit needs: len(POSTS_FIT) + len(DMS_FIT)
    admin = world(seen=FakeSeen({OWNER: POSTS, OTHER: DMS}), settings=replace(SETTINGS, subscription_cap=too_small))
    cap = migrate(admin, "plan")["cap"]
    assert cap["verdict"] == "only_x"
    assert "only X can raise it" in cap["advice"]
    assert "Enterprise 75,000" in cap["advice"]


def test_fit_stores_the_proposal_and_apply_then_makes_only_those_subscriptions(world):
    admin = world(seen=FakeSeen({OWNER: POSTS, OTHER: DMS}), settings=replace(SETTINGS, subscription_cap=ROOM_FOR_ONE))
    dry = migrate(admin, "fit", dry_run=True)
    assert dry["ok"] is True
    assert admin.services.accounts.all() == []  # a dry run stores nothing
    stored = migrate(admin, "fit")
    assert stored["ok"] is True, stored
    assert admin.services.accounts.get(OTHER).event_types == ("dm.received",)
    applied = migrate(admin, "apply")
    assert applied["ok"] is True, applied
    assert admin.api.xaa.of(OTHER) == ["dm.received"]
    assert len(admin.api.xaa.of(OWNER)) == 6


def test_fit_takes_the_operators_edited_sets(world):
    admin = world()
    result = migrate(admin, "fit", sets={OWNER: ["post.create"], OTHER: "default"})
    assert result["ok"] is True
    assert admin.services.accounts.get(OWNER).event_types == ("post.create",)
    assert admin.services.accounts.get(OTHER).event_types == event_types.AAA_PARITY


def test_a_quiet_account_without_a_floor_gets_no_set_and_apply_refuses_an_empty_one(world):
    admin = world(seen=FakeSeen({OWNER: POSTS}))
    result = migrate(admin, "fit")
    assert result["ok"] is False
    assert by_user(result)[OTHER]["error"] == "no event type produced and no floor: give it types"
    floored = migrate(admin, "fit", floor=["post.mention.create"])
    assert by_user(floored)[OTHER]["event_types"] == ["post.mention.create"]


def test_fit_refuses_unknown_types_in_the_floor_or_the_sets(world):
    admin = world()
    assert "unknown XAA event type(s): post.nope" in migrate(admin, "fit", floor=["post.nope"])["error"]
    assert "unknown XAA event type(s): dm.nope" in migrate(admin, "fit", sets={OWNER: ["dm.nope"]})["error"]


# dry runs ---------------------------------------------------------------------------------------------------------


def test_apply_dry_run_says_what_it_would_create_and_changes_nothing(world):
    admin = world()
    result = migrate(admin, "apply", dry_run=True)
    assert result["ok"] is True
    assert len(by_user(result)[OWNER]["would_create"]) == PARITY
    assert admin.api.xaa.calls == [("list",)]
    assert admin.services.accounts.all() == []


def test_cutover_and_rollback_dry_runs_change_nothing(world):
    admin = world(seen=FakeSeen({OWNER: {("xaa", "post.create"): 1}}))
    migrate(admin, "apply", user_ids=[OWNER])
    before = dict(admin.api.xaa.subscriptions)
    cut = by_user(migrate(admin, "cutover", user_ids=[OWNER], dry_run=True))[OWNER]
    assert cut["would_unsubscribe_aaa"] is True
    assert OWNER in admin.api.subscribed
    back = by_user(migrate(admin, "rollback", user_ids=[OWNER], dry_run=True))[OWNER]
    assert len(back["would_delete"]) == PARITY
    assert admin.api.xaa.subscriptions == before
    assert admin.services.accounts.get(OWNER).migration["state"] == "applied"


# one account whole, or not started ----------------------------------------------------------------------------------


def test_apply_starts_no_account_whose_subscriptions_do_not_fit_in_the_time_left(world):
    admin = world()
    admin.seconds_left = lambda: 16.0  # the deadline is near: a whole set of creates (4 at a time) does not fit in 1 s
    result = migrate(admin, "apply")
    assert result["ok"] is False
    assert "not enough time left" in result["error"]
    entry = by_user(result)[OTHER]
    assert entry["not_started"] is True
    assert entry["state_after"] == "not_started"
    assert admin.api.xaa.subscriptions == {}
    assert admin.services.accounts.all() == []  # nothing recorded for accounts not started


# inputs -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_ids", [OTHER, int(OTHER), f"{OTHER}", [OTHER]])
def test_user_ids_may_be_one_id_a_number_or_a_list(world, user_ids):
    admin = world()
    result = migrate(admin, "plan", user_ids=user_ids)
    assert result["ok"] is True, result
    assert [entry["user_id"] for entry in result["accounts"]] == [OTHER]


def test_user_ids_may_be_separated_by_commas(world):
    result = migrate(world(), "plan", user_ids=f"{OTHER},{OWNER}")
    assert {entry["user_id"] for entry in result["accounts"]} == {OTHER, OWNER}


def test_next_says_nothing_is_left_once_every_account_is_cut_over():
    counts = dict.fromkeys(plans.STATES, 0) | {"cut_over": 3}
    assert plans.next_step(counts) == "nothing left: every account is on XAA (ensure keeps it so)"
    assert plans.next_step(counts | {"overlap": 1}).startswith("migrate cutover")
    assert plans.next_step(counts | {"applying": 1}, stuck=1).startswith("migrate apply (it finishes")


def test_a_held_rate_limit_is_said_in_utc_not_as_an_epoch():
    held = Held("create XAA subscription", RESET_EPOCH)
    assert str(held) == (
        "X's rate limit for create XAA subscription resets at 2026-12-01T12:10:00Z; not called before then"
    )
