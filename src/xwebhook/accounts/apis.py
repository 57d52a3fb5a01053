"""Which of X's two APIs an account is on: one answer per account, read from its record alone.

ensure (AAA and XAA parts), connect's sign-in, migrate's plan and status all ask here, so what X is
made to deliver for an account and what the operator is shown can never disagree.

  the record                                   on AAA   on XAA (ensure keeps its XAA subscriptions)
  aaa=True, no migration (not started)         yes      no: nothing made; what X lists of ours is removed
  migration "applied" (the overlap)            yes      yes: its event-type set, made until complete
  migration "cut_over"                         no       yes
  migration "rolled_back"                      yes      no, but what apply found there and adopted stays
  aaa=False, no migration (XAA from the start) no       yes

`aaa` on the record is "on the Account Activity API" (ensure subscribes it there when X lost it); apply
keeps it, cutover clears it, rollback sets it again. An account is on XAA from the start when it
connected that way (CONNECT_XAA_FROM_START, `xaa_from_start` below) and never on AAA.
"""

from datetime import UTC, date, datetime

from xwebhook.accounts.models import OAUTH2, REVOKED

# Account.migration["state"], as migrate's apply, cutover and rollback record it.
APPLIED = "applied"
CUT_OVER = "cut_over"
ROLLED_BACK = "rolled_back"
RECORDED_STATES = (APPLIED, CUT_OVER, ROLLED_BACK)

# CONNECT_XAA_FROM_START: which new accounts connect straight to the X Activity API.
FROM_START_OAUTH2 = "oauth2"  # an OAuth 2.0 sign-in: XAA; an OAuth 1.0a one: AAA until migrate apply
FROM_START_ALL = "all"  # every sign-in (OAuth 1.0a tokens create XAA subscriptions where X takes them, ⚠)
FROM_START_NONE = "none"  # no sign-in: every new account is on AAA until migrate apply
FROM_START_CHOICES = (FROM_START_OAUTH2, FROM_START_ALL, FROM_START_NONE)
AAA_ENDS = date(2027, 1, 1)  # the Account Activity API stops delivering (x-oauth.md "Dates")


def migration_state(account):
    """The state migrate recorded (APPLIED, CUT_OVER, ROLLED_BACK), or None: never migrated."""
    state = (account.migration or {}).get("state")
    return state if state in RECORDED_STATES else None


def on_aaa(account):
    """ensure keeps the account subscribed on the Account Activity API."""
    return bool(account.aaa) and migration_state(account) != CUT_OVER


def on_xaa(account):
    """ensure makes and keeps the account's XAA subscriptions (its event-type set)."""
    state = migration_state(account)
    if state in (APPLIED, CUT_OVER):
        return True
    if state == ROLLED_BACK:
        return False
    return not account.aaa


def kept_without_xaa(account):
    """The XAA subscriptions (name -> id) an account that is not on XAA keeps: those a migrate apply found
    at X and adopted (a rollback leaves them as they were before the apply). Nothing else."""
    if on_xaa(account):
        return {}
    return dict((account.migration or {}).get("adopted") or {})


def xaa_from_start(flow, setting, today=None):
    """Whether a NEW account signing in with `flow` goes straight to XAA (else: AAA until migrate apply).
    Once AAA has ended every new account is on XAA: there is no other API to put it on."""
    today = today or datetime.now(UTC).date()
    if today >= AAA_ENDS or setting == FROM_START_ALL:
        return True
    if setting == FROM_START_NONE:
        return False
    return flow == OAUTH2


def oauth2_sign_in_on_aaa(stored, setting, today=None):
    """An OAuth 2.0 sign-in of this account (stored, or None: not known yet) leaves it on the Account
    Activity API with only that token to subscribe it with, so the sign-in must ask the scopes X's AAA
    subscribe requires. A new account (or one starting afresh after a revoke) is on AAA when
    CONNECT_XAA_FROM_START does not put an OAuth 2.0 sign-in on XAA; a reconnect stays where it is."""
    if stored is None or stored.status == REVOKED:
        return not xaa_from_start(OAUTH2, setting, today)
    return stored.aaa_by_oauth2


def describe(account):
    """A short name for where the account is: "aaa", "both", "xaa" (for pages, logs and status)."""
    aaa, xaa = on_aaa(account), on_xaa(account)
    return "both" if aaa and xaa else "xaa" if xaa else "aaa" if aaa else "none"
