"""A test HTTP server on 127.0.0.1 in a background thread: the start and stop every fake server needs, the
request handler base their handlers share, and one request to such a server."""

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def http_call(url, method, path, body=None, headers=None, timeout=60):
    """(status, headers, body bytes) of one request to the server at `url`, on a connection of its own."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


class LocalServer:
    def __init__(self, handler_class):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def port(self):
        return self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


JSON = {"Content-Type": "application/json"}  # the headers of a JSON answer


class QuietHandler(BaseHTTPRequestHandler):
    """A test server's request handler: it logs nothing, and `answer` writes a whole answer."""

    def answer(self, status, body=b"", headers=None):
        """The status line, `headers` ({name: value}), Content-Length and `body`."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
