"""`xwebhook migrate`: drive the admin function's `migrate` action over hundreds of accounts, in waves.

The admin function does one wave per invocation (on AWS a Lambda Invoke, locally the stack's own invoke
endpoint: the same calls). This side decides the waves and keeps the run's report:

- the accounts and their states come from X and the accounts table at the start of the run (`plan` for
  apply, `status` for cutover and rollback), never from an earlier run: every mode is idempotent, so a run
  stopped by Ctrl-C, a crash or X's 429 is resumed by running the same command again;
- a wave takes accounts in order while their X calls fit in what X's rate limit leaves in the current
  window (X's own x-rate-limit-* headers of the last answer: `x_rate`; 500 per 15 minutes per app on the
  XAA endpoints before any answer says) and in one invocation (`max_calls`); an account is sent whole
  or not at all, and only when it fits under the subscription cap;
- when X's window is spent (or X answers 429), the run waits for the reset when asked to (`wait`), and
  says until when in local time; otherwise it stops there, saying when to run it again;
- what each wave did is written to the report after every wave (migrate_report.RunReport).
"""

import time
from dataclasses import dataclass, field

from xwebhook.cli.words import local_time

X_RATE_LIMIT = 500  # X's documented calls per 15 minutes per app on each XAA subscription endpoint
DEFAULT_MAX_CALLS = 500  # X calls one invocation is given at most (the admin function stops itself in time too)
DEFAULT_WAVE_ACCOUNTS = 100  # cutover, rollback: accounts per invocation
RESET_SLACK_SECONDS = 1.0  # wait this much past X's reset time
STALLED_WAVES = 3  # waves in a row that move no account: the run stops and says so
OPERATIONS = {
    "apply": "create XAA subscription",
    "cutover": "unsubscribe",
    "rollback": "delete XAA subscription",
}
DONE_STATES = {"apply": ("overlap", "cut_over", "xaa_only"), "cutover": ("cut_over",), "rollback": ("rolled_back",)}


class DriverError(Exception):
    """The run cannot go on: the admin function refused it or could not be reached."""


@dataclass
class Rate:
    """X's rate limit for one operation, as its last answer said."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None

    def update(self, headers):
        if headers:
            self.limit = headers.get("limit", self.limit)
            self.remaining = headers.get("remaining", self.remaining)
            self.reset = headers.get("reset", self.reset)

    def left(self, now, assumed):
        """Calls X allows now in its window: what it said (a window past its reset starts full), else `assumed`."""
        if self.remaining is None:
            return assumed
        if self.reset is not None and now >= self.reset:
            return self.limit or assumed
        return self.remaining


@dataclass
class Item:
    user_id: str
    calls: int  # X calls the account's wave step costs


@dataclass
class Outcome:
    """What a run did: per-state counts before and after, the accounts per outcome, and why it stopped."""

    mode: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    left: list = field(default_factory=list)  # still to do when the run stopped
    stopped: str | None = None  # why the run stopped before the end (None: it got to the end)
    resume_at: float | None = None  # X's reset, when that is what it waits for
    waves: int = 0
    stuck: list = field(default_factory=list)

    @property
    def complete(self):
        return self.stopped is None


class Quiet:
    """The driver's listener: what a person sees (progress, waits) is the CLI's; tests record it."""

    def planned(self, mode, total, calls):
        pass

    def wave(self, number, accounts, calls):
        pass

    def waved(self, number, entries, seconds):
        pass

    def waiting(self, until, why):
        pass

    def note(self, text):
        pass


class Driver:
    """One run of one mode. `invoke(fields) -> dict` calls the admin function's migrate action."""

    def __init__(
        self,
        invoke,
        report,
        mode,
        user_ids=None,
        force=False,
        dry_run=False,
        wait=False,
        max_calls=DEFAULT_MAX_CALLS,
        wave_accounts=None,
        listener=None,
        clock=time.time,
        sleep=time.sleep,
    ):
        self.invoke = invoke
        self.report = report
        self.mode = mode
        self.user_ids = list(user_ids or ()) or None
        self.force = force
        self.dry_run = dry_run
        self.wait = wait
        self.max_calls = max_calls
        self.wave_accounts = wave_accounts or (None if mode == "apply" else DEFAULT_WAVE_ACCOUNTS)
        self.listener = listener or Quiet()
        self.clock = clock
        self.sleep = sleep
        self.rate = Rate()
        self.handles = {}  # user id -> screen name, for the report and the tables

    # --- talking to the admin function -------------------------------------------------------------------

    def call(self, **fields):
        result = self.invoke({"mode": self.mode, **fields})
        self.rate.update((result.get("x_rate") or {}).get(OPERATIONS.get(self.mode, "")))
        return result

    def look(self, mode):
        """The accounts as X has them now: `plan` (without event counts) or `status`."""
        fields = {"mode": mode, **({"user_ids": self.user_ids} if self.user_ids else {})}
        if mode == "plan":
            fields["counts"] = False
        result = self.invoke(fields)
        if not result.get("ok"):
            raise DriverError(f"migrate {mode} failed: {result.get('error', 'no reason given')}")
        self.rate.update((result.get("x_rate") or {}).get(OPERATIONS.get(self.mode, "")))
        return result

    # --- the run ----------------------------------------------------------------------------------------------

    def run(self):
        look = self.look("plan" if self.mode == "apply" else "status")
        self.handles = {entry["user_id"]: entry.get("screen_name") for entry in look["accounts"]}
        outcome = Outcome(self.mode, before=look.get("counts", {}))
        queue = self.queue(look["accounts"], outcome)
        self.report.record_accounts([{**entry, "state_before": entry.get("state")} for entry in outcome.skipped])
        self.report.document.update(before=outcome.before, dry_run=self.dry_run)
        self.listener.planned(self.mode, len(queue), sum(item.calls for item in queue))
        if self.dry_run:
            self.dry(queue, outcome)
        else:
            self.waves(queue, outcome)
        after = self.look("status")
        outcome.after, outcome.stuck = after.get("counts", {}), after.get("stuck", [])
        self.report.document.update(
            after=outcome.after,
            stuck=outcome.stuck,
            stopped=outcome.stopped,
            left=[item.user_id for item in outcome.left],
            resume_at=outcome.resume_at,
        )
        if outcome.complete:
            self.report.finish()
        else:  # left unfinished: the same command resumes in this report
            self.report.save()
        return outcome

    def queue(self, entries, outcome):
        """The accounts this run works on, in order, with what each costs in X calls; the rest are skipped
        with the reason."""
        named = set(self.user_ids or ())
        queue = []
        for entry in entries:
            user_id, state = entry["user_id"], entry["state"]
            why = self.skip_reason(entry, state, named)
            if why:
                outcome.skipped.append({"user_id": user_id, "screen_name": entry.get("screen_name"), "note": why})
                continue
            queue.append(Item(user_id, self.calls(entry, state)))
        return queue

    def skip_reason(self, entry, state, named):
        if state in DONE_STATES[self.mode]:
            return f"already {state}"
        if self.mode == "apply":
            if state == "rolled_back" and entry["user_id"] not in named:
                return "rolled back: it stays on AAA until apply names it (--user)"
            if entry.get("status") != "active":
                return f"the account is {entry.get('status')}: its owner must sign in again first"
            if entry.get("subscriptions", {}).get("does_not_fit"):
                return "does not fit under the subscription cap (see migrate plan: fit, or a higher cap from X)"
        if self.mode == "cutover" and state not in ("overlap", "applying"):
            return f"{state}: only an applied account is cut over"
        if self.mode == "rollback" and state in ("not_started", "xaa_only"):
            return f"{state}: nothing to roll back"
        return None

    def calls(self, entry, state):
        if self.mode == "apply":
            return entry.get("subscriptions", {}).get("to_create", 0)
        if self.mode == "rollback":
            return entry.get("xaa_at_x", 0) + (1 if state == "cut_over" else 0)
        return 1

    def dry(self, queue, outcome):
        if queue:
            outcome.waves = len(self.schedule(queue))
            result = self.call(user_ids=[item.user_id for item in queue], dry_run=True, force=self.force)
            self.take(result, queue, outcome, 1, 0.0)
        outcome.left = []

    def schedule(self, queue):
        """The waves the queue would take with X's window full (for a dry run's estimate)."""
        waves, current, calls = [], [], 0
        limit = min(self.rate.limit or X_RATE_LIMIT, self.max_calls)
        for item in queue:
            if current and (calls + item.calls > limit or self._full(current)):
                waves.append(current)
                current, calls = [], 0
            current.append(item)
            calls += item.calls
        return waves + ([current] if current else [])

    def _full(self, wave):
        return self.wave_accounts is not None and len(wave) >= self.wave_accounts

    def waves(self, queue, outcome):
        stalled = 0
        while queue:
            now = self.clock()
            budget = min(self.rate.left(now, X_RATE_LIMIT), self.max_calls)
            if queue[0].calls > budget and self.rate.reset and self.rate.reset > now:
                if not self.pause(self.rate.reset, "X's rate limit window is spent", outcome, queue):
                    return
                continue
            wave, calls = [], 0
            for item in queue:
                if wave and (calls + item.calls > budget or self._full(wave)):
                    break
                wave.append(item)
                calls += item.calls
            outcome.waves += 1
            self.listener.wave(outcome.waves, len(wave), calls)
            started = self.clock()
            result = self.call(user_ids=[item.user_id for item in wave], force=self.force)
            entries = result.get("accounts") or []
            if not entries and not result.get("ok"):
                if result.get("rate_limit_reset_epoch"):
                    if not self.pause(result["rate_limit_reset_epoch"], result.get("error", "429"), outcome, queue):
                        return
                    continue
                raise DriverError(f"migrate {self.mode} failed: {result.get('error', 'no reason given')}")
            moved = self.take(result, queue, outcome, outcome.waves, self.clock() - started)
            stalled = 0 if moved else stalled + 1
            if result.get("rate_limit_reset_epoch"):
                if not self.pause(result["rate_limit_reset_epoch"], result.get("stopped", "429"), outcome, queue):
                    return
            elif stalled >= STALLED_WAVES:
                outcome.stopped = f"{STALLED_WAVES} waves in a row moved no account: {result.get('error')}"
                outcome.left = list(queue)
                return

    def take(self, result, queue, outcome, number, seconds):
        """Record one wave's answer; take the finished accounts off `queue`. How many left it."""
        entries = [{"screen_name": self.handles.get(e["user_id"]), **e} for e in result.get("accounts") or []]
        self.report.record_accounts(entries)
        self.report.record_wave(
            {
                "wave": number,
                "at": self.clock(),
                "seconds": round(seconds, 2),
                "accounts": [entry["user_id"] for entry in entries],
                "ok": result.get("ok"),
                "dry_run": self.dry_run,
                **{key: result[key] for key in ("stopped", "rate_limit_reset", "half_made", "x_rate") if key in result},
            }
        )
        self.listener.waved(number, entries, seconds)
        again = {entry["user_id"] for entry in entries if self.again(entry)}
        finished = {entry["user_id"] for entry in entries} - again
        for entry in entries:
            if entry["user_id"] in finished:
                (outcome.done if entry.get("ok") else outcome.failed).append(entry)
        before = len(queue)
        queue[:] = [item for item in queue if item.user_id not in finished]
        return before - len(queue)

    def again(self, entry):
        """An account the run sends again: not started, or stopped half way by X's 429 or the clock."""
        if self.dry_run or entry.get("ok"):
            return False
        if entry.get("not_started"):
            return True
        return bool(entry.get("pending")) and not entry.get("failed") and not entry.get("blocked")

    def pause(self, until, why, outcome, queue):
        """Wait for X's reset when asked (True: go on), else stop the run there (False)."""
        until = float(until) + RESET_SLACK_SECONDS
        if not self.wait:
            outcome.stopped = f"{why}; X's limit resets at {local_time(until)}: run the same command again then"
            outcome.resume_at = until
            outcome.left = list(queue)
            return False
        self.listener.waiting(until, why)
        while True:
            left = until - self.clock()
            if left <= 0:
                return True
            self.sleep(min(left, 5.0))
