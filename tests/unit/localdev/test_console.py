"""The local console's source (localdev/console/server.py) over a stand-in gateway: the deliveries it shows
(ingest's only, newest first), events repeated from an earlier delivery, the dropped-copies count where the
receive side gives it, and resend: the same bytes and headers, the new delivery marked as a resend."""

import json

import pytest

from localdev.console.server import Console
from tests.conftest import DEV_SECRET, sample_bytes, signature
from tests.local_server import LocalServer, QuietHandler

ANSWER = '{"status":"ok","events":1,"sent":1,"duplicates":0}'


class StandInGateway:
    """What the console reads of localdev.gateway.Gateway: its records and its URL."""

    def __init__(self, url="http://127.0.0.1:9"):
        self.url = url
        self.records = []

    def add(self, body=None, status=200, answer=ANSWER, request_id=None, at=1796400000.0, function="ingest"):
        body = sample_bytes("xaa/post.create") if body is None else body
        seq = len(self.records) + 1
        self.records.append(
            {
                "seq": seq,
                "time": at,
                "method": "POST",
                "path": "/webhook",
                "status": status,
                "note": "",
                "ms": 5.0,
                "request_id": request_id or f"req-{seq}",
                "function": function,
                "headers": [
                    ("Content-Type", "application/json"),
                    ("X-Twitter-Webhooks-Signature", signature(body, DEV_SECRET)),
                ],
                "body": body,
                "body_bytes": len(body),
                "answer": answer,
            }
        )
        return self.records[-1]

    def recorded(self, after=0):
        return [record for record in self.records if record["seq"] > after]


STATE = {
    "aws_endpoint": "http://127.0.0.1:9",
    "webhook_url": "http://127.0.0.1:9/webhook",
    "resources": {"EventsQueue": "http://127.0.0.1:9/1/events.fifo", "EventsDeadLetterQueue": None},
}


def console_over(gateway, dropped_copies=None):
    return Console(
        STATE,
        gateway,
        invoke=lambda event: {"ok": True},
        consumer_secret=lambda: DEV_SECRET,
        dropped_copies=dropped_copies,
    )


def test_the_deliveries_are_ingests_requests_newest_first():
    gateway = StandInGateway()
    gateway.add(request_id="first")
    gateway.add(request_id="crc", function=None)
    gateway.add(request_id="second", at=1796400001.0)
    assert [view["id"] for view in console_over(gateway).deliveries()["deliveries"]] == ["second", "first"]


def test_the_signature_is_checked_with_the_stacks_consumer_secret():
    gateway = StandInGateway()
    gateway.add()
    (view,) = console_over(gateway).deliveries()["deliveries"]
    assert view["signature"]["verdict"] == "valid"


def test_events_that_came_in_an_earlier_accepted_delivery_of_the_last_five_minutes_are_counted_as_repeats():
    gateway = StandInGateway()
    body = sample_bytes("aaa/favorite_multi")
    gateway.add(body, at=1796400000.0)
    gateway.add(body, at=1796400060.0)
    newest, oldest = console_over(gateway).deliveries()["deliveries"]
    assert (oldest["repeats"], newest["repeats"]) == (0, 3)


def test_a_copy_more_than_five_minutes_later_is_no_repeat():
    gateway = StandInGateway()
    body = sample_bytes("aaa/favorite")
    gateway.add(body, at=1796400000.0)
    gateway.add(body, at=1796400301.0)
    assert console_over(gateway).deliveries()["deliveries"][0]["repeats"] == 0


def test_a_copy_of_a_refused_delivery_is_no_repeat():
    gateway = StandInGateway()
    body = sample_bytes("aaa/favorite")
    gateway.add(body, status=503, answer='{"error":"events could not be stored; retry"}')
    gateway.add(body, at=1796400001.0)
    assert console_over(gateway).deliveries()["deliveries"][0]["repeats"] == 0


def test_the_receive_sides_count_of_dropped_copies_fills_the_dropped_slot():
    gateway = StandInGateway()
    gateway.add(request_id="kept")
    gateway.add(request_id="copy", at=1796400001.0)
    asked = []

    def dropped_copies(record):
        asked.append(record["request_id"])
        return 1 if record["request_id"] == "copy" else 0

    views = console_over(gateway, dropped_copies).deliveries()["deliveries"]
    assert [view["counts"]["dropped"] for view in views] == [1, 0]
    assert sorted(asked) == ["copy", "kept"]


def test_the_gateways_record_of_what_the_queue_dropped_fills_the_dropped_slot():
    gateway = StandInGateway()
    gateway.add(request_id="kept")["queue"] = {"sent": 1, "duplicates": 0, "kept": 1, "dropped": 0}
    gateway.add(request_id="copy", at=1796400001.0)["queue"] = {"sent": 1, "duplicates": 0, "kept": 0, "dropped": 1}
    views = console_over(gateway).deliveries()["deliveries"]
    assert [view["counts"]["dropped"] for view in views] == [1, 0]


def test_without_that_count_dropped_is_not_known():
    gateway = StandInGateway()
    gateway.add()
    assert console_over(gateway).deliveries()["deliveries"][0]["counts"]["dropped"] is None


def test_resending_an_unknown_delivery_is_a_404():
    assert console_over(StandInGateway()).resend("nothing")[0] == 404


def test_a_delivery_whose_body_was_not_kept_cannot_be_resent():
    gateway = StandInGateway()
    gateway.add()["body"] = None
    status, answer = console_over(gateway).resend("req-1")
    assert status == 409
    assert "too large" in answer["error"]


class Webhook(QuietHandler):
    """The gateway's webhook route: keeps what it got, answers as ingest with a request id."""

    got = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Webhook.got.append((self.path, body, dict(self.headers)))
        data = b'{"status":"ok","events":1,"sent":0,"duplicates":1}'
        self.answer(200, data, {"apigw-requestid": "the-resend"})


@pytest.fixture
def webhook():
    Webhook.got = []
    server = LocalServer(Webhook)
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def test_a_resend_posts_the_same_bytes_with_the_same_signature_and_marks_the_new_delivery(webhook):
    gateway = StandInGateway(webhook)
    original = gateway.add()
    console = console_over(gateway)
    status, answer = console.resend("req-1")
    (path, body, headers) = Webhook.got[0]
    assert (status, answer["id"], answer["resend_of"]) == (200, "the-resend", "req-1")
    assert (path, body) == ("/webhook", original["body"])
    assert headers["X-Twitter-Webhooks-Signature"] == signature(original["body"], DEV_SECRET)
    assert answer["answer"] == json.loads('{"status":"ok","events":1,"sent":0,"duplicates":1}')
    gateway.add(original["body"], request_id="the-resend", at=1796400002.0)
    assert console.deliveries()["deliveries"][0]["resend_of"] == "req-1"
