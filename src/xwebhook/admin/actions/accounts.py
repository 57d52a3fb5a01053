"""Connected accounts: the actions invite, accounts, disconnect, and the ensure and status parts that keep
every connected account working without anyone watching.

ensure's part, for each stored account:
  1. a revoke X dated at or after it connected (accounts/revokes.py: the revoke's own date_time, not when it
     was delivered) -> `revoked`: its tokens are dropped and never used again, its subscriptions deleted
     with the app's bearer token (⚠ whether X removes them on a revoke is not documented: deleting them
     ourselves is right either way, and what X answered is kept)
  2. an active account's OAuth 2.0 access token expiring before the next run -> refreshed (accounts/refresh.py);
     `invalid_grant` -> `needs_reconnect`
  3. an active account on the Account Activity API that X does not list as subscribed -> subscribed again
     with its own tokens (creates what is missing); X refusing its tokens (401) -> `needs_reconnect`
  4. a `needs_reconnect` account -> an invite for that account alone, valid 7 days (its URL is in `status`)
A `disconnecting` account (a `disconnect` X did not finish) is left for the operator's next `disconnect`.
It emits AccountsNeedingReconnect (the count), which the AccountsNeedingReconnect alarm watches.
XAA subscriptions as a reconciled desired state are xwebhook.migrate's; connect makes an account's own at
sign-in.
"""

import calendar
import time
from typing import Annotated

from pydantic import Field

from xwebhook.accounts import apis, invites
from xwebhook.accounts.models import ACTIVE, DISCONNECTING, NEEDS_RECONNECT, OAUTH2, REVOKED, STATUSES
from xwebhook.accounts.refresh import AccountGone, RefreshBusy
from xwebhook.accounts.revokes import LOOKBACK_SECONDS, SignalsIndexMissing
from xwebhook.accounts.store import AccountsUnavailable, StaleAccount
from xwebhook.admin.errors import AdminError
from xwebhook.admin.models import ActionInput, NoInput, NumericId
from xwebhook.admin.result import succeeded
from xwebhook.x_api.errors import XApiError, XError
from xwebhook.x_api.event_types import canonical, not_for_accounts, scopes_for
from xwebhook.x_api.oauth2 import InvalidGrant

RECONNECT_RENEW_SECONDS = 24 * 3600  # a reconnect invite is renewed when it has less than this left
NOT_CONFIGURED = "accounts are not configured: the admin function has no ACCOUNTS_TABLE"


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _epoch(iso):
    try:
        return float(calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return 0.0


def _configured(admin):
    """The accounts services are there (ACCOUNTS_TABLE set): accounts/wiring.py makes them together. Another
    capability may hold an account store without them (migrate keeps its records there)."""
    return "accounts" in admin.services and "accounts_settings" in admin.services


def _services(admin):
    if not _configured(admin):
        raise AdminError(NOT_CONFIGURED)
    return admin.services


def _now(admin):
    return admin.now().timestamp()


# --- inputs -----------------------------------------------------------------------------------------------


class InviteInput(ActionInput):
    """invite: how long it lives, how many accounts may use it, what it offers, and for whom."""

    expires_in: str = "24h"
    uses: Annotated[int, Field(ge=1, le=10000)] = 1
    flows: list[str] | None = None
    event_types: list[str] | None = None
    user_id: NumericId | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class DisconnectInput(ActionInput):
    user_id: NumericId


def _checked_invite_fields(request, settings):
    try:
        seconds = invites.parse_duration(request.expires_in)
    except ValueError as exc:
        raise AdminError(f"bad input: expires_in {exc}") from None
    try:
        flows = invites.checked_flows(request.flows) if request.flows is not None else settings.flows
    except ValueError as exc:
        raise AdminError(f"bad input: {exc}") from None
    event_types = tuple(dict.fromkeys(request.event_types)) if request.event_types is not None else None
    if event_types is not None:
        problems = [why for why in map(not_for_accounts, event_types) if why]
        if problems or not event_types:
            raise AdminError(f"bad input: event_types: {'; '.join(problems) or '(none given)'}")
        event_types = tuple(dict.fromkeys(canonical(name) for name in event_types))
    return seconds, tuple(flows), event_types or settings.event_types


# --- actions ----------------------------------------------------------------------------------------------


def invite(admin, request):
    services = _services(admin)
    settings = services["accounts_settings"]
    if settings.mode == "off":
        raise AdminError("CONNECT_MODE is off: there is no /connect route to invite anyone to")
    seconds, flows, event_types = _checked_invite_fields(request, settings)
    now = _now(admin)
    made = invites.Invite(
        invites.new_invite_id(), now + seconds, request.uses, 0, flows, event_types, request.user_id, now, request.note
    )
    _store(lambda: services["invites"].put(made))
    result = succeeded(
        "invite",
        invite_url=invites.url_for(settings.connect_url, services["signing_keys"]().invite, made.invite_id),
        invite_id=made.invite_id,
        expires_at=_iso(made.expires_at),
        uses=made.uses,
        flows=list(flows),
        event_types=list(event_types),
        scopes=list(scopes_for(event_types, aaa_oauth2=_aaa_by_oauth2(services, request.user_id))),
        user_id=made.user_id,
        callback_url=settings.callback_url,
    )
    if settings.mode == "open":
        result["note"] = "CONNECT_MODE is open: anyone may connect without an invite"
    return result


def _aaa_by_oauth2(services, user_id):
    """The invite's OAuth 2.0 sign-in leaves its account on the Account Activity API with only that token
    (accounts/apis.py): a new account where CONNECT_XAA_FROM_START says so, or a stored one kept there."""
    stored = _store(lambda: services["accounts"].get(user_id)) if user_id is not None else None
    return apis.oauth2_sign_in_on_aaa(stored, services["accounts_settings"].xaa_from_start)


def accounts(admin, _request):
    store = _services(admin)["accounts"]
    stored = _store(store.all)
    return succeeded(
        "accounts",
        count=len(stored),
        by_status=_by_status(stored),
        accounts=[account.public() for account in stored],
    )


def disconnect(admin, request):
    """Delete the account's subscriptions, revoke its tokens at X, then delete it. `did` says, for each
    subscription and each credential, what X answered (`_revoke_step`). Only X's documented "already gone"
    answers count as done: 404 for a subscription; for an OAuth 2.0 token a 200, which X (RFC 7009 2.2)
    answers for a token it no longer knows as well; for OAuth 1.0a tokens 401 with X's error 89 ("Invalid
    or expired token", X's example answer once a token was invalidated). Anything else X refused (401
    invalid_client after a client secret rotation, a 403) or could not answer (down, rate limited) is a
    failure with X's reason: the grant may still be alive at X, so the account is kept as `disconnecting`
    (nothing uses or renews its tokens meanwhile) holding only what is left to do, and the action says to
    run it again."""
    services = _services(admin)
    store = services["accounts"]
    account = _store(lambda: store.get(request.user_id))
    if account is None:
        raise AdminError(f"no connected account {request.user_id}")
    did, failed = {}, []
    deleted = services["account_subscriptions"](admin.api).delete_xaa(list(account.xaa_subscriptions.values()))
    did["xaa_subscriptions"] = deleted
    failed += [
        f"XAA subscription {found}: {outcome}"
        for found, outcome in deleted.items()
        if outcome not in ("deleted", "gone")
    ]
    if account.aaa or account.aaa_subscribed:
        did["aaa"] = _revoke_step(
            lambda: _unsubscribe_aaa(admin, services, account), "unsubscribed", _aaa_gone, failed, "AAA"
        )
    if account.oauth2 is not None:
        for token, hint in (
            (account.oauth2.access_token, "access_token"),
            (account.oauth2.refresh_token, "refresh_token"),
        ):
            if token:
                did[f"oauth2_{hint}"] = _revoke_step(
                    lambda token=token, hint=hint: services["oauth2"].revoke(token, hint),
                    "revoked",
                    _never_gone,
                    failed,
                    f"revoke {hint}",
                )
    if account.oauth1 is not None:
        did["oauth1_tokens"] = _revoke_step(
            lambda: services["oauth1"].invalidate(account.oauth1), "invalidated", _oauth1_gone, failed, "invalidate"
        )
    if failed:
        _store(lambda: _put_retrying(store, account, _left_to_disconnect(account, did, failed, _iso(_now(admin)))))
        return {
            "action": "disconnect",
            "ok": False,
            "user_id": account.user_id,
            "did": did,
            "status": DISCONNECTING,
            "error": f"{len(failed)} step(s) failed, the account is kept: run disconnect again ({failed[0]})",
        }
    _store(lambda: store.delete(account.user_id))
    _store(lambda: services["invites"].delete(invites.reconnect_invite_id(account.user_id)))
    return succeeded("disconnect", user_id=account.user_id, screen_name=account.screen_name, did=did, deleted=True)


DONE_OUTCOMES = ("unsubscribed", "not_subscribed", "revoked", "invalidated", "already_invalid")


def _aaa_gone(exc):
    return "not_subscribed" if exc.status == 404 else None


def _never_gone(_exc):
    return None  # X documents no refusal that means "already revoked" (RFC 7009: that is a 200)


def _oauth1_gone(exc):
    errors = exc.x_error.get("errors") if isinstance(exc.x_error, dict) else None
    codes = {item.get("code") for item in errors if isinstance(item, dict)} if isinstance(errors, list) else set()
    return "already_invalid" if exc.status == 401 and codes & {89, "89"} else None


def _revoke_step(call, done, gone, failed, what):
    """Run one X call of disconnect: {"outcome": done} when X did it; {"outcome": <gone's name>, ...} when X
    answered its documented "already gone"; else {"outcome": "failed", "reason": X's answer} (and the
    reason recorded in `failed`). `x_status` is X's HTTP status where X refused."""
    try:
        return {"outcome": call() or done}
    except XApiError as exc:
        already = gone(exc)
        if already:
            return {"outcome": already, "x_status": exc.status, "reason": exc.reason}
        failed.append(f"{what}: {exc}")
        return {"outcome": "failed", "x_status": exc.status, "reason": str(exc)}
    except XError as exc:
        failed.append(f"{what}: {exc}")
        return {"outcome": "failed", "reason": str(exc)}


def _left_to_disconnect(account, did, failed, now):
    """The change that keeps only what a next `disconnect` still has to do. A credential is dropped only when
    X confirmed it gone *and* it is still the one stored (a refresh may have stored a newer pair meanwhile)."""

    def done(name):
        return did.get(name, {}).get("outcome") in DONE_OUTCOMES

    deleted = did["xaa_subscriptions"]
    oauth2_done = all(done(f"oauth2_{hint}") for hint in ("access_token", "refresh_token") if f"oauth2_{hint}" in did)

    def change(current):
        changes = {
            "status": DISCONNECTING,
            "reason": f"disconnect did not finish ({failed[0]}): run disconnect again",
            "updated_at": now,
            "xaa_subscriptions": {
                t: i for t, i in current.xaa_subscriptions.items() if deleted.get(i) not in ("deleted", "gone")
            },
        }
        if done("aaa"):
            changes["aaa_subscribed"] = False
        if account.oauth2 is not None and oauth2_done and current.oauth2 == account.oauth2:
            changes["oauth2"] = None
        if account.oauth1 is not None and done("oauth1_tokens") and current.oauth1 == account.oauth1:
            changes["oauth1"] = None
        return current.with_changes(**changes)

    return change


def _unsubscribe_aaa(admin, services, account):
    webhook, _ = admin.our_webhook()
    if webhook is None:
        return "not_subscribed"  # X has no webhook of ours: there is nothing to be subscribed to
    # v1.1 Enterprise signs as the account: its tokens go along
    services["account_subscriptions"](admin.api).unsubscribe_aaa(webhook.id, account.user_id, account)
    return None


def _store(call):
    try:
        return call()
    except AccountsUnavailable as exc:
        raise AdminError(str(exc)) from None


def _put_retrying(store, account, change, attempts=3):
    current = account
    for _ in range(attempts):
        try:
            return store.put(change(current))
        except StaleAccount:
            current = store.get(account.user_id)
            if current is None:
                return None
    raise AccountsUnavailable(f"account {account.user_id} kept changing; try again")


def _by_status(stored):
    counts = dict.fromkeys(STATUSES, 0)
    for account in stored:
        counts[account.status] = counts.get(account.status, 0) + 1
    return counts


# --- ensure -----------------------------------------------------------------------------------------------


def ensure_accounts(admin, result):
    if not _configured(admin):
        return {"ok": True, "configured": False, "note": NOT_CONFIGURED}
    services = admin.services
    store, signals = services["accounts"], services["revoke_signals"]
    now = _now(admin)
    report = {"ok": True, "revokes_source": signals.source, "did": [], "errors": []}
    try:
        stored = store.all()
    except AccountsUnavailable as exc:  # no AccountsNeedingReconnect then: the count is not known
        return {"ok": False, "error": str(exc)}
    try:
        revokes = signals.revokes_since(now - LOOKBACK_SECONDS)
    except SignalsIndexMissing as exc:  # the fallback, as without a table: X's answers show a revoke
        revokes = {}
        report["revokes_source"] = str(exc)
    except AccountsUnavailable as exc:
        revokes = {}
        report["errors"].append(f"revoke signals: {exc}")
    keeper = _Keeper(admin, services, result, report, now)
    kept = []
    for account in stored:
        try:
            kept.append(keeper.keep(account, revokes.get(account.user_id)))
        except (AccountsUnavailable, XError) as exc:
            report["errors"].append(f"account {account.user_id}: {exc}")
            kept.append(account)
    by_status = _by_status([account for account in kept if account is not None])
    report.update(accounts=sum(by_status.values()), by_status=by_status)
    result.setdefault("metrics", {})["AccountsNeedingReconnect"] = by_status[NEEDS_RECONNECT]
    if report["errors"]:
        report.update(ok=False, error=report["errors"][0])
    else:
        report.pop("errors")
    return report


class _Keeper:
    def __init__(self, admin, services, result, report, now):
        self.admin = admin
        self.services = services
        self.store = services["accounts"]
        self.result = result
        self.report = report
        self.now = now
        self.within = services["accounts_upkeep"].refresh_within_seconds
        found = result.get("found") or {}
        self.webhook_id = (result.get("webhook") or {}).get("id") if result.get("webhook_valid") else None
        listed = found.get("subscribed_user_ids")
        self.aaa_subscribed = set(listed) if listed is not None else None

    def did(self, user_id, what, **detail):
        self.report["did"].append({"user_id": user_id, "did": what, **detail})

    def keep(self, account, revoked_at):
        # `revoked_at` is when the owner revoked (the revoke's own date, accounts/revokes.py), not when it was
        # delivered: a revoke from before a reconnect, delivered after it, leaves the reconnected account be.
        if revoked_at is not None and account.status != REVOKED and revoked_at >= _epoch(account.connected_at):
            return self.revoke(account, revoked_at)
        if account.status == REVOKED and account.xaa_subscriptions:
            return self.revoke(account, None)  # subscriptions left from a revoke X was down for
        if account.status == ACTIVE:
            account = self.refresh(account)
        if account is not None and account.status == ACTIVE and account.aaa:
            account = self.keep_aaa(account)
        if account is not None and account.status == NEEDS_RECONNECT:
            self.reconnect_invite(account)
        return account

    def mark(self, account, status, reason, **changes):
        def change(current):
            return current.with_changes(status=status, reason=reason, updated_at=_iso(self.now), **changes)

        return _put_retrying(self.store, account, change)

    def revoke(self, account, revoked_at):
        subscriptions = self.services["account_subscriptions"](self.admin.api)
        deleted = subscriptions.delete_xaa(list(account.xaa_subscriptions.values()))
        left = {t: i for t, i in account.xaa_subscriptions.items() if deleted.get(i) not in ("deleted", "gone")}
        aaa = None
        if account.aaa_subscribed and self.webhook_id:
            try:
                subscriptions.unsubscribe_aaa(self.webhook_id, account.user_id)
                aaa = "unsubscribed"
            except XApiError as exc:
                aaa = f"already ({exc.status})"
        if revoked_at is None:
            reason = account.reason
            what = "revoked: subscriptions deleted"
        else:
            reason = f"the owner revoked the app at X (X dated the revoke {_iso(revoked_at)})"
            what = "revoked"
        updated = self.mark(
            account, REVOKED, reason, oauth1=None, oauth2=None, xaa_subscriptions=left, aaa_subscribed=False
        )
        self.did(account.user_id, what, xaa_deleted=deleted, aaa=aaa, xaa_left=len(left))
        return updated

    def refresh(self, account):
        refresher = self.services["token_refresher"]
        if not refresher.due(account, self.within):
            return account
        try:
            refreshed = refresher.refresh(account)
        except InvalidGrant as exc:
            self.did(account.user_id, "needs_reconnect", why=str(exc))
            return self.mark(
                account, NEEDS_RECONNECT, "X refused the refresh token (invalid_grant): the owner must sign in again"
            )
        except RefreshBusy as exc:
            self.did(account.user_id, "refresh_busy", why=str(exc))
            return account
        except AccountGone:
            return None
        self.did(account.user_id, refreshed.how, expires_at=_iso(refreshed.account.oauth2.expires_at))
        return refreshed.account

    def keep_aaa(self, account):
        if self.webhook_id is None or self.aaa_subscribed is None:
            return account  # no valid webhook, or X's list unknown: ensure's webhook part says why
        if account.user_id in self.aaa_subscribed:
            if not account.aaa_subscribed:
                return _put_retrying(self.store, account, lambda current: current.with_changes(aaa_subscribed=True))
            return account
        try:
            self.services["account_subscriptions"](self.admin.api).subscribe_aaa(self.webhook_id, account)
        except XApiError as exc:
            if exc.status in (401, 403):
                self.did(account.user_id, "needs_reconnect", why=str(exc))
                return self.mark(
                    account,
                    NEEDS_RECONNECT,
                    f"X refused the account's tokens (HTTP {exc.status}): they were revoked or invalidated",
                )
            raise
        self.did(account.user_id, "aaa_subscribed")
        return _put_retrying(self.store, account, lambda current: current.with_changes(aaa_subscribed=True))

    def reconnect_invite(self, account):
        """The account's own invite (bound to it, one fixed id and URL), reused until used or expired and
        renewed in place when less than a day is left."""
        settings = self.services["accounts_settings"]
        flows = account.flows or settings.flows
        if OAUTH2 in flows:
            flows = (OAUTH2, *[flow for flow in flows if flow != OAUTH2])
        made, fresh = invites.bound_invite(
            self.services["invites"],
            account.user_id,
            self.now,
            tuple(flows),
            account.event_types or settings.event_types,
            renew_within=RECONNECT_RENEW_SECONDS,
        )
        if fresh:
            self.did(account.user_id, "reconnect_invite", expires_at=_iso(made.expires_at))


# --- status -----------------------------------------------------------------------------------------------


def status_accounts(admin):
    if not _configured(admin):
        return {"configured": False, "note": NOT_CONFIGURED}
    services = admin.services
    settings = services["accounts_settings"]
    report = {
        "configured": True,
        "mode": settings.mode,
        "connect_url": settings.connect_url,
        "callback_url": settings.callback_url,
        "authorize_pages": services["accounts_upkeep"].authorize_pages,  # the ⚠ readings (docs/ambiguous.md)
        "revokes_source": services["revoke_signals"].source,
    }
    try:
        stored = services["accounts"].all()
    except AccountsUnavailable as exc:
        return {**report, "error": str(exc)}
    report.update(count=len(stored), by_status=_by_status(stored))
    attention = []
    now = _now(admin)
    for account in stored:
        if account.status == ACTIVE:
            continue
        entry = {
            "user_id": account.user_id,
            "screen_name": account.screen_name,
            "status": account.status,
            "reason": account.reason,
        }
        if account.status == NEEDS_RECONNECT:
            entry["reconnect_url"] = _reconnect_url(services, settings, account.user_id, now)
        attention.append(entry)
    report["attention"] = attention
    return report


def _reconnect_url(services, settings, user_id, now):
    """The URL of the account's own reconnect invite while it can be used (read only: status never makes
    one; ensure does)."""
    try:
        current = invites.usable_bound_invite(services["invites"], user_id, now)
    except AccountsUnavailable:
        current = None
    if current is None:
        return None  # ensure makes one on its next run
    return invites.url_for(settings.connect_url, services["signing_keys"]().invite, current.invite_id)


ACTIONS = {
    "invite": (InviteInput, invite, "an invite URL to connect an X account (expires_in, uses, flows, event_types)"),
    "accounts": (NoInput, accounts, "the connected accounts (no tokens) and their status"),
    "disconnect": (DisconnectInput, disconnect, "delete an account's subscriptions, revoke its tokens, delete it"),
}
ENSURE_PARTS = [("accounts", ensure_accounts)]
STATUS_PARTS = [("accounts", status_accounts)]
