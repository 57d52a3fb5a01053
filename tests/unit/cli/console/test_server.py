"""The console's HTTP side over a source: the page with its boot data and the shared look, the API routes,
the guard (host, origin, the per-run token), and a read-only source's refusal of every action."""

import json
import re

import pytest

from tests.local_server import http_call
from xwebhook.cli.console.feed import Feed
from xwebhook.cli.console.server import TOKEN_HEADER, ServedConsole
from xwebhook.look import CSS


class QuietFeed(Feed):
    def look(self):
        self.stopping.wait(0.2)
        return []


class ReadOnlySource:
    """What StackSource gives the page, from fixed answers."""

    def __init__(self):
        self.feed = QuietFeed()

    def start(self):
        self.feed.start()

    def stop(self):
        self.feed.stop()

    def boot(self):
        return {"mode": "stack", "title": "console <of> test", "target": "stack t", "webhook_url": "https://h/webhook"}

    def health(self, refresh=False):
        return {"refreshed": refresh}

    def deliveries(self):
        return {"deliveries": [{"id": "d1"}], "error": None}

    def accounts(self):
        return {"supported": True, "result": {"ok": True, "accounts": []}}


class ActingSource(ReadOnlySource):
    def __init__(self):
        super().__init__()
        self.calls = []

    def send(self, kind, user_id=None):
        self.calls.append(("send", kind, user_id))
        return 200, {"kind": kind, "status": 200}

    def resend(self, delivery_id):
        self.calls.append(("resend", delivery_id))
        return 200, {"resend_of": delivery_id}

    def invite(self, fields):
        self.calls.append(("invite", fields))
        return {"ok": True, "invite_url": "https://h/connect?invite=x"}


@pytest.fixture
def served():
    started = []

    def serve(source):
        console = ServedConsole(source).start()
        started.append(console)
        return console

    yield serve
    for console in started:
        console.stop()


def call(console, method, path, body=None, **headers):
    headers = {"Host": f"127.0.0.1:{console.port}", **headers}
    data = json.dumps(body).encode() if body is not None else None
    status, answer_headers, data = http_call(console.url, method, path, data, headers, timeout=10)
    return status, answer_headers, data


def post(console, path, body, token=True):
    headers = {"Content-Type": "application/json"}
    if token:
        headers[TOKEN_HEADER] = console.token
    return call(console, "POST", path, body, **headers)


def boot_of(page):
    return json.loads(re.search(rb'<script type="application/json" id="boot">(.*?)</script>', page).group(1))


def test_the_page_carries_the_sources_boot_data_its_token_and_the_shared_look(served):
    console = served(ReadOnlySource())
    status, headers, page = call(console, "GET", "/")
    boot = boot_of(page)
    assert status == 200
    assert (boot["token"], boot["title"]) == (console.token, "console <of> test")
    assert CSS.encode() in page
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_no_boot_value_can_close_its_script_element(served):
    _, _, page = call(served(ReadOnlySource()), "GET", "/")
    assert b"console <of> test" not in page  # `<` is written \\u003c inside the JSON


def test_the_page_is_told_which_actions_the_source_has(served):
    assert boot_of(call(served(ReadOnlySource()), "GET", "/")[2])["actions"] == {
        "send": False,
        "resend": False,
        "invite": False,
    }
    assert set(boot_of(call(served(ActingSource()), "GET", "/")[2])["actions"].values()) == {True}


@pytest.mark.parametrize("action", ["send", "resend", "invite"])
def test_a_read_only_source_refuses_every_action(served, action):
    status, _, body = post(served(ReadOnlySource()), f"/api/{action}", {"kind": "aaa/favorite", "id": "d1"})
    assert status == 405
    assert "only reads" in json.loads(body)["error"]


def test_actions_reach_the_source_with_their_fields(served):
    source = ActingSource()
    console = served(source)
    post(console, "/api/send", {"kind": "aaa/favorite", "user_id": "42"})
    post(console, "/api/resend", {"id": "d1"})
    post(console, "/api/invite", {"expires_in": "1h"})
    assert source.calls == [("send", "aaa/favorite", "42"), ("resend", "d1"), ("invite", {"expires_in": "1h"})]


def test_a_post_without_the_pages_token_is_refused(served):
    source = ActingSource()
    status, _, _ = post(served(source), "/api/send", {"kind": "aaa/favorite"}, token=False)
    assert status == 403
    assert source.calls == []


def test_a_request_for_another_host_is_refused(served):
    console = served(ReadOnlySource())
    assert call(console, "GET", "/api/deliveries", Host="evil.example:80")[0] == 403


def test_a_request_from_another_origin_is_refused(served):
    console = served(ReadOnlySource())
    assert call(console, "GET", "/api/deliveries", Origin="http://evil.example")[0] == 403


def test_the_read_routes_give_the_sources_answers(served):
    console = served(ReadOnlySource())
    assert json.loads(call(console, "GET", "/api/deliveries")[2]) == {"deliveries": [{"id": "d1"}], "error": None}
    assert json.loads(call(console, "GET", "/api/health?refresh=1")[2]) == {"refreshed": True}


def test_an_unknown_route_is_a_404(served):
    assert call(served(ReadOnlySource()), "GET", "/api/nothing")[0] == 404


def test_the_stream_sends_what_the_feed_saw(served):
    source = ReadOnlySource()
    console = served(source)
    source.feed.add([("events", {"message_id": "m1", "body": {"event_id": "e1"}})])
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", console.port, timeout=10)
    connection.request("GET", "/api/stream", headers={"Host": f"127.0.0.1:{console.port}"})
    answer = connection.getresponse()
    lines = [answer.fp.readline() for _ in range(2)]
    connection.close()
    assert lines[0] == b"id: 1\n"
    assert json.loads(lines[1][len(b"data: ") :])["body"] == {"event_id": "e1"}
