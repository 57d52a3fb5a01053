"""functions/admin/app.py as Lambda runs it: settings at import, secrets through the extension protocol,
one JSON result per invocation, a log line, and the WebhookValid metric (EMF on stdout) for ensure."""

import json

import pytest

from localdev.handlers import load_function
from tests.unit.admin.conftest import CONSUMER_SECRET, OTHER_ID, OWNER_ID, admin_env


class Context:
    function_name = "xwebhook-admin"
    aws_request_id = "req-1"

    def __init__(self, seconds_left=60.0):
        self.seconds_left = seconds_left

    def get_remaining_time_in_millis(self):
        return int(self.seconds_left * 1000)


def output_lines(capsys):
    lines = []
    for line in capsys.readouterr().out.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def webhook_valid_values(lines):
    values = []
    for line in lines:
        metrics = line.get("_aws", {}).get("CloudWatchMetrics", [])
        if any(m["Name"] == "WebhookValid" for block in metrics for m in block["Metrics"]):
            assert metrics[0]["Namespace"] == "XWebhook"
            assert ["service"] in metrics[0]["Dimensions"]
            assert line["service"] == "xwebhook"
            value = line["WebhookValid"]
            values.extend(value if isinstance(value, list) else [value])
    return values


def logged(caplog, level=None):
    """Powertools log records of the xwebhook logger (the handler's one line per invocation)."""
    return [r for r in caplog.records if r.name == "xwebhook" and (level is None or r.levelname == level)]


def test_ensure_through_the_handler_registers_subscribes_and_emits_webhook_valid_1(
    emulator, receiver, extension, capsys, caplog
):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    result = app.handler({"action": "ensure"}, Context())
    assert result["ok"] is True
    assert result["webhook_valid"] is True
    assert emulator.subscriptions[result["webhook"]["id"]] == {OWNER_ID, OTHER_ID}
    lines = output_lines(capsys)
    assert webhook_valid_values(lines) == [1]
    [log] = logged(caplog)
    assert log.levelname == "INFO"
    assert log.getMessage() == "admin ensure"
    assert log.result["did"][0]["step"] == "register"
    json.dumps(result)  # the answer Lambda serialises
    # Secrets are read through the extension with the session token, and never printed or logged
    assert set(extension.reads) == {"consumer-secret", "x-credentials"}
    printed = json.dumps(lines) + json.dumps(log.result) + caplog.text
    assert CONSUMER_SECRET not in printed
    assert "owner-token-secret" not in printed


def test_ensure_that_cannot_make_the_webhook_valid_emits_0_and_logs_an_error(
    emulator, receiver, extension, capsys, caplog
):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    webhook = emulator.add_webhook(receiver.url, valid=False)
    receiver.crc_mode = "wrong"
    result = app.handler({"action": "ensure"}, Context())
    assert result["ok"] is False
    assert result["webhook_valid"] is False
    assert webhook_valid_values(output_lines(capsys)) == [0]
    [error] = logged(caplog, "ERROR")
    assert error.getMessage() == "admin ensure: the webhook is not valid"
    assert error.result["webhook_valid"] is False
    assert emulator.webhooks[webhook["id"]]["valid"] is False


def test_a_scheduled_rule_event_means_ensure(emulator, receiver, extension, capsys):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    assert app.handler(event, Context())["action"] == "ensure"
    assert webhook_valid_values(output_lines(capsys)) == [1]


def test_other_actions_emit_no_metric(emulator, receiver, extension, capsys):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    assert app.handler({"action": "status"}, None)["ok"] is True
    assert webhook_valid_values(output_lines(capsys)) == []


def test_unreadable_secrets_are_an_error_and_a_0(emulator, receiver, extension, capsys):
    app = load_function("admin", admin_env(emulator, receiver, extension, X_CREDENTIALS_SECRET_ID="missing"))
    result = app.handler({"action": "ensure"}, Context())
    assert result["ok"] is False
    assert result["webhook_valid"] is False
    assert result["error"].startswith("cannot read the X credentials secret: secrets extension answered 400")
    assert webhook_valid_values(output_lines(capsys)) == [0]
    assert emulator.requests == []


def test_a_bad_setting_is_reported_by_every_invocation(emulator, receiver, extension, capsys):
    app = load_function("admin", admin_env(emulator, receiver, extension, X_API_FLAVOUR="v3"))
    status = app.handler({"action": "status"}, None)
    assert status == {
        "action": "status",
        "ok": False,
        "error": "configuration: X_API_FLAVOUR must be one of v2, enterprise, premium, got 'v3'",
    }
    ensure = app.handler({"action": "ensure"}, None)
    assert ensure["ok"] is False
    assert ensure["webhook_valid"] is False
    assert webhook_valid_values(output_lines(capsys)) == [0]


@pytest.mark.parametrize("event", [None, [], "ensure", {"action": "nope"}, {"action": "replay", "from": "soon"}])
def test_bad_invocations_get_an_error_never_a_traceback(emulator, receiver, extension, event, capsys):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    result = app.handler(event, None)
    assert result["ok"] is False
    assert result["error"].startswith("bad input: ")
    assert "Traceback" not in capsys.readouterr().out


def test_an_unexpected_exception_is_logged_and_answered_briefly(emulator, receiver, extension, caplog):
    app = load_function("admin", admin_env(emulator, receiver, extension))

    def broken(_admin, _request):
        raise KeyError("boom")

    model, _, summary = app.admin.actions["status"]
    app.admin.actions = {**app.admin.actions, "status": (model, broken, summary)}
    result = app.handler({"action": "status"}, None)
    assert result == {"action": "status", "ok": False, "error": "internal error (KeyError); see the log"}
    [error] = logged(caplog, "ERROR")
    assert error.getMessage() == "admin action failed unexpectedly"
    assert error.exc_info[0] is KeyError


def test_retries_stop_when_the_invocation_runs_out_of_time(emulator, receiver, extension):
    app = load_function("admin", admin_env(emulator, receiver, extension))
    emulator.fail_next("GET", "/2/webhooks", 503, count=3)
    result = app.handler({"action": "status"}, Context(seconds_left=3.0))
    assert result["ok"] is False
    assert "after 1 attempt(s)" in result["error"]
    assert len(emulator.requests) == 1
