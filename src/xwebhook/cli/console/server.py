"""The console on HTTP, on loopback only: one page (page.html) over a *source* that says what to show.

  GET  /                    the page
  GET  /api/stream          server-sent events: each message seen on the events queue and the DLQ
  GET  /api/deliveries      the last deliveries (delivery_view.py's shape), newest first
  GET  /api/health          the webhook (admin `status`), the last ensure, queue depths, CRC answers (local)
  GET  /api/accounts        admin `accounts` ({"supported": false} when the admin function lacks it)
  POST /api/invite          admin `invite`                        } where the source can (the local stack);
  POST /api/send            {"kind", "user_id"?}: a signed sample } against a deployed stack the console
  POST /api/resend          {"id"}: a delivery's bytes again      } only reads: 405

A source (localdev/console/server.py's Console for `make run`, stack_source.py's StackSource for
`xwebhook console --stack`) has `feed` (feed.py), boot(), health(refresh), deliveries(), accounts(), and
where it can, invite(fields), send(kind, user_id) and resend(delivery_id) -> (status, document).

Guarded like the local AWS endpoint: a request whose Host is not this console (DNS rebinding) or whose
Origin is another site is refused (403); POSTs carry a per-run token the page gets inside itself (another
site cannot read the page). `extra` serves more paths on the same port (the local Lambda Invoke API).
"""

import contextlib
import hmac
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from xwebhook import look

PAGE = Path(__file__).with_name("page.html")
TOKEN_HEADER = "X-Console-Token"  # noqa: S105 - a header name
LOOPBACK = "127.0.0.1"
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
ACTIONS = ("send", "resend", "invite")


def page_html(source, token):
    """The page with the source's boot data and the shared look filled in."""
    boot = {"token": token, **source.boot()}
    boot["actions"] = {name: callable(getattr(source, name, None)) for name in ACTIONS}
    # The boot data is JSON inside a <script type="application/json">: `<` is escaped so that no value can
    # close the element.
    boot_json = json.dumps(boot).replace("<", "\\u003c")
    return PAGE.read_text().replace("__LOOK__", look.CSS).replace("__BOOT__", boot_json)


def handler_class(source, allowed_hosts, token, extra=None):
    """The request handler for `source`; `allowed_hosts()` the Host values this console answers to."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "xwebhook-console"
        sys_version = ""

        def log_message(self, format, *args):
            pass

        def _send(self, status, body, content_type="application/json", extra_headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            for name, value in extra_headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _refusal(self, path):
            host = self.headers.get("Host") or ""
            if host not in allowed_hosts():
                return f"Host {host[:80]!r} is not this console"
            if extra is not None and extra.handles(path):
                return extra.refusal(self.headers)
            origin = self.headers.get("Origin")
            if origin is not None and origin not in {f"http://{h}" for h in allowed_hosts()}:
                return "cross-origin requests are refused"
            if (self.headers.get("Sec-Fetch-Site") or "same-origin") not in ("same-origin", "none"):
                return "cross-site requests are refused"
            if self.command not in ("GET", "HEAD"):
                given = self.headers.get(TOKEN_HEADER) or ""
                if not hmac.compare_digest(given.encode(), token.encode()):
                    return f"a POST needs the console's {TOKEN_HEADER} (the page has it)"
            return None

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > 1024 * 1024:
                raise ValueError("body too large")
            return self.rfile.read(length) if length else b""

        def _serve(self):
            path, _, query = self.path.partition("?")
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
            if extra is not None and extra.handles(path):
                status, headers, data = extra.answer(self.command, self.path, body)
                content_type = dict(headers).pop("Content-Type", "application/json")
                self._send(status, data, content_type, [(n, v) for n, v in headers if n != "Content-Type"])
                return
            route = (self.command, path)
            if route in (("GET", "/"), ("HEAD", "/")):
                page = page_html(source, token).encode()
                self._send(200, page, "text/html; charset=utf-8", [("Content-Security-Policy", POLICY)])
            elif route == ("GET", "/api/stream"):
                self._stream()
            elif route == ("GET", "/api/health"):
                self._send(200, source.health(refresh="refresh=1" in query))
            elif route == ("GET", "/api/deliveries"):
                self._send(200, source.deliveries())
            elif route == ("GET", "/api/accounts"):
                self._send(200, source.accounts())
            elif self.command == "POST" and path.startswith("/api/") and path[5:] in ACTIONS:
                self._action(path[5:], self._json(body))
            else:
                self._send(404, {"error": f"no route {self.command} {path[:100]}"})

        def _action(self, name, fields):
            act = getattr(source, name, None)
            if not callable(act):
                self._send(405, {"error": f"this console only reads: it cannot {name} here"})
                return
            if name == "send":
                self._send(*act(str(fields.get("kind", "")), fields.get("user_id")))
            elif name == "resend":
                self._send(*act(str(fields.get("id", ""))))
            else:
                self._send(200, act(fields))

        def _json(self, body):
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                return {}
            return document if isinstance(document, dict) else {}

        def _stream(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            last = self.headers.get("Last-Event-ID") or ""
            seq = int(last) if last.isdigit() else 0
            feed = source.feed
            with contextlib.suppress(OSError, ValueError):
                while not feed.stopping.is_set():
                    items = feed.after(seq, timeout=10)
                    if not items:
                        self.wfile.write(b": keep-alive\n\n")
                    for item in items:
                        seq = item["seq"]
                        self.wfile.write(f"id: {seq}\ndata: {json.dumps(item, default=str)}\n\n".encode())
                    self.wfile.flush()

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve

    return Handler


def new_token():
    return secrets.token_urlsafe(24)


class ServedConsole:
    """The console of `source` on LOOPBACK:`port` (0: any free port), served from a thread; stop() ends it
    and the source's feed. `xwebhook console --stack` serves it so; `make run` through localdev's
    LoopbackServer."""

    def __init__(self, source, port=0):
        self.source = source
        self.token = new_token()
        self._server = ThreadingHTTPServer((LOOPBACK, port), handler_class(source, self.allowed_hosts, self.token))
        self._server.daemon_threads = True
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def allowed_hosts(self):
        return {f"{LOOPBACK}:{self.port}", f"localhost:{self.port}"}

    def start(self):
        self.source.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="console", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self.source.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
