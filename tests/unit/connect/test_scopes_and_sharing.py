"""What a sign-in asks X for (exactly the scopes of the calls its token will make, from X's document) and
what the success page says the account shares, in plain words."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

from tests.unit.connect.conftest import ALICE, BOB
from xwebhook.accounts.models import REVOKED, Account
from xwebhook.x_api import event_types
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens


def asked(answer):
    return set(parse_qs(urlsplit(answer.location).query)["scope"][0].split())


def test_a_sign_in_asks_what_users_me_requires_whatever_the_event_types(world):
    answer = world.browser().start(invite=world.invite(event_types=("dm.received", "like.create")))
    assert {"tweet.read", "users.read"} <= asked(answer)


def test_a_sign_in_for_public_types_only_asks_nothing_beyond_who_signed_in_and_a_refresh_token(world):
    answer = world.browser().start(invite=world.invite(event_types=("post.create", "profile.update.bio")))
    assert asked(answer) == {"tweet.read", "users.read", "offline.access"}


def test_a_new_accounts_sign_in_never_asks_dm_write(world):
    assert "dm.write" not in asked(world.browser().start(invite=world.invite()))


def test_an_account_kept_on_aaa_with_no_oauth1_tokens_is_asked_what_xs_aaa_subscribe_requires(world):
    world.accounts.put(Account(ALICE, aaa=True, event_types=event_types.AAA_PARITY))
    answer = world.browser().start(invite=world.invite(user_id=ALICE))
    assert set(event_types.AAA_SUBSCRIBE_SCOPES) <= asked(answer)


def test_an_account_on_aaa_with_oauth1_tokens_is_not_asked_dm_write(world):
    world.accounts.put(Account(ALICE, aaa=True, oauth1=OAuth1Tokens("t", "s"), event_types=event_types.AAA_PARITY))
    assert "dm.write" not in asked(world.browser().start(invite=world.invite(user_id=ALICE)))


def test_a_revoked_aaa_account_starts_afresh_where_xaa_from_start_puts_an_oauth2_sign_in(world):
    # After a revoke X withdrew every token: the account connects as a new one (on XAA by default), so
    # nothing asks for the AAA subscribe's dm.write.
    world.accounts.put(Account(ALICE, status=REVOKED, aaa=True, oauth1=OAuth1Tokens("t", "s")))
    assert "dm.write" not in asked(world.browser().start(invite=world.invite(user_id=ALICE)))


def test_a_revoked_aaa_account_is_asked_dm_write_when_new_accounts_stay_on_aaa(make_world):
    world = make_world(xaa_from_start="none")
    world.accounts.put(Account(ALICE, status=REVOKED, aaa=True, oauth1=OAuth1Tokens("t", "s")))
    assert set(event_types.AAA_SUBSCRIBE_SCOPES) <= asked(world.browser().start(invite=world.invite(user_id=ALICE)))


def test_a_new_account_is_asked_what_xs_aaa_subscribe_requires_when_new_accounts_stay_on_aaa(make_world):
    world = make_world(xaa_from_start="none")
    assert set(event_types.AAA_SUBSCRIBE_SCOPES) <= asked(world.browser().start(invite=world.invite()))


def test_the_reconnected_aaa_account_is_subscribed_by_its_oauth2_token_at_x(world, emulator):
    # An account kept on AAA, signed in again with OAuth 2.0: X's AAA subscribe takes that token now.
    world.accounts.put(Account(ALICE, aaa=True, event_types=("post.create",)))
    answer, _ = world.browser().sign_in(invite=world.invite(user_id=ALICE, event_types=("post.create",)))
    assert answer.status == 200
    account = world.accounts.get(ALICE)
    from xwebhook.x_api.account_subscriptions import AccountSubscriptions

    api = world.flow._api
    assert (
        AccountSubscriptions(world.client, api, world.flow._credentials).subscribe_aaa(emulator.webhook["id"], account)
        == "oauth2"
    )
    assert ALICE in emulator.subscribers(emulator.webhook["id"])


def page_text(answer):
    return unescape(answer.body)


def test_the_success_page_says_what_the_app_now_receives_in_words(world):
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("post.mention.create", "dm.received")))
    text = page_text(answer)
    assert "What this app now receives about your account" in text
    assert "posts that mention you, reply to you, quote or repost your posts" in text
    assert "Direct Messages you receive" in text


def test_the_success_page_says_each_permission_granted_at_x_in_words(world):
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("dm.received",)))
    text = page_text(answer)
    assert "What you allowed this app at X" in text
    for scope in ("tweet.read", "users.read", "dm.read", "offline.access"):
        assert event_types.SCOPE_WORDS[scope] in text


def test_the_success_page_of_an_account_kept_on_aaa_says_why_dm_write_was_asked(world):
    world.accounts.put(Account(ALICE, aaa=True, event_types=("post.create",)))
    answer, _ = world.browser().sign_in(invite=world.invite(user_id=ALICE, event_types=("post.create",)))
    assert "X requires this permission to subscribe an account to the Account Activity API" in page_text(answer)


def test_the_oauth1_success_page_says_the_app_receives_all_account_activity_and_only_reads(world):
    answer, _ = world.browser().sign_in(invite=world.invite(), flow="oauth1", user_id=BOB)
    text = page_text(answer)
    assert "all of your account's activity the Account Activity API delivers" in text
    assert "this app only reads" in text


def test_types_x_refused_are_not_said_to_be_received(world, emulator):
    emulator.fail_next("POST", "/2/activity/subscriptions", 403, count=2)
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("post.create", "dm.received")))
    text = page_text(answer)
    assert "Not done: Direct Messages you receive (dm.received)" in text
    assert "What this app now receives about your account" not in text


def test_the_oauth2_tokens_scopes_are_what_x_granted(world):
    world.browser().sign_in(invite=world.invite(event_types=("mute.mute",)))
    tokens = world.accounts.get(ALICE).oauth2
    assert isinstance(tokens, OAuth2Tokens)
    assert set(tokens.scopes) == {"mute.read", "offline.access", "tweet.read", "users.read"}


def test_a_store_that_fails_after_the_account_is_stored_still_gives_the_success_page(world, monkeypatch):
    from xwebhook.accounts.store import AccountsUnavailable

    browser = world.browser()
    back = browser.to_x_and_back(invite=world.invite(event_types=("post.create",)))
    real_get, calls = world.accounts.get, []

    def flaky_get(user_id):
        calls.append(user_id)
        if len(calls) > 1:  # the read after the account was stored and subscribed
            raise AccountsUnavailable("DynamoDB throttled")
        return real_get(user_id)

    monkeypatch.setattr(world.accounts, "get", flaky_get)
    answer = browser.callback(back)
    assert (answer.status, answer.log["outcome"]) == (200, "connected")
