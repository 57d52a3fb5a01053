"""Who is calling: an app-only bearer token or an OAuth 1.0a user-context signature, checked for real.

OAuth 1.0a (RFC 5849, HMAC-SHA1 as X uses it): the signature is recomputed over the method, the base string
URI (scheme + the request's Host header + path, as section 3.4.1.2 says a server does), the query
parameters, the Authorization header's oauth_* parameters and, for form-encoded bodies only, the body
parameters. Consumer key must be the app's; the token must belong to a known user; the timestamp must be
within `window` seconds of the real time (the client's clock, not the emulator's test clock); a
(timestamp, nonce) pair is accepted once.
"""

import hmac
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qsl

from oauthlib.oauth1.rfc5849 import signature, utils

from localdev.x_emulator import errors


class Caller:
    """The authenticated caller: kind "bearer" (the app), "oauth1" (a user, `user_id`) or "oauth2" (a user's
    OAuth 2.0 access token, with its `scopes`; see oauth.py)."""

    __slots__ = ("kind", "user_id", "scopes")

    def __init__(self, kind, user_id=None, scopes=()):
        self.kind = kind
        self.user_id = user_id
        self.scopes = frozenset(scopes)

    @property
    def rate_key(self):
        return "app" if self.kind == "bearer" else f"user:{self.user_id}"


def auth_kind(header):
    """What kind of credentials a raw Authorization header carries (recorded for every request)."""
    if not header:
        return "none"
    scheme = header.split(None, 1)[0].lower()
    if scheme == "bearer":
        return "bearer"
    if scheme == "oauth":
        return "oauth1"
    if scheme == "basic":
        return "basic"
    return "other"


class Authenticator:
    def __init__(
        self, consumer_key, consumer_secret, bearer_token, users, window=300.0, wall_clock=time.time, user_bearer=None
    ):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.bearer_token = bearer_token
        self.users = users  # user_id -> (access_token, access_token_secret)
        self.window = window
        self.wall_clock = wall_clock
        self.user_bearer = user_bearer  # OAuth 2.0 user access token -> (user_id, scopes) or None (oauth.py)
        self._nonces = {}  # (timestamp, nonce, token) -> expiry
        self._lock = threading.Lock()

    def token_owner(self, access_token):
        for user_id, (token, token_secret) in self.users.items():
            if hmac.compare_digest(token.encode(), access_token.encode()):
                return user_id, token_secret
        return None, None

    def authenticate(self, method, host, path, query, headers, body):
        """The Caller for a request, or raise ApiError 401."""
        header = headers.get("Authorization", "")
        kind = auth_kind(header)
        if kind == "bearer":
            token = header.split(None, 1)[1].strip() if " " in header.strip() else ""
            if token and hmac.compare_digest(token.encode(), self.bearer_token.encode()):
                return Caller("bearer")
            owner = self.user_bearer(token) if token and self.user_bearer else None
            if owner is not None:
                return Caller("oauth2", *owner)
            raise errors.unauthorized(89, "Invalid or expired token.")
        if kind == "oauth1":
            return Caller("oauth1", self._verify_oauth1(method, host, path, query, headers, body))
        raise errors.unauthorized(215, "Bad Authentication data.")

    def _verify_oauth1(self, method, host, path, query, headers, body):
        oauth = self.verify_signature(method, host, path, query, headers, body, self.token_owner)
        return oauth["user_id"]

    def verify_signature(self, method, host, path, query, headers, body, token_owner=None):
        """The request's oauth_* parameters once its OAuth 1.0a signature checks out, or ApiError 401.

        `token_owner(oauth_token)` -> (owner, token secret) or (None, None); without it the request must be
        signed with the consumer key alone (POST /oauth/request_token). The owner is answered as "user_id"."""
        header = headers.get("Authorization", "")
        try:
            oauth = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
        except (ValueError, IndexError) as exc:
            raise errors.unauthorized() from exc
        required = ("oauth_consumer_key", "oauth_signature", "oauth_signature_method")
        required += ("oauth_token",) if token_owner else ()
        if any(not oauth.get(name) for name in (*required, "oauth_timestamp", "oauth_nonce")):
            raise errors.unauthorized()
        if oauth["oauth_signature_method"] != "HMAC-SHA1" or oauth.get("oauth_version", "1.0") != "1.0":
            raise errors.unauthorized()
        if not hmac.compare_digest(oauth["oauth_consumer_key"].encode(), self.consumer_key.encode()):
            raise errors.unauthorized()
        user_id, token_secret = None, ""
        if token_owner is not None:
            user_id, token_secret = token_owner(oauth["oauth_token"])
            if user_id is None:
                raise errors.unauthorized(89, "Invalid or expired token.")
        try:
            timestamp = int(oauth["oauth_timestamp"])
        except ValueError as exc:
            raise errors.unauthorized() from exc
        now = self.wall_clock()
        if abs(now - timestamp) > self.window:
            raise errors.unauthorized(135, "Timestamp out of bounds.")

        form = None
        content_type = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if body and content_type == "application/x-www-form-urlencoded":
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params = signature.collect_parameters(
            uri_query=query, body=form, headers={"Authorization": header}, exclude_oauth_signature=True
        )
        base_uri = signature.base_string_uri(f"http://{host}{path}")
        base = signature.signature_base_string(method, base_uri, signature.normalize_parameters(params))
        keys = SimpleNamespace(client_secret=self.consumer_secret, resource_owner_secret=token_secret)
        expected = signature.sign_hmac_sha1_with_client(base, keys)
        if not hmac.compare_digest(expected.encode(), oauth["oauth_signature"].encode()):
            raise errors.unauthorized()

        # Only a correctly signed request uses up its nonce, so nobody can burn someone else's.
        key = (oauth["oauth_timestamp"], oauth["oauth_nonce"], oauth.get("oauth_token", ""))
        with self._lock:
            for old in [k for k, expiry in self._nonces.items() if expiry < now]:
                del self._nonces[old]
            if key in self._nonces:
                raise errors.unauthorized()
            self._nonces[key] = timestamp + self.window + 1
        return {**oauth, "user_id": user_id}
