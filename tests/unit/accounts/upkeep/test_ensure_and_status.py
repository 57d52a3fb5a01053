"""Connected accounts kept working (accounts/upkeep.py), through the admin function's ensure and status parts,
against X's emulator: token refresh, revokes, AAA subscriptions, reconnect invites, what status shows.

Accounts are connected through the real sign-in against the emulator (tests/unit/connect/conftest.py), then
the admin function works on the same stores (tests/unit/admin/actions/wired.py make_admin).
"""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes import MemoryRevokeSignals
from tests.unit.admin.actions.wired import connect, make_admin
from tests.unit.connect.conftest import ALICE, BOB
from xwebhook.accounts.invites import reconnect_invite_id
from xwebhook.accounts.models import NEEDS_RECONNECT, REVOKED
from xwebhook.accounts.refresh import TokenRefresher
from xwebhook.accounts.revokes import NoRevokeSignals
from xwebhook.admin.actions.ensure import ensure

TWO_HOURS = 7200


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
    assert world.accounts.get(ALICE).oauth2 == before.oauth2
    assert result["accounts"]["did"] == []


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
    assert events.count("refresh") == 1
    assert "refresh_reuse" not in events
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
    assert second.how == "refreshed_elsewhere"
    assert world.accounts.get(ALICE).oauth2.refresh_token == "refresh-1"
    assert first.account.oauth2.refresh_token == "refresh-1"


def test_invalid_grant_marks_needs_reconnect_with_a_metric_and_a_reconnect_invite(world, admin, emulator):
    connect(world, ALICE)
    emulator.oauth.refresh_tokens.clear()  # X forgot the chain (revoked, expired)
    world.clock.advance(TWO_HOURS)
    result = ensure(admin, None)
    account = world.accounts.get(ALICE)
    assert account.status == NEEDS_RECONNECT
    assert "invalid_grant" in account.reason
    assert result["metrics"]["AccountsNeedingReconnect"] == 1
    assert result["accounts"]["ok"]
    invite = world.invites.get(reconnect_invite_id(ALICE))
    assert invite.user_id == ALICE
    assert invite.uses == 1
    assert invite.flows[0] == "oauth2"
    status = admin.handle({"action": "status"})
    (entry,) = status["accounts"]["attention"]
    assert entry["status"] == NEEDS_RECONNECT
    assert entry["reconnect_url"].startswith("https://hooks.example.com/connect?")
    # the owner follows it: only their account may, and afterwards all is well again
    token = parse_qs(urlsplit(entry["reconnect_url"]).query)["invite"][0]
    refused, _ = world.browser().sign_in(invite=token, user_id=BOB)
    assert refused.status == 403
    assert refused.log["outcome"] == "invite_for_another_account"
    answer, _ = world.browser().sign_in(invite=token, user_id=ALICE)
    assert answer.status == 200
    assert world.accounts.get(ALICE).status == "active"
    assert ensure(admin, None)["metrics"]["AccountsNeedingReconnect"] == 0
    assert admin.handle({"action": "status"})["accounts"]["attention"] == []


def test_a_token_x_cannot_refresh_right_now_is_an_error_not_a_reconnect(world, admin, emulator):
    connect(world, ALICE)
    world.clock.advance(TWO_HOURS)
    emulator.fail_next("POST", "/2/oauth2/token", 503)
    result = ensure(admin, None)
    assert not result["accounts"]["ok"]
    assert "unavailable" in result["accounts"]["error"]
    assert world.accounts.get(ALICE).status == "active"
    assert not result["ok"]


# --- ensure: revokes ------------------------------------------------------------------------------------------


def test_a_revoke_x_delivered_makes_the_account_revoked_and_its_tokens_are_never_used_again(world, emulator):
    account = connect(world, ALICE)
    signals = MemoryRevokeSignals({ALICE: world.clock() + 60})
    admin = make_admin(world, signals)
    world.clock.advance(TWO_HOURS)  # its token would be due for a refresh
    result = ensure(admin, None)
    revoked = world.accounts.get(ALICE)
    assert revoked.status == REVOKED
    assert revoked.oauth1 is None
    assert revoked.oauth2 is None
    assert "revoked the app" in revoked.reason
    assert revoked.xaa_subscriptions == {}
    assert emulator.xaa_subscriptions == {}  # deleted with the app's bearer token
    assert [what for what, _ in emulator.oauth.events].count("refresh") == 0
    assert result["accounts"]["by_status"]["revoked"] == 1
    assert result["metrics"]["AccountsNeedingReconnect"] == 0
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
    assert world.accounts.get(ALICE).status == REVOKED
    assert len(world.accounts.get(ALICE).xaa_subscriptions) == 1
    ensure(admin, None)
    assert world.accounts.get(ALICE).xaa_subscriptions == {}
    assert emulator.xaa_subscriptions == {}


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
    assert account.status == NEEDS_RECONNECT
    assert "HTTP 401" in account.reason
    assert result["metrics"]["AccountsNeedingReconnect"] == 1
    assert world.invites.get(reconnect_invite_id(BOB)).flows == ("oauth1",)


def test_status_counts_the_accounts_and_shows_the_connect_urls(world, admin):
    connect(world, ALICE)
    accounts = admin.handle({"action": "status"})["accounts"]
    assert accounts["count"] == 1
    assert accounts["by_status"]["active"] == 1
    assert accounts["attention"] == []
    assert accounts["mode"] == "invite"
    assert accounts["callback_url"].endswith("/connect/callback")
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
