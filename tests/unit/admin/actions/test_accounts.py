"""The accounts actions (invite, accounts, disconnect), against X's emulator (their upkeep by ensure and
status: tests/unit/accounts/upkeep/).

Accounts are connected through the real sign-in against the emulator (conftest.py), then the admin
function works on the same stores.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes import admin_services
from tests.unit.admin.actions.wired import connect, make_admin, token_values
from tests.unit.connect.conftest import ALICE, BOB
from xwebhook.accounts.models import Account
from xwebhook.admin.actions.ensure import ensure
from xwebhook.admin.result import NOT_LOGGED, loggable
from xwebhook.x_api.event_types import AAA_PARITY

TWO_HOURS = 7200


# --- invite -------------------------------------------------------------------------------------------------


def test_invite_answers_a_url_that_starts_a_sign_in(world, admin, emulator):
    result = admin.handle({"action": "invite", "expires_in": "2h", "uses": 3})
    assert result["ok"]
    assert result["uses"] == 3
    assert result["flows"] == ["oauth2", "oauth1"]
    assert result["event_types"] == list(AAA_PARITY)
    assert "offline.access" in result["scopes"]
    assert result["callback_url"] == "https://hooks.example.com/connect/callback"
    url = urlsplit(result["invite_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://hooks.example.com/connect"
    token = parse_qs(url.query)["invite"][0]
    started = world.browser().start(invite=token)
    assert started.status == 302
    assert started.location.startswith(emulator.base_url)
    invite = world.invites.get(result["invite_id"])
    assert invite.expires_at == pytest.approx(world.clock() + 7200)
    assert invite.used == 0


def test_an_invites_scopes_are_what_connect_will_ask(world, admin):
    result = admin.handle({"action": "invite", "event_types": ["dm.received"]})
    assert result["scopes"] == ["dm.read", "offline.access", "tweet.read", "users.read"]


def test_an_invite_for_an_account_on_aaa_without_oauth1_tokens_names_the_aaa_subscribes_scopes(world, admin):
    world.accounts.put(Account(BOB, aaa=True))
    result = admin.handle({"action": "invite", "user_id": BOB, "event_types": ["post.create"]})
    assert result["scopes"] == ["dm.read", "dm.write", "offline.access", "tweet.read", "users.read"]


def test_an_invite_names_the_aaa_subscribes_scopes_when_new_accounts_stay_on_aaa(make_world):
    world = make_world(xaa_from_start="none")
    result = make_admin(world).handle({"action": "invite", "event_types": ["post.create"]})
    assert result["scopes"] == ["dm.read", "dm.write", "offline.access", "tweet.read", "users.read"]


def test_an_invite_refuses_types_no_account_can_hold_with_xs_reason(world, admin):
    result = admin.handle({"action": "invite", "event_types": ["news.new", "oauth.revoke"]})
    assert result["ok"] is False
    assert "news.new filters on a keyword" in result["error"]
    assert "oauth.revoke is not a type X lets an app subscribe to" in result["error"]


def test_invite_takes_event_types_flows_and_one_account(world, admin):
    result = admin.handle(
        {"action": "invite", "event_types": ["post.create", "dm.received"], "flows": ["oauth1"], "user_id": BOB}
    )
    assert result["ok"]
    assert result["scopes"] == ["dm.read", "offline.access", "tweet.read", "users.read"]
    invite = world.invites.get(result["invite_id"])
    assert invite.flows == ("oauth1",)
    assert invite.user_id == BOB
    assert invite.event_types == ("post.create", "dm.received")


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"expires_in": "1y"}, "expires_in"),
        ({"expires_in": "31d"}, "at most 30d"),
        ({"event_types": ["post.create", "tweet.nope"]}, "tweet.nope"),
        ({"flows": ["oauth3"]}, "flows"),
        ({"uses": 0}, "uses"),
        ({"user_id": "@alice"}, "user_id"),
        ({"expires": "24h"}, "unknown field 'expires'"),
    ],
)
def test_invite_refuses_bad_input_saying_which_field(world, admin, fields, words):
    result = admin.handle({"action": "invite", **fields})
    assert not result["ok"]
    assert words in result["error"]
    assert world.invites.invites == {}


def test_invite_with_connect_off_or_accounts_not_configured_says_so(make_world):
    world = make_world(mode="off")
    assert "CONNECT_MODE is off" in make_admin(world).handle({"action": "invite"})["error"]
    bare = make_admin(world)
    bare.services = admin_services(accounts=None)
    for action in ("invite", "accounts", "disconnect"):
        result = bare.handle({"action": action, **({"user_id": "1"} if action == "disconnect" else {})})
        assert not result["ok"]
        assert "ACCOUNTS_TABLE" in result["error"]


def test_the_invite_url_is_not_logged():
    result = {"action": "invite", "ok": True, "invite_url": "https://h/connect?invite=a.b", "invite_id": "a"}
    nested = {"accounts": {"attention": [{"user_id": "1", "reconnect_url": "https://h/connect?invite=c.d"}]}}
    assert loggable(result) == {**result, "invite_url": NOT_LOGGED}
    assert loggable(nested)["accounts"]["attention"][0]["reconnect_url"] == NOT_LOGGED
    assert loggable({"reconnect_url": None}) == {"reconnect_url": None}


# --- accounts -----------------------------------------------------------------------------------------------


def test_accounts_lists_every_account_without_a_token(world, admin, emulator):
    connect(world, ALICE)
    connect(world, BOB, flow="oauth1")
    result = admin.handle({"action": "accounts"})
    assert result["ok"]
    assert result["count"] == 2
    assert result["by_status"] == {"active": 2, "needs_reconnect": 0, "revoked": 0, "disconnecting": 0}
    assert [(a["user_id"], a["flows"]) for a in result["accounts"]] == [(ALICE, ["oauth2"]), (BOB, ["oauth1"])]
    shown = json.dumps(result)
    secrets = token_values(world, emulator)
    assert secrets
    assert not [value for value in secrets if value in shown]


# --- disconnect -------------------------------------------------------------------------------------------


def test_disconnect_deletes_the_subscriptions_revokes_the_tokens_and_the_account(world, admin, emulator):
    account = connect(world, ALICE)
    assert len(emulator.xaa_subscriptions) == len(AAA_PARITY)  # what an invite subscribes by default
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["ok"]
    assert result["deleted"] is True
    assert set(result["did"]["xaa_subscriptions"].values()) == {"deleted"}
    assert emulator.xaa_subscriptions == {}
    assert world.accounts.get(ALICE) is None
    assert account.oauth2.access_token in emulator.oauth.revoked
    assert account.oauth2.refresh_token in emulator.oauth.revoked
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is None


def test_disconnect_of_an_oauth1_account_unsubscribes_and_invalidates_its_tokens(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"]
    assert result["did"] == {
        "xaa_subscriptions": {},
        "aaa": {"outcome": "unsubscribed"},
        "oauth1_tokens": {"outcome": "invalidated"},
    }
    assert emulator.subscribers(emulator.webhook["id"]) == []
    assert BOB not in emulator.users
    assert account.oauth1.access_token in emulator.oauth.revoked
    assert world.accounts.get(BOB) is None


def test_disconnect_with_x_down_keeps_the_account_so_it_can_be_run_again(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create", "dm.received"))
    emulator.fail_next("DELETE", "/2/activity/subscriptions", 503, count=3)
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert not result["ok"]
    assert "run disconnect again" in result["error"]
    assert len(world.accounts.get(ALICE).xaa_subscriptions) == 1  # the one X did delete is forgotten
    again = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert again["ok"]
    assert world.accounts.get(ALICE) is None
    assert emulator.xaa_subscriptions == {}


def test_disconnect_counts_what_x_no_longer_has_as_done(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create",))
    emulator.xaa_subscriptions.clear()
    emulator.oauth.access_tokens.clear()
    emulator.oauth.refresh_tokens.clear()
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["ok"]
    assert set(result["did"]["xaa_subscriptions"].values()) == {"gone"}


def test_disconnect_reports_what_x_answered_for_each_credential(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create",))
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["did"]["oauth2_access_token"] == {"outcome": "revoked"}
    assert result["did"]["oauth2_refresh_token"] == {"outcome": "revoked"}


INVALID_CLIENT = {"error": "invalid_client", "error_description": "client authentication failed"}


def test_a_revoke_x_refuses_is_a_failure_and_the_account_is_kept_to_run_again(world, admin, emulator):
    """A rotated or wrong client secret: X answers 401 invalid_client and the grant stays alive at X, so
    disconnect must not say revoked (nor delete what it would need to try again)."""
    account = connect(world, ALICE, event_types=("post.create",))
    emulator.fail_next("POST", "/2/oauth2/revoke", 401, count=1, body=INVALID_CLIENT)  # the access token's
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["ok"] is False
    assert "run disconnect again" in result["error"]
    assert "invalid_client" in result["error"]
    assert result["status"] == "disconnecting"
    refused_step = result["did"]["oauth2_access_token"]
    assert refused_step["outcome"] == "failed"
    assert refused_step["x_status"] == 401
    assert "invalid_client" in refused_step["reason"]
    assert result["did"]["oauth2_refresh_token"] == {"outcome": "revoked"}
    kept = world.accounts.get(ALICE)
    assert kept.status == "disconnecting"
    assert "run disconnect again" in kept.reason
    assert kept.oauth2 == account.oauth2  # still there to revoke; nothing uses it meanwhile
    assert kept.xaa_subscriptions == {}  # what X did delete is forgotten
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is not None  # alive at X: not "revoked"
    again = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert again["ok"]
    assert again["deleted"]
    assert world.accounts.get(ALICE) is None
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is None


def test_an_oauth1_invalidate_x_refuses_is_a_failure(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    refusal = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    emulator.fail_next("POST", "/1.1/oauth/invalidate_token", 401, count=1, body=refusal)
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"] is False
    assert result["did"]["oauth1_tokens"]["outcome"] == "failed"
    assert result["did"]["aaa"] == {"outcome": "unsubscribed"}
    kept = world.accounts.get(BOB)
    assert kept.status == "disconnecting"
    assert kept.oauth1 == account.oauth1
    assert not kept.aaa_subscribed
    assert emulator.users[BOB] == (account.oauth1.access_token, account.oauth1.access_token_secret)


def test_oauth1_tokens_x_already_invalidated_count_as_done_by_xs_documented_answer(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    emulator.users.pop(BOB)  # X invalidated them already: it answers 401 with its error 89
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"]
    assert world.accounts.get(BOB) is None
    step = result["did"]["oauth1_tokens"]
    assert (step["outcome"], step["x_status"]) == ("already_invalid", 401)
    assert "89" in step["reason"]
    assert account.oauth1.access_token not in json.dumps(result)


def test_a_disconnecting_account_is_neither_refreshed_nor_subscribed_again_by_ensure(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create",))
    connect(world, BOB, flow="oauth1")
    emulator.fail_next("POST", "/2/oauth2/revoke", 401, count=2, body=INVALID_CLIENT)
    emulator.fail_next("POST", "/1.1/oauth/invalidate_token", 503, count=3)
    assert not admin.handle({"action": "disconnect", "user_id": ALICE})["ok"]
    assert not admin.handle({"action": "disconnect", "user_id": BOB})["ok"]
    world.clock.advance(TWO_HOURS)  # ALICE's token would be due for a refresh
    result = ensure(admin, None)
    assert [what for what, _ in emulator.oauth.events].count("refresh") == 0
    assert BOB not in emulator.subscribers(emulator.webhook["id"])  # not subscribed again
    assert result["accounts"]["by_status"]["disconnecting"] == 2
    attention = admin.handle({"action": "status"})["accounts"]["attention"]
    assert {(entry["user_id"], entry["status"]) for entry in attention} == {
        (ALICE, "disconnecting"),
        (BOB, "disconnecting"),
    }


def test_disconnect_of_an_unknown_account_says_so(admin):
    result = admin.handle({"action": "disconnect", "user_id": "42"})
    assert not result["ok"]
    assert result["error"] == "no connected account 42"


def test_status_lists_the_accounts_once_for_all_its_parts_and_afresh_at_each_call(world, admin):
    connect(world)
    listings = []
    listed = world.accounts.all
    world.accounts.all = lambda: listings.append("scan") or listed()
    result = admin.handle({"action": "status"})
    assert result["ok"] is True
    assert result["accounts"]["count"] == 1
    assert len(listings) == 1  # AAA's retired accounts, the accounts section, the move to XAA: one scan
    admin.handle({"action": "status"})
    assert len(listings) == 2  # nothing kept between invocations
    assert admin.services.accounts is world.accounts
    assert admin.services.connected.store is world.accounts
