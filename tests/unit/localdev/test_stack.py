"""The state file a running stack leaves (localdev/stack.py): private, its owner's, found by environment."""

import os

import pytest

from localdev import stack


def test_state_is_written_privately_read_back_and_removed_by_its_owner(tmp_path):
    path = tmp_path / "deep" / "stack.json"
    stack.write_state({"aws_endpoint": "http://127.0.0.1:1"}, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    state = stack.read_state(path)
    assert state["pid"] == os.getpid()
    assert state["aws_endpoint"] == "http://127.0.0.1:1"
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
