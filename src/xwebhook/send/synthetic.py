"""The synthetic delivery `xwebhook doctor` sends through a stack's whole receive path (docs/messages.md
"Synthetic messages"): an X Activity API envelope of the type `xwebhook.doctor` for no account, signed with
the consumer secret as X signs, with the synthetic marker, so that ingest marks its message and consumers
can skip it (a consumer routing on event_type ignores the type anyway).

Each run has its own id (`run_id`, also the envelope's event_uuid): its message is new to the dedup table
and to SQS's FIFO deduplication, and doctor finds it on the queue by that id.
"""

import json
import time
import uuid

from xwebhook.receive.synthetic import HEADER, marker
from xwebhook.send.deliveries import Delivered, Sender, SendError, signature

EVENT_TYPE = "xwebhook.doctor"


def new_run_id():
    return str(uuid.uuid4())


def doctor_delivery(run_id, sent_at):
    """The delivery's bytes: one XAA envelope, no account (filter without user_id)."""
    envelope = {
        "event_type": EVENT_TYPE,
        "event_uuid": run_id,
        "filter": {},
        "tag": "xwebhook doctor",
        "payload": {
            "run_id": run_id,
            "sent_at": sent_at,
            "note": "a synthetic delivery from xwebhook doctor, not an event from X: skip it",
        },
    }
    return json.dumps({"data": envelope}, separators=(",", ":")).encode()


def post(url, body, secret, timeout=15.0):
    """POST `body` to `url` signed with `secret` (text) and marked synthetic; a Delivered (status None when
    nothing answered). SendError for a URL that is not http(s)."""
    import http.client

    sender = Sender(url, timeout=timeout)
    key = secret.encode()
    started = time.perf_counter()
    try:
        status, text = sender.post(body, signature(body, key), {HEADER: marker(key, body)})
    except (OSError, http.client.HTTPException) as exc:
        status, text = None, f"{exc.__class__.__name__}: {exc}"
    return Delivered(EVENT_TYPE, status, text.strip(), round((time.perf_counter() - started) * 1000, 1), 200)


__all__ = ["EVENT_TYPE", "SendError", "doctor_delivery", "new_run_id", "post"]
