"""The `xwebhook` command against a running `make run` (with X's API emulated), as a user runs it:
a separate process, its exit codes and its --json output."""

import json
import re
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
    assert forged.returncode == 0  # 401 is what --forge expects
    assert "answered 401" in forged.stdout
    wrong = xwebhook(emulated_run, "send", "favorite", "--secret", "not-the-secret")
    assert wrong.returncode == 1
    assert "1 did not" in wrong.stdout


def test_crc_check_passes_with_the_stack_secret_and_names_a_wrong_one(emulated_run):
    good = xwebhook(emulated_run, "--json", "crc-check")
    assert good.returncode == 0
    assert json.loads(good.stdout)["verified_against_secret"] is True
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
    assert replayed_job(emulated_run, json.loads(replayed.stdout)["job_id"])["job_state"] == "Complete"


def test_an_admin_action_nobody_knows_is_a_bad_argument_naming_the_functions_actions(emulated_run):
    missing = xwebhook(emulated_run, "admin", "rotate_everything")  # an action no admin function has
    assert missing.returncode == 2
    assert "no admin action 'rotate_everything'." in missing.stderr
    assert "the admin function's actions: status, register," in " ".join(missing.stderr.split())  # its own list
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
    assert "moved 3 of 3" in moved.stdout  # the bar is on stderr
    assert "redrive" in moved.stderr
    back = [json.loads(m["Body"]) for m in emulated_run.drain()]
    assert sorted(body["n"] for body in back if "n" in body) == [0, 1, 2]


def test_without_a_stack_the_exit_code_is_3_and_the_message_says_how_to_get_one(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "xwebhook.cli", "--state-file", str(tmp_path / "none.json"), "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "make run" in result.stderr
    assert "--stack" in result.stderr


def test_help_is_everywhere_and_lists_the_exit_codes():
    commands = ([], ["send"], ["tail"], ["status"], ["redrive"], ["crc-check"], ["replay"], ["admin"], ["migrate"])
    for command in (*commands, ["migrate", "apply"], ["migrate", "status"]):
        result = subprocess.run(
            [sys.executable, "-m", "xwebhook.cli", *command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, command
        assert "Exit codes:" in result.stdout, command


def emulator(running, method, path, body=None):
    """The X emulator's control plane (localdev/x_emulator/control.py), with the run's token."""
    import urllib.request

    state = running.state
    request = urllib.request.Request(  # noqa: S310 - the local emulator
        state["emulator_url"] + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-Emulator-Token": state["emulator_control_token"], "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())


def replayed_job(running, job_id):
    """The replay job once X sent every event of its window again (and its replay_job_status)."""
    return emulator(running, "POST", f"/_emulator/replay_jobs/{job_id}/wait", {"timeout": 30})


def test_send_as_x_delivers_only_what_a_subscription_covers_and_says_how_to_subscribe(emulated_run):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    refused = xwebhook(emulated_run, "send", "--as-x", "xaa/post.create", "--user", "9000001")
    assert refused.returncode == 1  # X delivers only what a subscription covers
    assert "no XAA subscription covers post.create for user 9000001" in refused.stdout
    assert "`xwebhook admin xaa_create event_type=TYPE user_id=ID`" in " ".join(refused.stdout.split())
    subscribed = xwebhook(emulated_run, "admin", "xaa_create", "event_type=post.create", "user_id=9000001")
    assert subscribed.returncode == 0, subscribed.stdout
    sent = xwebhook(emulated_run, "send", "--as-x", "xaa/post.create", "--user", "9000001", "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["results"][0]["status"] == 200


def test_a_replay_from_minus_10m_replays_the_event_just_sent_and_ingest_drops_the_copy(emulated_run):
    """The README's demo: X delivers a like, `replay --from -10m` asks for the window up to the current minute
    (X's dates are both inclusive), X delivers the like again, and the queue keeps one."""
    from localdev import queue_fate

    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    sent_in = time.strftime("%Y%m%d%H%M", time.gmtime())  # the minute the like is sent in (X's format, UTC)
    sent = xwebhook(emulated_run, "send", "--as-x", "favorite")  # the app owner's AAA subscription covers it
    assert sent.returncode == 0, sent.stdout + sent.stderr
    likes = lines(xwebhook(emulated_run, "tail", "--type", "favorite", "--json"))
    event_id = likes[-1]["body"]["event_id"]  # the like just sent: the newest on the queue

    replayed = xwebhook(emulated_run, "replay", "--from", "-10m", "--json")

    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    answer = json.loads(replayed.stdout)
    assert answer["to_date"] >= sent_in  # the window reaches the minute the like was sent in
    job = replayed_job(emulated_run, answer["job_id"])
    assert job["job_state"] == "Complete"
    favorite_id = event_id.rsplit(":", 1)[1]
    deliveries = [
        d for d in emulator(emulated_run, "GET", "/_emulator/state")["deliveries"] if favorite_id in d["body"]
    ]
    assert [(d["replay"], d["status"]) for d in deliveries] == [(False, 200), (True, 200)]  # X sent it twice
    kept = [
        m
        for m in lines(xwebhook(emulated_run, "tail", "--type", "favorite", "--json"))
        if m["body"]["event_id"] == event_id
    ]
    assert len(kept) == 1  # the queue holds it once
    first = queue_fate.sends(emulated_run.state["aws_endpoint"], message_ids=[kept[0]["message_id"]])
    copies = queue_fate.sends(emulated_run.state["aws_endpoint"], deduplication_ids=[first[0]["deduplication_id"]])
    assert [send["kept"] for send in copies] == [True, False]  # the replayed copy was dropped as a duplicate


def test_replay_tells_a_person_the_window_to_the_end_of_the_current_minute(emulated_run):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    replayed = xwebhook(emulated_run, "replay", "--from", "-10m")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    text = " ".join(replayed.stdout.split())
    assert "(11 whole minutes, the current one included): job " in text
    assert "ingest drops those already delivered as duplicates" in text
    replayed_job(emulated_run, text.split(": job ")[1].split(".")[0])  # done before another test asks X


def test_a_bad_replay_date_is_a_bad_argument_with_the_reason(emulated_run):
    bad = xwebhook(emulated_run, "replay", "--from", "yesterday")
    assert bad.returncode == 2
    assert "xwebhook: bad input: from must be an ISO 8601 time" in bad.stderr
    as_json = xwebhook(emulated_run, "replay", "--from", "-25h", "--json")
    assert as_json.returncode == 2
    assert "outside X's 24 h replay window" in json.loads(as_json.stdout)["error"]


def test_an_unknown_kind_is_a_usage_error_not_a_traceback(emulated_run):
    result = xwebhook(emulated_run, "send", "no.such.kind")
    assert result.returncode == 2
    assert "xwebhook send --list" in result.stderr
    assert "Traceback" not in result.stderr


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


# --- what a person reads ------------------------------------------------------------------------------------


def test_status_and_ensure_without_x_say_so_and_how_to_start_the_emulator(local_run):
    status = xwebhook(local_run, "status")
    assert status.returncode == 1
    text = " ".join(status.stdout.split())
    assert "webhook unknown: X is not configured for this stack" in text
    assert "stop this stack (Ctrl-C), start `make run X_EMULATOR=1`, then run `xwebhook admin ensure`." in text
    ensure = xwebhook(local_run, "admin", "ensure")
    assert ensure.returncode == 1
    assert "ensure failed: X is not configured for this stack" in ensure.stdout
    assert "`make run X_EMULATOR=1`" in " ".join(ensure.stdout.split())


def test_status_json_without_x_names_the_problem_and_the_hints(local_run):
    report = json.loads(xwebhook(local_run, "status", "--json").stdout)
    assert report["problems"] == [
        "X is not configured for this stack: the X credentials secret has no bearer_token; it is needed for this call"
    ]
    assert "make run X_EMULATOR=1" in report["hints"][0]


def test_an_invite_without_x_keys_says_its_link_cannot_sign_in_yet_and_the_page_says_why(local_run):
    import urllib.error
    import urllib.request

    invite = xwebhook(local_run, "invite")
    assert invite.returncode == 0  # made all the same: the keys may come before the owner opens it
    url = next(line.strip() for line in invite.stdout.splitlines() if "/connect?invite=" in line)
    text = " ".join(invite.stdout.split())
    assert "This stack cannot start a sign-in yet: the X credentials secret has no oauth2_client_id" in text
    assert 'the link opens "This app cannot send you to X yet" (503)' in text
    try:
        urllib.request.urlopen(url, timeout=30)  # noqa: S310 - the local gateway
        raise AssertionError("the sign-in started without X keys")
    except urllib.error.HTTPError as page:
        assert page.code == 503
        assert "This app cannot send you to X yet" in page.read().decode()


def test_ensure_status_invite_and_accounts_speak_to_a_person_in_a_few_lines(emulated_run):
    ensure = xwebhook(emulated_run, "admin", "ensure")
    assert ensure.stdout.startswith("ensure: ok. The webhook " + emulated_run.state["webhook_url"] + ": valid")
    status = xwebhook(emulated_run, "status")
    assert "  last ensure   ok at " in status.stdout
    invite = xwebhook(emulated_run, "invite", "uses=2")
    assert invite.stdout.startswith("Invite: 2 uses, expires ")
    assert invite.stdout.splitlines()[2].strip().startswith(emulated_run.state["gateway_url"] + "/connect?invite=")
    accounts = xwebhook(emulated_run, "accounts")
    assert accounts.stdout.startswith("No connected accounts yet.")
    for result in (ensure, status, invite, accounts):
        assert len(result.stdout.splitlines()) <= 12, result.stdout
        assert not any(line.lstrip().startswith(("{", '"')) for line in result.stdout.splitlines()), result.stdout


def test_json_goes_after_the_command_as_well_as_before(emulated_run):
    xwebhook(emulated_run, "send", "xaa/follow.follow", "--user", "5550002")
    after = xwebhook(emulated_run, "tail", "--user", "5550002", "--json")
    assert after.returncode == 0, after.stderr
    assert [doc["attributes"]["event_type"] for doc in lines(after)] == ["follow.follow"]
    before = xwebhook(emulated_run, "--json", "tail", "--user", "5550002")
    assert lines(before) == lines(after)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def in_a_terminal(running, *arguments, columns=80):
    """The command run on a pseudo-terminal `columns` wide, as a person's shell runs it: rich sees a terminal
    (colours, its width). -> (exit code, what the terminal received without its escape codes, the raw bytes)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR"):
        environment.pop(name, None)
    environment["TERM"] = "xterm-256color"
    command = [sys.executable, "-m", "xwebhook.cli", "--state-file", str(running.state_file), *arguments]
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=environment)
    os.close(follower)
    received = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        received += chunk
    process.wait(60)
    os.close(leader)
    raw = received.decode("utf-8", "replace")
    return process.returncode, ANSI.sub("", raw).replace("\r\n", "\n"), raw


def test_in_an_80_column_terminal_the_summaries_are_coloured_and_nothing_is_cut(emulated_run):
    url_prefix = emulated_run.state["gateway_url"] + "/connect?invite="
    for command in (["admin", "ensure"], ["status"], ["invite"], ["replay", "--from", "-5m"], ["admin", "ensur"]):
        code, text, raw = in_a_terminal(emulated_run, *command)
        assert code in (0, 2), (command, text)
        assert "\x1b[" in raw, command  # rich knew it was a terminal
        too_wide = [line for line in text.splitlines() if len(line) > 80 and url_prefix not in line]
        assert too_wide == [], command
        if command == ["invite"]:
            (line,) = [line for line in text.splitlines() if url_prefix in line]
            assert re.fullmatch(r" *" + re.escape(url_prefix) + r"[A-Za-z0-9_.-]+", line)  # whole, on one line
        if command[0] == "replay":
            replayed_job(emulated_run, text.split(": job ")[1].split(".")[0])


def test_doctor_in_an_80_column_terminal_marks_each_check_and_cuts_nothing(emulated_run):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    code, text, raw = in_a_terminal(emulated_run, "doctor")
    assert code == 0, text
    assert "\x1b[" in raw  # coloured: rich knew it was a terminal
    assert [line for line in text.splitlines() if len(line) > 80] == []
    assert text.splitlines()[0].startswith("xwebhook doctor: ")
    assert re.search(r"^all \d+ checks hold$", text, re.M), text
    assert text.count("✓") >= 6, text
