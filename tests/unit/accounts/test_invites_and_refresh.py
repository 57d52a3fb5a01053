"""Invite tokens and their checks; the refresher's waits and refusals (its races: test_store_contract.py and
upkeep/)."""

import pytest

from tests.fakes import Clock, MemoryAccountStore
from xwebhook.accounts import invites
from xwebhook.accounts.models import Account
from xwebhook.accounts.refresh import AccountGone, RefreshBusy, TokenRefresher
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.credentials.signing_key import SigningKeys, signing_keys_from_value
from xwebhook.x_api.oauth2 import InvalidGrant
from xwebhook.x_api.tokens import OAuth2Tokens

KEY = SigningKeys("s" * 40).invite


def test_an_invite_token_carries_its_id_and_a_signature_that_only_our_key_makes():
    token = invites.token_for(KEY, "abc")
    assert invites.invite_id_from(KEY, token) == "abc"
    other = SigningKeys("t" * 40).invite
    for bad in (invites.token_for(other, "abc"), "abc", "abc." + "A" * 22, token.replace("abc", "abd"), "", None):
        with pytest.raises(invites.InviteRefused) as refused:
            invites.invite_id_from(KEY, bad)
        assert refused.value.reason in ("invite_invalid", "invite_missing")


def test_invite_and_cookie_keys_differ_and_short_secrets_are_refused():
    keys = SigningKeys("s" * 40)
    assert keys.invite != keys.cookie
    assert "s" * 40 not in repr(keys)
    with pytest.raises(SecretUnavailable, match="shorter than 32"):
        signing_keys_from_value("too-short")


@pytest.mark.parametrize("text, seconds", [("90m", 5400), ("24h", 86400), ("7d", 604800), (" 30 s ", 30)])
def test_durations(text, seconds):
    assert invites.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "1y", "0h", "31d", "-1h", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        invites.parse_duration(text)


def test_check_names_each_reason():
    invite = invites.Invite("i", expires_at=100.0, uses=1, flows=("oauth2",), user_id="7")
    invites.check(invite, now=50.0, flow="oauth2", user_id="7")
    for changes, now, flow, user, reason in [
        ({}, 100.0, None, None, "invite_expired"),
        ({"used": 1}, 50.0, None, None, "invite_used_up"),
        ({}, 50.0, "oauth1", None, "flow_not_offered"),
        ({}, 50.0, None, "8", "invite_for_another_account"),
    ]:
        with pytest.raises(invites.InviteRefused) as refused:
            invites.check(invites.Invite(**{**vars(invite), **changes}), now, flow, user)
        assert refused.value.reason == reason
    with pytest.raises(invites.InviteRefused, match="withdrawn"):
        invites.check(None, 0.0)


def stored(store, refresh="r1", expires_at=1_100.0):
    return store.put(Account("111", oauth2=OAuth2Tokens("a1", refresh, expires_at)))


def test_a_token_that_outlives_the_margin_is_left_alone():
    store = MemoryAccountStore()
    account = stored(store, expires_at=5_000.0)
    refresher = TokenRefresher(store, oauth2=None, clock=Clock())
    assert refresher.fresh(account, within_seconds=300) is account
    assert not refresher.due(account, 300)
    assert refresher.due(account, 4_000)


def test_an_account_without_a_refresh_token_cannot_be_refreshed():
    store = MemoryAccountStore()
    account = stored(store, refresh=None)
    with pytest.raises(InvalidGrant, match=r"offline\.access"):
        TokenRefresher(store, oauth2=None, clock=Clock()).refresh(account)


def test_a_refresher_that_finds_the_token_claimed_waits_for_the_other_and_gives_up_in_time():
    store = MemoryAccountStore()
    account = stored(store)
    assert store.claim_refresh("111", "r1", now=1_000.0, seconds=60)
    sleeps = []
    refresher = TokenRefresher(store, oauth2=None, clock=Clock(), sleep=sleeps.append, wait_seconds=1.0)
    with pytest.raises(RefreshBusy):
        refresher.refresh(account)
    assert len(sleeps) == 4


def test_a_refresher_waiting_on_another_gets_the_others_pair():
    store = MemoryAccountStore()
    account = stored(store)
    store.claim_refresh("111", "r1", now=1_000.0, seconds=60)

    def other_finishes(_seconds):
        store.replace_oauth2("111", "r1", OAuth2Tokens("a2", "r2", 8_200.0))

    refreshed = TokenRefresher(store, oauth2=None, clock=Clock(), sleep=other_finishes).refresh(account)
    assert refreshed.how == "refreshed_elsewhere"
    assert refreshed.account.oauth2.refresh_token == "r2"


def test_an_account_disconnected_while_waiting_is_gone():
    store = MemoryAccountStore()
    account = stored(store)
    store.claim_refresh("111", "r1", now=1_000.0, seconds=60)
    refresher = TokenRefresher(store, oauth2=None, clock=Clock(), sleep=lambda _s: store.delete("111"))
    with pytest.raises(AccountGone):
        refresher.refresh(account)
