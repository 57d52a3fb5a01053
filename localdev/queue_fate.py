"""What the local queue did with the messages a delivery sent: kept, or dropped as a FIFO duplicate.

SQS's answer to SendMessageBatch cannot tell ingest: it answers success for a copy it drops by its
MessageDeduplicationId (docs/messages.md "What ingest knows it enqueued"), so ingest logs `sent`. The
local AWS endpoint can tell: its tap (localdev/moto_guard.py, `/_xwebhook/sqs/sends`) records every
message offered to a queue, whether the queue kept it, and the invocation that sent it (the trace header
botocore sends from a function instance: localdev.lambda_runtime.trace_header).

    fate = delivery_fate(endpoint, request_id)   # a delivery's sends, by the Lambda request id of the
    fate.kept, fate.dropped                      #   ingest invocation (API Gateway's request id locally)
    fate.sends                                   # [{"queue", "message_id", "deduplication_id", "group_id",
                                                 #   "kept", "at", "trace"}], oldest first
    sends(endpoint, message_ids=[...])           # by SendMessageBatch's MessageIds, or
    sends(endpoint, deduplication_ids=[...])     #   by MessageDeduplicationIds

    follower = SendsFollower(endpoint).start()   # for a caller that asks about every delivery (the local
    follower.fate(request_id, sent)              #   gateway): one long poll of the tap's feed at a time in a
    follower.stop()                              #   thread of its own, instead of a request per delivery

`endpoint` is the local AWS endpoint (the stack's AWS_ENDPOINT_URL). The functions raise
QueueFateUnavailable when the endpoint has no tap or does not answer; SendsFollower.fate answers None.
"""

import collections
import json
import threading
import time
import urllib.error
import urllib.parse

from localdev.lambda_runtime import trace_key
from xwebhook.cli.local_endpoint import TAP_PATH, signed_urlopen

TIMEOUT_SECONDS = 2.0

__all__ = ["DeliveryFate", "QueueFateUnavailable", "SendsFollower", "delivery_fate", "sends"]


class QueueFateUnavailable(RuntimeError):
    """The endpoint has no tap (not the local stack's moto: `status` 404) or did not answer."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class DeliveryFate:
    """What the queue did with one delivery's messages."""

    __slots__ = ("sends",)

    def __init__(self, sends):
        self.sends = sends

    @property
    def kept(self):
        """Messages the queue kept (now on it, or already consumed)."""
        return sum(1 for send in self.sends if send["kept"])

    @property
    def dropped(self):
        """Messages the queue dropped as a copy of one it accepted in the last 5 minutes (FIFO)."""
        return sum(1 for send in self.sends if not send["kept"])

    def as_dict(self):
        return {"kept": self.kept, "dropped": self.dropped}

    def __repr__(self):
        return f"DeliveryFate(kept={self.kept}, dropped={self.dropped})"


def _get(endpoint, query, timeout):
    url = f"{endpoint.rstrip('/')}{TAP_PATH}sends?{urllib.parse.urlencode(query)}"
    try:
        with signed_urlopen(url, timeout=timeout) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise QueueFateUnavailable(f"{endpoint} answered {exc.code} for its queue tap", exc.code) from None
    except (OSError, ValueError) as exc:
        raise QueueFateUnavailable(f"{endpoint}: {exc.__class__.__name__}: {exc}") from None


def sends(endpoint, *, traces=(), message_ids=(), deduplication_ids=(), queue=None, timeout=TIMEOUT_SECONDS):
    """The sends the tap remembers that name any of the given traces (localdev.lambda_runtime.trace_key),
    message ids or deduplication ids (in `queue`, a queue name, when given), oldest first."""
    query = [("trace", key) for key in traces]
    query += [("message_id", value) for value in message_ids]
    query += [("deduplication_id", value) for value in deduplication_ids]
    if not query:
        return []
    if queue:
        query.append(("queue", queue))
    return _get(endpoint, query, timeout)["sends"]


def delivery_fate(endpoint, request_id, queue=None, timeout=TIMEOUT_SECONDS):
    """The DeliveryFate of the messages the invocation `request_id` sent (to `queue`, a name, when given)."""
    return DeliveryFate(sends(endpoint, traces=[trace_key(request_id)], queue=queue, timeout=timeout))


class SendsFollower:
    """Follows the tap's feed of sends and answers `fate` from what it has seen.

    One long poll at a time (`wait` seconds), in a daemon thread; the sends of the last `keep_traces`
    invocations are kept. Asking costs no request: the sends of an invocation are on the tap before the
    invocation has SQS's answer, and the poll under way returns them at once."""

    def __init__(self, endpoint, wait=5.0, keep_traces=5000):
        self.endpoint = endpoint
        self.wait = wait
        self.keep_traces = keep_traces
        self.error = None  # why the tap cannot be followed (no tap): fate then answers None at once
        self._by_trace = collections.OrderedDict()  # trace key -> its sends
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._run, name="queue-fate", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()

    def _run(self):
        after = "now"
        while not self._stopping.is_set():
            try:
                document = _get(self.endpoint, {"after": after, "wait": self.wait}, self.wait + TIMEOUT_SECONDS)
            except QueueFateUnavailable as exc:
                if exc.status == 404:  # not the local stack's moto: nothing to follow
                    with self._changed:
                        self.error = str(exc)
                        self._changed.notify_all()
                    return
                self._stopping.wait(0.5)  # the endpoint is starting, going down or busy: try again
                continue
            with self._changed:
                for send in document["sends"]:
                    if send["trace"] is not None:
                        self._by_trace.setdefault(send["trace"], []).append(send)
                        self._by_trace.move_to_end(send["trace"])
                while len(self._by_trace) > self.keep_traces:
                    self._by_trace.popitem(last=False)
                self._changed.notify_all()
            after = document["last"]

    def fate(self, request_id, sent, timeout=TIMEOUT_SECONDS / 4):
        """The DeliveryFate of the invocation `request_id`, once the `sent` messages SQS accepted from it are
        seen (waiting up to `timeout`); None when the tap cannot be followed or showed none of them."""
        key = trace_key(request_id)
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._by_trace.get(key, ())) < sent and self.error is None and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            found = self._by_trace.get(key)
            return DeliveryFate(list(found)) if found else None
