"""A fault-injecting HTTP proxy for tests: put it in front of the local AWS endpoint (moto) or X's emulator
and make chosen requests fail the way real services fail. Never deployed; binds 127.0.0.1 only.

    proxy = FaultProxy(moto.endpoint).start()          # functions get AWS_ENDPOINT_URL_SQS=proxy.url
    x = FaultProxy(emulator.base_url, keep_host=True)   # OAuth 1.0a signs the URL the client called
    proxy.add(aws_error("RequestThrottled", "Request is throttled.", sqs=True), target="AmazonSQS.SendMessageBatch")
    proxy.add(PartialBatch(fail=2), target="AmazonSQS.SendMessageBatch", count=1)
    proxy.add(Reset())                                  # every request: connection reset
    proxy.refuse_connections()                          # nothing listens: connection refused
    proxy.clear(); proxy.accept_connections()           # recovered

Faults, each what a client sees of a real outage:
  Status(status, body, headers)  an answer instead of the service's (AWS JSON errors: aws_error(...))
  Reset()                        the request is read, then the connection is reset (RST)
  Delay(seconds, then=None)      the request waits, then goes on (or gets `then`): timeouts
  PartialBatch(fail=n)           SendMessageBatch with n entries taken out before moto sees them and
                                 answered as Failed (InternalError, not the sender's fault), as SQS
                                 answers a batch it accepted only in part
  refuse_connections()           the listening socket is closed; accept_connections() reopens the port
Rules match on `target` (X-Amz-Target, e.g. DynamoDB_20120810.BatchGetItem), `service` (the SigV4
credential scope: sqs, dynamodb, secretsmanager), `method` and `path_prefix` (X's API paths). A rule
applies `count` times (None: until cleared); the first rule that matches wins. Requests seen are kept
in `requests` as (method, path, target or service).
"""

import contextlib
import http.client
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from localdev.moto_server import LOCALHOST, require_localhost

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


@dataclass
class Status:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class Reset:
    pass


@dataclass
class Delay:
    seconds: float
    then: object = None  # a Status/Reset after the wait; None forwards the request


@dataclass
class PartialBatch:
    fail: int = 1  # entries of a SendMessageBatch that SQS "fails"
    code: str = "InternalError"


def aws_error(code, message, status=400, sqs=False):
    """An AWS JSON-protocol error answer (__type, message); `sqs` adds SQS's x-amzn-query-error header,
    which botocore reads for the error code of SQS's JSON protocol."""
    body = json.dumps({"__type": f"com.amazonaws.sqs#{code}" if sqs else code, "message": message}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if sqs:
        headers["x-amzn-query-error"] = f"{code};{'Receiver' if status >= 500 else 'Sender'}"
    return Status(status, body, headers)


@dataclass
class Rule:
    fault: object
    target: str | None = None
    service: str | None = None
    method: str | None = None
    path_prefix: str | None = None
    count: int | None = None  # None: until cleared
    hits: int = 0

    def matches(self, request):
        return (
            (self.target is None or request.target == self.target)
            and (self.service is None or request.service == self.service)
            and (self.method is None or request.method == self.method)
            and (self.path_prefix is None or request.path.startswith(self.path_prefix))
        )


@dataclass
class _Request:
    method: str
    path: str
    headers: list
    body: bytes

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def target(self):
        return self.header("x-amz-target")

    @property
    def service(self):
        match = _SCOPE.search(self.header("authorization") or "")
        return match.group(1) if match else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a connection reset on purpose is no error worth a traceback


class FaultProxy:
    def __init__(self, upstream, port=0, host=LOCALHOST, timeout_seconds=30.0, keep_host=False):
        require_localhost(host)
        parsed = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port or 80
        # Host: the upstream's, as a reverse proxy sends it (a guarded local AWS endpoint answers only
        # requests to itself); keep_host=True keeps the client's, for signatures over the URL (OAuth 1.0a
        # to X's emulator names the host the client called).
        self.keep_host = keep_host
        self.host = host
        self.requested_port = port
        self.timeout_seconds = timeout_seconds
        self.rules = []
        self.requests = []
        self._connections = set()  # open client connections: refuse_connections() cuts them too
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._port = None

    @property
    def port(self):
        return self._port

    @property
    def url(self):
        return f"http://{self.host}:{self._port}"

    # faults -------------------------------------------------------------------------------------------

    def add(self, fault, target=None, service=None, method=None, path_prefix=None, count=None):
        rule = Rule(fault, target, service, method, path_prefix, count)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self):
        with self._lock:
            self.rules.clear()

    def _fault_for(self, request):
        with self._lock:
            self.requests.append((request.method, request.path, request.target or request.service))
            for rule in self.rules:
                if rule.matches(request):
                    rule.hits += 1
                    if rule.count is not None and rule.hits >= rule.count:
                        self.rules.remove(rule)
                    return rule.fault
        return None

    def refuse_connections(self):
        """Close the listening socket, and the connections clients keep open (a pooled keep-alive connection
        would outlive the listener): new connections are refused until accept_connections()."""
        self._close_server()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def accept_connections(self):
        if self._server is None:
            self._open_server(self._port)

    # serving ------------------------------------------------------------------------------------------

    def start(self):
        if self._server is None:
            self._open_server(self.requested_port)
        return self

    def stop(self):
        self._close_server()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _open_server(self, port):
        server = _Server((self.host, port or 0), self._handler_class())
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _close_server(self):
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(5)

    def forward(self, request, body=None):
        """(status, headers, body) of the upstream's answer to `request` (its body replaced by `body`)."""
        body = request.body if body is None else body
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=self.timeout_seconds)
        try:
            dropped = HOP_BY_HOP | {"content-length"} | (set() if self.keep_host else {"host"})
            headers = {k: v for k, v in request.headers if k.lower() not in dropped}
            if not self.keep_host:
                headers["Host"] = f"{self.upstream_host}:{self.upstream_port}"
            headers["Content-Length"] = str(len(body))
            connection.request(request.method, request.path, body=body, headers=headers)
            answer = connection.getresponse()
            skipped = HOP_BY_HOP | {"server", "date"}  # the proxy's own server sends these
            return answer.status, [(k, v) for k, v in answer.getheaders() if k.lower() not in skipped], answer.read()
        finally:
            connection.close()

    def answer(self, request):
        """(status, headers, body) for `request`, or None to reset the connection."""
        fault = self._fault_for(request)
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)
            fault = fault.then
        if isinstance(fault, Reset):
            return None
        if isinstance(fault, Status):
            headers = list(fault.headers.items())
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json"))
            return fault.status, headers, fault.body
        if isinstance(fault, PartialBatch):
            return self._partial_batch(request, fault)
        return self.forward(request)

    def _partial_batch(self, request, fault):
        document = json.loads(request.body)
        entries = document.get("Entries") or []
        failed, kept = entries[: fault.fail], entries[fault.fail :]
        if kept:
            status, headers, body = self.forward(request, json.dumps({**document, "Entries": kept}).encode())
        else:
            status, headers, body = 200, [("Content-Type", "application/x-amz-json-1.0")], b'{"Successful": []}'
        if status != 200:
            return status, headers, body
        answer = json.loads(body or b"{}")
        answer.setdefault("Successful", [])
        answer["Failed"] = [
            {"Id": entry["Id"], "SenderFault": False, "Code": fault.code, "Message": "injected by the fault proxy"}
            for entry in failed
        ]
        return 200, [(k, v) for k, v in headers if k.lower() != "content-length"], json.dumps(answer).encode()

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def setup(self):
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def finish(self):
                with proxy._lock:
                    proxy._connections.discard(self.connection)
                with contextlib.suppress(OSError, ValueError):
                    super().finish()

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = _Request(self.command, self.path, list(self.headers.items()), body)
                try:
                    answer = proxy.answer(request)
                except (OSError, http.client.HTTPException) as exc:
                    answer = 502, [("Content-Type", "text/plain")], f"fault proxy: upstream {exc!r}".encode()
                if answer is None:
                    self._reset()
                    return
                status, headers, data = answer
                self.send_response(status)
                for name, value in headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reset(self):
                # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

            def log_message(self, format, *args):
                pass

        return Handler
