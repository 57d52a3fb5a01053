"""`make admin` (localdev/admin.py): the handler run with the local stack's admin environment."""

import json
import os

import pytest

from localdev import admin as make_admin
from localdev.stack import STATE_FILE_ENV, write_state
from tests.unit.admin.conftest import OWNER_ID, admin_env


@pytest.fixture
def state_file(tmp_path, monkeypatch, emulator, receiver, extension):
    path = tmp_path / "stack.json"
    state = {
        "pid": os.getpid(),
        "webhook_url": receiver.url,
        "x_api_base_url": emulator.base_url,
        "functions": {"admin": admin_env(emulator, receiver, extension)},
    }
    write_state(state, path)
    monkeypatch.setenv(STATE_FILE_ENV, str(path))
    return path


def test_prints_the_result_alone_on_stdout_and_exits_0(state_file, emulator, capsys):
    assert make_admin.main(["ensure", ""]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # nothing but the result: logs and metrics went to stderr
    assert result["action"] == "ensure" and result["ok"] is True
    assert OWNER_ID in emulator.subscriptions[result["webhook"]["id"]]
    assert '"WebhookValid"' in captured.err


def test_args_become_fields_and_a_failed_action_exits_1(state_file, emulator, capsys):
    assert make_admin.main(["unsubscribe", '{"user_id": "12"}']) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["action"] == "unsubscribe" and "run register or ensure" in result["error"]


@pytest.mark.parametrize("args", ["[1]", "{nope", '"text"'])
def test_args_must_be_a_json_object(state_file, args, capsys):
    assert make_admin.main(["status", args]) == 2
    assert "ARGS must be a JSON object" in capsys.readouterr().err


def test_without_a_running_stack_says_how_to_start_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(STATE_FILE_ENV, str(tmp_path / "missing.json"))
    assert make_admin.main([]) == 2
    assert "start one with `make run`" in capsys.readouterr().err
