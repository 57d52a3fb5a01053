"""The local AWS endpoint's guard and its read-only tap: what runs inside the moto process.

moto answers any request, with `Access-Control-Allow-Origin: *`: any web page the developer visits could
read the local queues and secrets (which hold real X tokens when `make run` talks to X). The guard, a WSGI
middleware in front of moto, refuses (403, a JSON reason):
  - requests whose Host is not this loopback endpoint (DNS rebinding: a page's own name resolving here);
  - requests that carry an Origin header (every cross-origin fetch/XHR, and every CORS preflight);
  - unsigned requests: no SigV4 `Authorization: AWS4-HMAC-SHA256 ...` header and no presigned
    `X-Amz-Signature` query parameter. A page cannot send an Authorization header to another origin
    without a preflight, which is refused above. Any credentials sign (moto does not check them), so
    boto3, the AWS CLI (v1 and v2) and every SDK keep working.
and strips CORS headers from moto's answers.

The tap (`/_xwebhook/sqs/...`, signed like any other request) lets `xwebhook tail` and the local console
show the queues without receiving anything: no visibility change, no receive count, nothing taken from a
consumer.
  GET /_xwebhook/sqs/added?after=SEQ&wait=SECONDS&queue=NAME   messages added to queues (sent, or moved to
                                                               a dead-letter queue) after SEQ, oldest first
  GET /_xwebhook/sqs/messages?queue=NAME                        what a queue holds now, visible or in flight
  GET /_xwebhook/sqs/sends?trace=KEY&message_id=ID&deduplication_id=ID&queue=NAME   (each repeatable)
  GET /_xwebhook/sqs/sends?after=SEQ|now&wait=SECONDS                              (a feed, as `added`)
        every message offered to a queue (SendMessage, SendMessageBatch, a move to a dead-letter queue) and
        whether the queue kept it or dropped it as a FIFO duplicate, which SQS's answer never says (it
        answers success for both): {"sends": [{"seq", "queue", "message_id", "deduplication_id",
        "group_id", "kept", "at", "trace"}], "last": the last send's seq}. `trace`: the invocation that
        sent it, from the X-Amzn-Trace-Id header botocore sends in Lambda (localdev.lambda_runtime.trace_key).
        localdev.queue_fate reads both forms.
"""

import json
import os
import threading
import time
import urllib.parse
from collections import deque

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
TAP_SIZE = 5000
SENDS_SIZE = 20000
TAP_PREFIX = "/_xwebhook/sqs/"
WAITRESS_THREADS = 48
_request = threading.local()  # the trace key of the request this thread serves (Guard), for the tap


def trace_key(header):
    """The 24 hex digits naming an invocation in an X-Amzn-Trace-Id header (`Root=1-<time>-<key>;...`), or None."""
    root = (header or "").split(";", 1)[0]
    if not root.startswith("Root="):
        return None
    return root.rsplit("-", 1)[-1] or None


def is_signed(environ):
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith("AWS4-HMAC-SHA256 ") and "Signature=" in authorization:
        return True
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    return bool(query.get("X-Amz-Signature"))


def refusal(environ, port):
    """Why the guard refuses this request, or None."""
    host = environ.get("HTTP_HOST", "")
    name, _, given_port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if name not in LOOPBACK_HOSTS or (port and given_port != str(port)):
        return f"Host {host[:80]!r} is not this local endpoint"
    if "HTTP_ORIGIN" in environ:
        return "cross-origin requests are refused (the local AWS endpoint holds the local secrets)"
    if not is_signed(environ):
        return "unsigned request: sign it with SigV4 (any AWS SDK or CLI does; any credentials work locally)"
    return None


def _json(start_response, status, document):
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class Guard:
    """WSGI middleware: refuse what `refusal` names, drop CORS headers, serve the tap."""

    def __init__(self, app, port, tap=None):
        self.app = app
        self.port = port
        self.tap = tap

    def __call__(self, environ, start_response):
        reason = refusal(environ, self.port)
        if reason:
            return _json(start_response, "403 Forbidden", {"error": reason})
        path = environ.get("PATH_INFO", "")
        _request.trace = trace_key(environ.get("HTTP_X_AMZN_TRACE_ID"))
        if path.startswith(TAP_PREFIX) and self.tap is not None:
            status, document = self.tap.answer(path[len(TAP_PREFIX) :], environ.get("QUERY_STRING", ""))
            return _json(start_response, status, document)

        def without_cors(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            return start_response(status, kept, exc_info)

        return self.app(environ, without_cors)


def message_document(queue, message, seq=None):
    """A moto Message as the tap shows it (the fields ReceiveMessage would give, without receiving)."""
    document = {
        "queue": queue.name,
        "message_id": message.id,
        "body": message.body,
        "message_attributes": dict(message.message_attributes or {}),
        "group_id": message.group_id,
        "sent_timestamp": message.sent_timestamp,
        "receive_count": message.approximate_receive_count,
        "visible": bool(message.visible),
    }
    if seq is not None:
        document["seq"] = seq
    return document


class Tap:
    """Remembers the last TAP_SIZE messages added to any queue (moto's Queue.add_message), and the last
    SENDS_SIZE offered to one, kept or dropped as a FIFO duplicate."""

    def __init__(self, size=TAP_SIZE, sends_size=SENDS_SIZE):
        self.added = deque(maxlen=size)
        self.seq = 0
        self.changed = threading.Condition()
        self.sends = deque()
        self.sends_size = sends_size
        self.send_seq = 0
        self.by_trace = {}  # trace key -> its sends, oldest first

    def install(self):
        from moto.sqs import models

        original = models.Queue.add_message
        tap = self

        def add_message(queue, message):
            original(queue, message)
            kept = any(stored is message for stored in queue._messages[-20:])  # else dropped as a FIFO duplicate
            tap.record_send(queue, message, kept, getattr(_request, "trace", None))
            if kept:
                tap.record(queue, message)

        models.Queue.add_message = add_message
        self._models = models
        return self

    def record(self, queue, message):
        with self.changed:
            self.seq += 1
            self.added.append(message_document(queue, message, self.seq))
            self.changed.notify_all()

    def record_send(self, queue, message, kept, trace):
        send = {
            "seq": 0,
            "queue": queue.name,
            "message_id": message.id,
            "deduplication_id": getattr(message, "deduplication_id", None),
            "group_id": message.group_id,
            "kept": kept,
            "at": time.time(),
            "trace": trace,
        }
        with self.changed:
            self.send_seq += 1
            send["seq"] = self.send_seq
            if len(self.sends) >= self.sends_size:
                old = self.sends.popleft()
                if old["trace"] is not None:
                    traced = self.by_trace.get(old["trace"])
                    if traced:
                        traced.remove(old)
                        if not traced:
                            del self.by_trace[old["trace"]]
            self.sends.append(send)
            if trace is not None:
                self.by_trace.setdefault(trace, []).append(send)
            self.changed.notify_all()

    def sends_after(self, after, wait):
        """The sends after seq `after` ("now": none, only the last seq), oldest first; long-polls up to `wait`."""
        deadline = time.monotonic() + wait
        with self.changed:
            if after == "now":
                return [], self.send_seq
            after = int(after)
            while True:
                found = []
                for send in reversed(self.sends):
                    if send["seq"] <= after:
                        break
                    found.append(send)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    found.reverse()
                    return found, self.send_seq
                self.changed.wait(remaining)

    def sends_matching(self, query):
        """The sends naming any of the query's trace, message_id or deduplication_id values (in the queue
        named, if one is), oldest first."""
        traces, ids, dedup_ids = (set(query.get(name, ())) for name in ("trace", "message_id", "deduplication_id"))
        queues = set(query.get("queue", ()))
        with self.changed:
            if traces and not ids and not dedup_ids:  # the usual question: one invocation's sends, by index
                found = [send for trace in traces for send in self.by_trace.get(trace, ())]
                found.sort(key=lambda send: send["at"])
            else:
                found = [
                    send
                    for send in self.sends
                    if send["trace"] in traces or send["message_id"] in ids or send["deduplication_id"] in dedup_ids
                ]
        return [send for send in found if not queues or send["queue"] in queues]

    def _after(self, after, queue):
        """What was added after `after`, oldest first: read from the newest end (seq only grows)."""
        found = []
        for message in reversed(self.added):
            if message["seq"] <= after:
                break
            if not queue or message["queue"] == queue:
                found.append(message)
        found.reverse()
        return found

    def answer(self, what, query_string):
        if what == "sends":
            query = urllib.parse.parse_qs(query_string)
            if "after" in query:
                try:
                    wait = min(20.0, max(0.0, float(query.get("wait", ["0"])[0])))
                    found, last = self.sends_after(query["after"][0], wait)
                except ValueError:
                    return "400 Bad Request", {"error": "after is a number or now, wait a number of seconds"}
                return "200 OK", {"sends": found, "last": last}
            if not any(query.get(name) for name in ("trace", "message_id", "deduplication_id")):
                return "400 Bad Request", {"error": "after, trace, message_id or deduplication_id is required"}
            return "200 OK", {"sends": self.sends_matching(query), "last": self.send_seq}
        query = dict(urllib.parse.parse_qsl(query_string))
        queue = query.get("queue")
        if what == "added":
            try:
                after = int(query.get("after", "0"))
                wait = min(20.0, max(0.0, float(query.get("wait", "0"))))
            except ValueError:
                return "400 Bad Request", {"error": "after is a number, wait a number of seconds"}
            deadline = time.monotonic() + wait
            with self.changed:
                while True:
                    found = self._after(after, queue)
                    remaining = deadline - time.monotonic()
                    if found or remaining <= 0:
                        return "200 OK", {"messages": found, "last": self.seq}
                    self.changed.wait(remaining)
        if what == "messages":
            if not queue:
                return "400 Bad Request", {"error": "queue (a queue name) is required"}
            held = []
            for accounts in self._models.sqs_backends.values():
                for backend in accounts.values():
                    found = backend.queues.get(queue)
                    if found is not None:
                        held.extend(message_document(found, message) for message in list(found._messages))
            return "200 OK", {"messages": held, "last": self.seq}
        return "404 Not Found", {"error": f"no tap route {what!r}"}


def serve(argv):
    """moto's server app (as `python -m moto.server -H HOST -p PORT` builds it) behind the guard, with the tap,
    served by waitress (werkzeug's development server when waitress is not installed, or when
    XWEBHOOK_MOTO_HTTP=werkzeug)."""
    import argparse

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    tap = None
    try:
        tap = Tap().install()
    except (ImportError, AttributeError):  # a moto release without these internals: no tap, the guard stays
        tap = None
    app = Guard(DomainDispatcherApplication(create_backend_app), args.port, tap)
    try:
        import waitress
    except ImportError:
        waitress = None
    if waitress is None or os.environ.get("XWEBHOOK_MOTO_HTTP") == "werkzeug":
        run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
        return
    # waitress keeps connections open between requests, as AWS does (werkzeug's server closes each one):
    # no TCP handshake and no new thread per AWS call; under `make load` a quarter more deliveries per
    # second. Long polls (SQS receives, the tap) each hold one of its threads. Every SDK client keeps its
    # connections until it is collected: poll() (select() stops at 1,024 descriptors) and a limit well
    # above what a test session opens; idle ones are closed after a minute.
    waitress.serve(
        app,
        host=args.host,
        port=args.port,
        threads=WAITRESS_THREADS,
        connection_limit=2000,
        channel_timeout=60,
        asyncore_use_poll=True,
        ident="moto",
        _quiet=True,
    )
