"""Carrying out an XaaPlan against X, and ensure's `xaa` part (the desired state kept on every run).

XaaRunner does the steps in the order that frees room first: deletes, repoints, then creates.
- create: the credentials of the step in order; X's 401/403 falls back to the next one (logged, and
  the credential that worked is remembered in Account.xaa_auth); X's duplicate error adopts the existing
  subscription when it is ours (by X's id in the error, else by listing again once) and repoints it when
  it points elsewhere; X's cap error stops every further create.
- a 429 (or an endpoint still held from an earlier 429, holds.py) stops the run; what was not done is
  listed as `pending`, and the next run takes it up: every step is planned from X's state, so running
  again is always safe (idempotent) and resumes where the last one stopped.
Account records are updated once at the end (what was created, adopted, deleted, which credential
worked, which were refused), each with the store's conditional write: a concurrent change (connect,
another run) is re-read and the change applied to it, never overwritten.
"""

import threading
import time

from xwebhook.accounts.store import StaleAccount, put_changed
from xwebhook.errors import ReportedError
from xwebhook.migrate.accounts import gather
from xwebhook.migrate.desired import is_ours, plan_xaa
from xwebhook.migrate.holds import Held, RateHolds
from xwebhook.utc import iso
from xwebhook.x_api.errors import RateLimited, XError
from xwebhook.x_api.xaa import ENDPOINTS, CredentialRefused, DuplicateSubscription, SubscriptionCapReached

LIST = ENDPOINTS["xaa_list"].operation
CREATE = ENDPOINTS["xaa_create"].operation
UPDATE = ENDPOINTS["xaa_update"].operation
DELETE = ENDPOINTS["xaa_delete"].operation
# A step is not started with less than this left in the invocation: the run stops (the rest pending) and
# keeps the time to store what it did. One create is one X call (X_API_TIMEOUT_SECONDS at most, 10).
STEP_RESERVE_SECONDS = 15.0
# What one step is assumed to take before any was timed (X answers a create in a few hundred ms).
ASSUMED_STEP_SECONDS = 0.5


class CapStop(Exception):
    """X said the app is at its subscription cap: no further create is tried this run."""


class OutOfTime(Exception):
    """The invocation is close to its timeout: the rest waits for the next run."""


class AccountChanges:
    """What a run changed for one account, applied to the stored record at the end."""

    def __init__(self):
        self.subscriptions = {}  # name -> subscription id, or None when deleted
        self.deleted_ids = set()
        self.auth = {}  # event type -> credential kind that X accepted
        self.refused = {}  # event type -> [{"credential", "status", "reason"}]

    def apply(self, account, stamp):
        subscriptions = dict(account.xaa_subscriptions)
        for name, subscription_id in list(subscriptions.items()):
            if subscription_id in self.deleted_ids:
                del subscriptions[name]
        for name, subscription_id in self.subscriptions.items():
            if subscription_id is None:
                subscriptions.pop(name, None)
            else:
                subscriptions[name] = subscription_id
        migration = dict(account.migration)
        refused = {**migration.get("refused", {}), **self.refused}
        for event_type in self.auth:
            refused.pop(event_type, None)
        if refused:
            migration["refused"] = refused
        else:
            migration.pop("refused", None)
        return account.with_changes(
            xaa_subscriptions=subscriptions,
            xaa_auth={**account.xaa_auth, **self.auth},
            migration=migration,
            updated_at=stamp,
        )


class XaaRunner:
    def __init__(self, xaa, settings, holds, now_epoch, logger=None, seconds_left=None):
        self.seconds_left = seconds_left or (lambda: None)  # XClient.seconds_left: the invocation's deadline
        self.xaa = xaa
        self.settings = settings
        self.holds = holds
        self.now = now_epoch
        self.logger = logger
        self.did = []
        self.changes = {}  # user id -> AccountChanges
        self.stopped = None  # {"why", ...rate limit fields} once the run stopped early
        self._relisted = None
        self._timed = [0, 0.0]  # steps run, seconds they took (summed over concurrent ones)
        self._lock = threading.Lock()

    def time_for(self, steps, workers=1):
        """Whether `steps` more steps fit in what is left of the invocation (at the pace measured so far)."""
        left = self.seconds_left()
        if left is None:
            return True
        count, spent = self._timed
        pace = spent / count if count else ASSUMED_STEP_SECONDS
        return left - STEP_RESERVE_SECONDS >= steps * pace / max(1, min(workers, steps))

    # -- bookkeeping ------------------------------------------------------------------------------------

    def change(self, user_id):
        return self.changes.setdefault(user_id, AccountChanges())

    def _log(self, message, level="info", **fields):
        if self.logger is not None:
            getattr(self.logger, level)(message, extra={"xaa": fields})

    def _call(self, operation, function, *args, **kwargs):
        self.holds.check(operation)
        try:
            return function(*args, **kwargs)
        except RateLimited as exc:
            self.holds.hold(exc.operation, exc.reset_epoch)
            raise

    @property
    def failed(self):
        return [record for record in self.did if record.get("ok") is False]

    # -- running ----------------------------------------------------------------------------------------

    def run(self, steps, workers=1):
        """Run `steps` ([(description dict, thunk)]) until one stops the run; the rest are pending. With
        `workers` > 1 that many run at once (one account's creates: X's rate limit counts calls, not their
        pace, and a wave of 29 accounts takes a quarter of the invocation's time); records keep the order."""
        if workers <= 1 or len(steps) <= 1:
            for step in steps:
                self.did.append(self._one(*step))
            return self.did
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(steps))) as pool:
            self.did.extend(pool.map(lambda step: self._one(*step), steps))
        return self.did

    def _one(self, description, thunk):
        """One step's record: what it did, or pending once the run stopped (a 429, a hold, the clock)."""
        if self.stopped is not None:
            return {**description, "ok": False, "pending": True}
        try:
            left = self.seconds_left()
            if left is not None and left < STEP_RESERVE_SECONDS:
                raise OutOfTime(f"stopped with {left:.0f} s left in this invocation; the next run takes up the rest")
            started = time.monotonic()
            outcome = thunk()
            with self._lock:
                self._timed[0] += 1
                self._timed[1] += time.monotonic() - started
            return {**description, **outcome}
        except OutOfTime as exc:
            self._stop({"why": str(exc)})
            return {**description, "ok": False, "pending": True, "error": str(exc)}
        except (RateLimited, Held) as exc:
            until = exc.reset_epoch if isinstance(exc, RateLimited) else exc.until
            stopped = {"why": str(exc), "operation": exc.operation}
            if until:
                stopped.update(rate_limit_reset=iso(until), rate_limit_reset_epoch=until)
            self._stop(stopped)
            return {**description, "ok": False, "pending": True, "error": str(exc)}
        except CapStop as exc:
            self._stop({"why": str(exc)})
            return {**description, "ok": False, "error": str(exc)}

    def _stop(self, stopped):
        with self._lock:
            if self.stopped is None:  # the first reason wins (concurrent steps may all meet the 429)
                self.stopped = stopped

    def plan_steps(self, plan):
        steps = []
        for subscription, why in plan.delete:
            steps.append(
                (
                    {
                        "step": "delete",
                        "subscription_id": subscription.id,
                        "event_type": subscription.event_type,
                        "user_id": subscription.user_id,
                        "why": why,
                    },
                    lambda s=subscription: self.delete(s),
                )
            )
        for want, subscription in plan.repoint:
            steps.append(
                (
                    {
                        "step": "repoint",
                        "subscription_id": subscription.id,
                        "event_type": want.name,
                        "user_id": want.user_id,
                    },
                    lambda w=want, s=subscription: self.repoint(w, s, plan.webhook_id),
                )
            )
        for create in plan.create:
            steps.append(
                (
                    {"step": "create", "event_type": create.want.name, "user_id": create.want.user_id},
                    lambda c=create: self.create(c, plan.webhook_id),
                )
            )
        return steps

    # -- the steps ----------------------------------------------------------------------------------------

    def delete(self, subscription):
        existed = self._call(DELETE, self.xaa.delete, subscription.id)
        if subscription.user_id:
            self.change(subscription.user_id).deleted_ids.add(subscription.id)
        return {"ok": True, **({} if existed else {"note": "X no longer had it"})}

    def repoint(self, want, subscription, webhook_id):
        tag = self.settings.tag_for(want.user_id)
        changes = {}
        if subscription.tag != tag:
            changes["tag"] = tag
        if webhook_id is not None and subscription.webhook_id != webhook_id:
            changes["webhook_id"] = webhook_id
        if changes:
            self._call(UPDATE, self.xaa.update, subscription.id, **changes)
        self.change(want.user_id).subscriptions[want.name] = subscription.id
        return {"ok": True, "changed": sorted(changes)}

    def create(self, create, webhook_id):
        want, tried = create.want, []
        tag = self.settings.tag_for(want.user_id)
        for option in create.options:
            try:
                subscription = self._call(
                    CREATE, self.xaa.create, webhook_id, want.event_type, want.filter, tag, option.credential
                )
            except CredentialRefused as exc:
                tried.append({"credential": option.kind, "status": exc.status, "reason": exc.reason})
                self._log(
                    "X refused a credential for an XAA subscription; trying the next",
                    "warning",
                    user_id=want.user_id,
                    event_type=want.name,
                    credential=option.kind,
                    status=exc.status,
                )
                continue
            except DuplicateSubscription as exc:
                return self._adopt(want, webhook_id, exc, tried)
            except SubscriptionCapReached as exc:
                raise CapStop(f"X says the app is at its XAA subscription cap: {exc.reason}") from None
            except RateLimited:
                raise  # stops the run (run() reports the rest as pending)
            except XError as exc:
                return {"ok": False, "error": str(exc), **exc.details(), **({"refused": tried} if tried else {})}
            changes = self.change(want.user_id)
            changes.subscriptions[want.name] = subscription.id
            changes.auth[want.event_type] = option.kind
            self._log(
                "XAA subscription created",
                user_id=want.user_id,
                event_type=want.name,
                credential=option.kind,
                fallback=bool(tried),
            )
            record = {"ok": True, "subscription_id": subscription.id, "credential": option.kind}
            if tried:
                record["refused"] = tried
            return record
        self.change(want.user_id).refused[want.event_type] = tried
        kinds = ", ".join(item["credential"] for item in tried)
        return {"ok": False, "error": f"X refused every credential tried ({kinds})", "refused": tried}

    def _adopt(self, want, webhook_id, exc, tried):
        existing = self._find(want, exc.existing_id)
        if existing is None:
            return {"ok": False, "error": f"X says a subscription exists ({exc.reason}) but lists none like it"}
        if not is_ours(existing, webhook_id, self.settings) and existing.webhook_id not in (None, webhook_id):
            return {
                "ok": False,
                "error": f"X has subscription {existing.id} for this event type and filter on another webhook "
                f"({existing.webhook_id}); it is not ours, so it is left alone",
            }
        result = self.repoint(want, existing, webhook_id)
        self.change(want.user_id).subscriptions[want.name] = existing.id
        return {
            "ok": True,
            "subscription_id": existing.id,
            "adopted": True,
            "changed": result["changed"],
            **({"refused": tried} if tried else {}),
        }

    def _find(self, want, existing_id):
        if self._relisted is None:
            self._relisted = self._call(LIST, self.xaa.list_all, self.settings.page_size).subscriptions
        for subscription in self._relisted:
            if subscription.id == existing_id or (existing_id is None and subscription.key == want.key):
                return subscription
        return None

    # -- after the run ------------------------------------------------------------------------------------

    def save(self, store, views, stamp, keep_unstored=False):
        """Apply each account's changes to its stored record. Accounts not in the store are written only
        with `keep_unstored` (migrate apply adopts them into the store); errors are returned, not raised."""
        problems = []
        by_id = {view.user_id: view for view in views}
        for user_id, changes in self.changes.items():
            view = by_id.get(user_id)
            if store is None or view is None or not (view.stored or keep_unstored):
                continue
            try:
                put_changed(store, view.account, lambda account, c=changes: c.apply(account, stamp))
            except (StaleAccount, ReportedError) as exc:
                problems.append(f"account {user_id} not updated: {exc}")
        return problems


def list_subscriptions(admin, holds):
    """X's listing of every XAA subscription, minding the hold on the list endpoint."""
    holds.check(LIST)
    try:
        return admin.api.xaa.list_all(admin.settings.xaa.page_size)
    except RateLimited as exc:
        holds.hold(exc.operation, exc.reset_epoch)
        raise


def stopped_report(exc):
    """The report fields for a run stopped before it started (a 429 or a hold on the list endpoint)."""
    if isinstance(exc, RateLimited):
        return {"ok": False, "error": str(exc), **exc.details()}
    return {"ok": False, "error": str(exc), "rate_limit_reset": iso(exc.until), "rate_limit_reset_epoch": exc.until}


DID_SHOWN = 50  # steps an ensure report lists one by one (the log line stays small at 8,500 creates)


def did_report(did):
    """{"did": the first DID_SHOWN steps, failures first, "did_counts"?: {step: n} when there are more}."""
    if len(did) <= DID_SHOWN:
        return {"did": did}
    failed = [record for record in did if record.get("ok") is False]
    shown = (failed + [record for record in did if record.get("ok") is not False])[:DID_SHOWN]
    counts = {}
    for record in did:
        key = record["step"] + ("" if record.get("ok") else " (not done)")
        counts[key] = counts.get(key, 0) + 1
    return {"did": shown, "did_counts": counts, "did_more": len(did) - DID_SHOWN}


def ensure_xaa(admin, result):
    """ensure's `xaa` part: every active account's XAA subscriptions as its event-type set says."""
    settings = admin.settings.xaa
    store = admin.services.accounts
    if admin.api.flavour != "v2":
        return {"ok": True, "skipped": "XAA subscriptions exist in X API v2 only"}
    if store is None:
        return {"ok": True, "skipped": "no accounts store: ensure keeps XAA subscriptions once accounts are stored"}
    if not result.get("webhook_valid") or not result.get("webhook"):
        return {"ok": True, "skipped": "the webhook is not valid yet: XAA subscriptions are kept once it is"}
    now = admin.now()
    holds = RateHolds(admin.services.state, now.timestamp())
    try:
        listing = list_subscriptions(admin, holds)
    except (RateLimited, Held) as exc:
        holds.save()
        return stopped_report(exc)
    views = gather(store, admin.credentials(), None)
    plan = plan_xaa(views, listing.subscriptions, listing.used, result["webhook"]["id"], settings, now.timestamp())
    runner = XaaRunner(admin.api.xaa, settings, holds, now.timestamp(), admin.logger, admin.seconds_left)
    runner.run(runner.plan_steps(plan))
    problems = runner.save(store, views, now.isoformat())
    holds.save()
    report = {
        "ok": not runner.failed and runner.stopped is None and not plan.unfit and not problems,
        "listing": listing.report(),
        "present": len(plan.keep),
        **did_report(runner.did),
        "blocked": plan.blocked,
        "unfit": plan.unfit,
        "cap": {"cap": plan.cap, "used_before": plan.used, "room_after": plan.room},
        "rate_limits": holds.report(),
    }
    if runner.stopped:
        report.update({key: value for key, value in runner.stopped.items() if key != "why"})
        report["error"] = runner.stopped["why"]
    elif runner.failed:
        report["error"] = f"{len(runner.failed)} XAA step(s) failed: {runner.failed[0].get('error')}"
    elif plan.unfit:
        report["error"] = f"{len(plan.unfit)} account(s) do not fit under the XAA subscription cap"
    elif problems:
        report["error"] = problems[0]
    if problems:
        report["problems"] = problems
    return report
