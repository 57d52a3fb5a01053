"""Connected accounts kept working without anyone watching: ensure's accounts upkeep and what status shows of it.

`keep(services, api, now, webhook_id, aaa_subscribed)`, for each stored account:
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
The report's `by_status` gives AccountsNeedingReconnect (the count), which its alarm watches.
`status(services, now)` reads only: it never makes an invite (ensure does).

`services` is accounts/wiring.py's AccountServices; `api` the WebhooksApi. The admin function's ensure and
status parts call these (admin/actions/accounts.py). XAA subscriptions as a reconciled desired state are
xwebhook.migrate's; connect makes an account's own at sign-in.
"""

from xwebhook.accounts import invites
from xwebhook.accounts.models import ACTIVE, NEEDS_RECONNECT, OAUTH2, REVOKED, STATUSES
from xwebhook.accounts.refresh import AccountGone, RefreshBusy
from xwebhook.accounts.revokes import LOOKBACK_SECONDS, SignalsIndexMissing
from xwebhook.accounts.store import AccountsUnavailable, put_changed
from xwebhook.utc import epoch_of, iso
from xwebhook.x_api.errors import XApiError, XError
from xwebhook.x_api.oauth2 import InvalidGrant

RECONNECT_RENEW_SECONDS = 24 * 3600  # a reconnect invite is renewed when it has less than this left


def by_status(accounts):
    """{status: how many of `accounts`}, every status present."""
    counts = dict.fromkeys(STATUSES, 0)
    for account in accounts:
        counts[account.status] = counts.get(account.status, 0) + 1
    return counts


def keep(services, api, now, webhook_id, aaa_subscribed):
    """ensure's accounts report. `webhook_id`: our webhook when it is valid (else None); `aaa_subscribed`: the
    user ids X lists as subscribed to it (None when unknown). Per-account failures are in `errors`."""
    store, signals = services.store, services.revoke_signals
    report = {"ok": True, "revokes_source": signals.source, "did": [], "errors": []}
    try:
        stored = store.all()
    except AccountsUnavailable as exc:  # no by_status then: the count is not known
        return {"ok": False, "error": str(exc)}
    try:
        revokes = signals.revokes_since(now - LOOKBACK_SECONDS)
    except SignalsIndexMissing as exc:  # the fallback, as without a table: X's answers show a revoke
        revokes = {}
        report["revokes_source"] = str(exc)
    except AccountsUnavailable as exc:
        revokes = {}
        report["errors"].append(f"revoke signals: {exc}")
    keeper = Keeper(services, api, report, now, webhook_id, aaa_subscribed)
    kept = []
    for account in stored:
        try:
            kept.append(keeper.keep(account, revokes.get(account.user_id)))
        except (AccountsUnavailable, XError) as exc:
            report["errors"].append(f"account {account.user_id}: {exc}")
            kept.append(account)
    counts = by_status([account for account in kept if account is not None])
    report.update(accounts=sum(counts.values()), by_status=counts)
    if report["errors"]:
        report.update(ok=False, error=report["errors"][0])
    else:
        report.pop("errors")
    return report


class Keeper:
    """One ensure run over the stored accounts: each account's steps, recorded in `report["did"]`."""

    def __init__(self, services, api, report, now, webhook_id, aaa_subscribed):
        self.services = services
        self.api = api
        self.store = services.store
        self.report = report
        self.now = now
        self.within = services.refresh_within_seconds
        self.webhook_id = webhook_id
        self.aaa_subscribed = set(aaa_subscribed) if aaa_subscribed is not None else None

    def did(self, user_id, what, **detail):
        self.report["did"].append({"user_id": user_id, "did": what, **detail})

    def keep(self, account, revoked_at):
        # `revoked_at` is when the owner revoked (the revoke's own date, accounts/revokes.py), not when it was
        # delivered: a revoke from before a reconnect, delivered after it, leaves the reconnected account be.
        if revoked_at is not None and account.status != REVOKED and revoked_at >= epoch_of(account.connected_at):
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
            return current.with_changes(status=status, reason=reason, updated_at=iso(self.now), **changes)

        return put_changed(self.store, account, change)

    def revoke(self, account, revoked_at):
        subscriptions = self.services.account_subscriptions(self.api)
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
            reason = f"the owner revoked the app at X (X dated the revoke {iso(revoked_at)})"
            what = "revoked"
        updated = self.mark(
            account, REVOKED, reason, oauth1=None, oauth2=None, xaa_subscriptions=left, aaa_subscribed=False
        )
        self.did(account.user_id, what, xaa_deleted=deleted, aaa=aaa, xaa_left=len(left))
        return updated

    def refresh(self, account):
        refresher = self.services.token_refresher
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
        self.did(account.user_id, refreshed.how, expires_at=iso(refreshed.account.oauth2.expires_at))
        return refreshed.account

    def keep_aaa(self, account):
        if self.webhook_id is None or self.aaa_subscribed is None:
            return account  # no valid webhook, or X's list unknown: ensure's webhook part says why
        if account.user_id in self.aaa_subscribed:
            if not account.aaa_subscribed:
                return put_changed(self.store, account, lambda current: current.with_changes(aaa_subscribed=True))
            return account
        try:
            self.services.account_subscriptions(self.api).subscribe_aaa(self.webhook_id, account)
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
        return put_changed(self.store, account, lambda current: current.with_changes(aaa_subscribed=True))

    def reconnect_invite(self, account):
        """The account's own invite (bound to it, one fixed id and URL), reused until used or expired and
        renewed in place when less than a day is left."""
        settings = self.services.settings
        flows = account.flows or settings.flows
        if OAUTH2 in flows:
            flows = (OAUTH2, *[flow for flow in flows if flow != OAUTH2])
        made, fresh = invites.bound_invite(
            self.services.invites,
            account.user_id,
            self.now,
            tuple(flows),
            account.event_types or settings.event_types,
            renew_within=RECONNECT_RENEW_SECONDS,
        )
        if fresh:
            self.did(account.user_id, "reconnect_invite", expires_at=iso(made.expires_at))


def status(services, now):
    """status's accounts section: the mode, where connect is, the ⚠ authorize pages, the counts, and the
    accounts that need their owner (with the URL of their reconnect invite while it can be used)."""
    settings = services.settings
    report = {
        "configured": True,
        "mode": settings.mode,
        "connect_url": settings.connect_url,
        "callback_url": settings.callback_url,
        "authorize_pages": services.authorize_pages,  # the ⚠ readings (docs/ambiguous.md)
        "revokes_source": services.revoke_signals.source,
    }
    try:
        stored = services.store.all()
    except AccountsUnavailable as exc:
        return {**report, "error": str(exc)}
    report.update(count=len(stored), by_status=by_status(stored))
    attention = []
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
            entry["reconnect_url"] = _reconnect_url(services, account.user_id, now)
        attention.append(entry)
    report["attention"] = attention
    return report


def _reconnect_url(services, user_id, now):
    """The URL of the account's own reconnect invite while it can be used (read only: status never makes
    one; ensure does)."""
    try:
        current = invites.usable_bound_invite(services.invites, user_id, now)
    except AccountsUnavailable:
        current = None
    if current is None:
        return None  # ensure makes one on its next run
    return invites.url_for(services.settings.connect_url, services.signing_keys().invite, current.invite_id)
