"""events/admin-*.json: one payload per action (and the schedule's), each one the handler accepts."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xwebhook.admin.dispatch import requested_action
from xwebhook.admin.models import parse_input
from xwebhook.admin.replay_window import replay_window
from xwebhook.admin.wiring import ACTIONS

EVENTS = Path(__file__).resolve().parents[3] / "events"
ADMIN_EVENTS = sorted(EVENTS.glob("admin-*.json"))
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", ADMIN_EVENTS, ids=lambda path: path.name)
def test_each_admin_event_is_a_valid_invocation(path):
    action, fields = requested_action(json.loads(path.read_text()), ACTIONS)
    request = parse_input(ACTIONS[action][0], fields)
    assert path.name.startswith(f"admin-{action.replace('_', '-')}")
    if action == "replay":
        window = replay_window(request.from_time, request.to_time, NOW)
        assert window.from_date < window.to_date


def test_every_action_has_an_event_and_the_schedule_too():
    named = {requested_action(json.loads(path.read_text()), ACTIONS)[0] for path in ADMIN_EVENTS}
    assert named == set(ACTIONS)
    scheduled = json.loads((EVENTS / "admin-ensure-scheduled-event.json").read_text())
    assert scheduled["source"] == "aws.events"
    assert "action" not in scheduled
