"""The XAA desired state, pure: what each account wants, which subscriptions are ours, and the plan between."""

from dataclasses import replace

import pytest

from tests.unit.migrate.conftest import ALICE, HOOK, NOW, OTHER, OWNER, SETTINGS, account, oauth1, oauth2, ours, view
from xwebhook.accounts.models import NEEDS_RECONNECT, REVOKED
from xwebhook.migrate import auth
from xwebhook.migrate.desired import is_ours, plan_xaa, wants_for
from xwebhook.x_api import event_types
from xwebhook.x_api.xaa import Subscription

T = NOW.timestamp()


def plan(views, subscriptions=(), used=None, settings=SETTINGS, **options):
    used = len(subscriptions) if used is None else used
    return plan_xaa(views, list(subscriptions), used, HOOK.id, settings, T, **options)


def alice(**changes):
    return view(account(ALICE, **{"oauth2": oauth2(), "event_types": ("post.create", "dm.received"), **changes}))


def test_an_active_account_wants_one_subscription_per_event_type_of_its_set():
    steps = plan([alice()])
    assert [(c.want.event_type, c.want.filter) for c in steps.create] == [
        ("post.create", {"user_id": ALICE}),
        ("dm.received", {"user_id": ALICE}),
    ]
    assert steps.delete == []
    assert steps.repoint == []
    assert steps.room == SETTINGS.subscription_cap - 2


def test_aaa_parity_is_one_subscription_per_type_and_like_splits_per_direction_when_asked():
    assert len(wants_for(OWNER, event_types.AAA_PARITY, SETTINGS)) == len(event_types.AAA_PARITY)
    each = replace(SETTINGS, directions="each")
    likes = [w.filter for w in wants_for(OWNER, ("like.create", "mute.mute"), each)]
    assert likes == [
        {"user_id": OWNER, "direction": "inbound"},
        {"user_id": OWNER, "direction": "outbound"},
        {"user_id": OWNER},
    ]  # mute is actor-only: never a direction


def test_what_x_already_has_is_kept_and_nothing_is_created_twice():
    present = [ours("1", "post.create", ALICE), ours("2", "dm.received", ALICE)]
    steps = plan([alice()], present)
    assert steps.create == []
    assert steps.changes == 0
    assert [s.id for _, s in steps.keep] == ["1", "2"]


def test_a_type_left_out_of_the_set_is_deleted_and_a_changed_filter_is_a_delete_and_a_create():
    present = [ours("1", "post.create", ALICE), ours("2", "like.create", ALICE, direction="inbound")]
    steps = plan([view(account(ALICE, oauth2=oauth2(), event_types=("post.create", "like.create")))], present)
    assert [(s.id, why) for s, why in steps.delete] == [("2", "its event type or filter is not in the account's set")]
    assert [(c.want.event_type, c.want.filter) for c in steps.create] == [("like.create", {"user_id": ALICE})]


def test_a_revoked_account_or_a_stranger_has_its_subscriptions_deleted_but_reconnecting_keeps_them():
    present = [ours("1", "post.create", ALICE), ours("2", "post.create", OTHER), ours("3", "post.create", "42")]
    views = [alice(status=NEEDS_RECONNECT), view(account(OTHER, status=REVOKED, event_types=("post.create",)))]
    steps = plan(views, present)
    assert {(s.id, why) for s, why in steps.delete} == {("2", "the account is revoked"), ("3", "belongs to no account")}
    assert [s.id for _, s in steps.keep] == ["1"]
    assert steps.create == []  # a reconnecting account gets nothing new (dm.received is missing)


def test_subscriptions_that_are_not_ours_are_never_changed_and_keyword_filters_never_deleted():
    foreign = Subscription("7", "post.create", {"user_id": "42"}, "someone-else", "111")
    keyword = Subscription("8", "news.new", {"keyword": "space"}, "xw:news", HOOK.id)
    steps = plan([], [foreign, keyword])
    assert steps.delete == []
    assert steps.repoint == []


@pytest.mark.parametrize(
    ("ownership", "tagged_elsewhere", "untagged_on_ours"),
    [("either", True, True), ("tag", True, False), ("webhook", False, True), ("both", False, False)],
)
def test_ownership_decides_which_subscriptions_are_ours(ownership, tagged_elsewhere, untagged_on_ours):
    settings = replace(SETTINGS, ownership=ownership)
    assert is_ours(ours("1", "post.create", ALICE, webhook_id="111"), HOOK.id, settings) is tagged_elsewhere
    assert is_ours(ours("2", "post.create", ALICE, tag=""), HOOK.id, settings) is untagged_on_ours


def test_ours_pointing_elsewhere_is_repointed_not_recreated():
    steps = plan([alice(event_types=("post.create",))], [ours("1", "post.create", ALICE, webhook_id="111")])
    assert [s.id for _, s in steps.repoint] == ["1"]
    assert steps.create == []
    assert steps.delete == []


def test_an_untagged_one_on_our_webhook_is_adopted_by_x_duplicate_by_default_or_repointed_when_the_webhook_counts():
    untagged = [ours("2", "dm.received", ALICE, tag="")]
    by_tag = plan([alice()], untagged)
    assert [c.want.event_type for c in by_tag.create] == ["post.create", "dm.received"]  # X: duplicate -> adopt
    by_webhook = plan([alice()], untagged, settings=replace(SETTINGS, ownership="webhook"))
    assert [s.id for _, s in by_webhook.repoint] == ["2"]


def test_a_hand_made_subscription_on_our_webhook_is_left_alone_unless_the_webhook_makes_it_ours():
    handmade = [ours("3", "post.create", "42", tag="")]
    assert plan([], handmade).delete == []
    deleted = plan([], handmade, settings=replace(SETTINGS, ownership="either")).delete
    assert [(s.id, why) for s, why in deleted] == [("3", "belongs to no account")]


def test_a_second_subscription_for_the_same_type_and_filter_is_deleted_keeping_the_one_on_our_webhook():
    present = [ours("1", "post.create", ALICE, webhook_id="111"), ours("2", "post.create", ALICE)]
    steps = plan([view(account(ALICE, event_types=("post.create",)))], present)
    assert [s.id for _, s in steps.keep] == ["2"]
    assert [(s.id, why) for s, why in steps.delete] == [
        ("1", "a second subscription for the same event type and filter")
    ]


def test_accounts_are_created_whole_under_the_cap_and_what_does_not_fit_is_said():
    settings = replace(SETTINGS, subscription_cap=5)
    views = [view(account(uid, oauth2=oauth2(), event_types=("post.create", "dm.received"))) for uid in ("1", "2", "3")]
    steps = plan(views, [Subscription("9", "post.create", {"user_id": "9"})], settings=settings)
    assert {c.want.user_id for c in steps.create} == {"1", "2"}
    assert steps.unfit == [
        {
            "user_id": "3",
            "event_types": ["post.create", "dm.received"],
            "why": "needs 2 subscription(s), 0 left under the cap of 5 (XAA_SUBSCRIPTION_CAP)",
        }
    ]


def test_deletes_make_room_under_the_cap_and_xs_own_count_is_trusted_when_higher():
    settings = replace(SETTINGS, subscription_cap=3)
    stale = [ours("1", "post.create", "42"), ours("2", "post.delete", "42")]
    assert len(plan([alice()], stale, used=3, settings=settings).create) == 2  # 3 - 3 + 2 deletes
    assert plan([alice()], [], used=3, settings=settings).unfit  # X counts 3 the list did not show


def test_a_private_type_without_a_usable_credential_is_blocked_with_the_reason():
    only_secret = view(account(OWNER, event_types=("post.create", "dm.received")))
    steps = plan([only_secret])
    assert [c.want.event_type for c in steps.create] == ["post.create"]
    assert steps.blocked == [
        {
            "user_id": OWNER,
            "event_type": "dm.received",
            "why": "oauth2: no OAuth 2.0 token (the account has not signed in with OAuth 2.0); "
            "oauth1: no OAuth 1.0a tokens",
        }
    ]


def test_migrate_may_plan_sets_other_than_the_stored_ones_and_no_deletes():
    present = [ours("1", "post.delete", ALICE)]
    steps = plan([alice()], present, wanted={ALICE: ("post.create",)}, deletions=False)
    assert [c.want.event_type for c in steps.create] == ["post.create"]
    assert steps.delete == []


# auth ---------------------------------------------------------------------------------------------------


def test_public_types_go_with_the_bearer_token_first_and_private_ones_with_the_users_oauth2_token():
    v = view(account(ALICE, oauth2=oauth2(), oauth1=oauth1()))
    assert [o.kind for o in auth.options(v, "post.create", SETTINGS, T)] == ["bearer", "oauth2", "oauth1"]
    assert [o.kind for o in auth.usable(auth.options(v, "dm.received", SETTINGS, T))] == ["oauth2", "oauth1"]


def test_what_worked_last_time_is_tried_first():
    v = view(account(ALICE, oauth2=oauth2(), oauth1=oauth1(), xaa_auth={"dm.received": "oauth1"}))
    assert [o.kind for o in auth.options(v, "dm.received", SETTINGS, T)] == ["oauth1", "oauth2"]


def test_the_order_is_a_setting_for_when_x_turns_out_to_want_oauth1():
    settings = replace(SETTINGS, private_auth=("oauth1", "oauth2", "bearer"))
    v = view(account(ALICE, oauth2=oauth2(), oauth1=oauth1()))
    assert [o.kind for o in auth.options(v, "like.create", settings, T)] == ["oauth1", "oauth2", "bearer"]


@pytest.mark.parametrize(
    ("tokens", "status", "why"),
    [
        (oauth2(scopes=("tweet.read",)), "active", "the OAuth 2.0 token lacks the dm.read scope"),
        (oauth2(expires_at=T + 30), "active", "the OAuth 2.0 token has expired (ensure refreshes it)"),
        (oauth2(), "revoked", "the account is revoked"),
    ],
)
def test_an_oauth2_token_that_cannot_serve_says_why(tokens, status, why):
    v = view(account(ALICE, oauth2=tokens, status=status))
    (option,) = [o for o in auth.options(v, "dm.received", SETTINGS, T) if o.kind == "oauth2"]
    assert option.credential is None
    assert option.problem == why


def test_the_secrets_oauth1_tokens_stand_in_for_an_account_that_has_none_and_never_show():
    from xwebhook.x_api.tokens import UserTokens

    v = view(account(OWNER), "secret", UserTokens(OWNER, "owner-token-value", "owner-secret-value"))
    (option,) = auth.usable(auth.options(v, "dm.received", SETTINGS, T))
    assert option.kind == "oauth1"
    assert option.credential.tokens.access_token == "owner-token-value"
    assert "owner-token-value" not in repr(option)
    assert "owner-secret-value" not in repr(v)


def test_news_new_in_an_accounts_set_is_blocked_never_given_the_accounts_user_id_filter():
    steps = plan([alice(event_types=("post.create", "news.new"))])
    assert [c.want.event_type for c in steps.create] == ["post.create"]
    assert steps.blocked == [
        {
            "user_id": ALICE,
            "event_type": "news.new",
            "why": "news.new filters on a keyword, not an account: it cannot be an account's event type",
        }
    ]


def test_an_alias_in_an_accounts_set_is_wanted_under_the_canonical_name_x_lists():
    present = [ours("1", "chat.conversation.join", ALICE)]
    steps = plan([alice(event_types=("chat.conversation_join",))], present)
    assert steps.create == []
    assert [s.id for _, s in steps.keep] == ["1"]


def test_a_token_lacking_one_of_a_types_two_scopes_is_not_offered():
    tokens = replace(oauth2(), scopes=("tweet.read", "users.read", "offline.access"))
    found = auth.options(view(account(ALICE, oauth2=tokens)), "broadcast.chat", SETTINGS, T)
    assert [option.problem for option in found if option.kind == "oauth2"] == [
        "the OAuth 2.0 token lacks the broadcast.read scope"
    ]
