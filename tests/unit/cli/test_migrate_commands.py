"""The `xwebhook migrate` commands as an operator types them, over a scripted admin function: what they print,
the files they write, their exit codes."""

import csv
import json

import pytest
from click.testing import CliRunner

from tests.fakes import Clock
from tests.unit.cli.test_migrate_driver import FakeMigrateAdmin
from xwebhook.cli import app
from xwebhook.cli.app import cli


class FakeTarget:
    name = "test-stack"
    kind = "local"

    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def describe(self):
        return "local stack test-stack"

    def invoke_admin(self, action, fields=None):
        self.asked.append((action, dict(fields or {})))
        return self.answer(dict(fields or {}))


@pytest.fixture
def run(monkeypatch, tmp_path):
    """run(answer, *arguments) -> (CliRunner result, the fake target): the CLI against `answer(fields)`."""
    monkeypatch.setenv("XWEBHOOK_REPORT_DIR", str(tmp_path / "reports"))

    def invoke(answer, *arguments):
        target = FakeTarget(answer)
        monkeypatch.setattr(app.Options, "target", lambda self: target)
        return CliRunner().invoke(cli, list(arguments), catch_exceptions=False), target

    return invoke


def stuck_status(fields):
    accounts = [
        {"user_id": "1", "screen_name": "one", "state": "applying", "stuck": True, "attention": ["half made: 3 of 17"]},
        {"user_id": "2", "screen_name": "two", "state": "overlap", "stuck": False, "attention": []},
    ]
    counts = {"applying": 1, "overlap": 1}
    return {
        "ok": True,
        "accounts": accounts,
        "counts": counts,
        "stuck": ["1"],
        "next": "migrate apply",
        "days_left": 27,
    }


def test_status_exits_1_naming_the_stuck_accounts(run):
    result, _ = run(stuck_status, "migrate", "status")
    assert result.exit_code == 1
    assert "1 account stuck: 1" in result.output
    assert "half made: 3 of 17" in result.output


def test_status_with_json_prints_the_whole_answer_and_exits_1_too(run):
    result, _ = run(stuck_status, "--json", "migrate", "status")
    assert result.exit_code == 1
    assert json.loads(result.output)["stuck"] == ["1"]


def test_rollback_wants_the_accounts_named_or_all(run):
    result, target = run(stuck_status, "migrate", "rollback")
    assert result.exit_code == 2
    assert "--all" in result.output
    assert target.asked == []


def test_apply_stopped_at_xs_limit_exits_6_and_says_when_to_run_it_again(run):
    clock = Clock(1_800_000_000.0)
    admin = FakeMigrateAdmin(clock, accounts=40)
    result, _ = run(admin, "migrate", "apply")
    assert result.exit_code == 6
    assert "resets at" in result.output
    assert "29 accounts done" in result.output


def test_reconnect_writes_the_invites_csv_for_the_owners_and_keeps_it_private(run, tmp_path):
    rows = [
        {
            "user_id": "1",
            "screen_name": "one",
            "ok": True,
            "invite_url": "https://hooks.example.com/connect?invite=reconnect-1.sig",
            "expires_at": "2026-12-11T20:00:00Z",
            "why": "no OAuth 2.0 token, and X refused it",
            "made": True,
        }
    ]

    def answer(fields):
        return {"ok": True, "accounts": rows, "made": 1, "reused": 0}

    out = tmp_path / "invites.csv"
    result, target = run(answer, "migrate", "reconnect", "--out", str(out))
    assert result.exit_code == 0
    assert "1 account needs a sign-in: 1 invite made, 0 reused" in result.output
    (row,) = csv.DictReader(out.open())
    assert list(row) == ["user_id", "screen_name", "invite_url", "expires_at", "why"]
    assert row["invite_url"].startswith("https://hooks.example.com/connect?invite=")
    assert out.stat().st_mode & 0o777 == 0o600
    assert target.asked[0][1]["mode"] == "reconnect"


def test_fit_from_a_csv_sends_each_accounts_set(run, tmp_path):
    sets = tmp_path / "fit.csv"
    sets.write_text("user_id,event_types\n1,post.create dm.received\n2,default\n")

    def answer(fields):
        accounts = [
            {"user_id": u, "ok": True, "event_types": ["post.create"], "before": ["a", "b"], "from": "given"}
            for u in fields["sets"]
        ]
        return {"ok": True, "accounts": accounts}

    result, target = run(answer, "migrate", "fit", "--from", str(sets))
    assert result.exit_code == 0
    assert target.asked[0][1]["sets"] == {"1": ["post.create", "dm.received"], "2": "default"}
    assert "2 accounts got a set" in result.output


def test_user_ids_that_are_not_x_ids_are_refused_before_anything_is_asked(run):
    result, target = run(stuck_status, "migrate", "apply", "--user", "1,@alice")
    assert result.exit_code == 2
    assert "not X user ids: @alice" in result.output
    assert target.asked == []


def a_plan(fields):
    entry = {
        "user_id": "1",
        "screen_name": "one",
        "state": "not_started",
        "stuck": False,
        "attention": [],
        "subscriptions": {"needed": 17, "present": 0, "to_create": 17, "credentials": {"bearer": 6, "oauth1": 11}},
        "reconnect": {"needed": False},
        "fit": {"event_types": ["post.create", "dm.received"], "from": "aaa", "needed": 2},
    }
    cap = {
        "cap": 1500,
        "used": 0,
        "room": 1500,
        "needed": 17,
        "accounts_fitting": 1,
        "verdict": "fits",
        "advice": "every account fits",
        "does_not_fit": [],
    }
    rate = {
        "calls": 17,
        "limit": "500 per 15 min per app",
        "windows": 1,
        "at_least_minutes": 0,
        "accounts_per_window": 29,
    }
    return {
        "ok": True,
        "accounts": [entry],
        "counts": {"not_started": 1},
        "stuck": [],
        "cap": cap,
        "rate": rate,
        "estimate_total": {"accounts_estimated": 0, "accounts_unknown": 1, "low_usd": 0, "high_usd": 0},
        "next": "migrate apply",
        "days_left": 27,
    }


def test_plan_prints_the_cap_and_writes_its_report_and_the_fit_sets_to_edit(run, tmp_path):
    fit_out = tmp_path / "fit.csv"
    result, target = run(a_plan, "migrate", "plan", "--fit-out", str(fit_out))
    assert result.exit_code == 0
    assert "every account fits" in result.output
    assert "the 17 creates apply would make now take 1 window," in result.output
    (row,) = csv.DictReader(fit_out.open())
    assert row["event_types"] == "post.create dm.received"
    (report,) = (tmp_path / "reports").glob("*-plan-*.csv")
    (planned,) = csv.DictReader(report.open())
    assert planned["to_create"] == "17"
    assert planned["fit"] == "post.create dm.received"
    assert target.asked[0][1] == {"mode": "plan"}
