"""Connected accounts: the actions invite, accounts and disconnect, and the ensure and status parts that hand
the accounts to their upkeep (accounts/upkeep.py: revokes, token refresh, AAA subscriptions, reconnect invites).
"""

from typing import Annotated

from pydantic import Field

from xwebhook.accounts import apis, invites, upkeep
from xwebhook.accounts.models import DISCONNECTING, NEEDS_RECONNECT, OAUTH1, OAUTH2
from xwebhook.accounts.store import AccountsUnavailable, put_changed
from xwebhook.admin.errors import AdminError
from xwebhook.admin.models import ActionInput, NoInput, NumericId
from xwebhook.admin.result import succeeded
from xwebhook.credentials.x_credentials import CredentialsError
from xwebhook.utc import iso
from xwebhook.x_api.errors import XApiError, XError
from xwebhook.x_api.event_types import canonical, not_for_accounts, scopes_for

NOT_CONFIGURED = "accounts are not configured: the admin function has no ACCOUNTS_TABLE"
# The X credentials each sign-in starts and finishes with (connect/flow.py, x_api/oauth2.py, x_api/oauth1.py).
SIGN_IN_KEYS = {
    OAUTH2: ("oauth2_client_id", "oauth2_client_secret"),
    OAUTH1: ("consumer_key", "consumer_secret"),
}
FLOW_NAMES = {OAUTH2: "OAuth 2.0", OAUTH1: "OAuth 1.0a"}


def _services(admin):
    """The AccountServices (ACCOUNTS_TABLE set: accounts/wiring.py makes them). Another capability may hold an
    account store without them (migrate keeps its records there)."""
    if admin.services.connected is None:
        raise AdminError(NOT_CONFIGURED)
    return admin.services.connected


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
    settings = services.settings
    if settings.mode == "off":
        raise AdminError("CONNECT_MODE is off: there is no /connect route to invite anyone to")
    seconds, flows, event_types = _checked_invite_fields(request, settings)
    now = _now(admin)
    made = invites.Invite(
        invites.new_invite_id(), now + seconds, request.uses, 0, flows, event_types, request.user_id, now, request.note
    )
    _store(lambda: services.invites.put(made))
    result = succeeded(
        "invite",
        invite_url=invites.url_for(settings.connect_url, services.signing_keys().invite, made.invite_id),
        invite_id=made.invite_id,
        expires_at=iso(made.expires_at),
        uses=made.uses,
        flows=list(flows),
        event_types=list(event_types),
        scopes=list(scopes_for(event_types, aaa_oauth2=_aaa_by_oauth2(services, request.user_id))),
        user_id=made.user_id,
        callback_url=settings.callback_url,
    )
    if settings.mode == "open":
        result["note"] = "CONNECT_MODE is open: anyone may connect without an invite"
    problem = _sign_in_problem(admin, flows)
    if problem:
        result["sign_in_problem"] = problem
    return result


def _sign_in_problem(admin, flows):
    """Why the invite's sign-in cannot start yet (the X keys one of its flows needs are missing), or None.
    The invite is made all the same: the keys may be put in the secret before the link is opened; until
    then the link opens connect's "not set up" page (503), so the operator is told now."""
    try:
        credentials = admin.credentials()
    except CredentialsError as exc:
        return str(exc)
    missing = []
    for flow in flows:
        absent = [key for key in SIGN_IN_KEYS.get(flow, ()) if not getattr(credentials, key, "")]
        if absent:
            missing.append(f"{', '.join(absent)} ({FLOW_NAMES.get(flow, flow)} sign-in)")
    return f"the X credentials secret has no {'; no '.join(missing)}" if missing else None


def _aaa_by_oauth2(services, user_id):
    """The invite's OAuth 2.0 sign-in leaves its account on the Account Activity API with only that token
    (accounts/apis.py): a new account where CONNECT_XAA_FROM_START says so, or a stored one kept there."""
    stored = _store(lambda: services.store.get(user_id)) if user_id is not None else None
    return apis.oauth2_sign_in_on_aaa(stored, services.settings.xaa_from_start)


def accounts(admin, _request):
    stored = _store(_services(admin).store.all)
    return succeeded(
        "accounts",
        count=len(stored),
        by_status=upkeep.by_status(stored),
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
    store = services.store
    account = _store(lambda: store.get(request.user_id))
    if account is None:
        raise AdminError(f"no connected account {request.user_id}")
    did, failed = {}, []
    deleted = services.account_subscriptions(admin.api).delete_xaa(list(account.xaa_subscriptions.values()))
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
                    lambda token=token, hint=hint: services.oauth2.revoke(token, hint),
                    "revoked",
                    _never_gone,
                    failed,
                    f"revoke {hint}",
                )
    if account.oauth1 is not None:
        did["oauth1_tokens"] = _revoke_step(
            lambda: services.oauth1.invalidate(account.oauth1), "invalidated", _oauth1_gone, failed, "invalidate"
        )
    if failed:
        _store(lambda: put_changed(store, account, _left_to_disconnect(account, did, failed, iso(_now(admin)))))
        return {
            "action": "disconnect",
            "ok": False,
            "user_id": account.user_id,
            "did": did,
            "status": DISCONNECTING,
            "error": f"{len(failed)} step(s) failed, the account is kept: run disconnect again ({failed[0]})",
        }
    _store(lambda: store.delete(account.user_id))
    _store(lambda: services.invites.delete(invites.reconnect_invite_id(account.user_id)))
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
    services.account_subscriptions(admin.api).unsubscribe_aaa(webhook.id, account.user_id, account)
    return None


def _store(call):
    try:
        return call()
    except AccountsUnavailable as exc:
        raise AdminError(str(exc)) from None


# --- ensure and status: the upkeep's -----------------------------------------------------------------------


def ensure_accounts(admin, result):
    """ensure's `accounts` part: accounts/upkeep.keep over the webhook ensure found, and the
    AccountsNeedingReconnect metric (none when the accounts could not be read: the count is not known)."""
    services = admin.services.connected
    if services is None:
        return {"ok": True, "configured": False, "note": NOT_CONFIGURED}
    webhook_id = (result.get("webhook") or {}).get("id") if result.get("webhook_valid") else None
    subscribed = (result.get("found") or {}).get("subscribed_user_ids")
    report = upkeep.keep(services, admin.api, _now(admin), webhook_id, subscribed)
    if "by_status" in report:
        result.setdefault("metrics", {})["AccountsNeedingReconnect"] = report["by_status"][NEEDS_RECONNECT]
    return report


def status_accounts(admin):
    """status's `accounts` section (accounts/upkeep.status): read only."""
    services = admin.services.connected
    if services is None:
        return {"configured": False, "note": NOT_CONFIGURED}
    return upkeep.status(services, _now(admin))


ACTIONS = {
    "invite": (InviteInput, invite, "an invite URL to connect an X account (expires_in, uses, flows, event_types)"),
    "accounts": (NoInput, accounts, "the connected accounts (no tokens) and their status"),
    "disconnect": (DisconnectInput, disconnect, "delete an account's subscriptions, revoke its tokens, delete it"),
}
ENSURE_PARTS = [("accounts", ensure_accounts)]
STATUS_PARTS = [("accounts", status_accounts)]
