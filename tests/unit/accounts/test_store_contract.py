"""The AccountStore contract (and its neighbours', InviteStore and SignInStore). Every adapter runs these
(conftest.py: in memory, and DynamoDB against moto's server over HTTP); the races run on the store with
DynamoDB's per-item atomicity (conftest.atomic_stores says why not on moto)."""

import threading
from dataclasses import replace

import pytest

from xwebhook.accounts.invites import Invite
from xwebhook.accounts.models import ACTIVE, Account
from xwebhook.accounts.store import InviteUsedUp, StaleAccount, StaleRefreshToken
from xwebhook.connect.state import PendingSignIn
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens


def account(user_id="111", **changes):
    return Account(
        user_id=user_id,
        screen_name="someone",
        oauth1=OAuth1Tokens("111-at", "at-secret"),
        oauth2=OAuth2Tokens("access-1", "refresh-1", expires_at=1_000.0, scopes=("tweet.read",)),
        event_types=("post.create",),
        **changes,
    )


def invite(invite_id="inv-1", **changes):
    values = {"expires_at": 5_000.0, "uses": 1, "flows": ("oauth2", "oauth1"), "event_types": ("post.create",)}
    return Invite(invite_id, **{**values, **changes})


def test_a_new_account_is_stored_with_version_one(store):
    saved = store.put(account())
    assert saved.version == 1
    assert store.get("111") == saved
    assert store.all() == [saved]


def test_every_field_comes_back_as_it_was_stored(store):
    full = account(
        status="needs_reconnect",
        reason="X refused the refresh token",
        aaa=True,
        aaa_subscribed=True,
        xaa_subscriptions={"post.create": "1460000000000000001"},
        xaa_auth={"post.create": "bearer"},
        migration={"phase": "overlap", "done": ["post.create"], "cost": 0.25, "dry_run": False, "n": 3},
        connected_at="2026-12-01T10:00:00Z",
        updated_at="2026-12-01T11:00:00Z",
    )
    full = full.with_changes(oauth2=OAuth2Tokens("a", None, expires_at=1_234.5, scopes=("dm.read", "tweet.read")))
    assert store.put(full) == store.get("111") == full.with_changes(version=1)


def test_a_write_from_a_stale_read_is_refused(store):
    first = store.put(account())
    store.put(first.with_changes(screen_name="renamed"))
    with pytest.raises(StaleAccount):
        store.put(first.with_changes(status="revoked"))
    assert store.get("111").screen_name == "renamed"


def test_a_second_new_account_with_the_same_id_is_refused(store):
    store.put(account())
    with pytest.raises(StaleAccount):
        store.put(account())


def test_a_rotated_token_replaces_only_the_token_that_was_spent(store):
    store.put(account())
    newer = OAuth2Tokens("access-2", "refresh-2", expires_at=8_200.0)
    assert store.replace_oauth2("111", "refresh-1", newer).oauth2 == newer
    with pytest.raises(StaleRefreshToken):  # a concurrent refresh that spent refresh-1 too
        store.replace_oauth2("111", "refresh-1", OAuth2Tokens("access-3", "refresh-3", expires_at=8_300.0))
    assert store.get("111").oauth2.refresh_token == "refresh-2"


def test_a_rotated_token_moves_the_version_on(store):
    first = store.put(account())
    store.replace_oauth2("111", "refresh-1", OAuth2Tokens("access-2", "refresh-2", expires_at=8_200.0))
    with pytest.raises(StaleAccount):  # a write from before the refresh would put the spent pair back
        store.put(first.with_changes(screen_name="renamed"))
    assert store.get("111").version == 2


def test_one_refresher_at_a_time_may_claim_a_refresh_token(store):
    store.put(account())
    assert store.claim_refresh("111", "refresh-1", now=100.0, seconds=60) is True
    assert store.claim_refresh("111", "refresh-1", now=120.0, seconds=60) is False
    assert store.claim_refresh("111", "refresh-0", now=200.0, seconds=60) is False  # not the stored token
    assert store.claim_refresh("111", "refresh-1", now=161.0, seconds=60) is True  # the first claim lapsed


def test_storing_the_rotated_pair_ends_the_claim(store):
    store.put(account())
    assert store.claim_refresh("111", "refresh-1", now=100.0, seconds=60)
    store.replace_oauth2("111", "refresh-1", OAuth2Tokens("access-2", "refresh-2", expires_at=8_200.0))
    assert store.claim_refresh("111", "refresh-2", now=101.0, seconds=60) is True


def test_no_claim_on_an_account_that_is_not_there(store):
    assert store.claim_refresh("404", "refresh-1", now=100.0, seconds=60) is False


def test_concurrent_claims_let_exactly_one_through(atomic_stores):
    store = atomic_stores[0]
    store.put(account())
    won, start = [], threading.Barrier(8)

    def claim():
        start.wait()
        won.append(store.claim_refresh("111", "refresh-1", now=100.0, seconds=60))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(won) == [False] * 7 + [True]


def test_delete_removes_and_is_idempotent(store):
    store.put(account())
    store.delete("111")
    store.delete("111")
    assert store.get("111") is None
    assert store.all() == []


def test_public_view_has_no_token():
    shown = repr(account()) + str(account().public())
    assert ACTIVE in shown
    for secret in ("111-at", "at-secret", "access-1", "refresh-1"):
        assert secret not in shown


# --- an account stored with its invite's use spent, atomically --------------------------------------------


def test_storing_with_an_invite_spends_one_use(stores):
    accounts, invites, _ = stores
    invites.put(invite(uses=2))
    accounts.put(account("111"), use_invite="inv-1")
    accounts.put(account("222"), use_invite="inv-1")
    assert invites.get("inv-1").used == 2
    assert [a.user_id for a in accounts.all()] == ["111", "222"]


@pytest.mark.parametrize("changes", [{"used": 1}, {"expires_at": 999.0}])
def test_an_invite_used_up_or_expired_stores_nothing(stores, changes):
    accounts, invites, _ = stores
    invites.put(invite(**changes))
    with pytest.raises(InviteUsedUp):
        accounts.put(account(), use_invite="inv-1")
    assert accounts.get("111") is None
    assert invites.get("inv-1") == invite(**changes)


def test_a_withdrawn_invite_stores_nothing(stores):
    accounts, _, _ = stores
    with pytest.raises(InviteUsedUp):
        accounts.put(account(), use_invite="never-made")
    assert accounts.all() == []


def test_a_stale_account_write_spends_no_use(stores):
    accounts, invites, _ = stores
    invites.put(invite(uses=3))
    accounts.put(account())
    with pytest.raises(StaleAccount):
        accounts.put(account(), use_invite="inv-1")  # a new account, but one is stored already
    assert invites.get("inv-1").used == 0


def test_two_sign_ins_racing_for_the_last_use_store_one_account(atomic_stores):
    accounts, invites, _ = atomic_stores
    invites.put(invite(uses=1))
    outcomes, start = [], threading.Barrier(2)

    def connect(user_id):
        start.wait()
        try:
            accounts.put(account(user_id), use_invite="inv-1")
            outcomes.append("stored")
        except InviteUsedUp:
            outcomes.append("used up")

    threads = [threading.Thread(target=connect, args=(user_id,)) for user_id in ("111", "222")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["stored", "used up"]
    assert len(accounts.all()) == 1
    assert invites.get("inv-1").used == 1


# --- invites and sign-ins -------------------------------------------------------------------------------------


def test_invites_come_back_as_stored_and_are_not_accounts(stores):
    accounts, invites, _ = stores
    made = invite(user_id="111", note="for the support team", created_at=900.0)
    invites.put(made)
    assert invites.get("inv-1") == made
    assert invites.get("nope") is None
    assert accounts.all() == []
    invites.put(replace(made, expires_at=9_000.0))  # a reconnect invite renewed in place
    assert invites.get("inv-1").expires_at == 9_000.0
    invites.delete("inv-1")
    assert invites.get("inv-1") is None


def test_a_sign_in_can_be_taken_once(stores):
    accounts, _, sign_ins = stores
    pending = PendingSignIn(
        "ab" * 32, "oauth2", 1_600.0, ("post.create", "dm.received"), "inv-1", "111", code_verifier="v" * 64
    )
    sign_ins.put(pending)
    assert sign_ins.take("ab" * 32) == pending
    assert sign_ins.take("ab" * 32) is None
    assert accounts.all() == []


def test_of_two_callbacks_with_the_same_state_one_gets_the_sign_in(atomic_stores):
    _, _, sign_ins = atomic_stores
    sign_ins.put(PendingSignIn("cd" * 32, "oauth1", 1_600.0, request_token="rt", request_token_secret="rts"))
    got, start = [], threading.Barrier(4)

    def take():
        start.wait()
        got.append(sign_ins.take("cd" * 32))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len([pending for pending in got if pending is not None]) == 1
