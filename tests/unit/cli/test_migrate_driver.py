"""The `xwebhook migrate` driver over a scripted admin function: waves sized to X's rate limit, waiting for
X's reset (or stopping, and resuming), accounts whole or not at all, and the report each run leaves."""

import csv
import json

import pytest

from tests.fakes import Clock
from xwebhook.cli.migrate import Driver, DriverError, Quiet, local_time
from xwebhook.cli.migrate_report import RunReport
from xwebhook.x_api.event_types import AAA_PARITY

RESET = 1_800_000_900.0
START = 1_800_000_000.0
PARITY = len(AAA_PARITY)  # the creates an AAA account needs


class FakeMigrateAdmin:
    """The admin function's migrate action as X and the accounts table would make it answer: each account
    needs `needs` creates; X allows `limit` creates per window (reset at `reset`), answering 429 past it."""

    def __init__(self, clock, accounts=5, needs=PARITY, limit=500, states=None, refuse=(), unfit=()):
        self.clock = clock
        self.limit = limit
        self.window_reset = RESET
        self.used = 0
        self.calls = []
        self.refuse = set(refuse)
        self.unfit = set(unfit)
        self.accounts = {
            str(1000 + n): {"state": (states or {}).get(str(1000 + n), "not_started"), "present": 0, "needs": needs}
            for n in range(accounts)
        }

    def _window(self):
        if self.clock() >= self.window_reset:
            self.window_reset += 900
            self.used = 0

    def _rate(self):
        return {
            "create XAA subscription": {
                "limit": self.limit,
                "remaining": self.limit - self.used,
                "reset": self.window_reset,
            }
        }

    def _entry(self, user_id):
        account = self.accounts[user_id]
        return {
            "user_id": user_id,
            "screen_name": f"user{user_id}",
            "status": "active",
            "state": account["state"],
            "stuck": account["state"] == "applying",
            "attention": [],
            "xaa_at_x": account["present"],
            "subscriptions": {
                "needed": account["needs"],
                "to_create": account["needs"] - account["present"],
                **({"does_not_fit": account["needs"]} if user_id in self.unfit else {}),
            },
        }

    def __call__(self, fields):
        self.calls.append(dict(fields))
        self._window()
        mode = fields["mode"]
        if mode in ("plan", "status"):
            named = fields.get("user_ids") or list(self.accounts)
            entries = [self._entry(user_id) for user_id in self.accounts if user_id in named]
            counts = {}
            for entry in entries:
                counts[entry["state"]] = counts.get(entry["state"], 0) + 1
            stuck = [entry["user_id"] for entry in entries if entry["stuck"]]
            return {"ok": True, "accounts": entries, "counts": counts, "stuck": stuck, "x_rate": self._rate()}
        if fields.get("dry_run"):
            entries = [{"user_id": u, "ok": True, "would_create": ["post.create"] * 3} for u in fields["user_ids"]]
            return {"ok": True, "accounts": entries, "x_rate": self._rate()}
        return self._apply(fields["user_ids"])

    def _apply(self, user_ids):
        entries, stopped = [], False
        for user_id in user_ids:
            account = self.accounts[user_id]
            before = account["state"]
            if stopped:
                entries.append({"user_id": user_id, "ok": False, "not_started": True, "state_before": before})
                continue
            if user_id in self.refuse:
                account["state"] = "applying"
                entries.append(
                    {"user_id": user_id, "ok": False, "failed": [{"event_type": "dm.received"}], "pending": []}
                )
                continue
            while account["present"] < account["needs"] and self.used < self.limit:
                account["present"] += 1
                self.used += 1
            if account["present"] < account["needs"]:
                stopped = True
                account["state"] = "applying"
                pending = ["x"] * (account["needs"] - account["present"])
                entries.append({"user_id": user_id, "ok": False, "pending": pending, "half_made": "has some"})
                continue
            account["state"] = "overlap"
            entries.append({"user_id": user_id, "ok": True, "state_before": before, "state_after": "overlap"})
        result = {"ok": not stopped and all(e["ok"] for e in entries), "accounts": entries, "x_rate": self._rate()}
        if stopped:
            result.update(rate_limit_reset_epoch=self.window_reset, stopped="X rate limit reached")
        return result


class Recorder(Quiet):
    def __init__(self):
        self.waits = []
        self.waves = []

    def wave(self, number, accounts, calls):
        self.waves.append((accounts, calls))

    def waiting(self, until, why):
        self.waits.append(until)


def driver(tmp_path, admin, clock, mode="apply", **options):
    report = RunReport.start(tmp_path, "test-stack", mode, {}, now=clock())
    listener = Recorder()
    made = Driver(admin, report, mode, listener=listener, clock=clock, sleep=clock.sleep, **options)
    return made, report, listener


def test_waves_take_as_many_whole_accounts_as_xs_window_allows_and_wait_for_the_reset_when_asked(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=40)  # 40 sets of PARITY creates; X allows 500 per window
    run, report, listener = driver(tmp_path, admin, clock, wait=True)
    outcome = run.run()
    assert outcome.complete
    assert len(outcome.done) == 40
    assert listener.waves[0] == (29, 493)  # 29 whole accounts: 493 creates of the window's 500
    assert listener.waits == [RESET + 1.0]  # the 30th did not fit in what was left: wait for the reset
    assert clock.now >= RESET
    assert all(account["state"] == "overlap" for account in admin.accounts.values())
    assert report.document["finished"] is True


def test_without_wait_the_run_stops_at_xs_limit_says_when_and_the_same_command_resumes_it(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=40)
    run, report, _ = driver(tmp_path, admin, clock)
    outcome = run.run()
    assert not outcome.complete
    assert outcome.resume_at == RESET + 1.0
    assert local_time(RESET + 1.0) in outcome.stopped
    assert len(outcome.left) == 11
    assert report.document["finished"] is False

    clock.now = RESET + 2
    again, resumed, _ = driver(tmp_path, admin, clock)
    assert resumed.path == report.path  # the unfinished report is carried on
    finished = again.run()
    assert finished.complete
    assert len(finished.done) == 11
    assert len(json.loads(report.path.read_text())["accounts"]) == 40


def test_an_account_stopped_half_way_by_a_429_is_sent_again_after_the_reset(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=3, needs=200)  # the third account crosses the window's 500
    run, _, listener = driver(tmp_path, admin, clock, wait=True, max_calls=1000)
    outcome = run.run()
    assert outcome.complete
    assert [entry["user_id"] for entry in outcome.done] == ["1000", "1001", "1002"]
    assert listener.waits == [RESET + 1.0]
    assert admin.accounts["1002"]["present"] == 200


def test_accounts_that_failed_are_reported_and_not_sent_again(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=3, refuse={"1001"})
    run, report, _ = driver(tmp_path, admin, clock)
    outcome = run.run()
    assert [entry["user_id"] for entry in outcome.failed] == ["1001"]
    assert sum(1 for call in admin.calls if call["mode"] == "apply") == 1
    assert outcome.stuck == ["1001"]
    rows = list(csv.DictReader(report.csv_path.open()))
    assert {row["user_id"]: row["ok"] for row in rows} == {"1000": "yes", "1001": "no", "1002": "yes"}


def test_accounts_that_do_not_fit_rolled_back_or_done_are_left_with_the_reason(tmp_path):
    clock = Clock(START)
    states = {"1000": "overlap", "1001": "rolled_back"}
    admin = FakeMigrateAdmin(clock, accounts=4, states=states, unfit={"1003"})
    run, _, _ = driver(tmp_path, admin, clock)
    outcome = run.run()
    notes = {entry["user_id"]: entry["note"] for entry in outcome.skipped}
    assert notes["1000"] == "already overlap"
    assert notes["1001"].startswith("rolled back: it stays on AAA")
    assert notes["1003"].startswith("does not fit under the subscription cap")
    applied = [call for call in admin.calls if call["mode"] == "apply"]
    assert [call["user_ids"] for call in applied] == [["1002"]]


def test_a_named_rolled_back_account_is_applied_again(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=2, states={"1001": "rolled_back"})
    run, _, _ = driver(tmp_path, admin, clock, user_ids=["1001"])
    outcome = run.run()
    assert [entry["user_id"] for entry in outcome.done] == ["1001"]


def test_a_dry_run_asks_once_changes_nothing_and_estimates_the_waves(tmp_path):
    clock = Clock(START)
    admin = FakeMigrateAdmin(clock, accounts=40)
    run, report, _ = driver(tmp_path, admin, clock, dry_run=True)
    outcome = run.run()
    assert outcome.complete
    assert outcome.waves == 2
    assert [call.get("dry_run") for call in admin.calls if call["mode"] == "apply"] == [True]
    assert all(account["state"] == "not_started" for account in admin.accounts.values())
    assert report.document["dry_run"] is True
    assert RunReport.unfinished(tmp_path, "test-stack", "apply") is None


def test_the_admin_function_refusing_the_run_stops_it_with_its_reason(tmp_path):
    clock = Clock(START)

    def refusing(fields):
        return {"ok": False, "error": "no webhook is registered; run ensure first"}

    run, _, _ = driver(tmp_path, refusing, clock)
    with pytest.raises(DriverError, match="run ensure first"):
        run.run()


def test_the_report_files_are_the_owners_alone(tmp_path):
    clock = Clock(START)
    run, report, _ = driver(tmp_path, FakeMigrateAdmin(clock, accounts=1), clock)
    run.run()
    assert report.path.stat().st_mode & 0o777 == 0o600
    assert report.csv_path.stat().st_mode & 0o777 == 0o600
