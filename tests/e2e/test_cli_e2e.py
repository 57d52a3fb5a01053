"""The `xwebhook` command against a running `make run` (with X's API emulated), as a user runs it:
a separate process, its exit codes and its --json output."""

import json
import signal
import subprocess
import sys
import time

from tests.e2e.conftest import xwebhook


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_send_then_tail_shows_the_event_and_leaves_it_for_the_consumer(emulated_run):
    sent = xwebhook(emulated_run, "--json", "send", "dm.received", "--user", "5550001")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["results"][0]["status"] == 200

    tailed = xwebhook(emulated_run, "--json", "tail", "--type", "dm.*", "--user", "5550001")

    assert tailed.returncode == 0, tailed.stderr
    (document,) = lines(tailed)
    assert document["attributes"] == {"event_type": "dm.received", "source": "xaa", "for_user_id": "5550001"}
    assert document["receive_count"] == 0  # tail received nothing
    consumed = [json.loads(m["Body"]) for m in emulated_run.drain()]
    assert document["body"]["event_id"] in {body["event_id"] for body in consumed}  # still the consumer's


def test_tail_follow_shows_events_as_they_arrive_even_when_a_consumer_takes_them_at_once(emulated_run):
    emulated_run.drain()
    command = [sys.executable, "-m", "xwebhook.cli", "--state-file", str(emulated_run.state_file), "--json"]
    follower = subprocess.Popen([*command, "tail", "--follow", "--type", "follow.*"], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert xwebhook(emulated_run, "send", "xaa/follow.follow", "aaa/follow").returncode == 0
        emulated_run.drain()  # a consumer deletes them at once
        seen = [json.loads(follower.stdout.readline()) for _ in range(2)]
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(10)
    assert sorted(d["attributes"]["event_type"] for d in seen) == ["follow.follow", "follow.follow"]
    assert {d["attributes"]["source"] for d in seen} == {"aaa", "xaa"}


def test_a_forged_send_is_refused_and_the_exit_code_says_so(emulated_run):
    forged = xwebhook(emulated_run, "send", "--forge", "favorite")
    assert forged.returncode == 0 and "answered 401" in forged.stdout  # 401 is what --forge expects
    wrong = xwebhook(emulated_run, "send", "favorite", "--secret", "not-the-secret")
    assert wrong.returncode == 1 and "1 did not" in wrong.stdout


def test_crc_check_passes_with_the_stack_secret_and_names_a_wrong_one(emulated_run):
    good = xwebhook(emulated_run, "--json", "crc-check")
    assert good.returncode == 0 and json.loads(good.stdout)["verified_against_secret"] is True
    bad = xwebhook(emulated_run, "--json", "crc-check", "--secret", "another-secret")
    assert bad.returncode == 1
    assert [c["code"] for c in json.loads(bad.stdout)["causes"]] == ["wrong-secret"]


def test_status_admin_ensure_and_replay_through_the_local_invoke_endpoint(emulated_run):
    ensured = xwebhook(emulated_run, "--json", "admin", "ensure")
    assert ensured.returncode == 0, ensured.stdout + ensured.stderr
    assert json.loads(ensured.stdout)["webhook_valid"] is True

    status = xwebhook(emulated_run, "--json", "status")
    report = json.loads(status.stdout)
    assert report["webhook"]["webhook"]["valid"] is True
    assert report["queues"]["dead_letters"]["visible"] == 0
    assert status.returncode == (0 if report["healthy"] else 1)
    assert report["outputs"]["AdminFunctionName"] == "xwebhook-local-AdminFunction"

    replayed = xwebhook(emulated_run, "--json", "replay", "--from", "-30m")
    assert replayed.returncode == 0, replayed.stdout
    assert json.loads(replayed.stdout)["action"] == "replay"


def test_an_admin_action_nobody_knows_is_a_bad_argument_naming_the_functions_actions(emulated_run):
    missing = xwebhook(emulated_run, "admin", "rotate_everything")  # an action no admin function has
    assert missing.returncode == 2
    assert "no admin action 'rotate_everything'." in missing.stderr
    assert "the admin function's actions: status, register," in missing.stderr  # the deployed function's list
    as_json = xwebhook(emulated_run, "admin", "rotate_everything", "--json")
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["exit_code"] == 2


def test_accounts_and_invite_are_the_admin_functions_actions(emulated_run):
    accounts = xwebhook(emulated_run, "--json", "accounts")
    assert accounts.returncode == 0, accounts.stderr
    assert json.loads(accounts.stdout)["accounts"] == []
    invite = xwebhook(emulated_run, "--json", "invite", "expires_in=2h", "uses=2")
    assert invite.returncode == 0, invite.stderr
    answer = json.loads(invite.stdout)
    assert answer["invite_url"].startswith(emulated_run.state["gateway_url"] + "/connect?invite=")
    assert answer["uses"] == 2


def test_redrive_moves_dead_letters_back_with_a_progress_bar(emulated_run):
    emulated_run.drain()
    sqs = emulated_run.client("sqs")
    dlq = emulated_run.state["resources"]["EventsDeadLetterQueue"]
    for n in range(3):
        sqs.send_message(
            QueueUrl=dlq, MessageBody=json.dumps({"n": n}), MessageGroupId="g", MessageDeduplicationId=f"d{n}"
        )

    moved = xwebhook(emulated_run, "redrive")

    assert moved.returncode == 0, moved.stderr
    assert "moved 3 of 3" in moved.stdout and "redrive" in moved.stderr  # the bar is on stderr
    back = [json.loads(m["Body"]) for m in emulated_run.drain()]
    assert sorted(body["n"] for body in back if "n" in body) == [0, 1, 2]


def test_without_a_stack_the_exit_code_is_3_and_the_message_says_how_to_get_one(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "xwebhook.cli", "--state-file", str(tmp_path / "none.json"), "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3 and "make run" in result.stderr and "--stack" in result.stderr


def test_help_is_everywhere_and_lists_the_exit_codes():
    commands = ([], ["send"], ["tail"], ["status"], ["redrive"], ["crc-check"], ["replay"], ["admin"], ["migrate"])
    for command in (*commands, ["migrate", "apply"], ["migrate", "status"]):
        result = subprocess.run(
            [sys.executable, "-m", "xwebhook.cli", *command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and "Exit codes:" in result.stdout, command


def test_send_as_x_has_the_emulator_deliver_and_a_replay_brings_nothing_twice(emulated_run):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    emulated_run.drain()
    refused = xwebhook(emulated_run, "send", "--as-x", "xaa/post.create", "--user", "9000001")
    assert refused.returncode == 1  # X delivers only what a subscription covers
    assert "no XAA subscription covers post.create for user 9000001" in refused.stdout
    subscribed = xwebhook(emulated_run, "admin", "xaa_create", '{"event_type": "post.create", "user_id": "9000001"}')
    assert subscribed.returncode == 0, subscribed.stdout
    sent = xwebhook(emulated_run, "--json", "send", "--as-x", "xaa/post.create", "--user", "9000001")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["results"][0]["status"] == 200

    replayed = xwebhook(emulated_run, "--json", "replay", "--from", "-10m")
    assert replayed.returncode == 0, replayed.stdout
    time.sleep(2)  # the emulator delivers the window again in the background

    posts = [m for m in emulated_run.drain() if json.loads(m["Body"])["for_user_id"] == "9000001"]
    assert len(posts) == 1  # X delivered it twice; ingest enqueued it once


def test_an_unknown_kind_is_a_usage_error_not_a_traceback(emulated_run):
    result = xwebhook(emulated_run, "send", "no.such.kind")
    assert result.returncode == 2 and "xwebhook send --list" in result.stderr and "Traceback" not in result.stderr


def test_make_run_starts_again_on_the_same_ports_right_after_ctrl_c(tmp_path):
    from localdev.moto_server import free_port
    from localdev.testing import DEV_SECRET, run_local_stack

    ports = {"PORT": str(free_port()), "CONSOLE_PORT": str(free_port()), "X_CONSUMER_SECRET": DEV_SECRET}
    with run_local_stack(tmp_path / "first", env=ports) as first:
        assert xwebhook(first, "send", "favorite").returncode == 0  # connections the server then closes
        assert xwebhook(first, "crc-check").returncode == 0
    assert first.process.returncode == 0  # stopped by SIGINT, as Ctrl-C does

    with run_local_stack(tmp_path / "second", env=ports) as second:  # at once: ports still in TIME_WAIT
        assert second.state["webhook_url"] == f"http://127.0.0.1:{ports['PORT']}/webhook"
        assert xwebhook(second, "crc-check").returncode == 0
