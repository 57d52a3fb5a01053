"""The AccountStore contract. Every adapter runs these: add its factory to STORES (the DynamoDB adapter
runs them against the moto server in tests/integration)."""

import pytest

from tests.fakes import MemoryAccountStore
from xwebhook.accounts.models import ACTIVE, Account, OAuth1Tokens, OAuth2Tokens
from xwebhook.accounts.store import StaleAccount, StaleRefreshToken

STORES = {"memory": MemoryAccountStore}


@pytest.fixture(params=sorted(STORES))
def store(request):
    return STORES[request.param]()


def account(user_id="111", **changes):
    return Account(
        user_id=user_id,
        screen_name="someone",
        oauth1=OAuth1Tokens("111-at", "at-secret"),
        oauth2=OAuth2Tokens("access-1", "refresh-1", expires_at=1_000.0, scopes=("tweet.read",)),
        event_types=("post.create",),
        **changes,
    )


def test_a_new_account_is_stored_with_version_one(store):
    saved = store.put(account())
    assert saved.version == 1 and store.get("111") == saved and store.all() == [saved]


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


def test_delete_removes_and_is_idempotent(store):
    store.put(account())
    store.delete("111")
    store.delete("111")
    assert store.get("111") is None and store.all() == []


def test_public_view_has_no_token():
    shown = repr(account()) + str(account().public())
    assert ACTIVE in shown
    for secret in ("111-at", "at-secret", "access-1", "refresh-1"):
        assert secret not in shown
