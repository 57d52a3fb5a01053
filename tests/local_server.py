"""A test HTTP server on 127.0.0.1 in a background thread: the start and stop every fake server needs."""

import threading
from http.server import ThreadingHTTPServer


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
