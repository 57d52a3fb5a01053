"""X's OAuth 2.0 Authorization Code flow with PKCE, as a confidential client (x-oauth.md).

  OAuth2Client    code exchange, refresh (X rotates the refresh token: single use), revoke, who signed in
  (the authorize page's URL and PKCE: x_api/authorize.py, re-exported here as authorize_url, new_pkce)

The app's client id and secret come from the credentials secret (`oauth2_client_id`,
`oauth2_client_secret`) and go to X as HTTP Basic auth, as X wants from confidential clients ("Web App",
"Bot"). Token calls are made once, never retried: a code or refresh token is single use, and a retry
after an answer that got lost would spend it a second time (⚠ some report that reusing a spent refresh
token invalidates the whole chain). An answer that did not arrive is XUnavailable; the caller says
"try again" (connect) or reports it (ensure).

⚠ The authorize page: X's tools use https://x.com/i/oauth2/authorize (the default, X_WEB_BASE_URL),
the spec names https://api.x.com/2/oauth2/authorize: `authorize_url(..., page="api")` uses the second.
"""

__all__ = ["InvalidGrant", "OAuth2Client", "SignedIn", "authorize_url", "challenge_for", "new_pkce"]

import base64
import time
from dataclasses import dataclass, field

from xwebhook.x_api.authorize import OAUTH2_PAGES, challenge_for, new_pkce, oauth2_url
from xwebhook.x_api.client import BearerAuth, Endpoint
from xwebhook.x_api.errors import UnexpectedAnswer, XApiError
from xwebhook.x_api.tokens import OAuth2Tokens

CLIENT = "client"  # HTTP Basic with the app's OAuth 2.0 client id and secret
USER_TOKEN = "user_token"  # noqa: S105 - a kind of auth: Authorization: Bearer <the account's OAuth 2.0 access token>

TOKEN = Endpoint("OAuth 2.0 token exchange", "POST", "/2/oauth2/token", CLIENT)
REFRESH = Endpoint("OAuth 2.0 token refresh", "POST", "/2/oauth2/token", CLIENT)
REVOKE = Endpoint("OAuth 2.0 token revoke", "POST", "/2/oauth2/revoke", CLIENT)
ME = Endpoint("who signed in (GET /2/users/me)", "GET", "/2/users/me", USER_TOKEN)

# The authorize page and PKCE are x_api/authorize.py's (no HTTP there: connect's cold path).
AUTHORIZE_PAGES = OAUTH2_PAGES
authorize_url = oauth2_url


class InvalidGrant(XApiError):
    """X refused a code or refresh token (`invalid_grant`): expired, spent, or the owner revoked the app."""


@dataclass(frozen=True)
class SignedIn:
    """Who the account owner is (GET /2/users/me)."""

    user_id: str
    screen_name: str
    name: str = field(default="")


class _ClientAuth:
    """requests auth: HTTP Basic with the OAuth 2.0 client id and secret, hidden from reprs."""

    def __init__(self, client_id, client_secret):
        self._credentials = (client_id, client_secret)

    def __call__(self, request):
        client_id, client_secret = self._credentials
        pair = f"{client_id}:{client_secret}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return request

    def __repr__(self):
        return "_ClientAuth(<hidden>)"


def _invalid_grant(exc):
    error = exc.x_error.get("error") if isinstance(exc.x_error, dict) else None
    return error == "invalid_grant" or "invalid_grant" in exc.reason


def tokens_from_answer(body, now, previous_scopes=()):
    """OAuth2Tokens from X's token answer {"token_type", "expires_in", "access_token", "scope", "refresh_token"?}."""
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise UnexpectedAnswer("OAuth 2.0 token", "the answer holds no access_token")
    token_type = str(body.get("token_type", "bearer")).lower()
    if token_type != "bearer":  # noqa: S105 - the token type X names
        raise UnexpectedAnswer("OAuth 2.0 token", f"token_type is {token_type!r}, not bearer")
    expires_in = body.get("expires_in", 7200)
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in <= 0:
        raise UnexpectedAnswer("OAuth 2.0 token", "expires_in is not a positive number of seconds")
    scope = body.get("scope")
    scopes = tuple(sorted(scope.split())) if isinstance(scope, str) and scope.strip() else tuple(previous_scopes)
    refresh = body.get("refresh_token")
    return OAuth2Tokens(
        access_token=body["access_token"],
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=float(now + expires_in),
        scopes=scopes,
    )


class OAuth2Client:
    """X's OAuth 2.0 endpoints for the app. `credentials()` -> XCredentials (client id and secret)."""

    def __init__(self, client, credentials, clock=time.time):
        self._client = client
        self._credentials = credentials
        self._clock = clock

    def client_id(self):
        return self._credentials().require("oauth2_client_id")

    def _auth(self):
        credentials = self._credentials()
        return _ClientAuth(credentials.require("oauth2_client_id"), credentials.require("oauth2_client_secret"))

    def _token_call(self, endpoint, form):
        try:
            return self._client.call(endpoint, self._auth(), form_body=form, attempts=1)
        except XApiError as exc:
            if _invalid_grant(exc):
                raise InvalidGrant(endpoint.operation, exc.status, exc.reason, exc.x_error) from None
            raise

    def exchange_code(self, code, code_verifier, redirect_uri):
        """OAuth2Tokens for an authorization code (it lives about 30 s at X)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": self.client_id(),  # X's docs send it in the body as well as in Basic auth
        }
        return tokens_from_answer(self._token_call(TOKEN, form), self._clock())

    def refresh(self, tokens):
        """New OAuth2Tokens for `tokens` (whose refresh token is spent by this call, answered or not)."""
        if not tokens.refresh_token:
            raise InvalidGrant(REFRESH.operation, 400, "the account has no refresh token (no offline.access)")
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "client_id": self.client_id()}
        return tokens_from_answer(self._token_call(REFRESH, form), self._clock(), tokens.scopes)

    def revoke(self, token, hint):
        """Revoke an access or refresh token at X (`hint`: "access_token" or "refresh_token")."""
        form = {"token": token, "token_type_hint": hint, "client_id": self.client_id()}
        self._client.call(REVOKE, self._auth(), form_body=form)

    def me(self, access_token):
        """SignedIn for the owner of `access_token`."""
        body = self._client.call(ME, BearerAuth(access_token))
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not str(data.get("id", "")).isdigit() or not data.get("username"):
            raise UnexpectedAnswer(ME.operation, "the answer holds no user id and username")
        return SignedIn(str(data["id"]), str(data["username"]), str(data.get("name") or ""))
