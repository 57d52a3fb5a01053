"""The parts of `make send`, `make queue` and the state file that need no running stack."""

import io
import json
import os

import pytest

from localdev import queue as queue_cli
from localdev import send as send_cli
from localdev import stack
from localdev.send import SendError, freshen, resolve_kinds
from tests.conftest import all_sample_names, sample
from xwebhook.receive.splitting import split_delivery
from xwebhook.send.deliveries import known_kinds

# --- send ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "options", "expected"),
    [
        ([], {}, ["aaa/favorite", "xaa/post.create"]),
        (["favorite", "xaa/like.create"], {}, ["aaa/favorite", "xaa/like.create"]),
        (["post.create"], {"family": "aaa"}, [*all_sample_names("aaa"), "xaa/post.create"]),
        ([], {"every": True}, known_kinds()),
    ],
)
def test_kinds_resolve_to_samples(kinds, options, expected):
    assert resolve_kinds(kinds, **options) == expected


def test_unknown_kinds_are_an_error_that_says_how_to_list():
    with pytest.raises(SendError, match="--list"):
        resolve_kinds(["no-such-kind"])


@pytest.mark.parametrize("name", all_sample_names())
def test_fresh_copies_get_new_event_ids(name):
    original = {m.event_id for m in split_delivery(sample(name), "t")}
    first = {m.event_id for m in split_delivery(freshen(sample(name), "0001"), "t")}
    second = {m.event_id for m in split_delivery(freshen(sample(name), "0002"), "t")}
    assert len(first) == len(original) == len(second)
    assert not (original & first) and not (first & second)


@pytest.mark.parametrize("name", all_sample_names())
def test_fresh_copies_are_new_activities_that_happen_now(name):
    original = {m.activity_id for m in split_delivery(sample(name), "t")}
    fresh = split_delivery(freshen(sample(name), "0001", now=1_800_000_000), "t")
    assert not original & {m.activity_id for m in fresh}
    for message in fresh:
        assert message.occurred_at in (None, 1_800_000_000.0)


def test_list_prints_every_sample_and_xaa_type():
    out = io.StringIO()
    assert send_cli.main(["--list"], out) == 0
    assert out.getvalue().split() == known_kinds()
    assert set(all_sample_names()) <= set(known_kinds())


def test_without_a_stack_or_url_send_says_how_to_start_one(tmp_path, capsys):
    assert send_cli.main(["--state-file", str(tmp_path / "none.json")]) == 2
    assert "make run" in capsys.readouterr().err


# --- queue ---------------------------------------------------------------------------------------------


def test_queue_renders_a_message_as_its_consumer_sees_it():
    message = {
        "MessageId": "m-1",
        "Body": json.dumps({"event_id": "e", "event_type": "favorite"}),
        "Attributes": {"MessageGroupId": "42", "ApproximateReceiveCount": "2"},
        "MessageAttributes": {"event_type": {"DataType": "String", "StringValue": "favorite"}},
    }
    assert queue_cli.render(message) == {
        "message_id": "m-1",
        "group_id": "42",
        "receive_count": 2,
        "attributes": {"event_type": "favorite"},
        "body": {"event_id": "e", "event_type": "favorite"},
    }


def test_queue_without_a_stack_says_how_to_start_one(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert queue_cli.main(["--state-file", str(tmp_path / "none.json")]) == 2
    assert "make run" in capsys.readouterr().err


# --- the state file ------------------------------------------------------------------------------------


def test_state_is_written_privately_read_back_and_removed_by_its_owner(tmp_path):
    path = tmp_path / "deep" / "stack.json"
    stack.write_state({"aws_endpoint": "http://127.0.0.1:1"}, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    state = stack.read_state(path)
    assert state["pid"] == os.getpid() and state["aws_endpoint"] == "http://127.0.0.1:1"
    stack.remove_state(path, pid=os.getpid() + 1)  # not ours: left alone
    assert path.exists()
    stack.remove_state(path)
    assert not path.exists()


def test_a_state_file_left_by_a_dead_process_is_reported_stale(tmp_path):
    path = tmp_path / "stack.json"
    stack.write_state({"pid": 2**22 + 12345}, path)  # above Linux's default pid_max: never running
    with pytest.raises(stack.StackNotRunning, match="gone"):
        stack.read_state(path)


def test_the_state_file_can_be_chosen_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(stack.STATE_FILE_ENV, str(tmp_path / "elsewhere.json"))
    assert stack.state_path() == tmp_path / "elsewhere.json"
    assert stack.state_path(tmp_path / "given.json") == tmp_path / "given.json"


# --- make run's settings -------------------------------------------------------------------------------


def test_run_reads_ports_and_secrets_from_the_environment():
    from localdev.run import Settings

    settings = Settings({"PORT": "3100", "AWS_PORT": "0", "X_CONSUMER_SECRET": "given", "X_BEARER_TOKEN": "bt"})
    assert (settings.gateway_port, settings.aws_port, settings.extension_port) == (3100, 0, 2773)
    assert (settings.consumer_secret, settings.consumer_secret_source) == ("given", "X_CONSUMER_SECRET")
    assert settings.credentials["bearer_token"] == "bt" and settings.credentials["consumer_key"] == ""
    assert settings.emulator is False


def test_run_generates_a_dev_secret_when_none_is_given():
    from localdev.run import Settings

    first, second = Settings({}), Settings({})
    assert first.consumer_secret_source == "generated"
    assert len(first.consumer_secret) == 50 and first.consumer_secret != second.consumer_secret


@pytest.mark.parametrize("value", ["abc", "70000", "-1"])
def test_run_refuses_a_bad_port(value):
    from localdev.run import RunError, Settings

    with pytest.raises(RunError, match="PORT"):
        Settings({"PORT": value})


def test_run_takes_template_parameters_as_name_value_pairs():
    from localdev.run import RunError, template_parameters

    assert template_parameters(["ReplayDedup=disabled", "QueueType=standard"]) == {
        "ReplayDedup": "disabled",
        "QueueType": "standard",
    }
    assert template_parameters(["AlarmEmail="]) == {"AlarmEmail": ""}
    for bad in (["ReplayDedup"], ["=x"]):
        with pytest.raises(RunError, match="NAME=VALUE"):
            template_parameters(bad)
