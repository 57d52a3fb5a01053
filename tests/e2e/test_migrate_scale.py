"""500 accounts moved from the Account Activity API to the X Activity API on `make run X_EMULATOR=1`, with the
operator's own commands (`make accounts`, then `xwebhook migrate ...` as separate processes over HTTP):

  500 AAA accounts with OAuth 1.0a tokens at X's emulator and in the accounts table
  -> plan: 17 types each do not fit under the self-serve cap of 1,500 -> fit (3 types each, from a CSV)
  -> apply a first part, stopped by X's 429: exit 6, says when X resets, one account half made and stuck
  -> apply --wait: resumes the same report, waits for the reset, finishes in waves -> all in the overlap
  -> the overlap: activities in both families, one message each -> send --as-x delivers only what X would
  -> cutover (grace 0: quiet accounts verify by it) -> rollback of a few -> ensure twice: nothing drifts.

It prints how long each step took and how big the outputs were (the issue's figures); nothing asserts a
time. XWEBHOOK_SCALE_TYPES=parity runs the heavier variant: the 17 AAA parity types each (8,517
subscriptions) under an Enterprise cap of 75,000.
"""

import json
import os
import time
from collections import Counter

import pytest

from localdev.accounts import control, seed
from localdev.testing import DEV_SECRET, run_local_stack
from tests.e2e.conftest import xwebhook
from xwebhook.x_api.event_types import AAA_PARITY

COUNT = int(os.environ.get("XWEBHOOK_SCALE_ACCOUNTS", "500"))
PARITY = os.environ.get("XWEBHOOK_SCALE_TYPES", "fit") == "parity"
FIT_TYPES = ("post.create", "post.mention.create", "dm.received")
FIRST = 1_700_000_000
SELF_SERVE_CAP = 1_500  # XAA subscriptions X takes per app
CAP = 75_000 if PARITY else SELF_SERVE_CAP  # the parity variant runs under an Enterprise cap
OWNER = "2244994945"  # the app owner, on AAA through the credentials secret: the 501st account
ROLLED_BACK = [str(FIRST + n) for n in (3, 150, 499 if COUNT >= 500 else COUNT - 1)]
ACTIVE = [str(FIRST + n) for n in range(0, COUNT, COUNT // 10)]  # ten accounts with activity in the overlap
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    args = ["--parameter", f"XaaSubscriptionCap={CAP}", "--parameter", "MigrateGraceHours=0"]
    env = {"X_CONSUMER_SECRET": DEV_SECRET, "X_EMULATOR": "1"}
    with run_local_stack(tmp_path_factory.mktemp("scale-run"), env=env, args=args) as running:
        yield running


class Steps:
    """Each step's wall time and output size, printed at the end."""

    def __init__(self):
        self.rows = []

    def run(self, running, name, *arguments, expect=0, env=None):
        started = time.perf_counter()
        done = xwebhook(running, *arguments, timeout=600, env=env)
        seconds = time.perf_counter() - started
        self.rows.append((name, seconds, len(done.stdout.encode()), done.returncode))
        assert done.returncode == expect, (
            f"{name}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def timed(self, name, function):
        started = time.perf_counter()
        result = function()
        self.rows.append((name, time.perf_counter() - started, 0, 0))
        return result

    def print(self):
        total = sum(seconds for _, seconds, _, _ in self.rows)
        print(f"\nmigrate at scale: {COUNT} accounts, {'17 types each' if PARITY else 'fit: 3 types each'}")
        for name, seconds, size, code in self.rows:
            print(f"  {name:<44} {seconds:7.1f} s  {size:>9,} bytes out  exit {code}")
        print(f"  {'total':<44} {total:7.1f} s")


def by_user(document):
    return {entry["user_id"]: entry for entry in document["accounts"]}


def test_500_accounts_move_to_xaa_in_waves_and_stay_where_they_are_put(scaled, tmp_path, capsys):
    steps = Steps()
    env = {"XWEBHOOK_REPORT_DIR": str(tmp_path / "reports")}
    state = scaled.state
    seeded = steps.timed(f"make accounts N={COUNT}", lambda: seed(state, COUNT, FIRST, x_cap=CAP))
    assert seeded["accounts"] == COUNT

    # plan: what fits under the cap, human-sized, and the whole document with --json
    human = steps.run(scaled, "migrate plan", "migrate", "plan", env=env)
    assert "not_started" in human.stdout
    plan = json.loads(steps.run(scaled, "migrate plan --json", "--json", "migrate", "plan", env=env).stdout)
    assert plan["counts"]["not_started"] == COUNT + 1
    assert plan["cap"]["needed"] == (COUNT + 1) * len(AAA_PARITY)
    if not PARITY:
        assert plan["cap"]["verdict"] != "fits"
        assert plan["cap"]["accounts_fitting"] == SELF_SERVE_CAP // len(AAA_PARITY)
        fit_csv = tmp_path / "fit.csv"
        # 3 types each, 2 for the first, 1 for the owner: 1,500, exactly the cap (1,501 would not fit)
        fit_csv.write_text(
            "user_id,event_types\n"
            + "".join(f"{FIRST + n},{' '.join(FIT_TYPES[: 2 if n == 0 else 3])}\n" for n in range(COUNT))
            + f"{OWNER},post.create\n"
        )
        fitted = steps.run(scaled, "migrate fit --from fit.csv", "migrate", "fit", "--from", str(fit_csv), env=env)
        assert f"{COUNT + 1} accounts got a set" in fitted.stdout
        again = json.loads(
            steps.run(scaled, "migrate plan --json (after fit)", "--json", "migrate", "plan", env=env).stdout
        )
        assert again["cap"]["verdict"] == "fits"
        assert again["cap"]["needed"] == SELF_SERVE_CAP

    # apply: a first part, stopped by X's 429 (X resets 3 s later); the run says so and is resumable
    part = tmp_path / "part.txt"
    part.write_text("".join(f"{FIRST + n}\n" for n in range(40)))
    reset = int(time.time()) + 3
    control(
        state,
        "/_emulator/faults",
        {
            "method": "POST",
            "path_prefix": "/2/activity/subscriptions",
            "status": 429,
            "count": 1,
            "headers": {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        },
    )
    stopped = steps.run(
        scaled, "migrate apply (first 40; X's 429)", "migrate", "apply", "--users-file", str(part), expect=6, env=env
    )
    assert "resets at" in stopped.stdout
    status = steps.run(scaled, "migrate status (one stuck)", "--json", "migrate", "status", expect=1, env=env)
    stuck = json.loads(status.stdout)["stuck"]
    assert len(stuck) == 1  # the account the 429 stopped half way: said, and status is not ok
    assert stuck[0] in part.read_text().split()

    applied = steps.run(scaled, "migrate apply --wait (resumes)", "migrate", "apply", "--wait", env=env)
    assert "resuming the unfinished run" in applied.stderr
    reports = sorted((tmp_path / "reports").glob("*-apply-*.json"))
    assert len(reports) == 1  # one run, one report, resumed
    report = json.loads(reports[0].read_text())
    assert report["finished"] is True
    assert len(report["accounts"]) == COUNT + 1
    assert reports[0].with_suffix(".csv").read_text().count("\n") == COUNT + 2
    waves = len(report["waves"])
    at_x = Counter(s["filter"]["user_id"] for s in control_state(state)["xaa_subscriptions"].values())
    per_account = len(AAA_PARITY) if PARITY else len(FIT_TYPES)
    assert all(at_x[str(FIRST + n)] == per_account for n in range(1, COUNT))

    # the overlap: each activity once on the queue (follows aside: README "Identity"); send --as-x as X
    scaled.drain()
    for user_id in ACTIVE:
        outcomes = control(state, "/_emulator/activity", {"kind": "post", "for_user_id": user_id, "order": "xaa_first"})
        assert sorted(d["family"] for d in outcomes["deliveries"]) == ["aaa", "xaa"]
    tailed = steps.run(scaled, "tail --activity-id", "tail", "--activity-id", "--user", ACTIVE[0])
    assert f"activity post:{ACTIVE[0]}:" in tailed.stdout  # both families' copies share it: one message
    bodies = wait_for(scaled, len(ACTIVE))
    assert sorted(body["for_user_id"] for body in bodies) == sorted(ACTIVE)
    not_subscribed = steps.run(
        scaled,
        "send --as-x (no subscription for it)",
        "send",
        "--as-x",
        "profile.update.bio",
        "--user",
        ACTIVE[0],
        expect=1,
    )
    assert "X would not deliver it: no XAA subscription covers profile.update.bio" in not_subscribed.stdout
    subscribed = steps.run(
        scaled, "send --as-x (a subscribed type)", "send", "--as-x", "post.create", "--user", ACTIVE[0]
    )
    assert "X delivered it once: 200" in subscribed.stdout
    assert len(wait_for(scaled, 1)) == 1

    # cutover: verified by the XAA events seen, or the grace period (0 h here) for quiet accounts
    cut = steps.run(scaled, "migrate cutover", "--json", "migrate", "cutover", env=env)
    cut_report = json.loads(cut.stdout)
    assert cut_report["after"]["cut_over"] == COUNT + 1
    hows = Counter(entry.get("verified", {}).get("how") for entry in cut_report["accounts"].values())
    assert hows["xaa_seen"] >= len(ACTIVE)
    assert sum(len(users) for users in control_state(state)["subscriptions"].values()) == 0  # AAA: nobody

    # after cutover X delivers no AAA copy: send --as-x says so, as X would
    aaa_favorite = steps.run(
        scaled, "send --as-x (AAA, cut over)", "send", "--as-x", "favorite", "--user", ACTIVE[1], expect=1
    )
    assert "is not subscribed on the Account Activity API" in aaa_favorite.stdout

    # rollback of a few, then ensure twice: everything stays where it was put
    rolled = steps.run(
        scaled, "migrate rollback (3 accounts)", "migrate", "rollback", "--user", ",".join(ROLLED_BACK), env=env
    )
    assert "3 accounts done" in rolled.stdout
    for run in (1, 2):
        ensured = steps.run(scaled, f"admin ensure ({run})", "--json", "admin", "ensure")
        xaa = json.loads(ensured.stdout)["xaa"]
        assert xaa["did"] == [], xaa["did"][:3]
    final = json.loads(steps.run(scaled, "migrate status (final)", "--json", "migrate", "status", env=env).stdout)
    assert final["counts"]["cut_over"] == COUNT + 1 - len(ROLLED_BACK)
    assert final["counts"]["rolled_back"] == len(ROLLED_BACK)
    assert final["stuck"] == []
    assert all(not entry["attention"] for entry in final["accounts"])
    x = control_state(state)
    aaa = set().union(*map(set, x["subscriptions"].values()))
    assert aaa == set(ROLLED_BACK)
    at_x = Counter(s["filter"]["user_id"] for s in x["xaa_subscriptions"].values())
    assert not any(at_x[user_id] for user_id in ROLLED_BACK)
    steps.run(scaled, "status", "status")
    with capsys.disabled():  # the figures show in every run, not only with -s
        steps.print()
        print(f"  apply took {waves} wave(s); plan --json {len(json.dumps(plan)):,} bytes for {COUNT + 1} accounts")


def control_state(state):
    """X's state as the emulator holds it (its control plane)."""
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the local emulator
        state["emulator_url"] + "/_emulator/state", headers={"X-Emulator-Token": state["emulator_control_token"]}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())


def wait_for(running, count, timeout=20.0):
    bodies, deadline = [], time.monotonic() + timeout
    while len(bodies) < count and time.monotonic() < deadline:
        bodies += [json.loads(message["Body"]) for message in running.drain()]
        time.sleep(0.2)
    return bodies
