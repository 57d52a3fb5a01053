"""`python -m localdev.x_emulator` as `make emulator` runs it: a separate process, configured from the
environment and the command line, that prints its base URL and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from requests_oauthlib import OAuth1

REPO = Path(__file__).resolve().parents[2]
ENV = {
    "X_CONSUMER_KEY": "cli-consumer-key",
    "X_CONSUMER_SECRET": "cli-consumer-secret",
    "X_BEARER_TOKEN": "cli-bearer-token",
    "X_ACCESS_TOKEN": "cli-owner-token",
    "X_ACCESS_TOKEN_SECRET": "cli-owner-token-secret",
    "X_OWNER_ID": "1111",
    "X_EMULATOR_CONTROL_TOKEN": "cli-control-token",
}
CONTROL = {"X-Emulator-Token": "cli-control-token"}


def start(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("X_")}
    environment.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "localdev.x_emulator", "--port", "0", *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base_url = process.stdout.readline().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        process.kill()
        pytest.fail(f"no base URL on stdout: {base_url!r} / {process.stderr.read()}")
    return process, base_url


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()


def test_cli_takes_credentials_from_the_environment():
    process, base_url = start(env=ENV)
    try:
        assert requests.get(base_url + "/_emulator/health", timeout=5).json()["ok"] is True
        with_env_bearer = requests.get(
            base_url + "/2/webhooks", headers={"Authorization": "Bearer cli-bearer-token"}, timeout=5
        )
        with_other_bearer = requests.get(base_url + "/2/webhooks", headers={"Authorization": "Bearer bt"}, timeout=5)
        owner = OAuth1("cli-consumer-key", "cli-consumer-secret", "cli-owner-token", "cli-owner-token-secret")
        count = requests.get(base_url + "/2/account_activity/webhooks/1/subscriptions/all", auth=owner, timeout=5)
        state = requests.get(base_url + "/_emulator/state", headers=CONTROL, timeout=5).json()
    finally:
        code = stop(process)

    assert with_env_bearer.status_code == 200
    assert with_other_bearer.status_code == 401
    assert count.status_code == 404  # authenticated as the owner; webhook 1 does not exist
    assert state["owner_id"] == "1111"
    assert code == 0
    assert "cli-consumer-secret" not in process.stdout.read() + process.stderr.read()


def test_cli_options_override_the_environment():
    process, base_url = start(
        "--bearer-token",
        "flag-bearer",
        "--user",
        "2222:flag-token:flag-secret",
        "--premium-env",
        "prod",
        env=ENV,
    )
    try:
        bearer = {"Authorization": "Bearer flag-bearer"}
        listed = requests.get(base_url + "/1.1/account_activity/all/webhooks.json", headers=bearer, timeout=5)
        state = requests.get(base_url + "/_emulator/state", headers=CONTROL, timeout=5).json()
    finally:
        stop(process)

    assert listed.json() == {"environments": [{"environment_name": "prod", "webhooks": []}]}
    assert state["owner_id"] == "2222"


def test_cli_refuses_a_malformed_user():
    result = subprocess.run(
        [sys.executable, "-m", "localdev.x_emulator", "--user", "not-a-user"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "USER_ID:ACCESS_TOKEN:ACCESS_TOKEN_SECRET" in result.stderr
