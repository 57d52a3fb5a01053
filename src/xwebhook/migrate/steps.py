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

from xwebhook.accounts.apis import APPLIED
from xwebhook.accounts.store import put_changed
from xwebhook.errors import ReportedError
from xwebhook.migrate import plan as plans
from xwebhook.migrate.desired import is_ours, plan_xaa, wants_for
from xwebhook.migrate.xaa_runner import XaaRunner
from xwebhook.x_api.errors import RateLimited


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


def save_account(run, account, change):
    """(the stored account, None) after storing `change(account)` (creating the record of an account known
    only from the secret or X's list), or (None, the problem in words)."""
    try:
        return put_changed(run.store, account, change), None
    except ReportedError as exc:
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


def _found(records, kept):
    """{name: (subscription id, made by this stack)} of what X had already: `kept` ({name: Subscription} X
    had as wanted), duplicates adopted and ours repointed. Made by this stack = it carried our tag before
    apply touched it (an earlier ensure, connect or apply made it)."""
    found = {name: (subscription.id, tagged) for name, (subscription, tagged) in kept.items()}
    for record in records:
        if record.get("ok") and (record.get("adopted") or record["step"] == "repoint"):
            found[record["event_type"]] = (record["subscription_id"], "tag" not in record.get("changed", ()))
    return found


def _applied(runner, user_id, records, kept, stamp):
    """What apply made of the account at X: the runner's changes, and which subscriptions are this stack's
    (`created`: rollback deletes them) and which it found made by others and adopted (rollback keeps
    them). A subscription already recorded keeps its side."""

    def change(account):
        if user_id in runner.changes:
            account = runner.changes[user_id].apply(account, stamp)
        migration = dict(account.migration)
        created = dict(migration.get("created", {}))
        adopted = dict(migration.get("adopted", {}))
        known = set(created.values()) | set(adopted.values())
        created.update(_created(records))
        for name, (subscription_id, ours) in _found(records, kept).items():
            if subscription_id not in known:
                (created if ours else adopted)[name] = subscription_id
        migration.update(created=created, adopted=adopted)
        return account.with_changes(migration=migration, updated_at=stamp)

    return change


def _steps_by_user(runner, xaa_plan):
    grouped = {}
    for description, thunk in runner.plan_steps(xaa_plan):
        grouped.setdefault(description["user_id"], []).append((description, thunk))
    return grouped


def _kept_by_user(xaa_plan, settings):
    kept = {}  # user id -> {name: (Subscription, made by this stack)}
    for want, subscription in xaa_plan.keep:
        ours = subscription.tag == settings.tag_for(want.user_id)
        kept.setdefault(want.user_id, {})[want.name] = (subscription, ours)
    return kept


def apply(run, chosen, dry_run=False):
    """Put `chosen` on XAA, account by account, whole: an account is started only when it fits under the
    cap and its steps fit in the invocation's time; one stopped half way (X's 429, X's own cap) says so
    and stays `applying`, which ensure and the next apply finish."""
    types = {view.user_id: plans.event_types_for(view, run.settings) for view in chosen}
    cut_over = {view.user_id for view in chosen if view.account.migration.get("state") == plans.CUT_OVER}
    empty = {view.user_id for view in chosen if not types[view.user_id]}
    native = {view.user_id for view in chosen if plans.state_of(view, (), run.settings) == plans.XAA_ONLY}
    movable = [view for view in chosen if view.user_id not in cut_over | empty | native]
    xaa_plan = plan_xaa(
        movable, run.listing.subscriptions, run.listing.used, run.webhook.id, run.settings, run.now_epoch, types, False
    )
    unfit = {item["user_id"]: item for item in xaa_plan.unfit}
    runner = run.runner()
    steps = _steps_by_user(runner, xaa_plan)
    blocked = _by_user(xaa_plan.blocked)
    kept = _kept_by_user(xaa_plan, run.settings)
    reports = []
    for view in chosen:
        user_id = view.user_id
        state = plans.state_of(view, run.listing.subscriptions, run.settings)
        report = {"user_id": user_id, "state_before": state}
        if user_id in cut_over:
            reports.append({**report, "ok": True, "note": "already cut over: XAA only", "state_after": plans.CUT_OVER})
            continue
        if state == plans.XAA_ONLY:
            note = "on XAA from the start (it connected that way): nothing to apply"
            reports.append({**report, "ok": True, "note": note, "state_after": state})
            continue
        if user_id in empty:
            why = "its event-type set is empty: give it types (migrate fit, or event_types) before apply"
            reports.append({**report, "ok": False, "refused": True, "error": why, "state_after": state})
            continue
        mine = steps.get(user_id, [])
        report.update(needed=len(wants_for(user_id, types[user_id], run.settings)), present=len(kept.get(user_id, {})))
        if user_id in unfit:
            reports.append({**report, "ok": False, "unfit": True, "error": unfit[user_id]["why"], "state_after": state})
            continue
        if dry_run:
            would = [d["event_type"] for d, _ in mine if d["step"] == "create"]
            blocked_here = [{"event_type": b["event_type"], "why": b["why"]} for b in blocked.get(user_id, [])]
            reports.append(
                {**report, "ok": not blocked_here, "would_create": would, "blocked": blocked_here, "state_after": state}
            )
            continue
        reports.append(_apply_one(run, runner, view, types[user_id], mine, kept.get(user_id, {}), blocked, report))
    return reports, runner.stopped


def _apply_one(run, runner, view, types, mine, kept, blocked, report):
    user_id = view.user_id
    if runner.stopped is None and mine and not runner.time_for(len(mine), run.settings.create_concurrency):
        runner.stopped = {"why": "not enough time left in this invocation for the next account; the next run takes it"}
    if runner.stopped is not None and report["state_before"] != plans.APPLYING:
        # not started: nothing stored, nothing made; the account stays where it was
        return {
            **report,
            "ok": False,
            "pending": [d["event_type"] for d, _ in mine],
            "not_started": True,
            "error": runner.stopped["why"],
            "state_after": report["state_before"],
        }
    stored, problem = save_account(run, view.account, _applying(types, view, run.now_epoch, run.stamp))
    records = []
    if stored is not None:  # an account whose set could not be stored gets no subscription
        before = len(runner.did)
        runner.run(mine, run.settings.create_concurrency)
        records = runner.did[before:]
        _, problem = save_account(run, stored, _applied(runner, user_id, records, kept, run.stamp))
    created = _created(records)
    failed = [
        {
            "event_type": r["event_type"],
            "error": r.get("error"),
            **({"refused": r["refused"]} if "refused" in r else {}),
        }
        for r in records
        if r.get("ok") is False and not r.get("pending")
    ]
    pending = [r["event_type"] for r in records if r.get("pending")]
    refused = [{"event_type": b["event_type"], "why": b["why"]} for b in blocked.get(user_id, [])]
    present = report["present"] + sum(1 for r in records if r.get("ok"))
    report.update(
        created=len(created),
        adopted=sum(1 for r in records if r.get("ok") and (r.get("adopted") or r["step"] == "repoint")),
        present=present,
        failed=failed,
        pending=pending,
        blocked=refused,
    )
    report["ok"] = not (failed or pending or refused or problem)
    report["state_after"] = plans.OVERLAP if report["ok"] else plans.APPLYING
    if not report["ok"] and stored is not None:
        report["half_made"] = (
            f"has {present} of its {report['needed']} XAA subscriptions; AAA still delivers everything. "
            "The next apply (or ensure) makes the rest; rollback removes them"
        )
    if problem:
        report["error"] = problem
    elif failed or pending:
        report["error"] = (failed[0]["error"] if failed else None) or (runner.stopped or {}).get("why")
    elif refused:
        report["error"] = refused[0]["why"]
    return report


def _stop(exc):
    """The `stopped` of a mode for X's 429 on an AAA call: why, and when X's limit resets."""
    return {"why": str(exc), "operation": exc.operation, **exc.details()}


# cutover --------------------------------------------------------------------------------------------------


def cutover(run, chosen, force, dry_run=False):
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
        if dry_run:
            would = view.aaa_subscribed is not False and report["state_before"] != plans.CUT_OVER
            reports.append({**report, "ok": True, "would_unsubscribe_aaa": would, "verified": verified})
            continue
        try:
            if view.aaa_subscribed is not False:
                run.admin.api.unsubscribe(run.webhook.id, view.user_id)
        except RateLimited as exc:
            stopped = _stop(exc)
            reports.append({**report, "ok": False, "pending": True, "error": stopped["why"]})
            continue
        except ReportedError as exc:
            reports.append({**report, "ok": False, "error": str(exc), **exc.details()})
            continue

        def change(account, verified=verified, already=report["state_before"] == plans.CUT_OVER):
            migration = dict(account.migration)
            if not already:
                migration.update(state=plans.CUT_OVER, cutover_at=run.now_epoch, verified=verified)
            migration["last"] = {"mode": "cutover", "at": run.stamp}
            return account.with_changes(aaa=False, aaa_subscribed=False, migration=migration, updated_at=run.stamp)

        _, problem = save_account(run, view.account, change)
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
    if state == plans.XAA_ONLY:
        return "the account is on XAA from the start (it connected that way): it has no AAA to cut", {}
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


def rollback(run, chosen, dry_run=False):
    runner = run.runner()
    reports = []
    for view in chosen:
        migration = view.account.migration
        state = plans.state_of(view, run.listing.subscriptions, run.settings)
        report = {"user_id": view.user_id, "state_before": state}
        if runner.stopped is not None:
            reports.append({**report, "ok": False, "pending": True, "error": runner.stopped["why"]})
            continue
        if state in (plans.NOT_STARTED, plans.XAA_ONLY):
            note = "nothing to roll back" + (": it is on XAA from the start" if state == plans.XAA_ONLY else "")
            reports.append({**report, "ok": True, "note": note, "state_after": state})
            continue
        if dry_run:
            doomed = _created_subscriptions(run, view)
            reports.append(
                {
                    **report,
                    "ok": True,
                    "would_delete": sorted(s.event_type for s in doomed),
                    "would_subscribe_aaa": state == plans.CUT_OVER,
                    "kept_adopted": sorted(migration.get("adopted", {})),
                }
            )
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

        _, problem = save_account(run, view.account, change)
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
    except ReportedError as exc:
        return {"ok": False, "error": f"could not subscribe it to AAA again: {exc}", **exc.details()}
    return None


def _created_subscriptions(run, view):
    """The account's XAA subscriptions at X that rollback deletes: every one this stack made for it (those
    apply recorded, and any other of ours: a record lost to a failed write is no excuse to leave one
    behind), never those apply found made by others and adopted. On AAA again, the account has no XAA
    subscription but those (accounts/apis.py)."""
    migration = view.account.migration
    created = set(migration.get("created", {}).values())
    adopted = set(migration.get("adopted", {}).values())
    doomed = []
    for subscription in run.listing.subscriptions:
        if subscription.user_id != view.user_id or subscription.id in adopted:
            continue
        if subscription.id in created or is_ours(subscription, run.webhook.id, run.settings):
            doomed.append(subscription)
    return doomed
