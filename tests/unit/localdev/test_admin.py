"""`make admin` (localdev/admin.py): the admin function invoked through the local Lambda Invoke endpoint,
its result printed once."""

import json
import os

import pytest

from localdev import admin as make_admin
from localdev.gateway import FunctionPool
from localdev.lambda_endpoint import InvokeServer, LambdaEndpoint
from localdev.provision import FUNCTIONS
from localdev.stack import STATE_FILE_ENV, write_state
from tests.unit.admin.conftest import OWNER_ID, admin_env


@pytest.fixture
def invoke_endpoint(emulator, receiver, extension, tmp_path):
    """The admin handler in a function instance behind the invoke endpoint, as `make run` serves it."""
    log = tmp_path / "functions.log"
    pool = FunctionPool(
        "admin", admin_env(emulator, receiver, extension), size=1, timeout_seconds=30, log_path=str(log)
    )
    server = InvokeServer(LambdaEndpoint({"admin": pool}, "xwebhook-test", FUNCTIONS)).start()
    yield server, log
    server.stop()
    pool.close()


@pytest.fixture
def state_file(tmp_path, monkeypatch, emulator, receiver, invoke_endpoint):
    path = tmp_path / "stack.json"
    server, _ = invoke_endpoint
    state = {
        "pid": os.getpid(),
        "aws_endpoint": "http://127.0.0.1:9",  # not used by make admin
        "webhook_url": receiver.url,
        "x_api_base_url": emulator.base_url,
        "lambda_endpoint": server.url,
        "stack_name": "xwebhook-test",
        "outputs": {"AdminFunctionName": "xwebhook-test-AdminFunction"},
    }
    write_state(state, path)
    monkeypatch.setenv(STATE_FILE_ENV, str(path))
    monkeypatch.delenv("XWEBHOOK_STACK", raising=False)
    return path


def test_prints_the_result_once_on_stdout_and_exits_0(state_file, emulator, invoke_endpoint, capsys):
    assert make_admin.main(["ensure", ""]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # nothing but the result
    assert result["action"] == "ensure"
    assert result["ok"] is True
    assert OWNER_ID in emulator.subscriptions[result["webhook"]["id"]]
    assert captured.out.count('"action": "ensure"') == 1  # once, not twice
    assert '"action"' not in captured.err
    _, log = invoke_endpoint
    assert '"WebhookValid"' in log.read_text()  # the function's metrics and log lines went to its log


def test_args_become_fields_and_a_failed_action_exits_1_naming_the_log(state_file, emulator, capsys):
    assert make_admin.main(["unsubscribe", '{"user_id": "12"}']) == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["action"] == "unsubscribe"
    assert "run register or ensure" in result["error"]
    assert "functions.log" in captured.err


def test_an_action_the_function_does_not_know_prints_its_answer_and_exits_1(state_file, capsys):
    assert make_admin.main(["no_such_action", ""]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert "unknown action 'no_such_action'" in result["error"]


@pytest.mark.parametrize("args", ["[1]", "{nope", '"text"'])
def test_args_must_be_a_json_object(state_file, args, capsys):
    assert make_admin.main(["status", args]) == 2
    assert "ARGS must be a JSON object" in capsys.readouterr().err


def test_without_a_running_stack_says_how_to_start_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(STATE_FILE_ENV, str(tmp_path / "missing.json"))
    monkeypatch.delenv("XWEBHOOK_STACK", raising=False)
    assert make_admin.main([]) == 2
    assert "start one with `make run`" in capsys.readouterr().err
