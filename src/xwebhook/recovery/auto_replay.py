"""Recovery without a person: ensure replays, on its own and once, what X could not deliver.

An ensure part (admin/wiring.py ENSURE_PARTS), with its memory in the admin state (recovery/state.py). Two
kinds of window are found:
- **The webhook was invalid.** X sends an invalid webhook nothing. When ensure finds it invalid and gets
  it valid again, the window runs from the last time an ensure saw it valid to now (without that
  memory: the whole 24 h that X keeps). While it stays invalid, the outage stays open in the state.
- **Ingest answered 5xx** (recovery/delivery_failures.py: the DeliveriesFailed metric, per minute). A failed
  minute m stands for [m - 5, m + 1): X retries a failed delivery for about 5 minutes (after ~3 s, 27 s
  and 242 s), so a 5xx at m may be the retry of an event first sent up to 5 minutes earlier. A stretch
  is replayed once it is over: its last failed minute SETTLE_MINUTES back (X's own retries may still
  succeed, and the metric arrives a minute or two late).

Then, on every run:
  new windows + those still pending - those already replayed (by this part or the `replay` action)
  -> merged: windows less than MERGE_GAP_MINUTES apart become one (X runs one job per webhook at a time)
  -> clipped to X's reach, the last 24 h with a minute to spare: what is older is lost for good, and is
     said once (the report, the ReplayMinutesLost metric, the state's `lost` list)
  -> the oldest window is replayed (POST /2/webhooks/replay) when the webhook is valid now, AUTO_REPLAY
     is on, ingest deduplicates (REPLAY_DEDUP) and X is not rate-limiting us. One job per run.
     X answers 429: nothing until its reset. 409 (a job of ours still running): the next run.
     Another refusal (4xx): the window is recorded as refused, not tried again. 5xx or unreachable:
     the next run.
Ingest's dedup table drops every event of the window that it already queued, so each event reaches the
queue exactly once. With ReplayDedup=disabled there is no table: a replay would queue copies, so the
windows are reported (and expire into `lost`) but never replayed on their own.

⚠ X documents replay as covering "all events delivered or attempted to be delivered": whether X
attempted deliveries to an invalid webhook is not documented. The job id is kept; the replay's own
`replay_job_status` event on the queue says what X did.
"""

import os
from dataclasses import dataclass

from xwebhook.env import flag, number
from xwebhook.errors import ReportedError
from xwebhook.recovery.state import NO_STATE, StateUnavailable, cut, read
from xwebhook.recovery.windows import Window, iso, merge, minute_of, split_at, stamp, stretches, subtract
from xwebhook.x_api.errors import RateLimited, XApiError

REACH_MINUTES = 24 * 60  # X replays the last 24 hours
SPARE_MINUTES = 1  # kept off the edge of X's reach, for the clock difference between X and us
RETRY_LEAD_MINUTES = 5  # a 5xx at minute m may be X's retry of an event sent up to 5 minutes before
SETTLE_MINUTES = 10  # a 5xx stretch is replayed once its last failed minute is this far back
MERGE_GAP_MINUTES = 60  # windows closer than this are replayed as one job
KEEP = {"replayed": 10, "refused": 5, "lost": 5}  # past records kept in the state (state.encode may trim more)
MAX_PENDING = 12
INVALID = "webhook invalid"
FAILED = "ingest 5xx"


@dataclass(frozen=True)
class RecoverySettings:
    state_parameter: str = ""  # ADMIN_STATE_PARAMETER: the SSM parameter of the admin state ("" = no memory)
    auto_replay: bool = True  # AUTO_REPLAY
    replay_dedup: bool = True  # REPLAY_DEDUP: whether ingest has its dedup table (the template's ReplayDedup)
    settle_minutes: int = SETTLE_MINUTES  # REPLAY_SETTLE_MINUTES: how long a 5xx stretch must be over

    @classmethod
    def from_env(cls, env=os.environ):
        return cls(
            state_parameter=env.get("ADMIN_STATE_PARAMETER", "").strip(),
            auto_replay=flag(env, "AUTO_REPLAY", True),
            replay_dedup=flag(env, "REPLAY_DEDUP", True),
            settle_minutes=number(env, "REPLAY_SETTLE_MINUTES", SETTLE_MINUTES, 0, 180),
        )


def services(settings, ssm_client, cloudwatch_client):
    """What the recovery reads with an ADMIN_STATE_PARAMETER: {"state": SsmStateStore, "delivery_failures":
    CloudWatchDeliveryFailures}; {} without one. The clients are factories: boto3 is imported when a part
    first needs it, not at the admin's init."""
    from xwebhook.recovery.delivery_failures import CloudWatchDeliveryFailures
    from xwebhook.recovery.state import SsmStateStore

    if not settings.state_parameter:
        return {}
    return {
        "state": SsmStateStore(ssm_client, settings.state_parameter),
        "delivery_failures": CloudWatchDeliveryFailures(cloudwatch_client),
    }


def _windows(records):
    return [window for window in (Window.from_dict(record) for record in records or []) if window is not None]


def _keep(memory, name, records):
    memory[name] = (list(memory.get(name) or []) + records)[-KEEP[name] :]


class _Run:
    """One ensure run's view of the recovery memory, and its report."""

    def __init__(self, admin, result, document):
        self.admin = admin
        self.result = result
        self.document = document
        self.memory = document.setdefault("recovery", {})
        self.settings = admin.services.recovery
        self.now = minute_of(admin.now())
        self.earliest = self.now - REACH_MINUTES + SPARE_MINUTES  # the oldest minute X still replays
        self.report = {"ok": True, "auto_replay": self.settings.auto_replay and self.settings.replay_dedup}
        self.metrics = {"AutoReplayJobs": 0, "AutoReplayRefused": 0, "ReplayMinutesLost": 0}
        self.found = []  # windows found in this run

    def fail(self, message):
        self.report["ok"] = False
        self.report.setdefault("error", message)

    # the webhook ------------------------------------------------------------------------------------------

    def follow_the_webhook(self):
        observed = (self.result.get("found") or {}).get("webhook")
        current = self.result.get("webhook")
        webhook_id = (current or observed or {}).get("id")
        if webhook_id is None:
            return None
        if self.memory.get("webhook_id") != webhook_id:
            self._new_webhook(webhook_id)
        valid_now = bool(self.result.get("webhook_valid"))
        seen_valid = self.memory.get("webhook_seen_valid_at")
        if observed is not None and not observed.get("valid") and self.memory.get("outage_from") is None:
            # It went invalid some time after an ensure last saw it valid.
            start = seen_valid if seen_valid is not None else self.earliest
            self.memory["outage_from"] = start
            if seen_valid is None:
                self.report["note"] = "not known since when the webhook was invalid: replaying all of X's 24 h"
        outage = self.memory.get("outage_from")
        if outage is not None:
            if valid_now:
                self.found.append(Window(outage, self.now, INVALID))
                del self.memory["outage_from"]
            else:
                self.report["outage"] = {"since": stamp(outage), "note": "replayed once the webhook is valid again"}
        if valid_now:
            self.memory["webhook_seen_valid_at"] = self.now
        return webhook_id

    def _new_webhook(self, webhook_id):
        """X replays per webhook: windows of a webhook that is gone can never be replayed."""
        old = self.memory.get("webhook_id")
        if old is not None:
            gone = _windows(self.memory.get("pending"))
            if self.memory.get("outage_from") is not None:
                gone.append(Window(self.memory["outage_from"], self.now, INVALID))
            self._lost([Window(w.start, w.end, f"{w.why}; webhook {old} was replaced") for w in gone])
        for key in ("pending", "outage_from", "webhook_seen_valid_at"):
            self.memory.pop(key, None)
        self.memory["webhook_id"] = webhook_id

    # ingest's failures ----------------------------------------------------------------------------------------

    def read_failures(self):
        failures = self.admin.services.delivery_failures
        if failures is None:
            return
        start = self.earliest
        try:
            minutes = failures.failed_minutes(start, self.now + 1)
        except ReportedError as exc:
            self.fail(str(exc))
            return
        settle = self.settings.settle_minutes
        for window in stretches(minutes, FAILED, lead=RETRY_LEAD_MINUTES):
            if window.end - 1 <= self.now - settle:
                self.found.append(Window(max(window.start, start), window.end, FAILED))
            else:
                self.report["ingest_failing"] = {
                    "since": stamp(window.start + RETRY_LEAD_MINUTES),
                    "note": f"replayed once it has stopped for {settle} minutes (X retries meanwhile)",
                }

    # windows ----------------------------------------------------------------------------------------------

    def plan(self):
        """(windows ready to replay, oldest first; windows not over yet) after this run's findings: merged,
        minus what was replayed, within X's reach."""
        done = _windows(self.memory.get("replayed")) + _windows(self.memory.get("refused"))
        wanted = subtract(merge(_windows(self.memory.get("pending")) + self.found), done)
        pending = merge(wanted, MERGE_GAP_MINUTES)
        while len(pending) > MAX_PENDING:  # bounded: the two closest neighbours become one
            closest = min(range(len(pending) - 1), key=lambda i: pending[i + 1].start - pending[i].end)
            pending[closest : closest + 2] = merge(pending[closest : closest + 2], gap=REACH_MINUTES)
        reachable, lost = split_at(pending, self.earliest)
        self._lost(lost)
        not_over, ready = split_at(reachable, self.now)  # X replays whole minutes, up to the current one
        return ready, not_over

    def _lost(self, windows):
        if not windows:
            return
        records = [{**window.as_dict(), "at": iso(self.now)} for window in windows]
        _keep(self.memory, "lost", records)
        self.report.setdefault("lost", []).extend(records)
        self.metrics["ReplayMinutesLost"] += sum(window.minutes for window in windows)
        self.fail(
            f"{sum(w.minutes for w in windows)} minute(s) of events are older than X's 24 h replay reach and lost "
            f"(first: {records[0]['from']} to {records[0]['to']} UTC, {records[0]['why']})"
        )

    def why_not_now(self, webhook_id):
        if not self.settings.replay_dedup:
            return "ReplayDedup is disabled: a replay would queue copies; replay by hand if copies are acceptable"
        if not self.settings.auto_replay:
            return "AUTO_REPLAY is off: run the replay action for these windows"
        if not self.admin.api.supports("replay"):
            return f"X_API_FLAVOUR {self.admin.settings.flavour} has no replay (X API v2 only)"
        if webhook_id is None or not self.result.get("webhook_valid"):
            return "the webhook is not valid: X would deliver the replay nowhere"
        until = self.memory.get("rate_limited_until")
        if until is not None and self.now < until:
            return f"X's replay rate limit resets at {iso(until)}"
        return None

    def replay(self, webhook_id, window):
        """Ask X to replay `window`; what happened goes into the memory and the report."""
        self.memory.pop("rate_limited_until", None)
        try:
            job = self.admin.api.replay(webhook_id, window.as_replay())
        except RateLimited as exc:
            reset = exc.reset_epoch // 60 + 1 if exc.reset_epoch is not None else self.now + 15
            self.memory["rate_limited_until"] = reset
            self.report["waiting"] = str(exc)
            return False
        except XApiError as exc:
            if exc.status == 409:  # X runs one replay job per webhook at a time
                self.report["waiting"] = f"X is still running a replay job for webhook {webhook_id}: next run"
                return False
            record = {**window.as_dict(), "at": iso(self.now), "error": cut(exc)}
            _keep(self.memory, "refused", [record])
            self.report["refused"] = record
            self.metrics["AutoReplayRefused"] = 1
            self.fail(f"X refused to replay {record['from']} to {record['to']} UTC: {exc}")
            return True
        except ReportedError as exc:
            self.fail(f"the replay could not be asked for; tried again next run: {exc}")
            return False
        record = {**window.as_dict(), "job_id": job.get("job_id"), "at": iso(self.now)}
        _keep(self.memory, "replayed", [record])
        self.report["started"] = record
        self.metrics["AutoReplayJobs"] = 1
        return True


def recover(admin, result):
    """The ensure part: find the windows X could not deliver, replay the oldest, remember what was done."""
    store = admin.services.state
    if store is None:
        return {"ok": True, "auto_replay": False, "note": NO_STATE}
    document = store.load()
    run = _Run(admin, result, document)
    if document.pop("note", None):
        run.report["state_note"] = "the admin state was unreadable and started afresh"
    webhook_id = run.follow_the_webhook()
    run.read_failures()
    ready, not_over = run.plan()
    waiting = run.why_not_now(webhook_id) if ready else None
    if ready and waiting is None and run.replay(webhook_id, ready[0]):
        ready = ready[1:]
    elif waiting:
        run.report["waiting"] = waiting
    pending = merge(ready + not_over)
    run.memory["pending"] = [window.as_dict() for window in pending]
    if pending:
        run.report["pending"] = run.memory["pending"]
    store.save(document)
    run.report["metrics"] = run.metrics
    return run.report


def record_manual_replay(admin, webhook_id, window, job):
    """The `replay` action's window, so that the recovery part does not replay it again. Never raises."""
    store = admin.services.state
    if store is None:
        return None
    try:
        document = store.load()
        memory = document.setdefault("recovery", {})
        memory.setdefault("webhook_id", webhook_id)
        if memory["webhook_id"] == webhook_id:
            record = Window.from_replay(window, "replay action").as_dict()
            record.update(job_id=job.get("job_id"), at=iso(minute_of(admin.now())))
            _keep(memory, "replayed", [record])
            store.save(document)
    except StateUnavailable as exc:
        return str(exc)
    return None


# what status shows ---------------------------------------------------------------------------------------------


def status(admin):
    """status's `recovery`: what the recovery part remembers and would do."""
    settings = admin.services.recovery
    document, problem = read(admin.services.state)
    if problem:
        return {"error": problem}
    memory = document.get("recovery") or {}
    shown = {"auto_replay": settings.auto_replay and settings.replay_dedup}
    if memory.get("webhook_seen_valid_at") is not None:
        shown["webhook_seen_valid_at"] = iso(memory["webhook_seen_valid_at"])
    if memory.get("outage_from") is not None:
        shown["webhook_invalid_since"] = iso(memory["outage_from"])
    if memory.get("rate_limited_until") is not None:
        shown["rate_limited_until"] = iso(memory["rate_limited_until"])
    for name in ("pending", "replayed", "refused", "lost"):
        if memory.get(name):
            shown[name] = memory[name]
    return shown
