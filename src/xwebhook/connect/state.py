"""A sign-in in progress: its state, the cookie that binds it to the browser, and where it is kept.

`GET /connect` makes a random `state` (32 bytes) and keeps a PendingSignIn for it (the PKCE code verifier,
or OAuth 1.0a's request token and its secret; the invite; the event types) under sha256(state), for
`sign_in_seconds` (10 minutes). The browser gets the state twice: in the authorize URL (OAuth 2.0 sends
it back as `state`) and in a short-lived cookie signed with the cookie key, HttpOnly, Secure,
SameSite=Lax (X's redirect back is a top-level GET, which Lax cookies go with), Path=/connect.

The callback must bring both, equal: a callback forged into someone else's browser (login CSRF) has no
cookie or another state, and is refused with 400 before anything is read. The PendingSignIn is then taken
(read and deleted in one atomic call): a replayed callback finds nothing, and a code or verifier is
never exchanged twice. OAuth 1.0a's callback carries no state of ours, only X's `oauth_token`: the
cookie's state finds the sign-in, whose request token must be the one X sends back.
"""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

COOKIE = "xwebhook_signin"
COOKIE_PATH = "/connect"
STATE_BYTES = 32
_COOKIE_VALUE = re.compile(r"^([A-Za-z0-9_-]{43})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


class SignInRefused(Exception):
    """The callback cannot be matched to a sign-in this browser started. `reason` names why."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PendingSignIn:
    key: str  # sha256(state), hex: the table holds no state a callback could be forged from
    flow: str  # oauth2 | oauth1
    expires_at: float
    event_types: tuple = ()
    invite_id: str | None = None  # None in open mode
    user_id: str | None = None  # the invite is for this X account only
    code_verifier: str | None = field(default=None, repr=False)  # OAuth 2.0 PKCE
    request_token: str | None = None  # OAuth 1.0a
    request_token_secret: str | None = field(default=None, repr=False)


class SignInStore:
    """The port sign-ins in progress are kept through (connect/dynamodb.py; tests/fakes/stores.py)."""

    def put(self, pending):
        raise NotImplementedError

    def take(self, key):
        """The PendingSignIn stored under `key`, removed in the same step (None: none, or taken already)."""
        raise NotImplementedError


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_state():
    return _b64(secrets.token_bytes(STATE_BYTES))


def key_of(state):
    return hashlib.sha256(state.encode("ascii")).hexdigest()


def _signature(key, state, expires):
    return _b64(hmac.new(key, f"sign-in:{state}:{expires}".encode(), hashlib.sha256).digest())


def cookie_header(key, state, expires_at, max_age):
    """The Set-Cookie value that binds `state` to this browser until `expires_at`."""
    expires = int(expires_at)
    value = f"{state}.{expires}.{_signature(key, state, expires)}"
    return f"{COOKIE}={value}; Max-Age={int(max_age)}; Path={COOKIE_PATH}; HttpOnly; Secure; SameSite=Lax"


def clearing_cookie_header():
    return f"{COOKIE}=; Max-Age=0; Path={COOKIE_PATH}; HttpOnly; Secure; SameSite=Lax"


def state_from_cookies(key, cookies, now):
    """The state of the sign-in cookie among `cookies` (payload 2.0's "name=value" list); SignInRefused
    (no_cookie, cookie_invalid, sign_in_expired) when there is none that is ours, intact and unexpired."""
    values = [c.split("=", 1)[1].strip() for c in cookies or () if c.split("=", 1)[0].strip() == COOKIE and "=" in c]
    values = [value for value in values if value]
    if not values:
        raise SignInRefused("no_cookie", "no sign-in cookie")
    expired = False
    for value in values:
        found = _COOKIE_VALUE.match(value)
        if not found:
            continue
        state, expires, signature = found.group(1), int(found.group(2)), found.group(3)
        if not hmac.compare_digest(signature, _signature(key, state, expires)):
            continue
        if expires <= now:
            expired = True
            continue
        return state
    if expired:
        raise SignInRefused("sign_in_expired", "the sign-in cookie has expired")
    raise SignInRefused("cookie_invalid", "the sign-in cookie is not one of ours")
