"""Which credential creates an account's XAA subscription of an event type, in the order to try them.

X's docs: public types with the app-only bearer token, private types with the account's OAuth 2.0 user
token; ⚠ one maintainer found OAuth 1.0a user context was needed, and the spec accepts all three. So
each type gets an ordered list (XAA_PUBLIC_AUTH / XAA_PRIVATE_AUTH) with what worked last time for this
account and type (Account.xaa_auth) moved first; a credential that cannot be used says why (no token,
a scope missing, expired, the account not active), which is what `plan` reports as "X would refuse".
The runner (xaa_runner.py) tries the usable ones in order and falls back on X's 401/403.
"""

from dataclasses import dataclass

from xwebhook.x_api import event_types
from xwebhook.x_api.xaa import APP, OAUTH1, OAUTH2, Credential

EXPIRY_MARGIN_SECONDS = 60  # an OAuth 2.0 token this close to expiry is not worth a call
NAMES = {APP: "the app's bearer token", OAUTH2: "the account's OAuth 2.0 token", OAUTH1: "its OAuth 1.0a tokens"}


@dataclass(frozen=True)
class Option:
    kind: str
    credential: Credential | None  # None when it cannot be used
    problem: str | None = None  # why not, in plain words

    def as_dict(self):
        return {
            "credential": self.kind,
            "usable": self.problem is None,
            **({"why": self.problem} if self.problem else {}),
        }


def _unusable(kind, view, tokens, missing):
    """The Option saying why a user context cannot be used (no tokens, the account not active), or None."""
    if tokens is None:
        return Option(kind, None, missing)
    if not view.active:
        return Option(kind, None, f"the account is {view.account.status}")
    return None


def _oauth2_option(view, event_type, now):
    tokens = view.oauth2
    blocked = _unusable(OAUTH2, view, tokens, "no OAuth 2.0 token (the account has not signed in with OAuth 2.0)")
    if blocked is not None:
        return blocked
    known = event_types.xaa_type(event_type)
    lacking = [scope for scope in (known.scopes if known is not None else ()) if scope not in tokens.scopes]
    if tokens.scopes and lacking:
        return Option(OAUTH2, None, f"the OAuth 2.0 token lacks the {' and '.join(lacking)} scope")
    if tokens.expires_at and tokens.expires_within(EXPIRY_MARGIN_SECONDS, now):
        return Option(OAUTH2, None, "the OAuth 2.0 token has expired (ensure refreshes it)")
    return Option(OAUTH2, Credential(OAUTH2, view.user_id, tokens))


def _oauth1_option(view):
    blocked = _unusable(OAUTH1, view, view.oauth1, "no OAuth 1.0a tokens")
    return blocked or Option(OAUTH1, Credential(OAUTH1, view.user_id, view.oauth1))


def options(view, event_type, settings, now):
    """Every credential of the type's order for `view`'s account, the one that worked before first."""
    order = list(settings.auth_order(event_type))
    remembered = view.account.xaa_auth.get(event_type)
    if remembered in order:
        order.remove(remembered)
        order.insert(0, remembered)
    found = []
    for kind in order:
        if kind == APP:
            found.append(Option(APP, Credential(APP)))
        elif kind == OAUTH2:
            found.append(_oauth2_option(view, event_type, now))
        else:
            found.append(_oauth1_option(view))
    return found


def usable(found):
    return [option for option in found if option.problem is None]


def refusal(found):
    """Why no credential of `found` can create the subscription (for a plan or a report)."""
    return "; ".join(f"{option.kind}: {option.problem}" for option in found) or "no credential is configured"
