"""Connected accounts: the actions invite, accounts, disconnect, and the ensure and status parts that keep
every connected account working without anyone watching.

ensure's part, for each stored account:
  1. a revoke X delivered since it connected (accounts/revokes.py) -> `revoked`: its tokens are dropped and
     never used again, its subscriptions deleted with the app's bearer token (⚠ whether X removes them on
     a revoke is not documented: deleting them ourselves is right either way, and what X answered is kept)
  2. an active account's OAuth 2.0 access token expiring before the next run -> refreshed (accounts/refresh.py);
     `invalid_grant` -> `needs_reconnect`
  3. an active account on the Account Activity API that X does not list as subscribed -> subscribed again
     with its own tokens (creates what is missing); X refusing its tokens (401) -> `needs_reconnect`
  4. a `needs_reconnect` account -> an invite for that account alone, valid 7 days (its URL is in `status`)
It emits AccountsNeedingReconnect (the count), which the AccountsNeedingReconnect alarm watches.
XAA subscriptions as a reconciled desired state are xwebhook.migrate's; connect makes an account's own at
sign-in.
"""

import calendar
import time
from typing import Annotated

from pydantic import Field

from xwebhook.accounts import invites
from xwebhook.accounts.models import ACTIVE, NEEDS_RECONNECT, OAUTH2, REVOKED, STATUSES
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
    """The invite is for an account its OAuth 2.0 token must subscribe to the Account Activity API."""
    if user_id is None:
        return False
    stored = _store(lambda: services["accounts"].get(user_id))
    return stored is not None and stored.aaa_by_oauth2


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
    """Delete the account's subscriptions, revoke its tokens at X, then delete it. A step X could not do
    (X unreachable) leaves the account stored, so the action can be run again; what X no longer had
    (404) or already refused (a dead token) counts as done."""
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
        did["aaa"] = _tolerant(lambda: _unsubscribe_aaa(admin, services, account), failed, "AAA unsubscribe")
    if account.oauth2 is not None:
        for token, hint in (
            (account.oauth2.access_token, "access_token"),
            (account.oauth2.refresh_token, "refresh_token"),
        ):
            if token:
                did[f"oauth2_{hint}"] = _tolerant(
                    lambda token=token, hint=hint: services["oauth2"].revoke(token, hint), failed, f"revoke {hint}"
                )
    if account.oauth1 is not None:
        did["oauth1_tokens"] = _tolerant(lambda: services["oauth1"].invalidate(account.oauth1), failed, "invalidate")
    if failed:
        remaining = {t: i for t, i in account.xaa_subscriptions.items() if deleted.get(i) not in ("deleted", "gone")}
        _store(lambda: _put_retrying(store, account, lambda current: current.with_changes(xaa_subscriptions=remaining)))
        return {
            "action": "disconnect",
            "ok": False,
            "user_id": account.user_id,
            "did": did,
            "error": f"{len(failed)} step(s) failed, the account is kept: run disconnect again ({failed[0]})",
        }
    _store(lambda: store.delete(account.user_id))
    _store(lambda: services["invites"].delete(invites.reconnect_invite_id(account.user_id)))
    return succeeded("disconnect", user_id=account.user_id, screen_name=account.screen_name, did=did, deleted=True)


def _tolerant(call, failed, what):
    """Run an X call: "done"; a refusal (4xx: gone already, a dead token) -> "already"; else recorded."""
    try:
        call()
        return "done"
    except XApiError as exc:
        return f"already ({exc.status})"
    except XError as exc:
        failed.append(f"{what}: {exc}")
        return str(exc)


def _unsubscribe_aaa(admin, services, account):
    webhook, _ = admin.our_webhook()
    if webhook is not None:  # v1.1 Enterprise signs as the account: its tokens go along
        services["account_subscriptions"](admin.api).unsubscribe_aaa(webhook.id, account.user_id, account)


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
            reason = f"the owner revoked the app at X (a revoke delivered at {_iso(revoked_at)})"
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
        store = self.services["invites"]
        invite_id = invites.reconnect_invite_id(account.user_id)
        current = store.get(invite_id)
        if current is not None and current.uses_left and current.expires_at - self.now > RECONNECT_RENEW_SECONDS:
            return
        settings = self.services["accounts_settings"]
        flows = account.flows or settings.flows
        if OAUTH2 in flows:
            flows = (OAUTH2, *[flow for flow in flows if flow != OAUTH2])
        store.put(
            invites.Invite(
                invite_id,
                self.now + invites.RECONNECT_SECONDS,
                1,
                0,
                tuple(flows),
                account.event_types or settings.event_types,
                account.user_id,
                self.now,
                "reconnect",
            )
        )
        self.did(account.user_id, "reconnect_invite", expires_at=_iso(self.now + invites.RECONNECT_SECONDS))


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
        "authorize_pages": services["accounts_upkeep"].authorize_pages,  # the ⚠ readings (README)
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
    invite_id = invites.reconnect_invite_id(user_id)
    try:
        current = services["invites"].get(invite_id)
    except AccountsUnavailable:
        current = None
    if current is None or current.expires_at <= now or not current.uses_left:
        return None  # ensure makes one on its next run
    return invites.url_for(settings.connect_url, services["signing_keys"]().invite, invite_id)


ACTIONS = {
    "invite": (InviteInput, invite, "an invite URL to connect an X account (expires_in, uses, flows, event_types)"),
    "accounts": (NoInput, accounts, "the connected accounts (no tokens) and their status"),
    "disconnect": (DisconnectInput, disconnect, "delete an account's subscriptions, revoke its tokens, delete it"),
}
ENSURE_PARTS = [("accounts", ensure_accounts)]
STATUS_PARTS = [("accounts", status_accounts)]
