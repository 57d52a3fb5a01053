"""The sign-in: `start` (GET /connect -> 302 to X) and `finish` (GET /connect/callback -> a page).

start
  1. who may connect: an invite (CONNECT_MODE=invite, the default) whose signature, expiry, uses and
     flows check out (accounts/invites.py), or anyone (open)
  2. a sign-in state bound to this browser (connect/state.py), kept with the PKCE verifier (OAuth 2.0)
     or X's request token (OAuth 1.0a: request_token with our callback, oauth_callback_confirmed checked)
  3. 302 to X's authorize page. Nothing a request carries decides where the browser goes: the Location is
     always built from the configured X host (no open redirect).
finish: the ordered checks of failures.py, then
  4. the code (with the verifier) or the verifier (with the request token) exchanged for tokens, once
  5. who signed in; the allowlist; the invite again (it may be for one account only)
  6. the account stored, its invite's use spent in the same write (a merge with what was stored for a
     reconnecting account); a refusal after X issued tokens gives back what this sign-in newly obtained,
     never a credential an account still uses (`_give_back`)
  7. its subscriptions made on the API its record says it is on (accounts/apis.py: XAA per event type,
     AAA, or both during a migration's overlap), their ids stored, and a page saying what is.
Failures before step 6 store nothing and subscribe nothing; a replayed callback finds its sign-in taken.
"""

import time
from dataclasses import dataclass, field
from datetime import date

from xwebhook.accounts import apis, invites
from xwebhook.accounts.models import ACTIVE, OAUTH1, OAUTH2, REVOKED, Account
from xwebhook.accounts.store import STORE_ATTEMPTS, AccountsUnavailable, InviteUsedUp, StaleAccount, put_changed
from xwebhook.connect import pages, sharing
from xwebhook.connect.failures import RAISED, failure, raised
from xwebhook.connect.state import (
    PendingSignIn,
    SignInRefused,
    clearing_cookie_header,
    cookie_header,
    key_of,
    new_state,
    state_from_cookies,
)
from xwebhook.credentials.x_credentials import CredentialsError
from xwebhook.utc import iso
from xwebhook.x_api import authorize
from xwebhook.x_api.errors import UnexpectedAnswer, XApiError, XError
from xwebhook.x_api.event_types import needs_user_token
from xwebhook.x_api.models import find_webhook


@dataclass
class Answer:
    """What the handler turns into an HTTP answer: a page or a redirect, cookies, and the log's fields."""

    status: int
    body: str = ""
    location: str | None = None
    cookies: list = field(default_factory=list)
    log: dict = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, reason, detail=None, restart_url=None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.restart_url = restart_url


class ConnectFlow:
    """`keys()` -> SigningKeys, `credentials()` -> XCredentials (the OAuth 2.0 client id); `oauth2`, `oauth1`,
    `subscriptions` (x_api) and `api` (WebhooksApi) talk to X; `invites`, `sign_ins`, `accounts` are the stores."""

    def __init__(
        self,
        settings,
        keys,
        credentials,
        invite_store,
        sign_ins,
        accounts,
        oauth2_client,
        oauth1_flow,
        subscriptions,
        api,
        clock=time.time,
        client=None,
    ):
        self.settings = settings
        self._keys = keys
        self._credentials = credentials
        self._invites = invite_store
        self._sign_ins = sign_ins
        self._accounts = accounts
        self._oauth2 = oauth2_client
        self._oauth1 = oauth1_flow
        self._subscriptions = subscriptions
        self._api = api
        self._clock = clock
        self._client = client

    # --- the two routes ----------------------------------------------------------------------------------

    def start(self, query, time_left=None):
        """GET /connect?invite=...&flow=...: `query` is the decoded query string (a dict)."""
        log = {"route": "start", "authorize": self._authorize_reading()}
        return self._guarded(lambda: self._start(query or {}, log), log, time_left)

    def finish(self, query, cookies, time_left=None):
        """GET /connect/callback: `cookies` is payload 2.0's list of "name=value"."""
        log = {"route": "callback"}
        answer = self._guarded(lambda: self._finish(query or {}, cookies or [], log), log, time_left)
        answer.cookies.append(clearing_cookie_header())  # one sign-in, one callback: the cookie is spent
        return answer

    def _guarded(self, step, log, time_left):
        if self._client is not None:
            self._client.set_time_left(time_left)
        try:
            if self.settings.accounts.mode == "off":
                raise _Refused("off")
            return step()
        except _Refused as refused:
            return self._refusal(refused, log)
        except tuple(RAISED) as exc:
            return self._refusal(_Refused(raised(exc), str(exc)), log)
        finally:
            if self._client is not None:
                self._client.set_time_left(None)

    def _refusal(self, refused, log):
        shown = failure(refused.reason)
        log.update(outcome=refused.reason)
        if refused.detail:
            log["detail"] = refused.detail
        page = pages.failure_page(shown, refused.restart_url, app_name=self.settings.app_name)
        return Answer(shown.status, page, log=log)

    def _authorize_reading(self):
        s = self.settings
        return f"oauth2={s.oauth2_authorize_page} oauth1={s.oauth1_authorize_host}"

    # --- GET /connect --------------------------------------------------------------------------------------

    def _start(self, query, log):
        settings, now = self.settings, self._clock()
        requested = (query.get("flow") or "").strip().lower() or None
        if requested is not None and requested not in (OAUTH2, OAUTH1):
            raise _Refused("unknown_flow")
        token = query.get("invite")
        invite = None
        if settings.accounts.mode == "invite" or token:
            try:
                invite_id = invites.invite_id_from(self._keys().invite, token)
                log["invite_id"] = invite_id
                invite = self._invites.get(invite_id)
                invites.check(invite, now, requested or (invite.flows[0] if invite else None))
            except invites.InviteRefused as exc:
                raise _Refused(exc.reason) from None
            flows, event_types, user_id = invite.flows, invite.event_types, invite.user_id
        else:
            flows, event_types, user_id = settings.accounts.flows, settings.accounts.event_types, None
        flow = requested or flows[0]
        if flow not in flows:
            raise _Refused("flow_not_offered")
        log["flow"] = flow
        state = new_state()
        expires_at = now + settings.sign_in_seconds
        pending = PendingSignIn(
            key_of(state), flow, expires_at, tuple(event_types), invite.invite_id if invite else None, user_id
        )
        if flow == OAUTH2:
            verifier, challenge = authorize.new_pkce()
            # Exactly the scopes of the calls the token will make (sharing.py); an invite for one account
            # says whether that account stays on the Account Activity API with only this token.
            stored = self._accounts.get(user_id) if user_id is not None else None
            location = authorize.oauth2_url(
                settings.oauth2_authorize_base,
                self._credentials().require("oauth2_client_id"),
                settings.accounts.callback_url,
                sharing.scopes(event_types, stored, settings.accounts.xaa_from_start),
                state,
                challenge,
                settings.oauth2_authorize_page,
            )
            pending = _with(pending, code_verifier=verifier)
        else:
            try:
                request_token = self._oauth1.request_token(settings.accounts.callback_url)
            except UnexpectedAnswer as exc:
                raise _Refused("callback_not_confirmed", str(exc)) from None
            except XApiError as exc:  # X refuses a callback it does not have registered
                raise _Refused("callback_not_confirmed", str(exc)) from None
            except XError as exc:
                raise _Refused("x_unavailable", str(exc)) from None
            location = authorize.oauth1_url(settings.oauth1_authorize_base, request_token.token)
            pending = _with(pending, request_token=request_token.token, request_token_secret=request_token.secret)
        self._sign_ins.put(pending)
        log["outcome"] = "redirected"
        cookie = cookie_header(self._keys().cookie, state, expires_at, settings.sign_in_seconds)
        return Answer(302, location=location, cookies=[cookie], log=log)

    # --- GET /connect/callback -------------------------------------------------------------------------------

    def _restart_url(self, invite_id=None):
        if invite_id:
            return invites.url_for(self.settings.accounts.connect_url, self._keys().invite, invite_id)
        return self.settings.accounts.connect_url if self.settings.accounts.mode == "open" else None

    def _finish(self, query, cookies, log):
        now = self._clock()
        from_oauth1 = "oauth_token" in query or "denied" in query
        if not from_oauth1 and not query.get("state"):
            raise _Refused("missing_state")
        try:
            state = state_from_cookies(self._keys().cookie, cookies, now)
        except SignInRefused as exc:
            raise _Refused(exc.reason, restart_url=self._restart_url()) from None
        if not from_oauth1 and query["state"] != state:
            # Someone else's answer from X (login CSRF), or an older sign-in of this browser: the pending
            # sign-in this cookie belongs to is left alone.
            raise _Refused("state_mismatch", restart_url=self._restart_url())
        pending = self._sign_ins.take(key_of(state))
        if pending is None:
            raise _Refused("state_unknown", restart_url=self._restart_url())
        restart = self._restart_url(pending.invite_id)
        log.update(flow=pending.flow, invite_id=pending.invite_id)
        if pending.expires_at <= now:
            raise _Refused("sign_in_expired", restart_url=restart)
        if (pending.flow == OAUTH1) != from_oauth1:
            raise _Refused("state_mismatch", "the answer is of the other sign-in flow", restart)
        if pending.flow == OAUTH2:
            account_tokens, who = self._oauth2_tokens(query, pending, restart, log)
        else:
            account_tokens, who = self._oauth1_tokens(query, pending, restart)
        log.update(user_id=who[0])
        try:
            stored = self._store(pending, account_tokens, who, now)
        except _Refused as refused:
            self._give_back(account_tokens, who[0], log)
            refused.restart_url = None if refused.reason != "store_unavailable" else restart
            raise
        except AccountsUnavailable as exc:
            self._give_back(account_tokens, who[0], log)
            raise _Refused("store_unavailable", str(exc), restart) from None
        lines, problems = self._subscribe(stored, pending, log)
        log["outcome"] = "connected"
        note = "You can close this page. To disconnect, remove the app in X's settings (Security and account access)."
        try:  # what was recorded of the subscriptions; the page must not fail for a read after success
            current = self._accounts.get(stored.user_id) or stored
        except AccountsUnavailable:
            current = stored
        granted = account_tokens[1].scopes if pending.flow == OAUTH2 else ()
        subscribed = [t for t in current.event_types if t in current.xaa_subscriptions]
        receives, allows = sharing.shared(pending.flow, subscribed, current.aaa_subscribed, granted)
        page = pages.connected_page(
            stored.screen_name, lines, problems, note, receives, allows, self.settings.app_name, subscribed
        )
        return Answer(200, page, log=log)

    def _oauth2_tokens(self, query, pending, restart, log):
        error = query.get("error")
        if error:
            raise _Refused(
                "access_denied" if error == "access_denied" else "x_refused", f"X sent error={error}"[:200], restart
            )
        if not query.get("code"):
            raise _Refused("missing_code", restart_url=restart)
        try:
            callback = self.settings.accounts.callback_url
            tokens = self._oauth2.exchange_code(query["code"], pending.code_verifier, callback)
        except XApiError as exc:  # invalid_grant: the code expired (30 s) or was used
            raise _Refused("code_rejected", str(exc), restart) from None
        except XError as exc:  # 5xx, a timeout, an unreadable answer
            raise _Refused("token_endpoint_down", str(exc), restart) from None
        account_tokens = (OAUTH2, tokens)
        try:
            who = self._oauth2.me(tokens.access_token)
        except XError as exc:
            self._give_back(account_tokens, None, log)
            raise _Refused("x_unavailable", str(exc), restart) from None
        return account_tokens, (who.user_id, who.screen_name)

    def _oauth1_tokens(self, query, pending, restart):
        from xwebhook.x_api.oauth1 import RequestToken

        if "denied" in query:
            if query["denied"] != pending.request_token:
                raise _Refused("oauth_token_mismatch", "denied= names another request token", restart)
            raise _Refused("access_denied", "X sent denied=", restart)
        if query.get("oauth_token") != pending.request_token:
            raise _Refused("oauth_token_mismatch", restart_url=restart)
        if not query.get("oauth_verifier"):
            raise _Refused("missing_code", "no oauth_verifier", restart)
        request_token = RequestToken(pending.request_token, pending.request_token_secret)
        try:
            authorized = self._oauth1.access_token(request_token, query["oauth_verifier"])
        except XApiError as exc:
            raise _Refused("code_rejected", str(exc), restart) from None
        except XError as exc:
            raise _Refused("token_endpoint_down", str(exc), restart) from None
        return (OAUTH1, authorized.tokens), (authorized.user_id, authorized.screen_name)

    def _give_back(self, account_tokens, user_id, log):
        """Revoke at X the tokens of a sign-in that is not kept, when they are new; `log["give_back"]` says
        what was done. Best effort: X may be down, and the tokens are forgotten either way."""
        flow, tokens = account_tokens
        kept = self._still_in_use(flow, tokens, user_id)
        if kept:
            log["give_back"] = f"kept: {kept}"
            return
        try:
            if flow == OAUTH2:
                self._oauth2.revoke(tokens.access_token, "access_token")
                if tokens.refresh_token:
                    self._oauth2.revoke(tokens.refresh_token, "refresh_token")
                log["give_back"] = "revoked"
            else:
                self._oauth1.invalidate(tokens)
                log["give_back"] = "invalidated"
        except (XError, CredentialsError) as exc:
            log["give_back"] = f"failed: {exc}"

    def _still_in_use(self, flow, tokens, user_id):
        """Why giving back `tokens` could end a credential a stored account still uses (None: it cannot).

        X hands an OAuth 1.0a user who authorised the app before the *same* token pair again: giving back a
        refused sign-in's pair would invalidate the stored account's. And ⚠ X's revoke is how "the App ...
        revoke[s] the access given to it" (RFC 7009 2.1 lets a server end the whole grant on a revoke), so
        revoking even new tokens of a user whose account holds tokens may end the grant that account uses.
        So tokens are given back only when X's user is known and holds no stored token of this app; else
        they are left to expire unstored (an OAuth 2.0 access token in 2 h), which ends nothing."""
        if user_id is None:
            return "X did not say who signed in, so an account of theirs may use this app's grant"
        try:
            stored = self._accounts.get(user_id)
        except AccountsUnavailable:
            return f"the accounts table could not be read to tell whether account {user_id} uses them"
        if stored is None or not stored.flows:
            return None
        if flow == OAUTH1 and stored.oauth1 == tokens:
            return f"X handed back the token pair account {user_id} uses (it authorised the app before)"
        return f"account {user_id} holds tokens of this app (⚠ a revoke may end the grant it uses)"

    def _store(self, pending, account_tokens, who, now):
        user_id, screen_name = who
        allowed = self.settings.accounts.allowed_user_ids
        if allowed and user_id not in allowed:
            raise _Refused("user_not_allowed", f"user {user_id} is not in CONNECT_ALLOWED_USER_IDS")
        if pending.user_id is not None and pending.user_id != user_id:
            raise _Refused("invite_for_another_account", f"the invite is for user {pending.user_id}")
        flow, tokens = account_tokens
        for attempt in range(STORE_ATTEMPTS):
            existing = self._accounts.get(user_id)
            account = connected_account(
                existing,
                user_id,
                screen_name,
                flow,
                tokens,
                pending.event_types,
                now,
                self.settings.accounts.xaa_from_start,
            )
            try:
                return self._accounts.put(account, use_invite=pending.invite_id)
            except InviteUsedUp:
                raise _Refused("invite_used_up") from None
            except StaleAccount:
                if attempt == STORE_ATTEMPTS - 1:
                    raise AccountsUnavailable(f"account {user_id} kept changing while it was stored") from None
        raise AssertionError("unreachable")

    # --- subscriptions ------------------------------------------------------------------------------------------

    def _subscribe(self, account, pending, log):
        """(lines for the page, problems for the page); the ids are stored on the account."""
        try:
            webhook = find_webhook(self._api.list_webhooks(), self.settings.webhook_url)
        except XError as exc:
            log["detail"] = f"webhook lookup: {exc}"
            return [], ["subscriptions: X could not be asked for the app's webhook; the app's owner will retry"]
        if webhook is None or not webhook.valid:
            log["detail"] = "no valid webhook for WEBHOOK_URL"
            return [], ["subscriptions: the app's webhook is not ready yet; they are made once it is"]
        # The account's record says which API it is on, whichever flow it signed in with: a reconnect never
        # moves it (an AAA account signing in with OAuth 2.0 stays on AAA until migrate apply).
        lines, problems = [], []
        log["api"] = apis.describe(account)
        for on, subscribe in ((apis.on_xaa, self._subscribe_xaa), (apis.on_aaa, self._subscribe_aaa)):
            if on(account):
                more_lines, more_problems = subscribe(account, webhook.id, log)
                lines += more_lines
                problems += more_problems
        return lines, problems

    def _subscribe_xaa(self, account, webhook_id, log):
        missing = [name for name in account.event_types if name not in account.xaa_subscriptions]
        later = []
        if account.oauth2 is None:  # OAuth 1.0a only: the public types now, the private ones by ensure (⚠)
            later = [name for name in missing if needs_user_token((name,))]
            missing = [name for name in missing if name not in later]
        token = account.oauth2.access_token if account.oauth2 is not None else None
        made = self._subscriptions.create_xaa(webhook_id, account.user_id, missing, token)
        done = {name: result for name, result in made.items() if result.ok}
        failed = {name: result for name, result in made.items() if not result.ok}
        if done:
            self._record(
                account,
                lambda current: current.with_changes(
                    xaa_subscriptions={**current.xaa_subscriptions, **{n: r.subscription_id for n, r in done.items()}},
                    xaa_auth={**current.xaa_auth, **{n: r.auth for n, r in done.items()}},
                ),
            )
        subscribed = [name for name in account.event_types if name in account.xaa_subscriptions or name in done]
        log.update(xaa_subscribed=len(subscribed), xaa_failed=len(failed))
        if failed:
            log["xaa_errors"] = {name: result.error for name, result in list(failed.items())[:5]}
        lines = []
        if subscribed:
            lines.append(sharing.subscribed_line(subscribed))
        if later:
            lines.append(sharing.later_line(later))
        problems = [sharing.problem_line(name, _plain(result.error)) for name, result in failed.items()]
        return lines, problems

    def _subscribe_aaa(self, account, webhook_id, log):
        try:
            self._subscriptions.subscribe_aaa(webhook_id, account)
        except XError as exc:
            log.update(aaa_subscribed=False, aaa_error=str(exc))
            return [], [f"Account Activity API: {_plain(str(exc))}"]
        self._record(account, lambda current: current.with_changes(aaa_subscribed=True))
        log["aaa_subscribed"] = True
        return ["Account Activity API: subscribed (all of the account's activity)"], []

    def _record(self, account, change):
        """Store `change(account)`; on a concurrent write, apply it to what is stored now (accounts/store.py)."""
        return put_changed(self._accounts, account, change)


def not_found():
    """Any other path the HTTP API hands to the function (none, with the template's routes)."""
    shown = failure("not_found")
    return Answer(shown.status, pages.failure_page(shown), log={"route": "other", "outcome": "not_found"})


def _with(pending, **changes):
    from dataclasses import replace

    return replace(pending, **changes)


def _plain(error):
    """X's refusal, shortened for the page (XError messages never hold a token)."""
    text = str(error or "refused")
    return text if len(text) <= 200 else text[:197] + "..."


def connected_account(existing, user_id, screen_name, flow, tokens, event_types, now, xaa_from_start="oauth2"):
    """The account to store after a sign-in: a new one, or the stored one with the new tokens.

    A new account is on XAA from the start or on AAA as CONNECT_XAA_FROM_START says for its flow
    (accounts/apis.py). A reconnect keeps what is stored (which API it is on, subscription ids, migration
    record, the other flow's tokens), except after a revoke: X withdrew every token the app had, so none of
    the old ones is kept, and the account starts afresh."""
    stamp = iso(now)
    fresh = existing is None or existing.status == REVOKED
    base = existing or Account(user_id=user_id, connected_at=stamp)
    if existing is not None and existing.status == REVOKED:
        base = base.with_changes(oauth1=None, oauth2=None, xaa_subscriptions={}, xaa_auth={}, aaa_subscribed=False)
    changes = {
        "screen_name": screen_name or base.screen_name,
        "status": ACTIVE,
        "reason": "",
        "connected_at": stamp,
        "updated_at": stamp,
    }
    if fresh:
        today = time.gmtime(now)
        on_xaa = apis.xaa_from_start(flow, xaa_from_start, date(today.tm_year, today.tm_mon, today.tm_mday))
        changes.update(aaa=not on_xaa, migration={})
    if flow == OAUTH2:
        changes.update(oauth2=tokens, event_types=tuple(event_types))
    else:
        changes.update(oauth1=tokens, event_types=base.event_types or tuple(event_types))
    return base.with_changes(**changes)
