"""The AAA -> XAA migration's actions, ensure part and status section (logic: xwebhook.migrate).

migrate      {"mode": "plan" | "apply" | "cutover" | "rollback", "user_ids"?: [...], "force"?: false}
event_types  {"user_id", "event_types": [...] | "default"}: one account's XAA event-type set (ensure keeps it)
ensure part  `xaa`: every active account's XAA subscriptions as its set says (migrate.reconcile)
status part  `xaa`: the subscriptions, each AAA account's migration state, and who must reconnect (with
             an invite URL from connect's `invite` action, or "run invite" where it is not there)
"""

from typing import Literal

from pydantic import Field, field_validator

from xwebhook.accounts.models import Account
from xwebhook.admin.errors import FAILURES, AdminError, BadInput
from xwebhook.admin.models import ActionInput, NumericId, parse_input
from xwebhook.admin.result import succeeded
from xwebhook.migrate import plan as plans
from xwebhook.migrate import steps
from xwebhook.migrate.accounts import gather
from xwebhook.migrate.desired import plan_xaa
from xwebhook.migrate.holds import Held, RateHolds
from xwebhook.migrate.reconcile import admin_state, ensure_xaa, list_subscriptions, stopped_report, update_account
from xwebhook.migrate.seen import NoSeenEvents
from xwebhook.x_api import event_types as catalogue
from xwebhook.x_api.errors import RateLimited

MODES = ("plan", "apply", "cutover", "rollback")
INVITE_FIELDS = {"expires_in": "24h", "flows": ["oauth2"], "uses": 1}
STATUS_INVITES = 10  # invites one status call makes at most; the other accounts say "run invite"


class MigrateInput(ActionInput):
    mode: Literal["plan", "apply", "cutover", "rollback"]
    user_ids: list[NumericId] | None = Field(default=None, min_length=1, max_length=10000)
    force: bool = False


def _known_types(value):
    if value == "default":
        return value
    if not isinstance(value, list) or not value:
        raise ValueError('must be a non-empty list of XAA event types, or "default"')
    unknown = [name for name in value if not (isinstance(name, str) and catalogue.is_known(name))]
    if unknown:
        reasons = [catalogue.not_for_accounts(name) for name in unknown if isinstance(name, str)]
        raise ValueError(f"unknown XAA event type(s): {', '.join(map(str, unknown))} ({'; '.join(reasons)})"[:300])
    return list(dict.fromkeys(catalogue.canonical(name) for name in value))


class EventTypesInput(ActionInput):
    user_id: NumericId
    event_types: list[str] | Literal["default"]

    @field_validator("event_types", mode="before")
    @classmethod
    def _known(cls, value):
        return _known_types(value)


def _seen(admin):
    return admin.services.get("seen") or NoSeenEvents("the admin function has no dedup table reader")


def start_run(admin, request, holds):
    """steps.Run for a migrate invocation: our webhook, X's AAA and XAA lists, every known account."""
    admin.api.xaa.endpoint("xaa_list")  # Unsupported on v1.1 flavours, before any call
    store = admin.services.get("accounts")
    if request.mode != "plan" and store is None:
        raise AdminError(
            f"migrate {request.mode} keeps each account's record in the accounts store, which this function "
            "does not have (connect's AccountsTable); migrate plan works without it"
        )
    webhook, _ = admin.our_webhook()
    if webhook is None:
        raise AdminError(f"no webhook is registered for {admin.settings.webhook_url}; run ensure first")
    if request.mode == "apply" and not webhook.valid:
        raise AdminError(f"webhook {webhook.id} is invalid: run ensure (or revalidate) before apply")
    aaa = admin.api.list_subscriptions(webhook.id)
    listing = list_subscriptions(admin, holds)
    views = gather(store, admin.credentials(), aaa)
    if request.user_ids:
        unknown = sorted(set(request.user_ids) - {view.user_id for view in views})
        if unknown:
            raise BadInput(f"bad input: no account is known for user id(s) {', '.join(unknown)}")
    return steps.Run(admin, admin.settings.xaa, store, admin.now(), webhook, views, listing, holds, _seen(admin))


def _counts(run, chosen):
    since = run.now_epoch - run.settings.count_window_hours * 3600
    return {view.user_id: run.seen.counts(view.user_id, since) for view in chosen}


def migrate(admin, request):
    holds = RateHolds(admin_state(admin), admin.now().timestamp())
    try:
        run = start_run(admin, request, holds)
    except (RateLimited, Held) as exc:
        holds.save()
        return {"action": "migrate", "mode": request.mode, **stopped_report(exc)}
    chosen = plans.selected(run.views, request.user_ids)
    if request.mode == "plan":
        document = plans.migration_plan(
            run.views,
            run.listing,
            run.webhook.id,
            run.settings,
            run.now,
            _counts(run, chosen),
            run.seen.unknown_reason,
            request.user_ids,
        )
        return succeeded("migrate", mode="plan", **document, next="migrate apply (user_ids to go a few at a time)")
    if request.mode == "apply":
        reports, stopped = steps.apply(run, chosen)
    elif request.mode == "cutover":
        reports, stopped = steps.cutover(run, chosen, request.force)
    else:
        reports, stopped = steps.rollback(run, chosen)
    holds.save()
    result = {
        "action": "migrate",
        "mode": request.mode,
        "ok": all(report.get("ok") for report in reports),
        "accounts": reports,
        "rate_limits": holds.report(),
        "aaa_ends": run.settings.aaa_ends.isoformat(),
        "days_left": plans.days_left(run.settings, run.now),
    }
    if stopped:
        result.update({key: value for key, value in stopped.items() if key != "why"})
        when = " after the reset" if "rate_limit_reset" in stopped else ""
        result["error"] = f"stopped: {stopped['why']}; run the same mode again{when} to resume"
    elif not result["ok"]:
        first = next(report for report in reports if not report.get("ok"))
        result["error"] = f"{sum(not r.get('ok') for r in reports)} account(s) not done; {first['user_id']}: " + str(
            first.get("error") or "see its report"
        )
    if admin.logger is not None:
        admin.logger.info("migrate", extra={"migrate": {"mode": request.mode, "ok": result["ok"]}})
    return result


def set_event_types(admin, request):
    store = admin.services.get("accounts")
    if store is None:
        raise AdminError("event_types are kept in the accounts store, which this function does not have")
    types = admin.settings.xaa.default_event_types if request.event_types == "default" else request.event_types
    account = store.get(request.user_id)
    if account is None:
        known = {view.user_id for view in gather(None, admin.credentials(), None)}
        if request.user_id not in known:
            raise BadInput(f"bad input: no account is known for user id {request.user_id}")
        account = Account(request.user_id, aaa=True)
    stamp = admin.now().isoformat()
    saved = update_account(
        store, account, lambda current: current.with_changes(event_types=tuple(types), updated_at=stamp)
    )
    if saved is None:
        raise AdminError(f"account {request.user_id} was deleted meanwhile")
    return succeeded(
        "event_types",
        user_id=request.user_id,
        event_types=list(saved.event_types),
        scopes=list(catalogue.scopes_for(saved.event_types)),
        next="ensure creates and deletes the subscriptions (its schedule, or run ensure now)",
    )


# status -----------------------------------------------------------------------------------------------------


def invite_for(admin, view, event_types):
    """An invite URL for the account's owner to sign in again with OAuth 2.0, from connect's `invite`
    action; "run invite" when this admin function has no such action, or it could not make one."""
    entry = admin.actions.get("invite")
    if entry is None:
        return {"invite": "run invite", "why": "this admin function has no invite action (connect)"}
    model, function, _ = entry
    fields = {**INVITE_FIELDS, "event_types": list(event_types)}
    try:
        answer = function(admin, parse_input(model, fields))
    except Exception as exc:  # connect's action may refuse the fields or fail: status must still answer
        return {"invite": "run invite", "why": f"invite failed: {exc.__class__.__name__}: {exc}"[:300]}
    url = answer.get("invite_url") or answer.get("url") if isinstance(answer, dict) else None
    return {"invite_url": url} if url else {"invite": "run invite", "why": "invite answered no URL"}


def xaa_status(admin):
    """status's `xaa` section. Never raises: what could not be read is said in `error`."""
    if admin.api.flavour != "v2":
        return {"skipped": "XAA subscriptions exist in X API v2 only"}
    now = admin.now()
    settings = admin.settings.xaa
    holds = RateHolds(admin_state(admin), now.timestamp())
    section = {"aaa_ends": settings.aaa_ends.isoformat(), "days_left": plans.days_left(settings, now)}
    try:
        webhook, _ = admin.our_webhook()
        aaa = admin.api.list_subscriptions(webhook.id) if webhook is not None else None
        listing = list_subscriptions(admin, holds)
    except (RateLimited, Held) as exc:
        holds.save()
        return {**section, **stopped_report(exc)}
    except FAILURES as exc:
        return {**section, "error": str(exc), **exc.details()}
    store = admin.services.get("accounts")
    views = gather(store, admin.credentials(), aaa)
    webhook_id = webhook.id if webhook is not None else None
    ensure_plan = plan_xaa(views, listing.subscriptions, listing.used, webhook_id, settings, now.timestamp())
    migration = plans.migration_plan(views, listing, webhook_id, settings, now)
    accounts, reconnect = [], []
    for entry in migration["accounts"]:
        accounts.append(
            {key: entry[key] for key in ("user_id", "screen_name", "source", "status", "state", "aaa_subscribed")}
            | {"present": len(entry["subscriptions"]["present"]), "needed": entry["subscriptions"]["needed"]}
        )
        if entry["reconnect"]["needed"]:
            view = next(v for v in views if v.user_id == entry["user_id"])
            found = {"user_id": entry["user_id"], "why": entry["reconnect"]["why"]}
            if len(reconnect) < STATUS_INVITES:
                found |= invite_for(admin, view, plans.event_types_for(view, settings))
            else:
                found |= {"invite": "run invite", "why_no_url": f"status makes {STATUS_INVITES} invites at most"}
            reconnect.append(found)
    section.update(
        listing=listing.report(),
        accounts_store="configured" if store is not None else "not configured (connect's AccountsTable)",
        ensure_would=ensure_plan.report() if store is not None else "nothing: no accounts store",
        migration=accounts,
        reconnect=reconnect,
        rate_limits=holds.report(),
        cap={"cap": settings.subscription_cap, "used": listing.used},
    )
    return section


def aaa_retired(admin):
    """User ids ensure must no longer subscribe to AAA: the accounts migrate cut over."""
    store = admin.services.get("accounts")
    if store is None:
        return set()
    return {account.user_id for account in store.all() if account.migration.get("state") == plans.CUT_OVER}


ACTIONS = {
    "migrate": (
        MigrateInput,
        migrate,
        "AAA -> XAA: plan (changes nothing), apply (XAA on, AAA kept), cutover (AAA off once verified), rollback",
    ),
    "event_types": (EventTypesInput, set_event_types, 'set one account\'s XAA event types (or "default")'),
}
ENSURE_PARTS = [("xaa", ensure_xaa)]
STATUS_PARTS = [("xaa", xaa_status)]
