"""X's three-legged OAuth 1.0a flow ("authorise the application"), for the Account Activity API.

  request_token(callback)   POST /oauth/request_token; X must answer oauth_callback_confirmed=true
  authorize_url(token)      the page the account owner's browser is sent to (always prompts)
  access_token(...)         POST /oauth/access_token with the verifier -> the user's tokens, id, handle
  invalidate(tokens)        POST /1.1/oauth/invalidate_token as the user: the tokens stop working

Signatures are requests-oauthlib's (HMAC-SHA1, as X uses). X answers the first two calls form-encoded,
not in JSON. The tokens X issues do not expire; the owner revokes them.

⚠ The authorize page: X's docs name https://api.x.com/oauth/authorize (the default: X_API_BASE_URL),
X's own Python SDK opens https://x.com/oauth/authorize (X_WEB_BASE_URL): the caller passes the base.
No `x_auth_access_type` is sent: X only knows read/write there, and AAA needs the app's permission
"Read, write and Direct Messages", which the app's settings give.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from xwebhook.x_api.authorize import OAUTH1_PATH, oauth1_url
from xwebhook.x_api.client import Endpoint
from xwebhook.x_api.errors import UnexpectedAnswer
from xwebhook.x_api.tokens import OAuth1Tokens

CONSUMER = "consumer"  # OAuth 1.0a signed with the app's consumer key and secret (and a request token)
USER = "user"

REQUEST_TOKEN = Endpoint("OAuth 1.0a request token", "POST", "/oauth/request_token", CONSUMER)
ACCESS_TOKEN = Endpoint("OAuth 1.0a access token", "POST", "/oauth/access_token", CONSUMER)
INVALIDATE = Endpoint("OAuth 1.0a invalidate token", "POST", "/1.1/oauth/invalidate_token", USER)
AUTHORIZE_PATH = OAUTH1_PATH
authorize_url = oauth1_url  # x_api/authorize.py: no HTTP there (connect's cold path)


@dataclass(frozen=True)
class RequestToken:
    token: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Authorized:
    """What the access-token call answers: the user's tokens, id and handle."""

    tokens: OAuth1Tokens
    user_id: str
    screen_name: str


def _form(body, operation):
    """X's form-encoded answer as a dict (XClient hands over non-JSON bodies as text)."""
    if isinstance(body, dict):  # a JSON answer (an emulator or a future X)
        return {str(key): str(value) for key, value in body.items()}
    if not isinstance(body, str):
        raise UnexpectedAnswer(operation, "the answer is empty")
    return dict(parse_qsl(body.strip(), keep_blank_values=True))


class OAuth1Flow:
    """The three legs against `client` (an XClient on X_API_BASE_URL). `credentials()` -> XCredentials."""

    def __init__(self, client, credentials):
        self._client = client
        self._credentials = credentials

    def _sign(self, **tokens):
        from requests_oauthlib import OAuth1  # see x_api/client.user_auth: not on the OAuth 2.0 path

        credentials = self._credentials()
        return OAuth1(
            credentials.require("consumer_key"), client_secret=credentials.require("consumer_secret"), **tokens
        )

    def request_token(self, callback_url):
        body = self._client.call(REQUEST_TOKEN, self._sign(callback_uri=callback_url), attempts=1)
        answer = _form(body, REQUEST_TOKEN.operation)
        if answer.get("oauth_callback_confirmed") != "true":
            # X did not take our callback (not registered for the app, or not exactly the same URL).
            raise UnexpectedAnswer(REQUEST_TOKEN.operation, "X did not confirm the callback URL")
        if not answer.get("oauth_token") or not answer.get("oauth_token_secret"):
            raise UnexpectedAnswer(REQUEST_TOKEN.operation, "the answer holds no request token")
        return RequestToken(answer["oauth_token"], answer["oauth_token_secret"])

    def access_token(self, request_token, verifier):
        auth = self._sign(
            resource_owner_key=request_token.token, resource_owner_secret=request_token.secret, verifier=verifier
        )
        answer = _form(self._client.call(ACCESS_TOKEN, auth, attempts=1), ACCESS_TOKEN.operation)
        missing = [key for key in ("oauth_token", "oauth_token_secret", "user_id") if not answer.get(key)]
        if missing or not answer["user_id"].isdigit():
            raise UnexpectedAnswer(ACCESS_TOKEN.operation, "the answer holds no access token and user id")
        tokens = OAuth1Tokens(answer["oauth_token"], answer["oauth_token_secret"])
        return Authorized(tokens, answer["user_id"], answer.get("screen_name", ""))

    def invalidate(self, tokens):
        """The tokens stop working at X (disconnect)."""
        auth = self._sign(resource_owner_key=tokens.access_token, resource_owner_secret=tokens.access_token_secret)
        self._client.call(INVALIDATE, auth)
