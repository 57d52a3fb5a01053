"""A tiny HTTP server on 127.0.0.1 that answers from a script and records what it was sent.

For the X client's error mapping: each request takes the next scripted answer (status, headers, body),
or "drop" to close the connection without an answer (a network error), or the default when the
script is empty.
"""

import json
import threading

from tests.local_server import JSON, LocalServer, QuietHandler

DROP = "drop"


class ScriptedServer:
    def __init__(self, script=(), default=(200, {}, {"data": []})):
        self.script = list(script)
        self.default = default
        self.requests = []  # dicts: method, path, headers, body
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def _from_the_script(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    step = server.script.pop(0) if server.script else server.default
                if step == DROP:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, headers, payload = step
                data = (
                    payload if isinstance(payload, bytes) else b"" if payload is None else json.dumps(payload).encode()
                )
                self.answer(status, data, {**headers, **(JSON if data else {})})

            do_GET = do_POST = do_PUT = do_DELETE = _from_the_script

        self._server = LocalServer(Handler)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._server.close()
