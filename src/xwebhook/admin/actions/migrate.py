"""The AAA -> XAA migration's actions, ensure part and status section (logic: xwebhook.migrate).

migrate      {"mode": ..., "user_ids"?: [...] | "1,2" | 1, "dry_run"?: false, ...}
               plan       what each account needs, the cap (and a `fit` from what each produced), cost;
                          changes nothing ("floor": types `fit` keeps for every account)
               status     every account's state as X has it, and what needs the operator; changes nothing
               apply      XAA on (AAA kept): the overlap. Without user_ids: every AAA account not rolled back
               cutover    AAA off once verified ("force": true overrides)
               rollback   back to AAA; holds until apply is run for the account again
               fit        stores each account's `fit` set from the plan, or the operator's `sets`
               reconnect  an invite bound to each account that needs its owner to sign in with OAuth 2.0
                          (reused until used or expired): user id, handle, URL, expiry
             `dry_run` makes apply, cutover, rollback, fit and reconnect say what they would do, and do nothing.
             Every answer carries `x_rate` (X's rate-limit headers of the last calls): the CLI sizes its
             waves with them.
event_types  {"user_id", "event_types": [...] | "default"}: one account's XAA event-type set (ensure keeps it)
ensure part  `xaa`: every account on XAA gets its subscriptions as its set says (migrate.xaa_runner)
status part  `xaa`: counts per state, the accounts needing attention, who must reconnect (read only:
             status never writes, so the console can poll it)
"""

from typing import Literal

from pydantic import Field, field_validator

from xwebhook.accounts import apis, invites
from xwebhook.accounts.models import NEEDS_RECONNECT, Account
from xwebhook.accounts.store import put_changed
from xwebhook.admin.errors import AdminError, BadInput
from xwebhook.admin.models import ActionInput, NumericId
from xwebhook.admin.result import succeeded
from xwebhook.errors import ReportedError
from xwebhook.migrate import plan as plans
from xwebhook.migrate import steps
from xwebhook.migrate.accounts import gather
from xwebhook.migrate.desired import plan_xaa
from xwebhook.migrate.holds import Held, RateHolds
from xwebhook.migrate.seen import NoSeenEvents
from xwebhook.migrate.xaa_runner import ensure_xaa, list_subscriptions, stopped_report
from xwebhook.utc import iso
from xwebhook.x_api import event_types as catalogue
from xwebhook.x_api.errors import RateLimited

MODES = ("plan", "status", "apply", "cutover", "rollback", "fit", "reconnect")
WRITING_MODES = ("apply", "cutover", "rollback", "fit", "reconnect")
STATUS_ATTENTION = 25  # accounts `status` names at most (migrate status lists them all)
MAX_USER_IDS = 10000


def _user_ids(value):
    """user_ids as a list: a list, one id (a number or text), or ids separated by commas or spaces."""
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, bool):
        raise ValueError("must be a list of X user ids")
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    raise ValueError("must be a list of X user ids")


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


class MigrateInput(ActionInput):
    mode: Literal["plan", "status", "apply", "cutover", "rollback", "fit", "reconnect"]
    user_ids: list[NumericId] | None = Field(default=None, min_length=1, max_length=MAX_USER_IDS)
    force: bool = False
    dry_run: bool = False
    floor: list[str] | None = Field(default=None, max_length=50)  # plan, fit: types fit keeps for every account
    sets: dict[NumericId, list[str] | Literal["default"]] | None = Field(default=None, max_length=MAX_USER_IDS)
    counts: bool = True  # plan: read each account's event counts (cost, fit); the CLI's waves need none
    expires_in: str = "7d"  # reconnect: how long a new invite lives
    without_oauth2: bool = False  # reconnect: also every account without an OAuth 2.0 token, before X refuses

    @field_validator("user_ids", mode="before")
    @classmethod
    def _ids(cls, value):
        return _user_ids(value)

    @field_validator("floor", mode="before")
    @classmethod
    def _floor(cls, value):
        return None if value is None else _known_types(value if isinstance(value, list) else _user_ids(value))

    @field_validator("sets", mode="before")
    @classmethod
    def _sets(cls, value):
        if value is None:
            return value
        if not isinstance(value, dict):
            raise ValueError('must map user ids to lists of XAA event types (or "default")')
        return {user_id: _known_types(types) for user_id, types in value.items()}

    @field_validator("expires_in")
    @classmethod
    def _expiry(cls, value):
        invites.parse_duration(value)
        return value


class EventTypesInput(ActionInput):
    user_id: NumericId
    event_types: list[str] | Literal["default"]

    @field_validator("event_types", mode="before")
    @classmethod
    def _known(cls, value):
        return _known_types(value)


def _seen(admin):
    return admin.services.seen or NoSeenEvents("the admin function has no dedup table reader")


def start_run(admin, request, holds):
    """steps.Run for a migrate invocation: our webhook, X's AAA and XAA lists, every known account."""
    admin.api.xaa.endpoint("xaa_list")  # Unsupported on v1.1 flavours, before any call
    store = admin.services.accounts
    if request.mode in WRITING_MODES and store is None:
        raise AdminError(
            f"migrate {request.mode} keeps each account's record in the accounts store, which this function "
            "does not have (connect's AccountsTable); migrate plan and status work without it"
        )
    webhook, _ = admin.our_webhook()
    if webhook is None:
        raise AdminError(f"no webhook is registered for {admin.settings.webhook_url}; run ensure first")
    if request.mode == "apply" and not webhook.valid and not request.dry_run:
        raise AdminError(f"webhook {webhook.id} is invalid: run ensure (or revalidate) before apply")
    aaa = admin.api.list_subscriptions(webhook.id)
    listing = list_subscriptions(admin, holds)
    named = set(request.user_ids or ()) | set(request.sets or ())
    views = gather(store, admin.credentials(), aaa, sorted(named) if named and request.mode in WRITING_MODES else None)
    known = {view.user_id for view in views}
    unknown = sorted((set(request.user_ids or ()) | set(request.sets or ())) - known)
    if unknown:
        raise BadInput(f"bad input: no account is known for user id(s) {', '.join(unknown)[:300]}")
    return steps.Run(admin, admin.settings.xaa, store, admin.now(), webhook, views, listing, holds, _seen(admin))


def _counts(run, chosen):
    since = run.now_epoch - run.settings.count_window_hours * 3600
    return {view.user_id: run.seen.counts(view.user_id, since) for view in chosen}


def _plan(run, user_ids, counts=None, floor=()):
    return plans.migration_plan(
        run.views, run.listing, run.webhook.id, run.settings, run.now, counts, run.seen.unknown_reason, user_ids, floor
    )


def _floor(request, settings):
    return tuple(request.floor if request.floor is not None else settings.fit_floor)


def migrate(admin, request):
    holds = RateHolds(admin.services.state, admin.now().timestamp())
    try:
        run = start_run(admin, request, holds)
    except (RateLimited, Held) as exc:
        holds.save()
        return {"action": "migrate", "mode": request.mode, **stopped_report(exc), "x_rate": admin.x_rate_limits()}
    chosen = plans.selected(run.views, request.user_ids)
    if request.mode in ("plan", "status"):
        result = _read(run, request, chosen)
    elif request.mode == "fit":
        result = _fit(run, request, chosen)
    elif request.mode == "reconnect":
        result = _reconnect(admin, run, request, chosen)
    else:
        result = _change(run, request, chosen)
    holds.save()
    result.update(x_rate=admin.x_rate_limits(), rate_limits=holds.report())
    if admin.logger is not None:
        summary = {"mode": request.mode, "ok": result["ok"], "dry_run": request.dry_run}
        admin.logger.info("migrate", extra={"migrate": summary})
    return result


def _read(run, request, chosen):
    if request.mode == "status":
        by_user = plans.ours_by_user(run.listing.subscriptions, run.webhook.id, run.settings)
        accounts = [plans.account_status(view, run.listing.subscriptions, by_user, run.settings) for view in chosen]
        counts = plans.state_counts(accounts)
        stuck = [entry["user_id"] for entry in accounts if entry["stuck"]]
        return succeeded(
            "migrate",
            mode="status",
            aaa_ends=run.settings.aaa_ends.isoformat(),
            days_left=plans.days_left(run.settings, run.now),
            counts=counts,
            stuck=stuck,
            accounts=accounts,
            cap={"cap": run.settings.subscription_cap, "used": run.listing.used},
            next=plans.next_step(counts, len(stuck)),
            changes_nothing=True,
        )
    counts = _counts(run, chosen) if request.counts else None
    document = _plan(run, request.user_ids, counts, _floor(request, run.settings))
    cap = document["cap"]
    nxt = plans.next_step(document["counts"], len(document["stuck"]), len(cap["does_not_fit"]), cap["verdict"])
    return succeeded("migrate", mode="plan", **document, next=nxt)


def _change(run, request, chosen):
    skipped = []
    if request.mode == "apply":
        if not request.user_ids:  # a rolled-back account stays so until it is named again
            skipped = [view for view in chosen if apis.migration_state(view.account) == apis.ROLLED_BACK]
            chosen = [view for view in chosen if view not in skipped]
        reports, stopped = steps.apply(run, chosen, request.dry_run)
    elif request.mode == "cutover":
        reports, stopped = steps.cutover(run, chosen, request.force, request.dry_run)
    else:
        reports, stopped = steps.rollback(run, chosen, request.dry_run)
    for view in skipped:
        note = "rolled back: it stays on AAA until apply names it (user_ids)"
        reports.append({"user_id": view.user_id, "state_before": plans.ROLLED_BACK, "ok": True, "note": note})
    result = {
        "action": "migrate",
        "mode": request.mode,
        "dry_run": request.dry_run,
        "ok": all(report.get("ok") for report in reports),
        "accounts": reports,
        "aaa_ends": run.settings.aaa_ends.isoformat(),
        "days_left": plans.days_left(run.settings, run.now),
    }
    half = [report["user_id"] for report in reports if report.get("half_made")]
    if half:
        result["half_made"] = half
    if stopped:
        result.update({key: value for key, value in stopped.items() if key != "why"})
        when = " after the reset" if "rate_limit_reset" in stopped else ""
        result["stopped"] = stopped["why"]
        result["error"] = f"stopped: {stopped['why']}; run the same mode again{when} to resume"
    elif not result["ok"]:
        first = next(report for report in reports if not report.get("ok"))
        result["error"] = f"{sum(not r.get('ok') for r in reports)} account(s) not done; {first['user_id']}: " + str(
            first.get("error") or "see its report"
        )
    return result


def _fit(run, request, chosen):
    """Store each account's fit set (from what it produced, with the floor), or the operator's `sets`."""
    if request.sets is not None:
        given = {user_id: types for user_id, types in request.sets.items()}
        chosen = [view for view in run.views if view.user_id in given]
        proposal = {
            user_id: {
                "event_types": list(run.settings.default_event_types if types == "default" else types),
                "from": "given",
            }
            for user_id, types in given.items()
        }
    else:
        proposal = plans.fit_proposal(chosen, _counts(run, chosen), run.settings, _floor(request, run.settings))
    reports = []
    for view in chosen:
        chosen_types = tuple(proposal[view.user_id]["event_types"])
        report = {
            "user_id": view.user_id,
            "from": proposal[view.user_id]["from"],
            "event_types": list(chosen_types),
            "before": list(plans.event_types_for(view, run.settings)),
        }
        if not chosen_types:
            reports.append({**report, "ok": False, "error": "no event type produced and no floor: give it types"})
            continue
        if apis.migration_state(view.account) == apis.CUT_OVER and not request.sets:
            reports.append(
                {**report, "ok": True, "note": "cut over: its set is left as it is (give sets to change it)"}
            )
            continue
        if request.dry_run:
            reports.append({**report, "ok": True})
            continue
        _, problem = steps.save_account(
            run, view.account, lambda a, t=chosen_types: a.with_changes(event_types=t, updated_at=run.stamp)
        )
        reports.append({**report, "ok": problem is None, **({"error": problem} if problem else {})})
    ok = all(report["ok"] for report in reports)
    result = {"action": "migrate", "mode": "fit", "dry_run": request.dry_run, "ok": ok, "accounts": reports}
    if not ok:
        result["error"] = f"{sum(not r['ok'] for r in reports)} account(s) got no set; see accounts[].error"
    return result


# reconnect ---------------------------------------------------------------------------------------------------


def needs_reconnect(run, chosen, without_oauth2=False):
    """(view, why) of each account whose owner must sign in (again) with OAuth 2.0 for its move to XAA:
    X refused its OAuth 1.0a tokens or they cannot be used, its OAuth 2.0 token lacks a scope, or its tokens
    stopped working; with `without_oauth2`, every active account without an OAuth 2.0 token too."""
    document = _plan(run, [view.user_id for view in chosen] or None)
    by_id = {view.user_id: view for view in chosen}
    found = []
    for entry in document["accounts"]:
        view = by_id[entry["user_id"]]
        if entry["reconnect"]["needed"]:
            found.append((view, entry["reconnect"]["why"]))
        elif view.account.status == NEEDS_RECONNECT:
            found.append((view, view.account.reason or "its tokens stopped working"))
        elif without_oauth2 and view.oauth2 is None and view.active:
            found.append((view, "no OAuth 2.0 token yet (without_oauth2)"))
    return found


def _reconnect(admin, run, request, chosen):
    services = admin.services.connected
    if services is None:
        raise AdminError("reconnect invites need the accounts services (ACCOUNTS_TABLE): this function has none")
    settings = services.settings
    seconds = invites.parse_duration(request.expires_in)
    now = run.now_epoch
    rows = []
    key = None
    for view, why in needs_reconnect(run, chosen, request.without_oauth2):
        row = {"user_id": view.user_id, "screen_name": view.account.screen_name, "why": why}
        types = plans.event_types_for(view, run.settings)
        try:
            if request.dry_run:
                current = invites.usable_bound_invite(services.invites, view.user_id, now)
                row["would"] = "reuse" if current is not None else "make"
                rows.append({**row, "ok": True})
                continue
            made, fresh = invites.bound_invite(services.invites, view.user_id, now, ("oauth2",), types, seconds=seconds)
        except ReportedError as exc:
            rows.append({**row, "ok": False, "error": str(exc)})
            continue
        key = key or services.signing_keys().invite
        rows.append(
            {
                **row,
                "ok": True,
                "invite_url": invites.url_for(settings.connect_url, key, made.invite_id),
                "expires_at": iso(made.expires_at),
                "made": fresh,
            }
        )
    ok = all(row["ok"] for row in rows)
    result = {
        "action": "migrate",
        "mode": "reconnect",
        "dry_run": request.dry_run,
        "ok": ok,
        "accounts": rows,
        "made": sum(1 for row in rows if row.get("made")),
        "reused": sum(1 for row in rows if row.get("made") is False),
    }
    if not ok:
        result["error"] = next(row["error"] for row in rows if not row["ok"])
    return result


def set_event_types(admin, request):
    store = admin.services.accounts
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
    saved = put_changed(
        store, account, lambda current: current.with_changes(event_types=tuple(types), updated_at=stamp)
    )
    if saved is None:
        raise AdminError(f"account {request.user_id} was deleted meanwhile")
    on_xaa = apis.on_xaa(saved)
    return succeeded(
        "event_types",
        user_id=request.user_id,
        event_types=list(saved.event_types),
        scopes=list(catalogue.scopes_for(saved.event_types)),
        on_xaa=on_xaa,
        next="ensure creates and deletes the subscriptions (its schedule, or run ensure now)"
        if on_xaa
        else "the account is on AAA: its set is used when migrate apply moves it",
    )


# status -----------------------------------------------------------------------------------------------------


def xaa_status(admin):
    """status's `xaa` section: counts per state, the accounts that need the operator (the stuck first), what
    ensure would do. Read only, whatever it finds (the console polls it). Never raises: what could not be
    read is said in `error`."""
    if admin.api.flavour != "v2":
        return {"skipped": "XAA subscriptions exist in X API v2 only"}
    now = admin.now()
    settings = admin.settings.xaa
    holds = RateHolds(admin.services.state, now.timestamp())
    section = {"aaa_ends": settings.aaa_ends.isoformat(), "days_left": plans.days_left(settings, now)}
    try:
        webhook, _ = admin.our_webhook()
        aaa = admin.api.list_subscriptions(webhook.id) if webhook is not None else None
        listing = list_subscriptions(admin, holds)
    except (RateLimited, Held) as exc:
        return {**section, **stopped_report(exc)}
    except ReportedError as exc:
        return {**section, "error": str(exc), **exc.details()}
    store = admin.services.accounts
    views = gather(store, admin.credentials(), aaa)
    webhook_id = webhook.id if webhook is not None else None
    ensure_plan = plan_xaa(views, listing.subscriptions, listing.used, webhook_id, settings, now.timestamp())
    by_user = plans.ours_by_user(listing.subscriptions, webhook_id, settings)
    accounts = [
        plans.account_status(view, listing.subscriptions, by_user, settings) for view in plans.selected(views, None)
    ]
    counts = plans.state_counts(accounts)
    stuck = [entry for entry in accounts if entry["stuck"]]
    needing = stuck + [entry for entry in accounts if entry["attention"] and not entry["stuck"]]
    section.update(
        listing=listing.report(),
        accounts_store="configured" if store is not None else "not configured (connect's AccountsTable)",
        counts=counts,
        stuck=[entry["user_id"] for entry in stuck],
        attention=needing[:STATUS_ATTENTION],
        attention_total=len(needing),
        ensure_would=_ensure_summary(ensure_plan) if store is not None else "nothing: no accounts store",
        rate_limits=holds.report(),
        cap={"cap": settings.subscription_cap, "used": listing.used},
        next=plans.next_step(counts, len(stuck)),
    )
    if len(needing) > STATUS_ATTENTION:
        section["attention_more"] = f"{len(needing) - STATUS_ATTENTION} more: xwebhook migrate status lists them all"
    return section


def _ensure_summary(plan, shown=5):
    """ensure's next run in counts, with the first few of each kind of step."""
    report = plan.report()
    summary = {"present": report["present"], "cap": report["cap"]}
    for kind in ("create", "delete", "repoint", "blocked", "unfit"):
        items = report[kind]
        summary[kind] = len(items)
        if items:
            summary[f"{kind}_first"] = items[:shown]
    return summary


def aaa_retired(admin):
    """User ids ensure must no longer subscribe to AAA: the accounts whose record says they are not on it."""
    store = admin.services.accounts
    if store is None:
        return set()
    return {account.user_id for account in store.all() if apis.migration_state(account) == apis.CUT_OVER}


ACTIONS = {
    "migrate": (
        MigrateInput,
        migrate,
        "AAA -> XAA: plan, status (change nothing), apply (XAA on, AAA kept), cutover (AAA off once verified), "
        "rollback, fit (smaller sets), reconnect (bound invites); dry_run on every one that writes",
    ),
    "event_types": (EventTypesInput, set_event_types, 'set one account\'s XAA event types (or "default")'),
}
ENSURE_PARTS = [("xaa", ensure_xaa)]
STATUS_PARTS = [("xaa", xaa_status)]
