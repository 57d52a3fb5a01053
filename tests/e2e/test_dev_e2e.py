"""`make dev` (localdev/dev.py) and `xwebhook dev`: the local stack with X's emulator, the webhook registered
through a real CRC and the app owner subscribed, ready for `xwebhook send`/`tail` and the console; a restart
says what it reset and registers again by itself. Also `make run`'s own line about what a restart reset."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from localdev.accounts import seed
from localdev.testing import DEV_SECRET, REPO, run_local_stack, wait_until
from tests.e2e.conftest import xwebhook

READY = "xwebhook dev: ready"


def make_dev(directory):
    return run_local_stack(directory, env={"X_CONSUMER_SECRET": DEV_SECRET}, module="localdev.dev", ready_text=READY)


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    with make_dev(tmp_path_factory.mktemp("dev")) as running:
        yield running


def console_items(running, wanted, timeout=15):
    """The console's live feed (its /api/stream), read until an item satisfies `wanted`; that item."""
    request = urllib.request.Request(running.state["console_url"] + "/api/stream")  # noqa: S310 - local
    deadline = time.monotonic() + timeout
    with urllib.request.urlopen(request, timeout=timeout) as stream:  # noqa: S310 - local
        while time.monotonic() < deadline:
            line = stream.readline().decode()
            if line.startswith("data: "):
                item = json.loads(line[6:])
                if wanted(item):
                    return item
    return None


def test_make_dev_says_the_webhook_is_registered_at_the_emulator_and_the_owner_subscribed(dev):
    ready = next(line for line in dev.output().splitlines() if line.strip().startswith("webhook"))
    assert "registered at X (the emulator) as" in ready
    assert "valid; subscribed: 2244994945" in ready


def test_make_dev_prints_the_next_commands(dev):
    output = dev.output()
    assert [
        command
        for command in ("xwebhook send --as-x favorite", "xwebhook tail --follow", "xwebhook doctor")
        if command in output
    ] == [
        "xwebhook send --as-x favorite",
        "xwebhook tail --follow",
        "xwebhook doctor",
    ]


def test_after_make_dev_the_stack_is_healthy_for_xwebhook_status(dev):
    assert xwebhook(dev, "status").returncode == 0


def test_an_event_x_delivers_after_make_dev_is_in_tail_and_in_the_console(dev):
    # When X (the emulator) delivers a favorite for the app owner, as the next command says
    assert xwebhook(dev, "send", "--as-x", "favorite").returncode == 0
    # Then tail shows it, and the console's live feed has it
    shown = [json.loads(line) for line in xwebhook(dev, "--json", "tail", "--type", "favorite").stdout.splitlines()]
    assert [message["body"]["for_user_id"] for message in shown] == ["2244994945"]
    item = console_items(dev, lambda item: (item.get("attributes") or {}).get("event_type") == "favorite")
    assert item["body"]["event_id"] == shown[0]["body"]["event_id"]


def test_a_restart_of_make_dev_says_what_it_reset_and_registers_again(tmp_path):
    # Given a dev stack with a delivery on its queue and two connected accounts, stopped
    with make_dev(tmp_path) as first:
        assert xwebhook(first, "send", "--as-x", "favorite").returncode == 0
        seed(first.state, 2)
    # When it starts again in the same place
    with make_dev(tmp_path) as second:
        output = second.output()
        # Then it says what the restart reset, and the webhook is registered again without anyone asking
        (said,) = [line for line in output.splitlines() if line.startswith("this restart reset:")]
        assert re.search(r"webhook \d+ at X's emulator with 3 subscriptions", said)
        assert "2 connected accounts (1600000000, 1600000001)" in said
        assert "1 message on the events queue" in said
        assert "xwebhook invite" in said
        assert "registering the webhook again" in output
        assert xwebhook(second, "status").returncode == 0


def test_a_restart_of_make_run_says_what_it_reset_and_how_to_register_again(tmp_path):
    env = {"X_CONSUMER_SECRET": DEV_SECRET, "X_EMULATOR": "1"}
    with run_local_stack(tmp_path, env=env) as first:
        assert xwebhook(first, "admin", "ensure").returncode == 0
    with run_local_stack(tmp_path, env=env) as second:
        (said,) = [line for line in second.output().splitlines() if line.startswith("this restart reset:")]
        assert said.endswith("Register again with `xwebhook admin ensure`.")


def test_a_first_start_says_nothing_about_a_reset(dev):
    assert "this restart reset" not in dev.output()


def test_xwebhook_dev_starts_make_dev_from_the_cli(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    environment.update({"PORT": "0", "AWS_PORT": "0", "EXTENSION_PORT": "0", "EMULATOR_PORT": "0", "CONSOLE_PORT": "0"})
    environment.update({"X_CONSUMER_SECRET": DEV_SECRET, "PYTHONUNBUFFERED": "1"})
    output = tmp_path / "output.txt"
    state_file = tmp_path / "stack.json"
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "xwebhook.cli", "--state-file", str(state_file), "dev", "--exit-with-parent"],
            cwd=tmp_path,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        # Run from outside the repository: xwebhook dev finds it, and passes the state file on
        wait_until(lambda: READY in output.read_text() or process.poll() is not None, 90, what="xwebhook dev ready")
        assert READY in output.read_text(), output.read_text()
        assert json.loads(state_file.read_text())["emulator_url"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def test_ctrl_c_in_a_terminal_still_leaves_the_record_of_what_the_stack_held(tmp_path):
    # A terminal's Ctrl-C interrupts every process of the foreground group at once: make dev's and its children's.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    environment.update({"PORT": "0", "AWS_PORT": "0", "EXTENSION_PORT": "0", "EMULATOR_PORT": "0", "CONSOLE_PORT": "0"})
    environment.update({"X_CONSUMER_SECRET": DEV_SECRET, "PYTHONUNBUFFERED": "1"})
    output, state_file = tmp_path / "output.txt", tmp_path / "stack.json"
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "localdev.dev", "--state-file", str(state_file)],
            cwd=REPO,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: READY in output.read_text() or process.poll() is not None, 90, what="make dev ready")
        running = type("Running", (), {"state_file": state_file})()
        assert xwebhook(running, "send", "--as-x", "favorite").returncode == 0
    finally:
        os.killpg(process.pid, signal.SIGINT)  # at once, before the next periodic record
        process.wait(30)
    assert json.loads((tmp_path / "last-run.json").read_text())["queue"] == 1
