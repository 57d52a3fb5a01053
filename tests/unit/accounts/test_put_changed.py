"""put_changed: the one retry of a lost race that every writer of a stored account uses (accounts/store.py)."""

import pytest

from tests.fakes import MemoryAccountStore
from xwebhook.accounts.models import Account
from xwebhook.accounts.store import STORE_ATTEMPTS, AccountsUnavailable, StaleAccount, put_changed

ALICE = "1001"


def test_a_concurrent_change_to_the_account_is_kept_when_another_writer_stores_its_own():
    store = MemoryAccountStore([Account(ALICE)])
    stale = store.get(ALICE)
    store.put(stale.with_changes(screen_name="alice_renamed"))  # connect wrote meanwhile
    saved = put_changed(store, stale, lambda a: a.with_changes(xaa_auth={"post.create": "bearer"}))
    assert saved.screen_name == "alice_renamed"
    assert saved.xaa_auth == {"post.create": "bearer"}


def test_an_account_deleted_meanwhile_is_not_brought_back():
    store = MemoryAccountStore([Account(ALICE)])
    stale = store.get(ALICE)
    store.delete(ALICE)
    store.put(Account(ALICE))  # a new record with the same id, version 1 again
    store.delete(ALICE)
    assert put_changed(store, stale, lambda a: a.with_changes(reason="x")) is None
    assert store.get(ALICE) is None


def test_it_gives_up_after_repeated_races_saying_the_account_kept_changing():
    class Racing:
        puts = 0

        def put(self, account):
            Racing.puts += 1
            raise StaleAccount("changed")

        def get(self, user_id):
            return Account(user_id, version=3)

    with pytest.raises(AccountsUnavailable, match="kept changing") as caught:
        put_changed(Racing(), Account(ALICE, version=1), lambda a: a)
    assert ALICE in str(caught.value)
    assert Racing.puts == STORE_ATTEMPTS
