"""crc-check runs X's CRC against a real HTTP server and names each way an answer can fail."""

import base64
import hashlib
import hmac
import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.local_server import LocalServer
from xwebhook.cli.crc_check import check_crc

SECRET = "the-consumer-secret"


def right(token, secret=SECRET):
    return base64.b64encode(hmac.digest(secret.encode(), token.encode(), hashlib.sha256)).decode()


# How the server answers a CRC: (status, headers, body) for the token it got.
ANSWERS = {
    "good": lambda t: (200, {}, json.dumps({"response_token": "sha256=" + right(t)})),
    "no-prefix": lambda t: (200, {}, json.dumps({"response_token": right(t)})),
    "wrong-secret": lambda t: (200, {}, json.dumps({"response_token": "sha256=" + right(t, "another")})),
    "hex": lambda t: (200, {}, json.dumps({"response_token": "sha256=" + base64.b64decode(right(t)).hex()})),
    "not-json": lambda t: (200, {}, "sha256=" + right(t)),
    "no-token": lambda t: (200, {}, json.dumps({"token": "sha256=" + right(t)})),
    "redirect": lambda t: (301, {"Location": "https://elsewhere.example/webhook"}, ""),
    "status": lambda t: (503, {}, json.dumps({"error": "down"})),
}


@pytest.fixture
def server():
    behaviour = {"mode": "good", "delay": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            token = parse_qs(urlsplit(self.path).query)["crc_token"][0]
            time.sleep(behaviour["delay"])
            status, headers, body = ANSWERS[behaviour["mode"]](token)
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    running = LocalServer(Handler)
    running.behaviour = behaviour
    running.url = f"http://127.0.0.1:{running.port}/webhook"
    yield running
    running.close()


def codes(report):
    return [code for code, _ in report.causes]


def test_a_right_answer_passes_and_is_verified_against_the_secret(server):
    report = check_crc(server.url, SECRET)
    assert report.ok
    assert report.verified
    assert report.status == 200
    assert report.latency_ms is not None
    assert report.latency_ms < 3000
    assert any("https" in note for note in report.notes)  # X wants https without a port


@pytest.mark.parametrize(
    ("mode", "code", "detail"),
    [
        ("no-prefix", "no-prefix", "the HMAC itself is right"),
        ("wrong-secret", "wrong-secret", "consumer secret"),
        ("hex", "bad-format", "hex digest"),
        ("not-json", "not-json", "not JSON"),
        ("no-token", "no-token", "response_token"),
        ("redirect", "redirect", "does not follow redirects"),
        ("status", "status", "503"),
    ],
)
def test_each_wrong_answer_is_named(server, mode, code, detail):
    server.behaviour["mode"] = mode
    report = check_crc(server.url, SECRET)
    assert not report.ok
    assert codes(report) == [code]
    assert detail in report.causes[0][1]


def test_an_answer_later_than_the_deadline_is_slow_even_when_right(server):
    server.behaviour["delay"] = 0.3
    report = check_crc(server.url, SECRET, deadline=0.1)
    assert codes(report) == ["slow"]
    assert "X gives up after" in report.causes[0][1]


def test_no_answer_within_the_timeout_is_a_timeout(server):
    server.behaviour["delay"] = 1.0
    assert codes(check_crc(server.url, SECRET, timeout=0.2)) == ["timeout"]


def test_https_against_a_server_that_speaks_no_tls_is_a_tls_failure(server):
    assert codes(check_crc(server.url.replace("http://", "https://"), SECRET)) == ["tls"]


def test_a_closed_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert codes(check_crc(f"http://127.0.0.1:{port}/webhook", SECRET)) == ["unreachable"]


def test_without_a_secret_the_format_is_checked_and_the_report_says_it_was_not_verified(server):
    report = check_crc(server.url)
    assert report.ok
    assert not report.verified
    assert any("not verified" in note for note in report.notes)
    server.behaviour["mode"] = "no-prefix"
    assert codes(check_crc(server.url)) == ["no-prefix"]


def test_a_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="not an http"):
        check_crc("ftp://example.com/webhook")
