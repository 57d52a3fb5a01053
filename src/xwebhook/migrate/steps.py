"""`migrate apply | cutover | rollback`: the effects, account by account, each mode idempotent and resumable.

Every mode starts from what X has (the XAA list, the AAA list of our webhook) and the accounts' records,
so running it again does only what is left: after a failure, a 429 (the rest is reported `pending`, and
the reset is remembered so the next run waits), or a concurrent ensure.

apply     sets the account's event-type set (its own, else XAA_DEFAULT_EVENT_TYPES), creates the missing
          XAA subscriptions (credential fallback, adoption of duplicates, never past the cap), and records
          what it created, what it adopted and when. AAA stays on: both families arrive (the overlap).
          From then on ensure keeps the subscriptions (it finishes an apply stopped by a 429).
cutover   deletes the account's AAA subscription once its XAA events have been seen (or the grace period
          passed for a quiet account: plan.verification); refuses an account not verified or whose XAA
          subscriptions are not all at X, unless `force`. ensure no longer subscribes it to AAA.
rollback  deletes the XAA subscriptions apply created (not those it adopted), and puts back the event-type
          set the account had before; a cut-over account is first subscribed to AAA again with its OAuth
          1.0a tokens (refused without them, or once AAA has ended).
"""

from dataclasses import dataclass

from xwebhook.admin.errors import FAILURES
from xwebhook.migrate import plan as plans
from xwebhook.migrate.desired import is_ours, plan_xaa, wants_for
from xwebhook.migrate.reconcile import XaaRunner, update_account
from xwebhook.x_api.errors import RateLimited

APPLIED = "applied"


@dataclass
class Run:
    """What one migrate invocation works with."""

    admin: object
    settings: object  # XaaSettings
    store: object  # AccountStore
    now: object  # datetime (UTC)
    webhook: object  # our Webhook
    views: list  # AccountView, every known account
    listing: object  # xaa.Listing
    holds: object  # RateHolds
    seen: object  # SeenEvents

    @property
    def now_epoch(self):
        return self.now.timestamp()

    @property
    def stamp(self):
        return self.now.isoformat()

    def runner(self):
        admin = self.admin
        return XaaRunner(admin.api.xaa, self.settings, self.holds, self.now_epoch, admin.logger, admin.seconds_left)


def _by_user(records):
    grouped = {}
    for record in records:
        grouped.setdefault(record.get("user_id"), []).append(record)
    return grouped


def _save(run, account, change):
    """(the stored account, None) after storing `change(account)` (creating the record of an account known
    only from the secret or X's list), or (None, the problem in words)."""
    try:
        return update_account(run.store, account, change), None
    except FAILURES as exc:
        return None, f"account {account.user_id} not updated: {exc}"
    except Exception as exc:  # StaleAccount after retries, a store outage
        return None, f"account {account.user_id} not updated: {exc.__class__.__name__}: {exc}"


# apply ----------------------------------------------------------------------------------------------------


def _applying(types, view, now_epoch, stamp):
    """The account marked as being applied, with its event-type set: stored before any create, so that
    ensure, running meanwhile, finishes the apply (it keeps the set) instead of undoing it."""

    def change(account):
        migration = dict(account.migration)
        if migration.get("state") != APPLIED:
            migration.update(
                state=APPLIED,
                applied_at=now_epoch,
                event_types_before=list(account.event_types),
                created={},
                adopted={},
            )
        migration["last"] = {"mode": "apply", "at": stamp}
        return account.with_changes(
            event_types=tuple(types),
            aaa=account.aaa or bool(view.aaa_subscribed),
            aaa_subscribed=bool(view.aaa_subscribed),
            migration=migration,
            updated_at=stamp,
        )

    return change


def _created(records):
    """{name: subscription id} of the runner's creates that made a new subscription."""
    done = (r for r in records if r.get("ok") and r["step"] == "create" and not r.get("adopted"))
    return {r["event_type"]: r["subscription_id"] for r in done}


def _adopted(records):
    """{name: subscription id} of what X had already: duplicates adopted, ours repointed."""
    done = (r for r in records if r.get("ok") and (r.get("adopted") or r["step"] == "repoint"))
    return {r["event_type"]: r["subscription_id"] for r in done}


def _applied(runner, user_id, records, kept, stamp):
    """What apply made of the account at X: the runner's changes, and which subscriptions it created
    (rollback deletes those) and which it found and adopted (rollback keeps those). `kept`: {name: id}
    of those X had and apply left as they were."""

    def change(account):
        if user_id in runner.changes:
            account = runner.changes[user_id].apply(account, stamp)
        migration = dict(account.migration)
        created = {**migration.get("created", {}), **_created(records)}
        mine = set(created.values())
        found = {**kept, **_adopted(records)}
        adopted = {**migration.get("adopted", {}), **{n: i for n, i in found.items() if i not in mine}}
        migration.update(created=created, adopted=adopted)
        return account.with_changes(migration=migration, updated_at=stamp)

    return change


def apply(run, chosen):
    types = {view.user_id: plans.event_types_for(view, run.settings) for view in chosen}
    cut_over = {view.user_id for view in chosen if view.account.migration.get("state") == plans.CUT_OVER}
    movable = [view for view in chosen if view.user_id not in cut_over]
    xaa_plan = plan_xaa(
        movable, run.listing.subscriptions, run.listing.used, run.webhook.id, run.settings, run.now_epoch, types, False
    )
    unfit = {item["user_id"]: item for item in xaa_plan.unfit}
    stored, problems = {}, {}
    for view in movable:
        if view.user_id not in unfit:
            change = _applying(types[view.user_id], view, run.now_epoch, run.stamp)
            stored[view.user_id], problems[view.user_id] = _save(run, view.account, change)
    # an account whose set could not be stored gets no subscription: ensure would take it away again
    xaa_plan.create = [step for step in xaa_plan.create if stored.get(step.want.user_id) is not None]
    runner = run.runner()
    runner.run(runner.plan_steps(xaa_plan))
    did = _by_user(runner.did)
    blocked = _by_user(xaa_plan.blocked)
    kept = {}  # user id -> {name: id} of what X had already
    for want, subscription in xaa_plan.keep:
        kept.setdefault(want.user_id, {})[want.name] = subscription.id
    reports = []
    for view in chosen:
        state = plans.state_of(view, run.listing.subscriptions, run.settings)
        report = {"user_id": view.user_id, "state_before": state}
        if view.user_id in cut_over:
            reports.append({**report, "ok": True, "note": "already cut over: XAA only", "state_after": plans.CUT_OVER})
            continue
        records = did.get(view.user_id, [])
        report.update(
            created=sorted(_created(records)),
            adopted=sorted(_adopted(records)),
            present=sorted(kept.get(view.user_id, {})),
            failed=[r for r in records if r.get("ok") is False and not r.get("pending")],
            pending=[r["event_type"] for r in records if r.get("pending")],
            blocked=[{"event_type": b["event_type"], "why": b["why"]} for b in blocked.get(view.user_id, [])],
        )
        problem = unfit[view.user_id]["why"] if view.user_id in unfit else problems.get(view.user_id)
        if stored.get(view.user_id) is not None:
            change = _applied(runner, view.user_id, records, kept.get(view.user_id, {}), run.stamp)
            _, problem = _save(run, stored[view.user_id], change)
        report["ok"] = not (report["failed"] or report["pending"] or report["blocked"] or problem)
        if view.user_id in unfit:
            report["state_after"] = state
        else:
            report["state_after"] = plans.OVERLAP if report["ok"] else plans.APPLYING
        if problem:
            report["error"] = problem
        reports.append(report)
    return reports, runner.stopped


def _stop(exc):
    """The `stopped` of a mode for X's 429 on an AAA call: why, and when X's limit resets."""
    return {"why": str(exc), "operation": exc.operation, **exc.details()}


# cutover --------------------------------------------------------------------------------------------------


def cutover(run, chosen, force):
    reports, stopped = [], None
    for view in chosen:
        report = {
            "user_id": view.user_id,
            "state_before": plans.state_of(view, run.listing.subscriptions, run.settings),
        }
        if stopped is not None:
            reports.append({**report, "ok": False, "pending": True, "error": stopped["why"]})
            continue
        refusal, verified = _cutover_refusal(run, view, report["state_before"], force)
        if refusal:
            reports.append({**report, "ok": False, "refused": True, "error": refusal, **verified})
            continue
        try:
            if view.aaa_subscribed is not False:
                run.admin.api.unsubscribe(run.webhook.id, view.user_id)
        except RateLimited as exc:
            stopped = _stop(exc)
            reports.append({**report, "ok": False, "pending": True, "error": stopped["why"]})
            continue
        except FAILURES as exc:
            reports.append({**report, "ok": False, "error": str(exc), **exc.details()})
            continue

        def change(account, verified=verified, already=report["state_before"] == plans.CUT_OVER):
            migration = dict(account.migration)
            if not already:
                migration.update(state=plans.CUT_OVER, cutover_at=run.now_epoch, verified=verified)
            migration["last"] = {"mode": "cutover", "at": run.stamp}
            return account.with_changes(aaa=False, aaa_subscribed=False, migration=migration, updated_at=run.stamp)

        _, problem = _save(run, view.account, change)
        done = {
            **report,
            "ok": problem is None,
            "aaa_unsubscribed": view.aaa_subscribed is not False,
            "verified": verified,
            "state_after": plans.CUT_OVER,
        }
        if report["state_before"] == plans.CUT_OVER:
            done["note"] = "already cut over" + (
                "; its AAA subscription was back and is gone again" if view.aaa_subscribed else ""
            )
        if problem:
            done["error"] = problem
        reports.append(done)
    return reports, stopped


def _cutover_refusal(run, view, state, force):
    """(why cutover must not go ahead, or None; the verification found)."""
    if state == plans.CUT_OVER:
        return None, view.account.migration.get("verified", {})
    if state not in (plans.OVERLAP, plans.APPLYING):
        return f"the account is {state}: run migrate apply first (cutover never leaves an account on neither API)", {}
    applied_at = view.account.migration.get("applied_at") or 0
    counts = run.seen.counts(view.user_id, applied_at)
    verified = plans.verification(view, counts, run.settings, run.now_epoch, run.seen.unknown_reason)
    if force:
        return None, {**verified, "forced": True}
    if state == plans.APPLYING:
        wanted = [w.name for w in wants_for(view.user_id, plans.event_types_for(view, run.settings), run.settings)]
        present = set(plans.present_names(view, run.listing.subscriptions, run.settings))
        missing = [name for name in wanted if name not in present]
        return f"XAA subscriptions missing at X: {', '.join(missing)} (run migrate apply, or force)", {
            "verification": verified
        }
    if not verified["verified"]:
        return f"not verified: {verified['why']} (wait, or force)", {"verification": verified}
    return None, verified


# rollback -------------------------------------------------------------------------------------------------


def rollback(run, chosen):
    runner = run.runner()
    reports = []
    for view in chosen:
        migration = view.account.migration
        state = plans.state_of(view, run.listing.subscriptions, run.settings)
        report = {"user_id": view.user_id, "state_before": state}
        if runner.stopped is not None:
            reports.append({**report, "ok": False, "pending": True, "error": runner.stopped["why"]})
            continue
        if state == plans.NOT_STARTED:
            reports.append({**report, "ok": True, "note": "nothing to roll back", "state_after": state})
            continue
        if state == plans.CUT_OVER:
            try:
                refusal = _restore_aaa(run, view)
            except RateLimited as exc:
                runner.stopped = _stop(exc)
                reports.append({**report, "ok": False, "pending": True, "error": runner.stopped["why"]})
                continue
            if refusal:
                reports.append({**report, **refusal})
                continue
            report["aaa_subscribed_again"] = True
        doomed = _created_subscriptions(run, view)
        steps = [
            (
                {"step": "delete", "subscription_id": s.id, "event_type": s.event_type, "user_id": view.user_id},
                lambda s=s: runner.delete(s),
            )
            for s in doomed
        ]
        before = len(runner.did)
        runner.run(steps)
        records = runner.did[before:]
        deleted = [r["event_type"] for r in records if r.get("ok")]

        def change(account, view=view, records=records, report=report):
            if view.user_id in runner.changes:
                account = runner.changes[view.user_id].apply(account, run.stamp)
            recorded = dict(account.migration)
            gone = {r["subscription_id"] for r in records if r.get("ok")}
            recorded["created"] = {k: v for k, v in recorded.get("created", {}).items() if v not in gone}
            recorded.update(
                state=plans.ROLLED_BACK, rolled_back_at=run.now_epoch, last={"mode": "rollback", "at": run.stamp}
            )
            return account.with_changes(
                event_types=tuple(recorded.get("event_types_before", ())),
                aaa=True,
                aaa_subscribed=True if report.get("aaa_subscribed_again") else account.aaa_subscribed,
                migration=recorded,
                updated_at=run.stamp,
            )

        _, problem = _save(run, view.account, change)
        failed = [r for r in records if r.get("ok") is False]
        reports.append(
            {
                **report,
                "ok": not failed and problem is None,
                "deleted": deleted,
                "kept_adopted": sorted(migration.get("adopted", {})),
                "failed": [r for r in failed if not r.get("pending")],
                "pending": [r["event_type"] for r in failed if r.get("pending")],
                "state_after": plans.ROLLED_BACK,
                **({"error": problem} if problem else {}),
            }
        )
    return reports, runner.stopped


def _restore_aaa(run, view):
    """Subscribe a cut-over account to AAA again before its XAA subscriptions go; a refusal dict, or None."""
    ends = plans.days_left(run.settings, run.now) == 0
    if ends:
        return {
            "ok": False,
            "refused": True,
            "error": f"AAA ended on {run.settings.aaa_ends}: rolling back would leave the account on neither API",
        }
    tokens = view.oauth1
    if tokens is None:
        return {
            "ok": False,
            "refused": True,
            "error": "cut over, and no OAuth 1.0a tokens to subscribe it to AAA "
            "again: its XAA subscriptions are kept (connect it with flow=oauth1 first)",
        }
    try:
        run.admin.api.subscribe(run.webhook.id, tokens)
    except RateLimited:
        raise  # stops the mode: the caller reports the rest as pending
    except FAILURES as exc:
        return {"ok": False, "error": f"could not subscribe it to AAA again: {exc}", **exc.details()}
    return None


def _created_subscriptions(run, view):
    """The account's XAA subscriptions at X that apply created: those it recorded, and any ours for the
    account that it neither adopted nor had before (a record lost to a failed write is no excuse to
    leave one behind)."""
    migration = view.account.migration
    created = set(migration.get("created", {}).values())
    adopted = set(migration.get("adopted", {}).values())
    before = {w.key for w in wants_for(view.user_id, migration.get("event_types_before", ()), run.settings)}
    doomed = []
    for subscription in run.listing.subscriptions:
        if subscription.user_id != view.user_id or subscription.id in adopted:
            continue
        ours = is_ours(subscription, run.webhook.id, run.settings)
        if subscription.id in created or (ours and subscription.key not in before):
            doomed.append(subscription)
    return doomed
