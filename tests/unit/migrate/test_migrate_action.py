"""The `migrate` action's modes end to end over fakes: apply, cutover, rollback; idempotent and resumable."""

from datetime import timedelta

from tests.fakes import RESET_EPOCH, FakeSeen, FakeXaa
from tests.unit.migrate.conftest import ALICE, CAP, HOOK, NOW, OTHER, OWNER, PARITY, account, oauth2, ours
from xwebhook.x_api import event_types
from xwebhook.x_api.errors import RateLimited
from xwebhook.x_api.models import Webhook

PARITY_TYPES = sorted(event_types.AAA_PARITY)


def migrate(admin, mode, **fields):
    return admin.handle({"action": "migrate", "mode": mode, **fields})


def by_user(result):
    return {entry["user_id"]: entry for entry in result["accounts"]}


def seen_xaa(*user_ids):
    return FakeSeen({user_id: {("xaa", "post.create"): 1, ("aaa", "tweet_create"): 1} for user_id in user_ids})


# apply ----------------------------------------------------------------------------------------------------


def test_plan_needs_no_accounts_store_but_the_other_modes_do(world):
    admin = world(store=False)
    assert migrate(admin, "plan")["ok"] is True
    refused = migrate(admin, "apply")
    assert refused["ok"] is False
    assert "accounts store" in refused["error"]
    assert admin.api.xaa.subscriptions == {}


def test_apply_creates_every_aaa_accounts_xaa_subscriptions_and_leaves_aaa_on(world):
    admin = world()
    result = migrate(admin, "apply")
    assert result["ok"] is True, result
    accounts = by_user(result)
    assert set(accounts) == {OWNER, OTHER}
    assert accounts[OWNER]["created"] == PARITY
    assert accounts[OWNER]["state_after"] == "overlap"
    assert admin.api.xaa.of(OWNER) == PARITY_TYPES
    assert admin.api.xaa.of(OTHER) == PARITY_TYPES
    assert admin.api.subscribed == {OWNER, OTHER}  # AAA stays on during the overlap
    assert not any(call[0] == "unsubscribe" for call in admin.api.calls)
    stored = admin.services.accounts.get(OWNER)
    assert stored.event_types == event_types.AAA_PARITY
    assert stored.migration["state"] == "applied"
    assert stored.migration["applied_at"] == NOW.timestamp()
    assert len(stored.migration["created"]) == PARITY
    assert stored.oauth1 is None  # the secret's tokens are never copied into the store
    assert stored.xaa_auth["dm.received"] == "oauth1"
    assert stored.xaa_auth["post.create"] == "bearer"


def test_apply_again_does_nothing_more(world):
    admin = world()
    migrate(admin, "apply")
    creates = sum(call[0] == "create" for call in admin.api.xaa.calls)
    again = migrate(admin, "apply")
    assert again["ok"] is True
    assert by_user(again)[OWNER]["created"] == 0
    assert by_user(again)[OWNER]["present"] == PARITY
    assert sum(call[0] == "create" for call in admin.api.xaa.calls) == creates
    assert admin.services.accounts.get(OWNER).migration["applied_at"] == NOW.timestamp()


def test_apply_stopped_by_a_429_says_what_is_pending_and_resumes_after_the_reset(world, clock):
    limit = PARITY + 3  # X answers 429 after OTHER's whole set and 3 of OWNER's
    admin = world(xaa=FakeXaa(limit_after={"create XAA subscription": limit}))
    stopped = migrate(admin, "apply")
    assert stopped["ok"] is False
    assert stopped["rate_limit_reset_epoch"] == RESET_EPOCH
    assert "run the same mode again after the reset" in stopped["error"]
    # accounts go in user id order: OTHER (783214) whole, then OWNER (2244994945) until the 429
    assert by_user(stopped)[OTHER]["created"] == PARITY
    assert len(by_user(stopped)[OWNER]["pending"]) == PARITY - 3
    assert by_user(stopped)[OWNER]["state_after"] == "applying"
    assert f"has 3 of its {PARITY} XAA subscriptions" in by_user(stopped)[OWNER]["half_made"]  # said, not hidden
    assert stopped["half_made"] == [OWNER]
    early = migrate(admin, "apply")  # before the reset: create is not even called
    assert early["ok"] is False  # and the 429
    assert sum(c[0] == "create" for c in admin.api.xaa.calls) == limit + 1
    admin.api.xaa.limit_after.clear()
    clock.now = clock.now + timedelta(minutes=11)
    resumed = migrate(admin, "apply")
    assert resumed["ok"] is True
    assert by_user(resumed)[OWNER]["created"] == PARITY - 3
    assert admin.api.xaa.of(OWNER) == PARITY_TYPES


def test_apply_takes_user_ids_and_refuses_unknown_ones(world):
    admin = world()
    result = migrate(admin, "apply", user_ids=[OTHER])
    assert list(by_user(result)) == [OTHER]
    assert admin.api.xaa.of(OWNER) == []
    unknown = migrate(admin, "apply", user_ids=["123"])
    assert unknown["ok"] is False
    assert "no account is known for user id(s) 123" in unknown["error"]
    assert migrate(admin, "apply", user_ids=["abc"])["error"].startswith("bad input: user_ids.0")


def test_apply_refuses_while_the_webhook_is_invalid(world):
    admin = world()
    admin.api.webhooks = [Webhook(HOOK.id, HOOK.url, False)]
    result = migrate(admin, "apply")
    assert result["ok"] is False
    assert "invalid" in result["error"]
    assert admin.api.xaa.calls == []


def test_an_account_x_will_not_take_oauth1_from_is_reported_as_needing_a_sign_in(world):
    admin = world(xaa=FakeXaa(refuse={("*", "oauth1"): 403}))
    result = migrate(admin, "apply", user_ids=[OWNER])
    entry = by_user(result)[OWNER]
    assert entry["ok"] is False
    assert entry["state_after"] == "applying"
    assert {f["event_type"] for f in entry["failed"]} == {
        name for name in PARITY_TYPES if event_types.CATALOGUE[name].privacy == "private"
    }
    plan = by_user(migrate(admin, "plan", user_ids=[OWNER]))[OWNER]
    assert plan["reconnect"]["needed"] is True
    assert "migrate reconnect" in " ".join(plan["attention"])


# cutover --------------------------------------------------------------------------------------------------


def test_cutover_refuses_an_account_whose_xaa_events_have_not_been_seen(world):
    admin = world()
    migrate(admin, "apply")
    result = migrate(admin, "cutover")
    assert result["ok"] is False
    entry = by_user(result)[OWNER]
    assert entry["refused"] is True
    assert "no XAA event seen yet" in entry["error"]
    assert "(wait, or force)" in entry["error"]
    assert admin.api.subscribed == {OWNER, OTHER}


def test_cutover_deletes_the_aaa_subscription_of_verified_accounts_and_ensure_keeps_it_off(world):
    admin = world(seen=seen_xaa(OWNER))
    migrate(admin, "apply")
    result = migrate(admin, "cutover")
    accounts = by_user(result)
    assert accounts[OWNER]["ok"] is True
    assert accounts[OWNER]["verified"]["how"] == "xaa_seen"
    assert accounts[OTHER]["ok"] is False  # nothing seen for it yet
    assert admin.api.subscribed == {OTHER}
    assert admin.api.xaa.of(OWNER) == PARITY_TYPES
    stored = admin.services.accounts.get(OWNER)
    assert stored.migration["state"] == "cut_over"
    assert stored.aaa is False
    ensured = admin.handle({"action": "ensure"})
    assert ensured["ok"] is True, ensured
    assert not any(step["step"] == "subscribe" for step in ensured["did"])  # AAA stays off for OWNER
    assert admin.api.subscribed == {OTHER}
    assert admin.api.xaa.of(OWNER) == PARITY_TYPES


def test_cutover_after_the_grace_period_takes_a_quiet_account(world, clock):
    admin = world(seen=FakeSeen())
    migrate(admin, "apply", user_ids=[OTHER])
    clock.advance(hours=49)
    result = migrate(admin, "cutover", user_ids=[OTHER])
    assert result["ok"] is True
    assert by_user(result)[OTHER]["verified"]["how"] == "grace"


def test_force_cuts_over_an_unverified_account_but_never_one_not_applied(world):
    admin = world()
    migrate(admin, "apply", user_ids=[OWNER])
    forced = migrate(admin, "cutover", force=True)
    accounts = by_user(forced)
    assert accounts[OWNER]["ok"] is True
    assert accounts[OWNER]["verified"]["forced"] is True
    assert accounts[OTHER]["ok"] is False
    assert "run migrate apply first" in accounts[OTHER]["error"]
    assert admin.api.subscribed == {OTHER}


def test_cutover_refuses_an_account_whose_subscriptions_are_incomplete(world):
    admin = world(xaa=FakeXaa(refuse={("dm.received", "oauth1"): 403}), seen=seen_xaa(OWNER))
    migrate(admin, "apply", user_ids=[OWNER])
    result = migrate(admin, "cutover", user_ids=[OWNER])
    assert result["ok"] is False
    assert "missing at X: dm.received" in by_user(result)[OWNER]["error"]


def test_cutover_again_is_a_no_op_that_removes_aaa_if_it_came_back(world):
    admin = world(seen=seen_xaa(OWNER))
    migrate(admin, "apply", user_ids=[OWNER])
    migrate(admin, "cutover", user_ids=[OWNER])
    admin.api.subscribed.add(OWNER)  # someone subscribed it by hand
    again = by_user(migrate(admin, "cutover", user_ids=[OWNER]))[OWNER]
    assert again["ok"] is True
    assert "back and is gone again" in again["note"]
    assert OWNER not in admin.api.subscribed


# rollback -------------------------------------------------------------------------------------------------


def hand_made(subscription_id, event_type, user_id):
    """A subscription someone else made on our webhook (not our tag): apply adopts it when X calls it a duplicate."""
    return ours(subscription_id, event_type, user_id, tag="made-by-hand")


def test_rollback_deletes_what_apply_created_keeps_what_it_adopted_and_the_rollback_holds(world):
    admin = world(xaa=FakeXaa([hand_made("501", "post.create", OWNER)], duplicates={"post.create": "501"}))
    migrate(admin, "apply", user_ids=[OWNER])
    result = migrate(admin, "rollback", user_ids=[OWNER])
    entry = by_user(result)[OWNER]
    assert entry["ok"] is True
    assert len(entry["deleted"]) == PARITY - 1
    assert entry["kept_adopted"] == ["post.create"]
    assert admin.api.xaa.of(OWNER) == ["post.create"]
    stored = admin.services.accounts.get(OWNER)
    assert stored.migration["state"] == "rolled_back"
    assert stored.event_types == ()
    ensured = admin.handle({"action": "ensure"})
    assert ensured["xaa"]["did"] == []  # neither re-created nor the adopted one taken away
    assert admin.api.xaa.of(OWNER) == ["post.create"]
    assert admin.api.subscribed == {OWNER, OTHER}


def test_rollback_of_a_cut_over_account_subscribes_it_to_aaa_again_first(world):
    admin = world(seen=seen_xaa(OTHER))
    migrate(admin, "apply", user_ids=[OTHER])
    migrate(admin, "cutover", user_ids=[OTHER])
    assert OTHER not in admin.api.subscribed
    subscribe = admin.api.subscribe

    def subscribe_logged(webhook_id, tokens):  # one log for both fakes, to see the order
        admin.api.xaa.calls.append(("aaa subscribe", tokens.user_id))
        return subscribe(webhook_id, tokens)

    admin.api.subscribe = subscribe_logged
    result = migrate(admin, "rollback", user_ids=[OTHER])
    entry = by_user(result)[OTHER]
    assert entry["ok"] is True
    assert entry["aaa_subscribed_again"] is True
    assert OTHER in admin.api.subscribed
    assert admin.api.xaa.of(OTHER) == []
    order = [call[0] for call in admin.api.xaa.calls]
    assert order.index("aaa subscribe") < order.index("delete")


def test_rollback_refuses_a_cut_over_account_without_oauth1_tokens_or_after_aaa_ended(world, clock):
    alice = account(ALICE, oauth2=oauth2(), aaa=True)
    admin = world([alice], subscribed=(ALICE,), seen=seen_xaa(ALICE), secret_users=())
    migrate(admin, "apply", user_ids=[ALICE])
    migrate(admin, "cutover", user_ids=[ALICE])
    refused = by_user(migrate(admin, "rollback", user_ids=[ALICE]))[ALICE]
    assert refused["refused"] is True
    assert "no OAuth 1.0a tokens" in refused["error"]
    assert admin.api.xaa.of(ALICE) == PARITY_TYPES  # nothing deleted: it would be on neither API
    admin2 = world(seen=seen_xaa(OWNER))
    migrate(admin2, "apply", user_ids=[OWNER])
    migrate(admin2, "cutover", user_ids=[OWNER])
    clock.now = clock.now.replace(year=2027, month=1, day=2)
    late = by_user(migrate(admin2, "rollback", user_ids=[OWNER]))[OWNER]
    assert late["refused"] is True
    assert "AAA ended" in late["error"]


def test_rollback_stopped_by_a_429_resumes(world, clock):
    admin = world()
    migrate(admin, "apply", user_ids=[OWNER])
    admin.api.xaa.limit_after["delete XAA subscription"] = 5  # then X answers 429
    stopped = migrate(admin, "rollback", user_ids=[OWNER])
    assert stopped["ok"] is False
    assert len(by_user(stopped)[OWNER]["pending"]) == PARITY - 5
    admin.api.xaa.limit_after.clear()
    clock.advance(minutes=11)
    resumed = by_user(migrate(admin, "rollback", user_ids=[OWNER]))[OWNER]
    assert resumed["ok"] is True
    assert len(resumed["deleted"]) == PARITY - 5
    assert admin.api.xaa.of(OWNER) == []


def test_rollback_of_an_account_never_applied_is_a_no_op(world):
    admin = world()
    entry = by_user(migrate(admin, "rollback", user_ids=[OWNER]))[OWNER]
    assert entry["ok"] is True
    assert entry["note"] == "nothing to roll back"
    assert admin.api.xaa.calls == [("list",)]


# event_types and status -----------------------------------------------------------------------------------


def test_event_types_sets_one_accounts_set_and_ensure_follows_it(world):
    admin = world([account(ALICE, oauth2=oauth2())], subscribed=())
    answer = admin.handle({"action": "event_types", "user_id": ALICE, "event_types": ["post.create", "dm.received"]})
    assert answer["ok"] is True
    assert answer["scopes"] == ["dm.read", "offline.access", "tweet.read", "users.read"]
    admin.handle({"action": "ensure"})
    assert admin.api.xaa.of(ALICE) == ["dm.received", "post.create"]
    admin.handle({"action": "event_types", "user_id": ALICE, "event_types": ["post.create"]})
    admin.handle({"action": "ensure"})
    assert admin.api.xaa.of(ALICE) == ["post.create"]
    default = admin.handle({"action": "event_types", "user_id": ALICE, "event_types": "default"})
    assert default["event_types"] == list(event_types.AAA_PARITY)


def test_event_types_refuses_unknown_types_and_unknown_accounts(world):
    admin = world()
    bad = admin.handle({"action": "event_types", "user_id": OWNER, "event_types": ["post.created"]})
    assert bad["ok"] is False
    assert "unknown XAA event type(s): post.created" in bad["error"]
    stranger = admin.handle({"action": "event_types", "user_id": "77", "event_types": "default"})
    assert stranger["ok"] is False
    assert "no account is known for user id 77" in stranger["error"]
    secret_only = admin.handle({"action": "event_types", "user_id": OTHER, "event_types": ["post.create"]})
    assert secret_only["ok"] is True
    assert admin.services.accounts.get(OTHER).event_types == ("post.create",)


def test_migrate_refuses_unknown_modes_and_fields(world):
    admin = world()
    assert "mode" in migrate(admin, "teleport")["error"]
    assert "unknown field 'users'" in admin.handle({"action": "migrate", "mode": "plan", "users": [1]})["error"]


def test_status_shows_each_accounts_migration_state_the_cap_and_the_days_left(world):
    admin = world(seen=seen_xaa(OWNER))
    migrate(admin, "apply", user_ids=[OWNER])
    section = admin.handle({"action": "status"})["xaa"]
    assert section["counts"]["overlap"] == 1
    assert section["counts"]["not_started"] == 1
    assert section["days_left"] == 30
    assert section["cap"] == {"cap": CAP, "used": PARITY}
    assert section["ensure_would"]["create"] == 0
    assert section["accounts_store"] == "configured"
    assert admin.handle({"action": "ensure"})["xaa"]["present"] == PARITY  # ensure's report has the xaa part


def test_cutover_stopped_by_xs_429_on_aaa_leaves_the_rest_pending(world):
    admin = world(seen=seen_xaa(OWNER, OTHER))
    migrate(admin, "apply")
    admin.api.fail["unsubscribe"] = RateLimited("unsubscribe", reset_epoch=RESET_EPOCH)
    stopped = migrate(admin, "cutover")
    assert stopped["ok"] is False
    assert stopped["rate_limit_reset_epoch"] == RESET_EPOCH
    assert "run the same mode again after the reset" in stopped["error"]
    assert [entry.get("pending") for entry in stopped["accounts"]] == [True, True]
    assert [c for c in admin.api.calls if c[0] == "unsubscribe"] == [("unsubscribe", HOOK.id, OTHER)]
    del admin.api.fail["unsubscribe"]
    assert migrate(admin, "cutover")["ok"] is True
    assert admin.api.subscribed == set()


def test_apply_stores_the_event_type_set_before_it_creates_so_a_concurrent_ensure_finishes_rather_than_undoes(world):
    admin = world()
    store = admin.services.accounts
    seen_at_create = []
    create = admin.api.xaa.create

    def watching(*args, **kwargs):
        stored = store.get(OTHER)
        seen_at_create.append(stored.event_types if stored else None)
        return create(*args, **kwargs)

    admin.api.xaa.create = watching
    migrate(admin, "apply", user_ids=[OTHER])
    assert seen_at_create
    assert set(seen_at_create) == {event_types.AAA_PARITY}


def test_an_account_whose_record_cannot_be_stored_gets_no_subscription(world):
    admin = world()
    store = admin.services.accounts

    def refuse(account):
        raise RuntimeError("accounts table unavailable")

    store.put = refuse
    result = migrate(admin, "apply", user_ids=[OTHER])
    entry = by_user(result)[OTHER]
    assert entry["ok"] is False
    assert "accounts table unavailable" in entry["error"]
    assert admin.api.xaa.subscriptions == {}
