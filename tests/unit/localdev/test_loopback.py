"""localdev.loopback: the base of the local HTTP servers (gateway, extension stub, console, invoke endpoint)."""

import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from localdev.loopback import LoopbackServer
from localdev.moto_server import PortInUse


class Hello(LoopbackServer):
    port_setting = ("hello server", "HELLO_PORT")
    thread_name = "hello"

    def __init__(self, port=0, host="127.0.0.1"):
        super().__init__(port, host)
        self.prepared = 0

    def before_serving(self):
        self.prepared += 1

    def handler_class(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "5")
                self.end_headers()
                self.wfile.write(b"hello")

            def log_message(self, format, *args):
                pass

        return Handler


def test_it_serves_on_a_free_loopback_port_until_stopped():
    with Hello() as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(server.url, timeout=5) as answer:  # noqa: S310 - a loopback URL
            assert answer.read() == b"hello"
    assert server.port is None


def test_starting_twice_serves_once():
    with Hello() as server:
        port = server.port
        assert server.start() is server
        assert server.port == port
        assert server.prepared == 1


def test_stop_without_start_does_nothing():
    Hello().stop()


def test_a_taken_port_is_refused_naming_its_setting_before_anything_is_prepared():
    with Hello() as first:
        second = Hello(port=first.port)
        with pytest.raises(PortInUse, match=f"port {first.port} \\(hello server\\).*set HELLO_PORT"):
            second.start()
        assert second.prepared == 0


def test_only_the_loopback_address_is_served():
    with pytest.raises(ValueError, match=r"bind 127\.0\.0\.1 only"):
        Hello(host="0.0.0.0")
