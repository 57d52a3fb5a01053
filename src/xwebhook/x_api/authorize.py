"""X's authorize pages: where the account owner's browser is sent, and PKCE. No HTTP, nothing heavy imported:
the connect function's OAuth 2.0 start (a browser waits on its cold start) needs only this, not requests.

  new_pkce, challenge_for   a code verifier and its S256 challenge (RFC 7636)
  oauth2_url                X_WEB_BASE_URL/i/oauth2/authorize (page "web"), or ⚠ X_API_BASE_URL/2/oauth2/
                            authorize (page "api", the OpenAPI spec's name)
  oauth1_url                <base>/oauth/authorize?oauth_token=... (⚠ api.x.com in X's docs, x.com in its SDK)
"""

import base64
import hashlib
import secrets
from urllib.parse import quote, urlencode

OAUTH2_PAGES = {
    "web": "/i/oauth2/authorize",  # on X_WEB_BASE_URL (https://x.com): what X's own tools open
    "api": "/2/oauth2/authorize",  # on X_API_BASE_URL (https://api.x.com): what the OpenAPI spec names
}
OAUTH1_PATH = "/oauth/authorize"
VERIFIER_BYTES = 48  # 64 characters of base64url: RFC 7636 wants 43 to 128


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def challenge_for(verifier):
    """The S256 code challenge of a code verifier: base64url(sha256(verifier)), no padding."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_pkce():
    """(code verifier, S256 code challenge)."""
    verifier = _b64url(secrets.token_bytes(VERIFIER_BYTES))
    return verifier, challenge_for(verifier)


def _quote(text, safe="", encoding=None, errors=None):
    return quote(text, safe="-_.~", encoding=encoding, errors=errors)  # spaces as %20, as X's docs show


def oauth2_url(base_url, client_id, redirect_uri, scopes, state, code_challenge, page="web"):
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        },
        quote_via=_quote,
    )
    return base_url.rstrip("/") + OAUTH2_PAGES[page] + "?" + query


def oauth1_url(base_url, request_token):
    return base_url.rstrip("/") + OAUTH1_PATH + "?" + urlencode({"oauth_token": request_token})
