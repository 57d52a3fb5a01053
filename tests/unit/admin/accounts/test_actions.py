"""The accounts actions (invite, accounts, disconnect) and the ensure/status parts, against X's emulator.

Accounts are connected through the real sign-in against the emulator (conftest.py), then the admin
function works on the same stores.
"""

import json
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes import MemoryRevokeSignals, admin_services
from tests.unit.connect.conftest import ALICE, BOB, CONSUMER_SECRET, CREDENTIALS, KEYS, WEBHOOK_URL
from xwebhook.accounts.invites import reconnect_invite_id
from xwebhook.accounts.models import NEEDS_RECONNECT, REVOKED, Account
from xwebhook.accounts.refresh import TokenRefresher
from xwebhook.accounts.revokes import NoRevokeSignals
from xwebhook.accounts.wiring import AccountServices
from xwebhook.admin.actions.ensure import ensure
from xwebhook.admin.dispatch import Admin
from xwebhook.admin.result import NOT_LOGGED, loggable
from xwebhook.admin.settings import AdminSettings
from xwebhook.admin.wiring import ACTIONS, ENSURE_PARTS, STATUS_PARTS
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.credentials.x_credentials import parse_credentials
from xwebhook.x_api.account_subscriptions import AccountSubscriptions
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi
from xwebhook.x_api.event_types import AAA_PARITY
from xwebhook.x_api.oauth1 import OAuth1Flow

TWO_HOURS = 7200


def make_admin(world, signals=None):
    emulator = world.emulator
    credentials = parse_credentials(CREDENTIALS, CONSUMER_SECRET)
    settings = AdminSettings(
        x_api_base_url=emulator.base_url,
        flavour="v2",
        premium_env_name="",
        webhook_url=WEBHOOK_URL,
        credentials_secret_id="credentials",
        secret=SecretSettings("consumer-secret"),
        timeout_seconds=3.0,
    )
    client = XClient(emulator.base_url, 3.0, sleep=lambda _s: None)
    api = WebhooksApi(client, "v2", lambda: credentials)
    connected = AccountServices(
        store=world.accounts,
        invites=world.invites,
        signing_keys=lambda: KEYS,
        token_refresher=TokenRefresher(world.accounts, world.oauth2, clock=world.clock, sleep=lambda _s: None),
        oauth2=world.oauth2,
        oauth1=OAuth1Flow(client, lambda: credentials),
        revoke_signals=signals or MemoryRevokeSignals(),
        settings=world.settings.accounts,
        account_subscriptions=lambda api: AccountSubscriptions(client, api, lambda: credentials),
        refresh_within_seconds=3600 + 900,
        authorize_pages={"oauth2": "https://x.com/i/oauth2/authorize", "oauth1": "-"},
    )
    return Admin(
        settings,
        api,
        lambda: credentials,
        client=client,
        now=lambda: datetime.fromtimestamp(world.clock(), UTC),
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        # no admin state: the recovery part keeps no memory here (tests/unit/recovery test it)
        services=admin_services(accounts=world.accounts, connected=connected, state=None),
        actions=ACTIONS,
    )


@pytest.fixture
def admin(world):
    return make_admin(world)


def connect(world, user_id=ALICE, flow="oauth2", **invite):
    answer, _ = world.browser().sign_in(invite=world.invite(**invite), flow=flow, user_id=user_id)
    assert answer.status == 200, answer.log
    return world.accounts.get(user_id)


def token_values(world, emulator):
    values = set(emulator.oauth.access_tokens) | set(emulator.oauth.refresh_tokens)
    values |= {token for pair in emulator.users.values() for token in pair}
    for account in world.accounts.all():
        for tokens in (account.oauth1, account.oauth2):
            if tokens is not None:
                values |= {value for value in vars(tokens).values() if isinstance(value, str)}
    return {value for value in values if value and len(value) > 8}


# --- invite -------------------------------------------------------------------------------------------------


def test_invite_answers_a_url_that_starts_a_sign_in(world, admin, emulator):
    result = admin.handle({"action": "invite", "expires_in": "2h", "uses": 3})
    assert result["ok"] and result["uses"] == 3 and result["flows"] == ["oauth2", "oauth1"]
    assert result["event_types"] == list(AAA_PARITY) and "offline.access" in result["scopes"]
    assert result["callback_url"] == "https://hooks.example.com/connect/callback"
    url = urlsplit(result["invite_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://hooks.example.com/connect"
    token = parse_qs(url.query)["invite"][0]
    started = world.browser().start(invite=token)
    assert started.status == 302 and started.location.startswith(emulator.base_url)
    invite = world.invites.get(result["invite_id"])
    assert invite.expires_at == pytest.approx(world.clock() + 7200) and invite.used == 0


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
    assert result["ok"] is False and "news.new filters on a keyword" in result["error"]
    assert "oauth.revoke is not a type X lets an app subscribe to" in result["error"]


def test_invite_takes_event_types_flows_and_one_account(world, admin):
    result = admin.handle(
        {"action": "invite", "event_types": ["post.create", "dm.received"], "flows": ["oauth1"], "user_id": BOB}
    )
    assert result["ok"] and result["scopes"] == ["dm.read", "offline.access", "tweet.read", "users.read"]
    invite = world.invites.get(result["invite_id"])
    assert (
        invite.flows == ("oauth1",) and invite.user_id == BOB and invite.event_types == ("post.create", "dm.received")
    )


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
    assert not result["ok"] and words in result["error"] and world.invites.invites == {}


def test_invite_with_connect_off_or_accounts_not_configured_says_so(make_world):
    world = make_world(mode="off")
    assert "CONNECT_MODE is off" in make_admin(world).handle({"action": "invite"})["error"]
    bare = make_admin(world)
    bare.services = admin_services(accounts=None)
    for action in ("invite", "accounts", "disconnect"):
        result = bare.handle({"action": action, **({"user_id": "1"} if action == "disconnect" else {})})
        assert not result["ok"] and "ACCOUNTS_TABLE" in result["error"]


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
    assert result["ok"] and result["count"] == 2
    assert result["by_status"] == {"active": 2, "needs_reconnect": 0, "revoked": 0, "disconnecting": 0}
    assert [(a["user_id"], a["flows"]) for a in result["accounts"]] == [(ALICE, ["oauth2"]), (BOB, ["oauth1"])]
    shown = json.dumps(result)
    secrets = token_values(world, emulator)
    assert secrets and not [value for value in secrets if value in shown]


# --- disconnect -------------------------------------------------------------------------------------------


def test_disconnect_deletes_the_subscriptions_revokes_the_tokens_and_the_account(world, admin, emulator):
    account = connect(world, ALICE)
    assert len(emulator.xaa_subscriptions) == 17
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["ok"] and result["deleted"] is True
    assert set(result["did"]["xaa_subscriptions"].values()) == {"deleted"}
    assert emulator.xaa_subscriptions == {} and world.accounts.get(ALICE) is None
    assert (
        account.oauth2.access_token in emulator.oauth.revoked and account.oauth2.refresh_token in emulator.oauth.revoked
    )
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is None


def test_disconnect_of_an_oauth1_account_unsubscribes_and_invalidates_its_tokens(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"] and result["did"] == {
        "xaa_subscriptions": {},
        "aaa": {"outcome": "unsubscribed"},
        "oauth1_tokens": {"outcome": "invalidated"},
    }
    assert emulator.subscribers(emulator.webhook["id"]) == [] and BOB not in emulator.users
    assert account.oauth1.access_token in emulator.oauth.revoked and world.accounts.get(BOB) is None


def test_disconnect_with_x_down_keeps_the_account_so_it_can_be_run_again(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create", "dm.received"))
    emulator.fail_next("DELETE", "/2/activity/subscriptions", 503, count=3)
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert not result["ok"] and "run disconnect again" in result["error"]
    assert len(world.accounts.get(ALICE).xaa_subscriptions) == 1  # the one X did delete is forgotten
    again = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert again["ok"] and world.accounts.get(ALICE) is None and emulator.xaa_subscriptions == {}


def test_disconnect_counts_what_x_no_longer_has_as_done(world, admin, emulator):
    connect(world, ALICE, event_types=("post.create",))
    emulator.xaa_subscriptions.clear()
    emulator.oauth.access_tokens.clear()
    emulator.oauth.refresh_tokens.clear()
    result = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert result["ok"] and set(result["did"]["xaa_subscriptions"].values()) == {"gone"}


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
    assert result["ok"] is False and "run disconnect again" in result["error"]
    assert "invalid_client" in result["error"] and result["status"] == "disconnecting"
    refused_step = result["did"]["oauth2_access_token"]
    assert refused_step["outcome"] == "failed" and refused_step["x_status"] == 401
    assert "invalid_client" in refused_step["reason"]
    assert result["did"]["oauth2_refresh_token"] == {"outcome": "revoked"}
    kept = world.accounts.get(ALICE)
    assert kept.status == "disconnecting" and "run disconnect again" in kept.reason
    assert kept.oauth2 == account.oauth2  # still there to revoke; nothing uses it meanwhile
    assert kept.xaa_subscriptions == {}  # what X did delete is forgotten
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is not None  # alive at X: not "revoked"
    again = admin.handle({"action": "disconnect", "user_id": ALICE})
    assert again["ok"] and again["deleted"] and world.accounts.get(ALICE) is None
    assert emulator.oauth.user_bearer(account.oauth2.access_token) is None


def test_an_oauth1_invalidate_x_refuses_is_a_failure(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    refusal = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    emulator.fail_next("POST", "/1.1/oauth/invalidate_token", 401, count=1, body=refusal)
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"] is False and result["did"]["oauth1_tokens"]["outcome"] == "failed"
    assert result["did"]["aaa"] == {"outcome": "unsubscribed"}
    kept = world.accounts.get(BOB)
    assert kept.status == "disconnecting" and kept.oauth1 == account.oauth1 and not kept.aaa_subscribed
    assert emulator.users[BOB] == (account.oauth1.access_token, account.oauth1.access_token_secret)


def test_oauth1_tokens_x_already_invalidated_count_as_done_by_xs_documented_answer(world, admin, emulator):
    account = connect(world, BOB, flow="oauth1")
    emulator.users.pop(BOB)  # X invalidated them already: it answers 401 with its error 89
    result = admin.handle({"action": "disconnect", "user_id": BOB})
    assert result["ok"] and world.accounts.get(BOB) is None
    step = result["did"]["oauth1_tokens"]
    assert (step["outcome"], step["x_status"]) == ("already_invalid", 401) and "89" in step["reason"]
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
    assert not result["ok"] and result["error"] == "no connected account 42"


# --- ensure: refresh ----------------------------------------------------------------------------------------


def test_ensure_refreshes_a_token_expiring_before_the_next_run_and_stores_the_new_pair_first(world, admin, emulator):
    before = connect(world, ALICE)
    world.clock.advance(TWO_HOURS - 1800)  # 30 minutes left; the next run is in an hour
    result = ensure(admin, None)
    assert result["accounts"]["ok"], result["accounts"]
    after = world.accounts.get(ALICE)
    assert after.oauth2.refresh_token != before.oauth2.refresh_token
    assert after.oauth2.expires_at == pytest.approx(world.clock() + TWO_HOURS)
    assert emulator.oauth.refresh_tokens[before.oauth2.refresh_token]["spent"] is True
    assert {"user_id": ALICE, "did": "refreshed"}.items() <= result["accounts"]["did"][0].items()
    assert result["metrics"]["AccountsNeedingReconnect"] == 0
    assert emulator.oauth.user_bearer(after.oauth2.access_token)[0] == ALICE


def test_ensure_leaves_a_token_alone_that_outlives_the_next_run(world, admin, emulator):
    before = connect(world, ALICE)
    result = ensure(admin, None)
    assert world.accounts.get(ALICE).oauth2 == before.oauth2 and result["accounts"]["did"] == []


@pytest.mark.parametrize("chain_killed_on_reuse", [False, True])
def test_two_concurrent_refreshes_spend_the_token_once_and_keep_the_newest(make_world, emulator, chain_killed_on_reuse):
    emulator.oauth.reuse_revokes_chain = chain_killed_on_reuse  # ⚠ either reading of X's rotation
    world = make_world()
    account = connect(world, ALICE)
    refresher = TokenRefresher(world.accounts, world.oauth2, clock=world.clock)
    got, start = [], threading.Barrier(2)

    def refresh():
        start.wait()
        got.append(refresher.refresh(account))

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(r.how for r in got) == ["refreshed", "refreshed_elsewhere"]
    stored = world.accounts.get(ALICE)
    assert got[0].account.oauth2 == got[1].account.oauth2 == stored.oauth2
    events = [what for what, _ in emulator.oauth.events]
    assert events.count("refresh") == 1 and "refresh_reuse" not in events
    assert emulator.oauth.user_bearer(stored.oauth2.access_token) is not None
    assert stored.oauth2.refresh_token in emulator.oauth.refresh_tokens


def test_a_refresh_that_loses_the_race_at_x_reads_the_newest_pair_instead(make_world, emulator):
    """Even when both spend the token (a claim that expired), the slower one never overwrites the newest."""
    world = make_world()
    account = connect(world, ALICE)
    world.accounts.claim_refresh = lambda *args: True  # as if each held the claim
    refresher = TokenRefresher(world.accounts, world.oauth2, clock=world.clock)
    first = refresher.refresh(account)
    second = refresher.refresh(account)  # X: invalid_grant (spent); the store has a newer pair
    assert (first.how, second.how) == ("refreshed", "refreshed_elsewhere")
    assert second.account.oauth2 == first.account.oauth2 == world.accounts.get(ALICE).oauth2


def test_a_refresh_whose_store_write_loses_uses_the_stored_pair(world):
    """X answered both refreshes (a grace period); only the first pair is stored, the second is dropped."""
    from xwebhook.x_api.tokens import OAuth2Tokens

    account = connect(world, ALICE)

    class GenerousX:
        issued = 0

        def refresh(self, tokens):
            GenerousX.issued += 1
            return OAuth2Tokens(f"access-{GenerousX.issued}", f"refresh-{GenerousX.issued}", world.clock() + 7200)

    world.accounts.claim_refresh = lambda *args: True
    refresher = TokenRefresher(world.accounts, GenerousX(), clock=world.clock)
    first = refresher.refresh(account)
    second = refresher.refresh(account)  # stale snapshot: its pair must not replace the stored one
    assert second.how == "refreshed_elsewhere" and world.accounts.get(ALICE).oauth2.refresh_token == "refresh-1"
    assert first.account.oauth2.refresh_token == "refresh-1"


def test_invalid_grant_marks_needs_reconnect_with_a_metric_and_a_reconnect_invite(world, admin, emulator):
    connect(world, ALICE)
    emulator.oauth.refresh_tokens.clear()  # X forgot the chain (revoked, expired)
    world.clock.advance(TWO_HOURS)
    result = ensure(admin, None)
    account = world.accounts.get(ALICE)
    assert account.status == NEEDS_RECONNECT and "invalid_grant" in account.reason
    assert result["metrics"]["AccountsNeedingReconnect"] == 1 and result["accounts"]["ok"]
    invite = world.invites.get(reconnect_invite_id(ALICE))
    assert invite.user_id == ALICE and invite.uses == 1 and invite.flows[0] == "oauth2"
    status = admin.handle({"action": "status"})
    (entry,) = status["accounts"]["attention"]
    assert entry["status"] == NEEDS_RECONNECT and entry["reconnect_url"].startswith(
        "https://hooks.example.com/connect?"
    )
    # the owner follows it: only their account may, and afterwards all is well again
    token = parse_qs(urlsplit(entry["reconnect_url"]).query)["invite"][0]
    refused, _ = world.browser().sign_in(invite=token, user_id=BOB)
    assert refused.status == 403 and refused.log["outcome"] == "invite_for_another_account"
    answer, _ = world.browser().sign_in(invite=token, user_id=ALICE)
    assert answer.status == 200 and world.accounts.get(ALICE).status == "active"
    assert ensure(admin, None)["metrics"]["AccountsNeedingReconnect"] == 0
    assert admin.handle({"action": "status"})["accounts"]["attention"] == []


def test_a_token_x_cannot_refresh_right_now_is_an_error_not_a_reconnect(world, admin, emulator):
    connect(world, ALICE)
    world.clock.advance(TWO_HOURS)
    emulator.fail_next("POST", "/2/oauth2/token", 503)
    result = ensure(admin, None)
    assert not result["accounts"]["ok"] and "unavailable" in result["accounts"]["error"]
    assert world.accounts.get(ALICE).status == "active" and not result["ok"]


# --- ensure: revokes ------------------------------------------------------------------------------------------


def test_a_revoke_x_delivered_makes_the_account_revoked_and_its_tokens_are_never_used_again(world, emulator):
    account = connect(world, ALICE)
    signals = MemoryRevokeSignals({ALICE: world.clock() + 60})
    admin = make_admin(world, signals)
    world.clock.advance(TWO_HOURS)  # its token would be due for a refresh
    result = ensure(admin, None)
    revoked = world.accounts.get(ALICE)
    assert revoked.status == REVOKED and revoked.oauth1 is None and revoked.oauth2 is None
    assert "revoked the app" in revoked.reason and revoked.xaa_subscriptions == {}
    assert emulator.xaa_subscriptions == {}  # deleted with the app's bearer token
    assert [what for what, _ in emulator.oauth.events].count("refresh") == 0
    assert result["accounts"]["by_status"]["revoked"] == 1 and result["metrics"]["AccountsNeedingReconnect"] == 0
    assert account.oauth2.refresh_token in emulator.oauth.refresh_tokens  # never spent
    later = ensure(admin, None)
    assert later["accounts"]["did"] == []


def test_a_revoke_from_before_the_account_connected_again_is_ignored(world, emulator):
    signals = MemoryRevokeSignals({ALICE: world.clock() - 600})
    connect(world, ALICE)
    ensure(make_admin(world, signals), None)
    assert world.accounts.get(ALICE).status == "active"


def test_without_a_dedup_table_revokes_are_unknown_and_say_so(world, emulator):
    admin = make_admin(world, NoRevokeSignals())
    result = ensure(admin, None)
    assert result["accounts"]["revokes_source"].startswith("unknown")
    assert admin.handle({"action": "status"})["accounts"]["revokes_source"].startswith("unknown")


def test_subscriptions_x_could_not_delete_at_the_revoke_are_deleted_by_a_later_ensure(world, emulator):
    connect(world, ALICE, event_types=("post.create",))
    admin = make_admin(world, MemoryRevokeSignals({ALICE: world.clock() + 1}))
    # X fails every attempt of this run: the accounts part's (3) and the xaa part's (3), which also
    # deletes what revoked accounts had.
    emulator.fail_next("DELETE", "/2/activity/subscriptions", 503, count=6)
    ensure(admin, None)
    assert world.accounts.get(ALICE).status == REVOKED and len(world.accounts.get(ALICE).xaa_subscriptions) == 1
    ensure(admin, None)
    assert world.accounts.get(ALICE).xaa_subscriptions == {} and emulator.xaa_subscriptions == {}


# --- ensure: AAA subscriptions ----------------------------------------------------------------------------------


def test_ensure_subscribes_again_an_account_x_no_longer_lists(world, admin, emulator):
    connect(world, BOB, flow="oauth1")
    emulator.unsubscribe(emulator.webhook["id"], BOB)
    result = ensure(admin, None)
    assert BOB in emulator.subscribers(emulator.webhook["id"])
    assert {"user_id": BOB, "did": "aaa_subscribed"} in result["accounts"]["did"]


def test_an_account_whose_tokens_x_refuses_needs_reconnecting(world, admin, emulator):
    connect(world, BOB, flow="oauth1")
    emulator.unsubscribe(emulator.webhook["id"], BOB)
    emulator.users.pop(BOB)  # X invalidated its tokens
    result = ensure(admin, None)
    account = world.accounts.get(BOB)
    assert account.status == NEEDS_RECONNECT and "HTTP 401" in account.reason
    assert result["metrics"]["AccountsNeedingReconnect"] == 1
    assert world.invites.get(reconnect_invite_id(BOB)).flows == ("oauth1",)


def test_status_counts_the_accounts_and_shows_the_connect_urls(world, admin):
    connect(world, ALICE)
    accounts = admin.handle({"action": "status"})["accounts"]
    assert accounts["count"] == 1 and accounts["by_status"]["active"] == 1 and accounts["attention"] == []
    assert accounts["mode"] == "invite" and accounts["callback_url"].endswith("/connect/callback")
    assert accounts["authorize_pages"]["oauth2"] == "https://x.com/i/oauth2/authorize"


def test_status_shows_where_connect_sends_browsers_by_the_same_settings():
    from xwebhook.accounts.wiring import authorize_pages

    assert authorize_pages({}) == {
        "oauth2": "https://x.com/i/oauth2/authorize",
        "oauth1": "https://api.x.com/oauth/authorize",
    }
    flipped = {
        "X_OAUTH2_AUTHORIZE_PAGE": "api",
        "X_OAUTH1_AUTHORIZE_HOST": "web",
        "X_WEB_BASE_URL": "https://w.example",
    }
    assert authorize_pages(flipped) == {
        "oauth2": "https://api.x.com/2/oauth2/authorize",
        "oauth1": "https://w.example/oauth/authorize",
    }


def test_status_refuses_a_plain_http_x_host_as_connect_does():
    from xwebhook.accounts.wiring import authorize_pages
    from xwebhook.env import ConfigError

    with pytest.raises(ConfigError, match="X_WEB_BASE_URL must be https"):
        authorize_pages({"X_WEB_BASE_URL": "http://x.example"})
