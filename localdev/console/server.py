"""The local console: `make run` serves it on http://127.0.0.1:$CONSOLE_PORT/ (3001). Never deployed.

The page and its HTTP routes are xwebhook.cli.console's (the same console `xwebhook console --stack NAME`
serves for a deployed stack); this module is the local stack's *source* for it:
  - deliveries: what the local gateway recorded of each POST it handed to ingest (localdev/gateway.py):
    headers, body, ingest's answer, timing; the signature checked again here with the stack's consumer
    secret; the events ingest made of it; resend (the same bytes and headers, so ingest's dedup shows);
  - events: the local AWS endpoint's tap (localdev/moto_guard.py): the console receives nothing from the
    queue, so it takes no message from a consumer (`make queue`, `make consume`, yours) and needs none;
  - health: the CRC answers the gateway served, admin `status` (the webhook, the last ensure), queue depths;
  - accounts and invites (admin `accounts` and `invite`), and signed sample deliveries (send buttons).
The console's port also serves the local Lambda Invoke API (localdev/lambda_endpoint.py).
"""

import contextlib
import http.client
import json
import threading
import time
import urllib.parse

from localdev import lambda_endpoint
from localdev.loopback import LoopbackServer
from localdev.moto_server import LOCALHOST
from xwebhook.cli import messages
from xwebhook.cli.console import delivery_view
from xwebhook.cli.console.feed import Feed, StopLooking
from xwebhook.cli.console.server import handler_class, new_token
from xwebhook.cli.local_endpoint import QueueTap, TapUnavailable, queue_name
from xwebhook.send import deliveries

HEALTH_TTL_SECONDS = 15.0
SECRET_TTL_SECONDS = 30.0
DELIVERIES_SHOWN = 100
FIFO_WINDOW = 300  # seconds: SQS FIFO's deduplication interval
# A resend sends the recorded request again as it came: its bytes and every header but these, which
# belong to the connection (http.client sets Host and Content-Length for the new one).
NOT_RESENT = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade"}


class TapFeed(Feed):
    """What the local AWS endpoint's tap says was added to the events queue and the DLQ."""

    def __init__(self, endpoint, queues, region="us-east-1"):
        super().__init__()
        self.tap = QueueTap(endpoint, None, region, timeout=30)
        self.queues = {queue_name(url): label for label, url in queues.items() if url}
        self._last = 0

    def look(self):
        try:
            added, self._last = self.tap.added(after=self._last, wait=5)  # a long poll: no pause needed
        except TapUnavailable as exc:
            raise StopLooking(str(exc)) from None
        return [
            (self.queues[record["queue"]], messages.render_tapped(record))
            for record in added
            if record["queue"] in self.queues
        ]


class Console:
    """The local stack's source for the console page (xwebhook.cli.console.server).

    `dropped_copies(record)`, when given, says how many of the messages of one gateway record SQS dropped
    as FIFO duplicates (None: not known): the count the receive side provides from the local endpoint.
    """

    def __init__(self, state, gateway, invoke, consumer_secret, dropped_copies=None):
        self.state = state
        self.gateway = gateway
        self.invoke = invoke  # (event) -> the admin function's result
        self.consumer_secret = consumer_secret  # () -> str
        self.dropped_copies = dropped_copies
        resources = state["resources"]
        self.queues = {"events": resources.get("EventsQueue"), "dlq": resources.get("EventsDeadLetterQueue")}
        self.feed = TapFeed(state["aws_endpoint"], self.queues, state.get("region", "us-east-1"))
        self._webhook = {"checked_at": None, "result": None}
        self._lock = threading.Lock()
        self._views = {}  # gateway record seq -> its view (a record does not change once served)
        self._resent = {}  # a resend's request id -> the id of the delivery it sent again
        self._secret = (None, 0.0)
        self._sqs = None

    def start(self):
        self.feed.start()

    def stop(self):
        self.feed.stop()

    def boot(self):
        return {
            "mode": "local",
            "title": "xwebhook local console",
            "target": "local stack",
            "webhook_url": self.state["webhook_url"],
            "kinds": deliveries.known_kinds(),
            "fifo": (self.queues["events"] or "").endswith(".fifo"),
        }

    def admin(self, action, **fields):
        try:
            return self.invoke({"action": action, **fields})
        except Exception as exc:  # the admin instance crashed or timed out
            return {"action": action, "ok": False, "error": f"{exc.__class__.__name__}: {exc}"}

    def webhook(self, refresh=False):
        with self._lock:
            checked = self._webhook["checked_at"]
            stale = checked is None or time.time() - checked > HEALTH_TTL_SECONDS
        if refresh or stale:
            result = {"checked_at": time.time(), "result": self.admin("status")}
            with self._lock:
                self._webhook = result
        with self._lock:
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
        crc = [r for r in self.gateway.recorded() if r["method"] == "GET" and r["path"] == "/webhook"][-20:]
        webhook = self.webhook(refresh)
        result = webhook["result"] or {}
        return {
            "crc": [{key: r[key] for key in ("time", "status", "ms", "note")} for r in crc[::-1]],
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

    def invite(self, fields):
        return self.admin("invite", **fields)

    # deliveries

    def _secret_bytes(self):
        value, read_at = self._secret
        if value is None or time.monotonic() - read_at > SECRET_TTL_SECONDS:
            try:
                value = self.consumer_secret().encode()
            except Exception:  # shown as "could not be read" on each delivery
                return None
            self._secret = (value, time.monotonic())
        return value

    def _delivery_records(self):
        return [record for record in self.gateway.recorded() if record.get("function") == "ingest"]

    def _view(self, record):
        with self._lock:
            view = self._views.get(record["seq"])
        if view is None:
            view = delivery_view.from_gateway(record, self._secret_bytes())
            with self._lock:
                self._views[record["seq"]] = view
        view = {**view, "counts": dict(view["counts"])}
        with self._lock:
            view["resend_of"] = self._resent.get(view["id"])
        if view["counts"]["dropped"] is None:
            view["counts"]["dropped"] = self._dropped(record)
        return view

    def _dropped(self, record):
        """How many of a delivery's messages the local queue dropped as FIFO duplicates: the gateway's record
        says what the AWS endpoint's tap saw (localdev.queue_fate), or `dropped_copies` when given."""
        queue = record.get("queue") or {}
        if isinstance(queue.get("dropped"), int):
            return queue["dropped"]
        return self.dropped_copies(record) if self.dropped_copies is not None else None

    def deliveries(self):
        records = self._delivery_records()[-DELIVERIES_SHOWN:]
        views = [self._view(record) for record in records]
        _count_repeats(views)
        with self._lock:
            kept = {record["seq"] for record in records}
            self._views = {seq: view for seq, view in self._views.items() if seq in kept}
        return {"deliveries": views[::-1], "error": None}

    def resend(self, delivery_id):
        """POST a recorded delivery's bytes with its headers (its signature) to the gateway again."""
        found = [r for r in self._delivery_records() if delivery_view.from_gateway_id(r) == delivery_id]
        if not found:
            return 404, {"error": "no such delivery here (the console keeps the gateway's last 200 requests)"}
        record = found[-1]
        if record.get("body") is None:
            return 409, {"error": "its body was too large to keep, so it cannot be sent again"}
        headers = {name: value for name, value in record["headers"] if name.lower() not in NOT_RESENT}
        parsed = urllib.parse.urlsplit(self.gateway.url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            connection.request("POST", record["path"], body=record["body"], headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
            new_id = answer.getheader("apigw-requestid")
        except OSError as exc:
            return 502, {"error": f"the local webhook did not answer: {exc}"}
        finally:
            connection.close()
        if new_id:
            with self._lock:
                self._resent[new_id] = delivery_id
        with contextlib.suppress(ValueError):
            text = json.loads(text)
        return 200, {"id": new_id, "resend_of": delivery_id, "status": answer.status, "answer": text}

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


def _count_repeats(views):
    """Set each view's `repeats`: how many of its events came in an earlier delivery of the last FIFO_WINDOW
    seconds (the copies a FIFO queue drops by their deduplication id). `views` are oldest first."""
    last_seen = {}
    for view in views:
        now = view["time_ms"] / 1000
        ids = [event["event_id"] for event in view["events"] or ()]
        view["repeats"] = sum(1 for event_id in ids if now - last_seen.get(event_id, -FIFO_WINDOW) < FIFO_WINDOW)
        if view["status"] == 200:
            last_seen.update(dict.fromkeys(ids, now))


class _InvokePath:
    """The local Lambda Invoke API on the console's port (its own guard: SigV4, no Origin)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def handles(self, path):
        return self.endpoint.handles(path)

    def refusal(self, headers):
        return lambda_endpoint.refusal(headers)

    def answer(self, method, path, body):
        return self.endpoint.answer(method, path, body)


class ConsoleServer(LoopbackServer):
    port_setting = ("local console", "CONSOLE_PORT")
    thread_name = "console"

    def __init__(self, console, port=0, host=LOCALHOST, lambda_endpoint=None):
        super().__init__(port, host)
        self.console = console
        self.lambda_endpoint = lambda_endpoint
        self.token = new_token()

    def handler_class(self):
        extra = _InvokePath(self.lambda_endpoint) if self.lambda_endpoint is not None else None
        return handler_class(self.console, self.allowed_hosts, self.token, extra)

    def make_server(self, address):
        server = super().make_server(address)
        self.console.start()  # once the port is bound, before the first request
        return server

    def stop(self):
        self.console.stop()
        super().stop()

    def allowed_hosts(self):
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
