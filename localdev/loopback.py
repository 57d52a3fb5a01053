"""What the local HTTP servers share: an HTTP server on 127.0.0.1, served from a thread of its own.

A subclass names its port's setting (`port_setting`, for the message when the port is taken) and gives
its request handler class (`handler_class()`); then

    with ExtensionStub(endpoint, token, port=0) as stub:   # port 0: any free port
        stub.url                                           # http://127.0.0.1:<port>
"""

import threading
from http.server import ThreadingHTTPServer

from localdev.moto_server import LOCALHOST, check_port_free, require_localhost


class LoopbackServer:
    """start() binds 127.0.0.1:`port` (0 = any free port) and serves from a daemon thread; stop() ends it.

    Subclasses give handler_class() (or make_server() for a server of their own), and may override
    before_serving() for work that must be done once the port is known to be free and before requests come.
    """

    port_setting = ("local server", None)  # (what, the setting that changes its port) for a port in use
    thread_name = "loopback-server"
    poll_interval = 0.1  # seconds: how soon serve_forever notices stop()

    def __init__(self, port=0, host=LOCALHOST):
        require_localhost(host)
        self.host = host
        self.requested_port = port
        self._server = None
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1] if self._server else None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def handler_class(self):
        raise NotImplementedError

    def make_server(self, address):
        server = ThreadingHTTPServer(address, self.handler_class())
        server.daemon_threads = True  # a connection left open does not hold up stop()
        return server

    def before_serving(self):
        pass

    def start(self):
        if self._server:
            return self
        if self.requested_port:
            what, setting = self.port_setting
            check_port_free(self.requested_port, what, setting, self.host)
        self.before_serving()
        self._server = self.make_server((self.host, self.requested_port))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server:
            server.shutdown()
            server.server_close()
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
