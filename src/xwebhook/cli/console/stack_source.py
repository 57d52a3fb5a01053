"""A deployed stack's source for the console (`xwebhook console --stack NAME`): everything read with the
user's own AWS credentials from their machine; nothing written, no page deployed.

  deliveries  ingest's `delivery` log line (one per POST: status, source, events, sent, duplicates,
              event types, and for a refusal its reason and detail; functions/ingest/app.py) from its
              CloudWatch log group, read with FilterLogEvents: the last `since` seconds at start, then every
              POLL_SECONDS, the last LATE_SECONDS read again (CloudWatch takes lines a little late). No
              headers and no body: ingest logs neither (one header is the signature; bodies are the
              account's data), so the signature's verdict is what ingest's status says.
  events      peeks at the events queue and the DLQ, as `xwebhook tail` peeks on AWS (messages.Peeker):
              a receive with visibility timeout 0, nothing deleted, each message shown once, and no more
              peeks once one could cost a consumer its last try (it says so). A FIFO queue shows each
              message group's head only.
  health      admin `status` (read-only) every HEALTH_TTL_SECONDS at most, the queues' depths; admin
              `accounts`. No CRC answers: `xwebhook crc-check --stack NAME` runs one.
"""

import threading
import time
from collections import deque

from xwebhook.cli import messages
from xwebhook.cli.console import delivery_view
from xwebhook.cli.console.feed import Feed, StopLooking
from xwebhook.cli.errors import CliError, Unsupported

POLL_SECONDS = 5.0
LATE_SECONDS = 120  # CloudWatch Logs may take a line this long after its time
HEALTH_TTL_SECONDS = 30.0
KEPT_DELIVERIES = 500
MAX_PAGES = 20  # FilterLogEvents pages per look (each up to 1 MB); the rest comes at the next look
# On AWS the pattern leaves only ingest's delivery lines; where a filter pattern is not applied (moto),
# from_log_line drops every other line.
DELIVERY_PATTERN = '{ $.message = "delivery" }'
INGEST_LOG_GROUP = "IngestLogGroup"  # the template's logical id


def ingest_log_group(target):
    """The name of ingest's log group: CloudFormation's record of the stack's IngestLogGroup, else the
    template's name for it (/aws/lambda/<stack>-ingest)."""
    try:
        detail = target.client("cloudformation").describe_stack_resource(
            StackName=target.name, LogicalResourceId=INGEST_LOG_GROUP
        )
        return detail["StackResourceDetail"]["PhysicalResourceId"]
    except Exception:  # not allowed to describe, or a stack made otherwise: the template's naming
        return f"/aws/lambda/{target.name}-ingest"


class IngestLog:
    """Ingest's delivery lines from one log group, each once."""

    def __init__(self, logs, group, since_seconds, clock=time.time):
        self.logs = logs
        self.group = group
        self.clock = clock
        self.start_ms = int((clock() - since_seconds) * 1000)
        self._seen = {}  # event id -> its timestamp (ms), forgotten once older than the re-read window

    def read(self):
        """The deliveries logged since the last read (delivery_view's shape), oldest first."""
        found = []
        request = {"logGroupName": self.group, "startTime": self.start_ms, "filterPattern": DELIVERY_PATTERN}
        read_at = int(self.clock() * 1000)
        for _ in range(MAX_PAGES):
            answer = self.logs.filter_log_events(**request)
            for event in answer.get("events", []):
                if event["eventId"] in self._seen:
                    continue
                self._seen[event["eventId"]] = event["timestamp"]
                view = delivery_view.from_log_line(event.get("message", ""), event["timestamp"], event["eventId"])
                if view is not None:
                    found.append(view)
            if not answer.get("nextToken"):
                break
            request["nextToken"] = answer["nextToken"]
        self.start_ms = max(self.start_ms, read_at - LATE_SECONDS * 1000)
        self._seen = {key: stamp for key, stamp in self._seen.items() if stamp >= self.start_ms}
        return sorted(found, key=lambda view: view["time_ms"])


class PeekFeed(Feed):
    """The queues' messages, peeked at as `xwebhook tail` peeks on AWS."""

    poll_seconds = POLL_SECONDS
    thread_name = "console-peeks"

    def __init__(self, sqs, queues):
        super().__init__()
        self.sqs = sqs
        self.queues = {label: url for label, url in queues.items() if url}
        self.peekers = {}
        self.stopped = {}  # label -> why it is no longer peeked at
        self.note = "peeking as `xwebhook tail` does: visibility timeout 0, nothing deleted"

    def look(self):
        found = []
        for label, url in self.queues.items():
            if label in self.stopped:
                continue
            try:
                if label not in self.peekers:
                    self.peekers[label] = messages.Peeker(self.sqs, url)
                found += [(label, messages.render(message)) for message in self.peekers[label].poll()]
            except messages.PeekBudgetSpent as exc:
                self.stopped[label] = str(exc)
                self.note = f"{label}: no more peeks: {exc}"
        if len(self.stopped) == len(self.queues):
            if found:
                self.add(found)
            raise StopLooking(self.note)
        return found


class StackSource:
    """What the console shows of a deployed stack (a cli.target.Target of kind "aws"). Read-only: it has no
    send, resend or invite."""

    def __init__(self, target, since_seconds=3600.0, poll_seconds=POLL_SECONDS):
        self.target = target
        self.poll_seconds = poll_seconds
        # Clients are made here, once, and shared by the threads (boto3 clients are thread-safe).
        self.sqs = target.client("sqs")
        self.log_group = ingest_log_group(target)
        self.ingest_log = IngestLog(target.client("logs"), self.log_group, since_seconds)
        queues = {"events": target.outputs.get("EventsQueueUrl"), "dlq": target.outputs.get("DeadLetterQueueUrl")}
        self.feed = PeekFeed(self.sqs, queues)
        self.feed.poll_seconds = poll_seconds
        self._deliveries = deque(maxlen=KEPT_DELIVERIES)
        self._error = None
        self._lock = threading.Lock()
        self._admin_lock = threading.Lock()
        self._status = (None, 0.0)
        self._stopping = threading.Event()
        self._thread = None

    # the threads

    def start(self):
        self.feed.start()
        self._thread = threading.Thread(target=self._read_log, name="console-ingest-log", daemon=True)
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self.feed.stop()

    def read_log_once(self):
        try:
            found = self.ingest_log.read()
            error = None
        except Exception as exc:
            found, error = [], _aws_error(exc, f"reading ingest's log group {self.log_group}")
        with self._lock:
            self._deliveries.extend(found)
            self._error = error

    def _read_log(self):
        while not self._stopping.is_set():
            self.read_log_once()
            self._stopping.wait(self.poll_seconds)

    # what the page asks

    def boot(self):
        queue = self.target.outputs.get("EventsQueueUrl") or ""
        return {
            "mode": "stack",
            "stack": self.target.name,
            "title": f"xwebhook console: {self.target.name}",
            "target": self.target.describe(),
            "webhook_url": self.target.outputs.get("WebhookUrl", ""),
            "kinds": [],
            "fifo": queue.endswith(".fifo"),
        }

    def deliveries(self):
        with self._lock:
            views = sorted(self._deliveries, key=lambda view: view["time_ms"], reverse=True)
            error = self._error
        note = f"from ingest's log group {self.log_group} (read every {self.poll_seconds:g} s)"
        return {"deliveries": views[:100], "error": error, "note": note}

    def _admin(self, action):
        try:
            with self._admin_lock:
                return self.target.invoke_admin(action)
        except Unsupported as exc:
            return {"action": action, "ok": False, "unsupported": True, "error": exc.message}
        except CliError as exc:
            return {"action": action, "ok": False, "error": exc.message}

    def health(self, refresh=False):
        result, checked_at = self._status
        if refresh or result is None or time.time() - checked_at > HEALTH_TTL_SECONDS:
            result, checked_at = self._admin("status"), time.time()
            self._status = (result, checked_at)
        queues = {}
        for label, key in (("events", "EventsQueueUrl"), ("dlq", "DeadLetterQueueUrl")):
            url = self.target.outputs.get(key)
            try:
                queues[label] = messages.depth(self.sqs, url) if url else None
            except Exception as exc:
                queues[label] = {"error": _aws_error(exc, f"reading {label}")}
        return {
            "crc": None,
            "crc_note": f"CRC answers are not shown here: xwebhook --stack {self.target.name} crc-check runs one",
            "webhook": result,
            "webhook_checked_at": checked_at,
            "webhook_url": self.target.outputs.get("WebhookUrl", ""),
            "last_ensure": result.get("last_ensure"),
            "queues": queues,
            "feed_error": self.feed.error,
            "feed_note": self.feed.note,
        }

    def accounts(self):
        result = self._admin("accounts")
        return {"supported": not result.get("unsupported"), "result": result}


def _aws_error(exc, doing):
    from xwebhook.cli.target import aws_failure

    return aws_failure(exc, doing).message
