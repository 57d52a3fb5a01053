"""Settings the connect and admin functions share about connected accounts, validated once.

ACCOUNTS_TABLE                 the accounts table (accounts, invites, sign-ins in progress)
CONNECT_SIGNING_KEY_SECRET_ID  the secret invites and sign-in cookies are signed with
PUBLIC_BASE_URL                where /connect is served: invite URLs are <it>/connect?invite=...,
                               X's callback is <it>/connect/callback (registered exactly in the X app)
CONNECT_MODE                   invite (default: an invite is needed) | open (anyone may connect) | off
CONNECT_EVENT_TYPES            the XAA event types an account is subscribed to unless its invite says
                               otherwise (comma-separated; empty: AAA parity, the 17 types of x_api/event_types)
CONNECT_FLOWS                  the sign-in flows offered unless an invite says otherwise (oauth2,oauth1)
CONNECT_ALLOWED_USER_IDS       X user ids that may connect (comma-separated; empty: any)
CONNECT_XAA_FROM_START         which NEW accounts go straight to the X Activity API: oauth2 (default: an
                               OAuth 2.0 sign-in; an OAuth 1.0a one is on AAA until migrate apply), all, none
                               (accounts/apis.py; a reconnect never moves an account between APIs)
X_OAUTH2_AUTHORIZE_PAGE, X_OAUTH1_AUTHORIZE_HOST
                               the ⚠ readings of X's authorize pages (authorize_reading; connect/settings.py
                               says what each means)
"""

import os
from dataclasses import dataclass

from xwebhook.env import ConfigError, choice, http_url, text

MODES = ("invite", "open", "off")
DEFAULT_FLOWS = ("oauth2", "oauth1")
# The ⚠ readings of X's authorize pages (docs/ambiguous.md), X's documented one first: where connect sends
# browsers, and what the admin function's `status` shows.
AUTHORIZE_READINGS = {"X_OAUTH2_AUTHORIZE_PAGE": ("web", "api"), "X_OAUTH1_AUTHORIZE_HOST": ("api", "web")}
WEB_WHY = "account owners sign in to X on its pages"


def authorize_reading(env, name):
    """The ⚠ reading `name` (X_OAUTH2_AUTHORIZE_PAGE or X_OAUTH1_AUTHORIZE_HOST) chosen in `env`."""
    allowed = AUTHORIZE_READINGS[name]
    value = env.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{name} must be {' or '.join(allowed)}, got {value!r}")
    return value


def _list(env, name):
    return tuple(dict.fromkeys(part.strip() for part in env.get(name, "").split(",") if part.strip()))


@dataclass(frozen=True)
class AccountsSettings:
    table: str
    signing_key_secret_id: str
    public_base_url: str
    mode: str = "invite"
    event_types: tuple = ()
    flows: tuple = DEFAULT_FLOWS
    allowed_user_ids: frozenset = frozenset()
    xaa_from_start: str = "oauth2"

    @property
    def connect_url(self):
        return self.public_base_url + "/connect"

    @property
    def callback_url(self):
        return self.public_base_url + "/connect/callback"

    @classmethod
    def from_env(cls, env=os.environ):
        from xwebhook.accounts.apis import FROM_START_CHOICES
        from xwebhook.accounts.models import FLOWS
        from xwebhook.x_api.event_types import AAA_PARITY, canonical, not_for_accounts

        mode = choice(env, "CONNECT_MODE", MODES, "invite")
        event_types = _list(env, "CONNECT_EVENT_TYPES") or AAA_PARITY
        problems = [why for why in map(not_for_accounts, event_types) if why]
        if problems:
            raise ConfigError(f"CONNECT_EVENT_TYPES: {'; '.join(problems)}")
        event_types = tuple(dict.fromkeys(canonical(name) for name in event_types))
        flows = _list(env, "CONNECT_FLOWS") or DEFAULT_FLOWS
        if not set(flows) <= set(FLOWS):
            raise ConfigError(f"CONNECT_FLOWS must be some of {', '.join(FLOWS)}")
        allowed = _list(env, "CONNECT_ALLOWED_USER_IDS")
        if not all(user_id.isdigit() for user_id in allowed):
            raise ConfigError("CONNECT_ALLOWED_USER_IDS must be numeric X user ids, comma-separated")
        xaa_from_start = env.get("CONNECT_XAA_FROM_START", "").strip().lower() or "oauth2"
        if xaa_from_start not in FROM_START_CHOICES:
            raise ConfigError(f"CONNECT_XAA_FROM_START must be one of {', '.join(FROM_START_CHOICES)}")
        base = http_url(env, "PUBLIC_BASE_URL").rstrip("/")
        if "?" in base or "#" in base:
            raise ConfigError("PUBLIC_BASE_URL must be a base URL without a query or fragment")
        return cls(
            table=text(env, "ACCOUNTS_TABLE"),
            signing_key_secret_id=text(env, "CONNECT_SIGNING_KEY_SECRET_ID"),
            public_base_url=base,
            mode=mode,
            event_types=event_types,
            flows=flows,
            allowed_user_ids=frozenset(allowed),
            xaa_from_start=xaa_from_start,
        )
