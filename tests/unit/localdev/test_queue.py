"""`make queue` (localdev/queue.py), the parts that need no running stack."""

import json

from localdev import queue as queue_cli


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
