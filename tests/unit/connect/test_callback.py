"""GET /connect/callback: each way it can go, with its status, what is stored and what is subscribed."""

import json

import pytest

from tests.unit.connect.conftest import ALICE, BOB, OWNER_ID, connect_settings
from xwebhook.accounts.models import NEEDS_RECONNECT, REVOKED, Account
from xwebhook.connect.state import COOKIE, clearing_cookie_header
from xwebhook.x_api.event_types import AAA_PARITY, PRIVATE, needs_user_token, xaa_type
from xwebhook.x_api.tokens import OAuth2Tokens


def xaa_creates(emulator):
    return [r for r in emulator.requests if r[:2] == ("POST", "/2/activity/subscriptions")]


def token_calls(emulator):
    return [r for r in emulator.requests if r[1] == "/2/oauth2/token"]


def nothing_kept(world, emulator):
    assert world.accounts.all() == []
    assert emulator.xaa_subscriptions == {}
    assert emulator.subscribers(emulator.webhook["id"]) == []
    assert all(invite.used == 0 for invite in world.invites.invites.values())


def refused(answer, reason, status):
    assert (answer.status, answer.log["outcome"]) == (status, reason), answer.log
    assert clearing_cookie_header() in answer.cookies
    return answer


def secrets_in(world, emulator):
    """Every token value X issued in this test (none may reach a page or a log line)."""
    oauth = emulator.oauth
    values = set(oauth.access_tokens) | set(oauth.refresh_tokens) | set(oauth.revoked) | set(oauth.codes)
    values |= {token for pair in emulator.users.values() for token in pair}
    for account in world.accounts.all():
        if account.oauth2:
            values |= {account.oauth2.access_token, account.oauth2.refresh_token}
        if account.oauth1:
            values |= {account.oauth1.access_token, account.oauth1.access_token_secret}
    return {value for value in values if value}


# --- success -------------------------------------------------------------------------------------------------


def test_an_oauth2_sign_in_stores_the_account_and_subscribes_each_event_type(world, emulator):
    browser = world.browser()
    answer, _ = browser.sign_in(invite=world.invite())
    assert (answer.status, answer.log["outcome"]) == (200, "connected")
    (account,) = world.accounts.all()
    assert (account.user_id, account.screen_name, account.status, account.flows) == (
        ALICE,
        "alice_dev",
        "active",
        ("oauth2",),
    )
    assert account.oauth2.refresh_token
    assert "dm.read" in account.oauth2.scopes
    assert set(account.xaa_subscriptions) == set(AAA_PARITY) == set(account.event_types)
    made = emulator.xaa_subscriptions
    assert set(made) == set(account.xaa_subscriptions.values())
    for subscription in made.values():
        assert subscription["webhook_id"] == emulator.webhook["id"]
        assert subscription["filter"] == {"user_id": ALICE}
        assert subscription["tag"] == f"xwebhook:{ALICE}"
    for event_type, auth in account.xaa_auth.items():
        assert auth == ("oauth2" if xaa_type(event_type).privacy == PRIVATE else "bearer")
    kinds = {r[2] for r in xaa_creates(emulator)}
    assert kinds == {"oauth2", "bearer"}
    assert "Connected as @alice_dev" in answer.body
    assert f"subscribed to {len(AAA_PARITY)} event types" in answer.body
    assert answer.log["xaa_subscribed"] == len(AAA_PARITY)
    assert answer.log["xaa_failed"] == 0
    (invite,) = world.invites.invites.values()
    assert invite.used == 1
    assert COOKIE not in browser.cookies  # spent with the callback


def test_no_token_reaches_the_page_or_the_log_line(world, emulator):
    answer, back = world.browser().sign_in(invite=world.invite())
    shown = answer.body + json.dumps(answer.log) + json.dumps(back)
    issued = secrets_in(world, emulator) - {back.get("code")}
    assert issued
    assert not any(value in shown for value in issued)
    assert back["code"] not in answer.body + json.dumps(answer.log)


def test_an_oauth1_sign_in_stores_the_tokens_and_subscribes_on_the_account_activity_api(world, emulator):
    answer, _ = world.browser().sign_in(invite=world.invite(), flow="oauth1", user_id=BOB)
    assert answer.status == 200
    assert "Account Activity API: subscribed" in answer.body
    account = world.accounts.get(BOB)
    assert account.flows == ("oauth1",)
    assert account.aaa
    assert account.aaa_subscribed
    assert emulator.users[BOB] == (account.oauth1.access_token, account.oauth1.access_token_secret)
    assert emulator.subscribers(emulator.webhook["id"]) == [BOB]
    assert emulator.xaa_subscriptions == {}


def test_open_mode_connects_without_an_invite(make_world):
    world = make_world(mode="open", event_types=("post.create",))
    answer, _ = world.browser().sign_in()
    assert answer.status == 200
    assert world.accounts.get(ALICE).event_types == ("post.create",)


def test_a_hostile_screen_name_is_escaped_on_the_page(world, emulator):
    emulator.oauth.accounts[ALICE] = "<script>alert(1)</script>"
    answer, _ = world.browser().sign_in(invite=world.invite())
    assert "<script>" not in answer.body
    assert "&lt;script&gt;" in answer.body


def test_a_type_x_refuses_is_reported_and_the_others_are_subscribed(world, emulator):
    emulator.fail_next("POST", "/2/activity/subscriptions", 403, count=1)
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("post.create",)))
    assert answer.status == 200
    assert "Not done: your posts (post.create)" in answer.body
    assert world.accounts.get(ALICE).xaa_subscriptions == {}
    assert answer.log["xaa_failed"] == 1
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("post.create", "dm.received")))
    assert set(world.accounts.get(ALICE).xaa_subscriptions) == {"post.create", "dm.received"}


def test_without_a_valid_webhook_the_account_is_stored_and_nothing_subscribed(world, emulator):
    emulator.invalidate(emulator.webhook["id"])
    answer, _ = world.browser().sign_in(invite=world.invite())
    assert answer.status == 200
    assert "webhook is not ready yet" in answer.body
    assert world.accounts.get(ALICE).xaa_subscriptions == {}
    assert emulator.xaa_subscriptions == {}


# --- reconnecting ------------------------------------------------------------------------------------------


def test_reconnecting_keeps_the_stored_subscriptions_and_makes_none_twice(world, emulator):
    world.browser().sign_in(invite=world.invite())
    before = dict(world.accounts.get(ALICE).xaa_subscriptions)
    stored = world.accounts.get(ALICE)
    world.accounts.put(stored.with_changes(status=NEEDS_RECONNECT, reason="invalid_grant"))
    answer, _ = world.browser().sign_in(invite=world.invite())
    account = world.accounts.get(ALICE)
    assert answer.status == 200
    assert account.status == "active"
    assert account.reason == ""
    assert account.xaa_subscriptions == before
    assert len(emulator.xaa_subscriptions) == len(AAA_PARITY)
    assert account.oauth2.access_token != stored.oauth2.access_token


def test_reconnecting_with_the_other_flow_keeps_both_token_sets_and_the_api_the_account_is_on(world, emulator):
    world.browser().sign_in(invite=world.invite())
    world.browser().sign_in(invite=world.invite(), flow="oauth1")
    account = world.accounts.get(ALICE)
    assert account.flows == ("oauth2", "oauth1")
    assert len(account.xaa_subscriptions) == len(AAA_PARITY)
    assert account.aaa is False  # on XAA from the start: an OAuth 1.0a sign-in does not put it on AAA too
    assert account.aaa_subscribed is False
    assert not any(ALICE in users for users in emulator.subscriptions.values())


def test_an_aaa_account_signing_in_with_oauth2_stays_on_aaa_until_migrate_apply(world, emulator):
    world.browser().sign_in(invite=world.invite(), flow="oauth1")
    answer, _ = world.browser().sign_in(invite=world.invite())
    account = world.accounts.get(ALICE)
    assert answer.status == 200
    assert account.flows == ("oauth2", "oauth1")
    assert account.aaa is True
    assert account.xaa_subscriptions == {}
    assert emulator.xaa_subscriptions == {}  # no XAA subscription before the account is applied


def test_with_xaa_from_start_none_an_oauth2_sign_in_is_on_aaa(make_world, emulator):
    world = make_world(xaa_from_start="none")
    world.browser().sign_in(invite=world.invite())
    account = world.accounts.get(ALICE)
    assert account.aaa is True
    assert account.aaa_subscribed is True  # with its OAuth 2.0 token: X takes those since 2026-01-15
    assert emulator.xaa_subscriptions == {}


def test_with_xaa_from_start_all_an_oauth1_sign_in_is_on_xaa_and_the_private_types_come_later(make_world, emulator):
    world = make_world(xaa_from_start="all")
    answer, _ = world.browser().sign_in(invite=world.invite(), flow="oauth1")
    account = world.accounts.get(ALICE)
    assert account.aaa is False
    assert account.aaa_subscribed is False
    public = {name for name in account.event_types if not needs_user_token((name,))}
    assert set(account.xaa_subscriptions) == public
    assert "are subscribed by the app shortly" in answer.body


def test_reconnecting_after_a_revoke_keeps_no_old_token(world):
    world.accounts.put(
        Account(
            ALICE,
            "alice_dev",
            status=REVOKED,
            oauth2=OAuth2Tokens("dead", "dead-refresh", 1.0),
            xaa_subscriptions={"post.create": "gone"},
        )
    )
    world.browser().sign_in(invite=world.invite(), flow="oauth1")
    account = world.accounts.get(ALICE)
    assert account.status == "active"
    assert account.oauth2 is None
    assert account.xaa_subscriptions == {}


# --- the owner said no -----------------------------------------------------------------------------------


def test_cancel_on_the_oauth2_page_says_so_and_keeps_nothing(world, emulator):
    answer, back = world.browser().sign_in(invite=world.invite(), decision="cancel")
    assert back["error"] == "access_denied"
    refused(answer, "access_denied", 200)
    assert "You cancelled the sign-in" in answer.body
    assert "Start again" in answer.body
    nothing_kept(world, emulator)


def test_cancel_on_the_oauth1_page_says_so_and_keeps_nothing(world, emulator):
    answer, back = world.browser().sign_in(invite=world.invite(), flow="oauth1", decision="cancel")
    assert "denied" in back
    refused(answer, "access_denied", 200)
    nothing_kept(world, emulator)


def test_another_error_from_x_is_400(world, emulator):
    browser = world.browser()
    started = browser.start(invite=world.invite())
    state = started.location.split("state=")[1].split("&")[0]
    refused(browser.callback({"error": "invalid_scope", "state": state}), "x_refused", 400)
    nothing_kept(world, emulator)


# --- not this browser's sign-in ----------------------------------------------------------------------------


def test_a_callback_without_state_is_400(world, emulator):
    refused(world.browser().callback({"code": "abc"}), "missing_state", 400)
    refused(world.browser().callback({}), "missing_state", 400)


def test_a_callback_in_a_browser_without_the_cookie_is_400_and_keeps_nothing(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    stranger = world.browser()  # login CSRF: the answer is brought into another browser
    refused(stranger.callback(back), "no_cookie", 400)
    nothing_kept(world, emulator)
    assert token_calls(emulator) == []


def test_a_state_other_than_the_cookies_is_400_and_the_real_sign_in_still_finishes(world, emulator):
    browser = world.browser()
    started = browser.start(invite=world.invite())
    back = browser.x_decides(started.location)
    refused(browser.callback({**back, "state": "A" * 43}), "state_mismatch", 400)
    assert world.accounts.all() == []
    assert token_calls(emulator) == []
    browser.cookies = {}  # the refusal cleared it; a browser that kept it may still finish
    browser._keep(started)
    assert browser.callback(back).status == 200


def test_a_forged_cookie_is_400(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    state, expires, _ = browser.cookies[COOKIE].split(".")
    browser.cookies[COOKIE] = f"{state}.{expires}.{'B' * 43}"
    refused(browser.callback(back), "cookie_invalid", 400)
    nothing_kept(world, emulator)


def test_a_sign_in_finished_after_ten_minutes_is_400(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    world.clock.advance(601)
    refused(browser.callback(back), "sign_in_expired", 400)
    nothing_kept(world, emulator)


def test_a_state_whose_sign_in_is_gone_is_400(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    world.sign_ins.pending.clear()  # the table's TTL took it
    refused(browser.callback(back), "state_unknown", 400)
    nothing_kept(world, emulator)


def test_an_oauth_token_other_than_ours_is_400(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite(), flow="oauth1")
    refused(browser.callback({**back, "oauth_token": "rt-someone-elses"}), "oauth_token_mismatch", 400)
    nothing_kept(world, emulator)


def test_an_oauth2_answer_for_an_oauth1_sign_in_is_400(world, emulator):
    browser = world.browser()
    browser.start(invite=world.invite(), flow="oauth1")
    state = browser.cookies[COOKIE].split(".")[0]
    refused(browser.callback({"state": state, "code": "code-x"}), "state_mismatch", 400)


# --- replays ------------------------------------------------------------------------------------------------


def test_a_replayed_callback_makes_no_second_account_or_subscription(world, emulator):
    browser = world.browser()
    started = browser.start(invite=world.invite(uses=5))
    cookies = list(browser.cookies.items())
    back = browser.x_decides(started.location)
    assert browser.callback(back).status == 200
    subscriptions, calls = dict(emulator.xaa_subscriptions), len(token_calls(emulator))
    browser.cookies = dict(cookies)  # the attacker replays the same request, cookie and all
    refused(browser.callback(back), "state_unknown", 400)
    assert len(world.accounts.all()) == 1
    assert emulator.xaa_subscriptions == subscriptions
    assert len(token_calls(emulator)) == calls
    assert next(iter(world.invites.invites.values())).used == 1


# --- X's token endpoint -----------------------------------------------------------------------------------


def test_x_token_endpoint_failing_is_502_try_again_and_nothing_kept(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    emulator.fail_next("POST", "/2/oauth2/token", 503)
    answer = refused(browser.callback(back), "token_endpoint_down", 502)
    assert "try again" in answer.body
    assert "Start again" in answer.body
    nothing_kept(world, emulator)
    assert len(token_calls(emulator)) == 1  # a code is single use: never sent twice


def test_x_token_endpoint_timing_out_is_502_and_nothing_kept(make_world, emulator):
    world = make_world(timeout_seconds=1.0)
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    emulator.oauth.delay_next_token_call(2.5)
    answer = refused(browser.callback(back), "token_endpoint_down", 502)
    assert "Timeout" in answer.log["detail"]
    nothing_kept(world, emulator)


def test_oauth1_access_token_failing_is_502_and_nothing_kept(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite(), flow="oauth1")
    emulator.fail_next("POST", "/oauth/access_token", 500)
    refused(browser.callback(back), "token_endpoint_down", 502)
    nothing_kept(world, emulator)


def test_an_expired_code_is_400_start_again(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    emulator.advance_clock(31)  # X's codes live about 30 s
    answer = refused(browser.callback(back), "code_rejected", 400)
    assert "invalid_grant" in answer.log["detail"]
    nothing_kept(world, emulator)


def test_x_failing_to_say_who_signed_in_is_502_and_revokes_nothing_blind(world, emulator):
    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite())
    emulator.fail_next("GET", "/2/users/me", 503, count=2)
    answer = refused(browser.callback(back), "x_unavailable", 502)
    nothing_kept(world, emulator)
    # whose tokens they are is unknown: a revoke might end the grant an account of theirs uses (⚠)
    assert [what for what, _ in emulator.oauth.events if what == "revoke"] == []
    assert answer.log["give_back"].startswith("kept: X did not say who signed in")


# --- who may connect, checked once X says who signed in ------------------------------------------------


def test_an_account_outside_the_allowlist_is_403_and_its_tokens_revoked(make_world, emulator):
    world = make_world(allowed=(BOB,))
    answer, _ = world.browser().sign_in(invite=world.invite(), user_id=ALICE)
    refused(answer, "user_not_allowed", 403)
    nothing_kept(world, emulator)
    assert emulator.oauth.access_tokens == {}
    assert len(emulator.oauth.revoked) == 2
    answer, _ = world.browser().sign_in(invite=world.invite(), user_id=BOB)
    assert answer.status == 200


def test_an_invite_for_another_account_is_403_and_its_tokens_revoked(world, emulator):
    answer, _ = world.browser().sign_in(invite=world.invite(user_id=OWNER_ID), flow="oauth1", user_id=ALICE)
    refused(answer, "invite_for_another_account", 403)
    nothing_kept(world, emulator)
    assert ALICE not in emulator.users  # invalidated at X


def test_the_last_use_of_an_invite_goes_to_the_first_sign_in_to_finish(world, emulator):
    token = world.invite(uses=1)
    first, second = world.browser(), world.browser()
    started = [first.start(invite=token), second.start(invite=token)]
    backs = [first.x_decides(started[0].location, ALICE), second.x_decides(started[1].location, BOB)]
    assert first.callback(backs[0]).status == 200
    answer = refused(second.callback(backs[1]), "invite_used_up", 403)
    assert "Start again" not in answer.body
    assert [account.user_id for account in world.accounts.all()] == [ALICE]
    assert [t for t in emulator.oauth.access_tokens.values() if t["user_id"] == BOB] == []  # revoked at X


@pytest.mark.parametrize("flow", ["oauth2", "oauth1"])
def test_a_store_that_cannot_be_written_is_503_and_the_tokens_are_given_back(world, emulator, flow):
    from xwebhook.accounts.store import AccountsUnavailable

    def down(account, use_invite=None):
        raise AccountsUnavailable("the accounts table refused transact_write_items (ThrottlingException)")

    world.accounts.put = down
    answer, _ = world.browser().sign_in(invite=world.invite(), flow=flow)
    refused(answer, "store_unavailable", 503)
    assert emulator.xaa_subscriptions == {}
    assert emulator.subscribers(emulator.webhook["id"]) == []
    assert emulator.oauth.access_tokens == {}
    assert ALICE not in emulator.users


def test_misconfigured_connect_answers_503_naming_the_variable_in_the_log_only():
    from xwebhook.connect.wiring import flow_from_env

    flow = flow_from_env({"CONNECT_MODE": "invite"})
    for answer in (flow.start({}), flow.finish({}, [])):
        assert answer.status == 503
        assert answer.log["outcome"] == "misconfigured"
        assert "PUBLIC_BASE_URL" in answer.log["detail"]
        assert "PUBLIC_BASE_URL" not in answer.body


def test_settings_reject_what_they_cannot_use(emulator):
    from xwebhook.connect.settings import ConnectSettings
    from xwebhook.env import ConfigError

    base = {
        "ACCOUNTS_TABLE": "t",
        "CONNECT_SIGNING_KEY_SECRET_ID": "k",
        "PUBLIC_BASE_URL": "https://hooks.example.com/",
        "WEBHOOK_URL": "https://hooks.example.com/webhook",
        "X_CREDENTIALS_SECRET_ID": "c",
        "CONSUMER_SECRET_ID": "s",
    }
    settings = ConnectSettings.from_env(base)
    assert settings.accounts.callback_url == "https://hooks.example.com/connect/callback"
    assert settings.oauth2_authorize_base == "https://x.com"
    assert settings.oauth1_authorize_base == "https://api.x.com"
    for name, value, words in [
        ("CONNECT_MODE", "closed", "CONNECT_MODE"),
        ("CONNECT_EVENT_TYPES", "post.create,tweet.nope", "tweet.nope"),
        ("CONNECT_FLOWS", "oauth3", "CONNECT_FLOWS"),
        ("CONNECT_ALLOWED_USER_IDS", "12,@alice", "CONNECT_ALLOWED_USER_IDS"),
        ("X_WEB_BASE_URL", "ftp://x.com", "X_WEB_BASE_URL"),
        ("X_API_BASE_URL", "http://api.x.com", "X_API_BASE_URL must be https, or http only to a loopback host"),
        ("X_WEB_BASE_URL", "http://x.com", "X_WEB_BASE_URL must be https, or http only to a loopback host"),
        ("X_API_BASE_URL", "http://10.0.0.8:8787", "X_API_BASE_URL must be https"),
        ("X_OAUTH2_AUTHORIZE_PAGE", "mobile", "X_OAUTH2_AUTHORIZE_PAGE"),
        ("PUBLIC_BASE_URL", "https://h.example/?a=b", "PUBLIC_BASE_URL"),
    ]:
        with pytest.raises(ConfigError, match=words):
            ConnectSettings.from_env({**base, name: value})
    assert connect_settings(emulator).accounts.mode == "invite"
    local = ConnectSettings.from_env({**base, "X_API_BASE_URL": emulator.base_url, "X_WEB_BASE_URL": emulator.base_url})
    assert local.x_api_base_url == local.x_web_base_url == emulator.base_url  # http to the local emulator only


# --- a refusal never gives back a credential a stored account uses -------------------------------------------


def works_at_x(emulator, account):
    """Whether X still takes the stored account's tokens (what a refusal must never end)."""
    if account.oauth2 is not None:
        return emulator.oauth.user_bearer(account.oauth2.access_token) is not None
    return emulator.users.get(account.user_id) == (account.oauth1.access_token, account.oauth1.access_token_secret)


def refuse_alices_next_sign_in(world, reason):
    """The arrangement under which Alice's next sign-in is refused for `reason`: (invite token, its world)."""
    if reason == "invite_for_another_account":
        return world.invite(user_id=BOB)  # an invite someone holds for another account, sent to Alice
    if reason == "user_not_allowed":
        world.settings = world.flow.settings = connect_settings(world.emulator, allowed=(BOB,))  # the list changed
        return world.invite()
    if reason == "invite_used_up":  # Alice loses the race for an invite's last use
        return world.invite()
    if reason == "store_unavailable":
        from xwebhook.accounts.store import AccountsUnavailable

        def down(account, use_invite=None):
            raise AccountsUnavailable("the accounts table refused transact_write_items (ThrottlingException)")

        world.accounts.put = down
        return world.invite()
    raise AssertionError(reason)


REFUSALS = [
    ("invite_for_another_account", 403),
    ("user_not_allowed", 403),
    ("invite_used_up", 403),
    ("store_unavailable", 503),
]


@pytest.mark.parametrize("flow", ["oauth1", "oauth2"])
@pytest.mark.parametrize("reason, status", REFUSALS)
def test_a_refused_sign_in_of_a_connected_owner_leaves_their_account_working_at_x(
    world, emulator, flow, reason, status
):
    """X hands an OAuth 1.0a user who authorised the app before the same token pair again, so the pair a
    refused sign-in got back is the stored account's; and ⚠ a revoke may end the user's whole OAuth 2.0
    grant (the emulator's revoke_ends_grant reading). Either way the connected account must keep working."""
    emulator.oauth.revoke_ends_grant = True
    connect_answer, _ = world.browser().sign_in(invite=world.invite(), flow=flow, user_id=ALICE)
    assert connect_answer.status == 200
    stored = world.accounts.get(ALICE)
    assert works_at_x(emulator, stored)
    token = refuse_alices_next_sign_in(world, reason)
    browser = world.browser()
    if reason == "invite_used_up":
        rival = world.browser()
        started = [browser.start(invite=token, flow=flow), rival.start(invite=token, flow="oauth2")]
        back = browser.x_decides(started[0].location, ALICE)
        assert rival.callback(rival.x_decides(started[1].location, BOB)).status == 200
        answer = browser.callback(back)
    else:
        answer, back = browser.sign_in(invite=token, flow=flow, user_id=ALICE)
    refused(answer, reason, status)
    assert world.accounts.get(ALICE).status == "active"
    assert works_at_x(emulator, world.accounts.get(ALICE))
    assert answer.log["give_back"].startswith("kept:")


def test_a_refused_oauth1_sign_in_keeps_the_pair_x_handed_back_because_it_is_the_stored_one(world, emulator):
    world.browser().sign_in(invite=world.invite(), flow="oauth1", user_id=ALICE)
    stored = world.accounts.get(ALICE).oauth1
    answer, _ = world.browser().sign_in(invite=world.invite(user_id=BOB), flow="oauth1", user_id=ALICE)
    refused(answer, "invite_for_another_account", 403)
    assert emulator.users[ALICE] == (stored.access_token, stored.access_token_secret)  # the same pair, alive
    assert [what for what, _ in emulator.oauth.events if what == "invalidate"] == []
    assert "the token pair account 1500000001 uses" in answer.log["give_back"]


def test_a_refused_sign_in_whose_account_cannot_be_read_gives_back_nothing_blind(world, emulator):
    from xwebhook.accounts.store import AccountsUnavailable

    world.browser().sign_in(invite=world.invite(), flow="oauth1", user_id=ALICE)
    stored = world.accounts.get(ALICE)

    def unreadable(user_id):
        raise AccountsUnavailable("the accounts table could not be reached for get_item (ConnectTimeoutError)")

    world.accounts.get = unreadable
    answer, _ = world.browser().sign_in(invite=world.invite(), flow="oauth1", user_id=ALICE)
    refused(answer, "store_unavailable", 503)
    assert works_at_x(emulator, stored)
    assert answer.log["give_back"].startswith("kept: the accounts table could not be read")


@pytest.mark.parametrize("flow", ["oauth1", "oauth2"])
def test_a_refused_sign_in_of_someone_with_no_account_still_gives_back_what_x_issued(make_world, emulator, flow):
    emulator.oauth.revoke_ends_grant = True
    world = make_world(allowed=(BOB,))
    answer, _ = world.browser().sign_in(invite=world.invite(), flow=flow, user_id=ALICE)
    refused(answer, "user_not_allowed", 403)
    assert answer.log["give_back"] == ("revoked" if flow == "oauth2" else "invalidated")
    assert ALICE not in emulator.users
    assert emulator.oauth.access_tokens == {}
