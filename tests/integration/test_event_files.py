"""Every committed sam-local-invoke event in events/ through the real handlers, on a stack whose consumer
secret is the documented dev secret: each gives the status events.py promises (and docs/edges.md states)."""

import json

import pytest

from localdev.events import EVENTS_DIR, expected_statuses
from localdev.testing import invoke

STATUSES = expected_statuses()


@pytest.mark.parametrize("name", sorted(STATUSES))
def test_event_file_gives_its_status(local_stack, name):
    event = json.loads((EVENTS_DIR / name).read_text())
    function = {"GET /webhook": "crc", "POST /webhook": "ingest"}.get(event["routeKey"], "connect")
    answer = invoke(local_stack.load(function), event)
    assert answer["statusCode"] == STATUSES[name]
    queued = local_stack.drain()
    if function == "ingest" and STATUSES[name] == 200:
        assert len(queued) == json.loads(answer["body"])["sent"] >= 1
    else:
        assert queued == []
