"""The local web console: `make run` serves it on http://127.0.0.1:$CONSOLE_PORT/ (3001). Never deployed.

  GET  /                    the page (page.html)
  GET  /api/stream          server-sent events: every message added to the events queue and the DLQ
  GET  /api/health          CRC answers seen by the gateway, the webhook (admin `status`), queue depths
  GET  /api/accounts        admin `accounts` ({"supported": false} when the admin function lacks it)
  POST /api/invite          admin `invite`
  POST /api/send            {"kind", "user_id"?}: a signed sample delivery to the local webhook
  POST /2015-03-31/functions/<name>/invocations   the local Lambda Invoke API (localdev/lambda_endpoint.py)

Events come from the local AWS endpoint's tap (localdev/moto_guard.py): the console receives nothing from
the queue, so it takes no message from a consumer (`make queue`, `make consume`, yours) and needs none.

Loopback only, and guarded like the AWS endpoint: a request whose Host is not this console (DNS
rebinding) or whose Origin is another site is refused (403); the page's POSTs carry a per-run token it
gets inside the page (another site cannot read the page); the invoke path wants SigV4 and no Origin.
"""

import contextlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from localdev import lambda_endpoint
from localdev.loopback import LoopbackServer
from localdev.moto_server import LOCALHOST
from xwebhook.cli import messages
from xwebhook.cli.local_endpoint import QueueTap, TapUnavailable, queue_name
from xwebhook.send import deliveries

PAGE = Path(__file__).with_name("page.html")
TOKEN_HEADER = "X-Console-Token"  # noqa: S105 - a header name
HEALTH_TTL_SECONDS = 15.0
FEED_SIZE = 2000


class EventFeed:
    """What the tap says was added to the events queue and the DLQ, kept in order for the page."""

    def __init__(self, endpoint, queues, region="us-east-1"):
        self.tap = QueueTap(endpoint, None, region, timeout=30)
        self.queues = {queue_name(url): label for label, url in queues.items() if url}
        self.items = deque(maxlen=FEED_SIZE)
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.error = None
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name="console-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()

    def _run(self):
        last = 0
        while not self.stopping.is_set():
            try:
                added, last = self.tap.added(after=last, wait=5)
                self.error = None
            except TapUnavailable as exc:
                self.error = str(exc)
                return
            except OSError as exc:  # the endpoint is going down, or busy: try again
                self.error = f"{exc.__class__.__name__}: {exc}"
                self.stopping.wait(1)
                continue
            with self.changed:
                for record in added:
                    label = self.queues.get(record["queue"])
                    if label:
                        self.items.append({"seq": record["seq"], "queue": label, **messages.render_tapped(record)})
                self.changed.notify_all()

    def after(self, seq, timeout):
        """Items after `seq`, waiting up to `timeout` seconds for one."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.stopping.is_set():
                found = [item for item in self.items if item["seq"] > seq]
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self.changed.wait(remaining)
        return []


class Console:
    """The console's state and actions; ConsoleServer puts it on HTTP."""

    def __init__(self, state, gateway, invoke, consumer_secret):
        self.state = state
        self.gateway = gateway
        self.invoke = invoke  # (event) -> the admin function's result
        self.consumer_secret = consumer_secret  # () -> str
        self.token = secrets.token_urlsafe(24)
        resources = state["resources"]
        self.queues = {"events": resources.get("EventsQueue"), "dlq": resources.get("EventsDeadLetterQueue")}
        self.feed = EventFeed(state["aws_endpoint"], self.queues, state.get("region", "us-east-1"))
        self._webhook = {"checked_at": None, "result": None}
        self._webhook_lock = threading.Lock()
        self._sqs = None

    def admin(self, action, **fields):
        try:
            return self.invoke({"action": action, **fields})
        except Exception as exc:  # the admin instance crashed or timed out
            return {"action": action, "ok": False, "error": f"{exc.__class__.__name__}: {exc}"}

    def webhook(self, refresh=False):
        with self._webhook_lock:
            checked = self._webhook["checked_at"]
            if refresh or checked is None or time.time() - checked > HEALTH_TTL_SECONDS:
                self._webhook = {"checked_at": time.time(), "result": self.admin("status")}
            return dict(self._webhook)

    def queue_depths(self):
        from localdev import stack

        if self._sqs is None:
            self._sqs = stack.aws_client(self.state, "sqs")
        depths = {}
        for label, url in self.queues.items():
            try:
                depths[label] = messages.depth(self._sqs, url) if url else None
            except Exception as exc:
                depths[label] = {"error": f"{exc.__class__.__name__}: {exc}"}
        return depths

    def health(self, refresh=False):
        crc = [r for r in list(self.gateway.recent) if r["method"] == "GET" and r["path"] == "/webhook"][-20:]
        webhook = self.webhook(refresh)
        result = webhook["result"] or {}
        return {
            "crc": crc[::-1],
            "webhook": result,
            "webhook_checked_at": webhook["checked_at"],
            "webhook_url": self.state["webhook_url"],
            "last_ensure": result.get("last_ensure"),
            "queues": self.queue_depths(),
            "feed_error": self.feed.error,
        }

    def accounts(self):
        result = self.admin("accounts")
        unknown = not result.get("ok") and "unknown action" in str(result.get("error", ""))
        return {"supported": not unknown, "result": result}

    def send(self, kind, user_id=None):
        try:
            (name,) = deliveries.resolve_kinds([kind])
            body = deliveries.build(deliveries.delivery_bytes(name), fresh=True, user_id=user_id or None)
            secret = self.consumer_secret()
            status, answer = deliveries.Sender(self.state["webhook_url"]).post(body, deliveries.signature(body, secret))
        except (deliveries.SendError, ValueError) as exc:
            return 400, {"error": str(exc)}
        except OSError as exc:
            return 502, {"error": f"the local webhook did not answer: {exc}"}
        with contextlib.suppress(ValueError):
            answer = json.loads(answer)
        return 200, {"kind": name, "status": status, "answer": answer}


class ConsoleServer(LoopbackServer):
    port_setting = ("local console", "CONSOLE_PORT")
    thread_name = "console"

    def __init__(self, console, port=0, host=LOCALHOST, lambda_endpoint=None):
        super().__init__(port, host)
        self.console = console
        self.lambda_endpoint = lambda_endpoint

    def handler_class(self):
        return _handler(self)

    def make_server(self, address):
        server = super().make_server(address)
        self.console.feed.start()  # once the port is bound, before the first request
        return server

    def stop(self):
        self.console.feed.stop()
        super().stop()

    def allowed_hosts(self):
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


def _handler(server):
    console = server.console

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "xwebhook-console"
        sys_version = ""

        def log_message(self, format, *args):
            pass

        def _send(self, status, body, content_type="application/json", extra=()):
            data = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _refusal(self, path):
            host = self.headers.get("Host") or ""
            if host not in server.allowed_hosts():
                return f"Host {host[:80]!r} is not this console"
            origin = self.headers.get("Origin")
            if server.lambda_endpoint is not None and server.lambda_endpoint.handles(path):
                return lambda_endpoint.refusal(self.headers)
            if origin is not None and origin not in {f"http://{h}" for h in server.allowed_hosts()}:
                return "cross-origin requests are refused"
            if (self.headers.get("Sec-Fetch-Site") or "same-origin") not in ("same-origin", "none"):
                return "cross-site requests are refused"
            if self.command not in ("GET", "HEAD"):
                given = self.headers.get(TOKEN_HEADER) or ""
                if not hmac.compare_digest(given.encode(), console.token.encode()):
                    return f"a POST needs the console's {TOKEN_HEADER} (the page has it)"
            return None

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > 1024 * 1024:
                raise ValueError("body too large")
            return self.rfile.read(length) if length else b""

        def _serve(self):
            path = self.path.partition("?")[0]
            query = self.path.partition("?")[2]
            reason = self._refusal(path)
            if reason:
                self._send(403, {"error": reason})
                return
            try:
                body = self._body()
            except ValueError:
                self.close_connection = True
                self._send(413, {"error": "body too large"})
                return
            if server.lambda_endpoint is not None and server.lambda_endpoint.handles(path):
                status, headers, data = server.lambda_endpoint.answer(self.command, self.path, body)
                content_type = dict(headers).pop("Content-Type", "application/json")
                self._send(status, data, content_type, [(n, v) for n, v in headers if n != "Content-Type"])
                return
            route = (self.command, path)
            if route in (("GET", "/"), ("HEAD", "/")):
                self._page()
            elif route == ("GET", "/api/stream"):
                self._stream(query)
            elif route == ("GET", "/api/health"):
                self._send(200, console.health(refresh="refresh=1" in query))
            elif route == ("GET", "/api/accounts"):
                self._send(200, console.accounts())
            elif route == ("POST", "/api/invite"):
                self._send(200, console.admin("invite", **self._json(body)))
            elif route == ("POST", "/api/send"):
                fields = self._json(body)
                self._send(*console.send(str(fields.get("kind", "")), fields.get("user_id")))
            else:
                self._send(404, {"error": f"no route {self.command} {path[:100]}"})

        def _json(self, body):
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                return {}
            return document if isinstance(document, dict) else {}

        def _page(self):
            boot = {
                "token": console.token,
                "kinds": deliveries.known_kinds(),
                "webhook_url": console.state["webhook_url"],
            }
            # The boot data is JSON inside a <script type="application/json">: `<` is escaped so that no value
            # can close the element.
            boot_json = json.dumps(boot).replace("<", "\\u003c")
            html = PAGE.read_text().replace("__BOOT__", boot_json)
            policy = (
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; "
                "frame-ancestors 'none'"
            )
            self._send(200, html.encode(), "text/html; charset=utf-8", [("Content-Security-Policy", policy)])

        def _stream(self, query):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            last = self.headers.get("Last-Event-ID") or ""
            seq = int(last) if last.isdigit() else 0
            with contextlib.suppress(OSError, ValueError):
                while not console.feed.stopping.is_set():
                    items = console.feed.after(seq, timeout=10)
                    if not items:
                        self.wfile.write(b": keep-alive\n\n")
                    for item in items:
                        seq = item["seq"]
                        self.wfile.write(f"id: {seq}\ndata: {json.dumps(item, default=str)}\n\n".encode())
                    self.wfile.flush()

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve

    return Handler
