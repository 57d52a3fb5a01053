"""X's sign-in side: OAuth 1.0a three-legged and OAuth 2.0 Authorization Code with PKCE, with authorize pages.

  POST /oauth/request_token           consumer-signed, oauth_callback (registered exactly, when `callbacks`
                                      is set) -> oauth_token, oauth_token_secret, oauth_callback_confirmed=true
  GET  /oauth/authorize?oauth_token=  a page: pick a user, Authorize (-> callback?oauth_token&oauth_verifier)
                                      or Cancel (-> callback?denied=<token>)
  POST /oauth/access_token            signed with the request token, oauth_verifier -> the user's tokens,
                                      user_id, screen_name; a request token works once
  POST /1.1/oauth/invalidate_token    as the user (OAuth 1.0a): its tokens stop working
  GET  /i/oauth2/authorize            (and /2/oauth2/authorize, the spec's name) a page: pick a user,
                                      Authorize (-> redirect_uri?code&state) or Cancel (?error=access_denied)
  POST /2/oauth2/token                Basic client auth; authorization_code (code lives `code_seconds`,
                                      works once, PKCE S256 checked) or refresh_token (rotated: the spent
                                      one is dead; with reuse_revokes_chain a reuse kills the whole chain, ⚠)
  POST /2/oauth2/revoke               Basic client auth; token=<access or refresh token> (with
                                      revoke_ends_grant, ⚠: every token of that user for the app)
  GET  /2/users/me                    with a user's OAuth 2.0 token (or OAuth 1.0a)

OAuth 2.0 access tokens are also taken on the API routes X's document lets them call: the token must be
unexpired and hold every scope the operation's security requirement lists (referee.py). Who may create
which XAA subscription (the token's own user, its type's scope; the app's bearer token refused for private
types) is xaa.check_caller's.
Errors are RFC 6749's {"error", "error_description"} on the token endpoints, HTML pages on the authorize
pages (and never a redirect to a redirect_uri that is not registered).
"""

import base64
import hashlib
import hmac
import secrets
import threading
import time
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

from localdev.x_emulator import errors
from localdev.x_emulator.routing import DOCUMENT, USER, Response, RouteTable

ROUTES = RouteTable("v2")
route = ROUTES.route
SELF = ()  # the handler authenticates the request itself

DEMO_ACCOUNTS = {"1500000001": "alice_dev", "1500000002": "bob_dev"}
KNOWN_SCOPES = frozenset(
    [
        "tweet.read",
        "tweet.write",
        "tweet.moderate.write",
        "users.read",
        "users.email",
        "follows.read",
        "follows.write",
        "offline.access",
        "space.read",
        "mute.read",
        "mute.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "dm.read",
        "dm.write",
        "media.write",
        "broadcast.read",
    ]
)
PAGE_STYLE = "body{font-family:sans-serif;max-width:32rem;margin:3rem auto}label{display:block;margin:.4rem 0}"


def _random(prefix, size=24):
    return f"{prefix}{secrets.token_urlsafe(size)}"


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _form(request):
    if not request.body:
        return {}
    return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))


def _oauth_error(status, error, description):
    return Response(status, {"error": error, "error_description": description})


def _page(status, title, body_html):
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{PAGE_STYLE}</style></head><body><h1>{escape(title)}</h1>{body_html}</body></html>"
    )
    return Response(status, text, {"Content-Type": "text/html; charset=utf-8"})


def _redirect(url, params):
    separator = "&" if urlsplit(url).query else "?"
    return Response(302, b"", {"Location": url + separator + urlencode(params)})


class OAuthServer:
    """The emulator's OAuth state. `accounts` are who can sign in on the authorize pages (id -> handle)."""

    def __init__(
        self,
        emu,
        client_id="dev-oauth2-client-id",
        client_secret="dev-oauth2-client-secret",  # noqa: S107 - the emulator's documented dev client
        callbacks=(),
        accounts=None,
        code_seconds=30.0,
        access_seconds=7200,
        reuse_revokes_chain=False,
        revoke_ends_grant=False,
    ):
        self.emu = emu
        self.client_id = client_id
        self.client_secret = client_secret
        self.callbacks = set(callbacks)  # empty: any http(s) callback is accepted
        self.accounts = dict(accounts if accounts is not None else {emu.owner_id: "xwebhook_owner", **DEMO_ACCOUNTS})
        self.code_seconds = code_seconds
        self.access_seconds = access_seconds
        self.reuse_revokes_chain = reuse_revokes_chain
        # ⚠ X's docs call the revoke endpoint the way "the App ... revoke[s] the access given to it", and RFC
        # 7009 2.1 lets a server end the whole grant on a revoke: True ends every token of the user's.
        self.revoke_ends_grant = revoke_ends_grant
        self._lock = threading.RLock()
        self._token_delays = []
        self.reset()

    def reset(self):
        with self._lock:
            self.request_tokens = {}  # token -> {"secret", "callback", "verifier", "user_id"}
            self.pending = {}  # authorize request id -> the OAuth 2.0 authorize request
            self.codes = {}  # code -> {"user_id", "scopes", "redirect_uri", "challenge", "expires_at"}
            self.access_tokens = {}  # token -> {"user_id", "scopes", "expires_at", "chain"}
            self.refresh_tokens = {}  # token -> {"user_id", "scopes", "chain", "spent"}
            self.revoked = []  # tokens revoked through /2/oauth2/revoke or invalidate_token
            self.events = []  # (what, detail): every grant, refresh, reuse, revoke, for tests to read

    def delay_next_token_call(self, seconds, count=1):
        """The next `count` POST /2/oauth2/token calls answer after `seconds` (a slow or hanging X)."""
        with self._lock:
            self._token_delays.extend([float(seconds)] * count)

    def callback_allowed(self, url):
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        return not self.callbacks or url in self.callbacks

    def user_bearer(self, token):
        """(user_id, scopes) of an unexpired OAuth 2.0 access token (Authenticator's hook), else None."""
        with self._lock:
            found = self.access_tokens.get(token)
            if found is None or found["expires_at"] <= self.emu.now():
                return None
            return found["user_id"], found["scopes"]

    def is_user_token(self, token):
        with self._lock:
            return token in self.access_tokens

    def _note(self, what, **detail):
        with self._lock:
            self.events.append((what, detail))

    def state(self):
        with self._lock:
            return {
                "client_id": self.client_id,
                "callbacks": sorted(self.callbacks),
                "accounts": dict(self.accounts),
                "access_tokens": {t: {**v, "scopes": sorted(v["scopes"])} for t, v in self.access_tokens.items()},
                "refresh_tokens": {t: {**v, "scopes": sorted(v["scopes"])} for t, v in self.refresh_tokens.items()},
                "revoked": list(self.revoked),
                "events": [[what, detail] for what, detail in self.events],
            }

    # --- OAuth 2.0 tokens ------------------------------------------------------------------------------------

    def _mint(self, user_id, scopes, chain):
        access = _random("u2a-")
        expires_at = self.emu.now() + self.access_seconds
        self.access_tokens[access] = {
            "user_id": user_id,
            "scopes": frozenset(scopes),
            "expires_at": expires_at,
            "chain": chain,
        }
        answer = {
            "token_type": "bearer",
            "expires_in": self.access_seconds,
            "access_token": access,
            "scope": " ".join(sorted(scopes)),
        }
        if "offline.access" in scopes:
            refresh = _random("u2r-")
            self.refresh_tokens[refresh] = {
                "user_id": user_id,
                "scopes": frozenset(scopes),
                "chain": chain,
                "spent": False,
            }
            answer["refresh_token"] = refresh
        return answer

    def _kill_chain(self, chain):
        for table in (self.access_tokens, self.refresh_tokens):
            for token in [t for t, v in table.items() if v["chain"] == chain]:
                del table[token]

    def _end_grant(self, user_id):
        for table in (self.access_tokens, self.refresh_tokens):
            for token in [t for t, v in table.items() if v["user_id"] == user_id]:
                del table[token]
                self.revoked.append(token)

    def _client_ok(self, request):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            client_id, _, secret = base64.b64decode(header.split(None, 1)[1]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(secret, self.client_secret)

    def token(self, request):
        with self._lock:
            delay = self._token_delays.pop(0) if self._token_delays else 0.0
        if delay:
            time.sleep(delay)
        if not self._client_ok(request):
            return _oauth_error(401, "invalid_client", "confidential clients authenticate with HTTP Basic")
        form = _form(request)
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                return self._code_grant(form)
            if grant == "refresh_token":
                return self._refresh_grant(form)
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _code_grant(self, form):
        code = self.codes.pop(form.get("code", ""), None)  # a code works once, answered or not
        if code is None:
            return _oauth_error(400, "invalid_grant", "the authorization code is unknown, used or expired")
        if code["expires_at"] <= self.emu.now():
            return _oauth_error(400, "invalid_grant", "the authorization code has expired")
        if form.get("redirect_uri") != code["redirect_uri"]:
            return _oauth_error(400, "invalid_grant", "redirect_uri differs from the authorize request's")
        if not form.get("code_verifier") or _s256(form["code_verifier"]) != code["challenge"]:
            return _oauth_error(400, "invalid_grant", "the code_verifier does not match the code_challenge")
        answer = self._mint(code["user_id"], code["scopes"], chain=_random("chain-", 8))
        self._note("code_grant", user_id=code["user_id"])
        return Response(200, answer)

    def _refresh_grant(self, form):
        token = form.get("refresh_token", "")
        found = self.refresh_tokens.get(token)
        if found is None:
            return _oauth_error(400, "invalid_grant", "the refresh token is unknown or revoked")
        if found["spent"]:
            self._note("refresh_reuse", user_id=found["user_id"], chain_killed=self.reuse_revokes_chain)
            if self.reuse_revokes_chain:
                self._kill_chain(found["chain"])
            return _oauth_error(400, "invalid_grant", "the refresh token was already used")
        found["spent"] = True
        self._note("refresh", user_id=found["user_id"])
        return Response(200, self._mint(found["user_id"], found["scopes"], found["chain"]))

    def revoke(self, request):
        if not self._client_ok(request):
            return _oauth_error(401, "invalid_client", "confidential clients authenticate with HTTP Basic")
        token = _form(request).get("token", "")
        with self._lock:
            found = self.access_tokens.pop(token, None) or self.refresh_tokens.pop(token, None)
            if found is not None:
                self.revoked.append(token)
                self._note("revoke", user_id=found["user_id"], grant_ended=self.revoke_ends_grant)
                if self.revoke_ends_grant:
                    self._end_grant(found["user_id"])
        return Response(200, {"revoked": True})

    # --- the authorize pages ----------------------------------------------------------------------------------

    def _user_choice(self):
        return "".join(
            f"<label><input type='radio' name='user_id' value='{escape(user_id)}'{' checked' if i == 0 else ''}>"
            f" @{escape(name)} ({escape(user_id)})</label>"
            for i, (user_id, name) in enumerate(self.accounts.items())
        )

    def _decision_form(self, action, request_id, what):
        return (
            f"<p>{what}</p><form method='post' action='{action}'>"
            f"<input type='hidden' name='request' value='{escape(request_id)}'>{self._user_choice()}"
            "<button type='submit' name='decision' value='authorize'>Authorize app</button> "
            "<button type='submit' name='decision' value='cancel'>Cancel</button></form>"
        )

    def authorize2_page(self, request):
        p = request.params
        if p.get("client_id") != self.client_id:
            return _page(400, "Something went wrong", "<p>Unknown client_id.</p>")
        redirect_uri = p.get("redirect_uri", "")
        if not self.callback_allowed(redirect_uri):
            return _page(400, "Something went wrong", "<p>The redirect_uri is not registered for this app.</p>")
        state = p.get("state", "")
        scopes = set(p.get("scope", "").split())
        problem = None
        if p.get("response_type") != "code":
            problem = "response_type must be code"
        elif not state:
            problem = "state is required"
        elif p.get("code_challenge_method") != "S256" or not p.get("code_challenge"):
            problem = "PKCE with code_challenge_method=S256 is required"
        elif not scopes or not scopes <= KNOWN_SCOPES:
            problem = f"unknown scopes: {' '.join(sorted(scopes - KNOWN_SCOPES)) or '(none)'}"
        if problem:
            return _redirect(redirect_uri, {"error": "invalid_request", "error_description": problem, "state": state})
        request_id = _random("authz-", 12)
        with self._lock:
            self.pending[request_id] = {
                "redirect_uri": redirect_uri,
                "state": state,
                "scopes": frozenset(scopes),
                "challenge": p["code_challenge"],
            }
        what = f"The app wants: {escape(' '.join(sorted(scopes)))}"
        form = self._decision_form("/i/oauth2/authorize/decide", request_id, what)
        return _page(200, "Authorize app (OAuth 2.0)", form)

    def authorize2_decide(self, request):
        form = _form(request)
        with self._lock:
            pending = self.pending.pop(form.get("request", ""), None)
        if pending is None:
            return _page(400, "Something went wrong", "<p>This authorization request is unknown or was answered.</p>")
        if form.get("decision") != "authorize":
            self._note("denied", flow="oauth2")
            return _redirect(pending["redirect_uri"], {"error": "access_denied", "state": pending["state"]})
        user_id = form.get("user_id", "")
        if user_id not in self.accounts:
            return _page(400, "Something went wrong", "<p>Pick an account.</p>")
        code = _random("code-", 16)
        with self._lock:
            self.codes[code] = {**pending, "user_id": user_id, "expires_at": self.emu.now() + self.code_seconds}
        return _redirect(pending["redirect_uri"], {"state": pending["state"], "code": code})

    # --- OAuth 1.0a ----------------------------------------------------------------------------------------------

    def request_token(self, request):
        oauth = self.emu.auth.verify_signature(
            request.method, request.host, request.path, request.query, request.headers, request.body
        )
        callback = oauth.get("oauth_callback", "")
        if not self.callback_allowed(callback):
            # X: 415 "Callback URL not approved for this client application".
            return Response(403, errors.v1_body(415, "Callback URL not approved for this client application."))
        token, secret = _random("rt-"), _random("rts-")
        with self._lock:
            self.request_tokens[token] = {"secret": secret, "callback": callback, "verifier": None, "user_id": None}
        body = urlencode({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})
        return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})

    def authorize1_page(self, request):
        token = request.params.get("oauth_token", "")
        with self._lock:
            known = token in self.request_tokens and self.request_tokens[token]["verifier"] is None
        if not known:
            return _page(400, "Something went wrong", "<p>This request token is unknown or was used.</p>")
        form = self._decision_form("/oauth/authorize/decide", token, "The app wants to read your activity.")
        return _page(200, "Authorize app (OAuth 1.0a)", form)

    def authorize1_decide(self, request):
        form = _form(request)
        token = form.get("request", "")
        with self._lock:
            found = self.request_tokens.get(token)
            if found is None or found["verifier"] is not None:
                return _page(400, "Something went wrong", "<p>This request token is unknown or was used.</p>")
            if form.get("decision") != "authorize":
                del self.request_tokens[token]
                self._note("denied", flow="oauth1")
                return _redirect(found["callback"], {"denied": token})
            user_id = form.get("user_id", "")
            if user_id not in self.accounts:
                return _page(400, "Something went wrong", "<p>Pick an account.</p>")
            found.update(verifier=_random("v-", 12), user_id=user_id)
            return _redirect(found["callback"], {"oauth_token": token, "oauth_verifier": found["verifier"]})

    def _request_token_owner(self, token):
        found = self.request_tokens.get(token)
        return ("request", found["secret"]) if found else (None, None)

    def access_token(self, request):
        with self._lock:
            oauth = self.emu.auth.verify_signature(
                request.method,
                request.host,
                request.path,
                request.query,
                request.headers,
                request.body,
                self._request_token_owner,
            )
            token = oauth["oauth_token"]
            found = self.request_tokens.get(token)
            verifier = (
                oauth.get("oauth_verifier")
                or _form(request).get("oauth_verifier")
                or request.params.get("oauth_verifier")
            )
            if found is None or found["verifier"] is None or not hmac.compare_digest(verifier or "", found["verifier"]):
                return Response(401, errors.v1_body(89, "Invalid or expired token."))
            del self.request_tokens[token]  # a request token works once
            user_id = found["user_id"]
            if user_id not in self.emu.users:  # X re-issues the same tokens to an app already authorized
                self.emu.users[user_id] = (f"{user_id}-{_random('u1a-')}", _random("u1s-"))
            access, secret = self.emu.users[user_id]
        self._note("access_token", user_id=user_id)
        body = urlencode(
            {
                "oauth_token": access,
                "oauth_token_secret": secret,
                "user_id": user_id,
                "screen_name": self.accounts[user_id],
            }
        )
        return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})

    def invalidate_token(self, request):
        user_id = request.caller.user_id
        with self._lock:
            tokens = self.emu.users.pop(user_id, None)
            if tokens:
                self.revoked.append(tokens[0])
                self._note("invalidate", user_id=user_id)
        return Response(200, {"access_token": tokens[0] if tokens else None})


# --- routes (the emulator's OAuthServer is emu.oauth) -------------------------------------------------------


@route("POST", "/oauth/request_token", SELF)
def request_token(emu, request):
    return emu.oauth.request_token(request)


@route("GET", "/oauth/authorize", SELF)
def authorize1_page(emu, request):
    return emu.oauth.authorize1_page(request)


@route("POST", "/oauth/authorize/decide", SELF)
def authorize1_decide(emu, request):
    return emu.oauth.authorize1_decide(request)


@route("POST", "/oauth/access_token", SELF)
def access_token(emu, request):
    return emu.oauth.access_token(request)


@route("POST", "/1.1/oauth/invalidate_token", USER)
def invalidate_token(emu, request):
    return emu.oauth.invalidate_token(request)


@route("GET", "/i/oauth2/authorize", SELF)
def authorize2_page(emu, request):
    return emu.oauth.authorize2_page(request)


@route("GET", "/2/oauth2/authorize", SELF)  # ⚠ the spec's name for the same page
def authorize2_page_spec(emu, request):
    return emu.oauth.authorize2_page(request)


@route("POST", "/i/oauth2/authorize/decide", SELF)
def authorize2_decide(emu, request):
    return emu.oauth.authorize2_decide(request)


@route("POST", "/2/oauth2/token", SELF, limit=1000)
def token(emu, request):
    return emu.oauth.token(request)


@route("POST", "/2/oauth2/revoke", SELF, limit=1000)
def revoke(emu, request):
    return emu.oauth.revoke(request)


@route("GET", "/2/users/me", DOCUMENT, limit=75)
def users_me(emu, request):
    user_id = request.caller.user_id
    name = emu.oauth.accounts.get(user_id, f"user{user_id}")
    return Response(200, {"data": {"id": user_id, "name": name.replace("_", " ").title(), "username": name}})
