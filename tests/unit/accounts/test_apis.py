"""Which API an account is on, read from its record alone (accounts/apis.py): the table ensure, connect,
migrate and status all follow."""

from datetime import date

import pytest

from xwebhook.accounts import apis
from xwebhook.accounts.models import Account


def account(aaa, state=None, adopted=None):
    migration = {"state": state} if state else {}
    if adopted:
        migration["adopted"] = adopted
    return Account("1", aaa=aaa, migration=migration)


@pytest.mark.parametrize(
    "record, on_aaa, on_xaa",
    [
        (account(aaa=True), True, False),  # connected with OAuth 1.0a, or from the secret: not started
        (account(aaa=True, state="applied"), True, True),  # the overlap
        (account(aaa=False, state="cut_over"), False, True),
        (account(aaa=True, state="rolled_back"), True, False),
        (account(aaa=False), False, True),  # connected for XAA from the start
    ],
)
def test_the_record_says_which_api_the_account_is_on(record, on_aaa, on_xaa):
    assert apis.on_aaa(record) is on_aaa
    assert apis.on_xaa(record) is on_xaa


def test_a_rolled_back_account_keeps_only_what_apply_adopted():
    rolled = account(aaa=True, state="rolled_back", adopted={"post.create": "501"})
    assert apis.kept_without_xaa(rolled) == {"post.create": "501"}
    assert apis.kept_without_xaa(account(aaa=False, state="cut_over", adopted={"post.create": "501"})) == {}


def test_an_unknown_state_in_the_record_counts_as_never_migrated():
    odd = account(aaa=True, state="teleported")
    assert apis.migration_state(odd) is None
    assert apis.on_xaa(odd) is False


@pytest.mark.parametrize(
    "flow, setting, xaa",
    [
        ("oauth2", "oauth2", True),
        ("oauth1", "oauth2", False),
        ("oauth1", "all", True),
        ("oauth2", "none", False),
    ],
)
def test_new_accounts_go_to_xaa_from_the_start_as_the_setting_says(flow, setting, xaa):
    assert apis.xaa_from_start(flow, setting, date(2026, 12, 1)) is xaa


def test_once_aaa_has_ended_every_new_account_is_on_xaa():
    assert apis.xaa_from_start("oauth1", "none", date(2027, 1, 1)) is True
