"""get_many: the accounts a migrate wave names, read in batches, under the store contract (memory and
DynamoDB over moto's server)."""

from xwebhook.accounts.models import Account
from xwebhook.x_api.tokens import OAuth1Tokens


def test_the_named_accounts_come_back_in_user_id_order_and_unknown_ones_are_left_out(store):
    for user_id in ("30", "10", "20"):
        store.put(Account(user_id, oauth1=OAuth1Tokens(f"{user_id}-t", f"{user_id}-s"), migration={"state": "applied"}))
    found = store.get_many(["30", "99", "10", "30"])
    assert [account.user_id for account in found] == ["10", "30"]
    assert found[1].oauth1.access_token == "30-t"
    assert found[1].migration == {"state": "applied"}
    assert found[1].version == 1


def test_more_accounts_than_one_batch_takes_are_all_read(store):
    user_ids = [str(1000 + n) for n in range(130)]  # DynamoDB's BatchGetItem takes 100 keys a call
    for user_id in user_ids:
        store.put(Account(user_id))
    assert [account.user_id for account in store.get_many(user_ids)] == user_ids
