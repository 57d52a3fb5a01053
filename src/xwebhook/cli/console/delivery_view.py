"""A delivery as the console shows it, whichever way it was seen: the local gateway's record of the POST
(`from_gateway`), or ingest's log line on a deployed stack (`from_log_line`). One shape for the page:

    {"id", "time_ms", "status", "ms", "source", "seen_by",
     "signature": {"verdict": valid | invalid | missing | unknown, "said": why, in words},
     "counts": {"events", "sent", "duplicates", "dropped"},
     "event_types", "events" (each {"type", "event_id", "for_user_id", "source"}; None when not known),
     "reason", "detail", "headers" (None when not known), "body", "body_bytes", "answer", "resendable"}

The counts are ingest's: `events` in the delivery, `sent` the messages SQS accepted (a stack older than
that name logs it as `enqueued`), `duplicates` the events ingest skipped as already delivered (its dedup
table, or a repeat within the delivery). `dropped` is the copies a FIFO queue accepted and then dropped as
duplicates of a message of the last five minutes: SQS says nothing about them (docs/messages.md, "What
ingest knows it enqueued"), so it is None unless something says how many: the local console fills it in
from the local AWS endpoint's tap (the gateway's record of the delivery, see localdev/console/server.py).
The page shows `sent - dropped` as enqueued where it is known (a standard queue keeps all it accepts), and
`duplicates + dropped` as duplicates; on a FIFO queue without that count it says `sent`.
"""

from datetime import datetime

from xwebhook.cli.messages import parse_json
from xwebhook.receive.signing import verify_signature
from xwebhook.receive.splitting import split_delivery

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
SHOWN_BODY_CHARS = 64 * 1024  # a body is shown (and copied) up to this many characters


def counts(document):
    """{"events", "sent", "duplicates", "dropped"} from ingest's answer or log line (None where absent)."""
    document = document if isinstance(document, dict) else {}

    def number(key):
        value = document.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    found = {key: number(key) for key in ("events", "sent", "duplicates", "dropped")}
    if found["sent"] is None:
        found["sent"] = number("enqueued")  # a stack deployed before ingest said `sent`
    return found


def header(headers, name):
    """The value of header `name` (any case) in a list of (name, value) pairs; None when absent."""
    for key, value in headers or ():
        if key.lower() == name:
            return value
    return None


def signature_checked(body, headers, secret):
    """The console's own check of a delivery's signature, as ingest checks it (HMAC-SHA256 of the raw body
    with the consumer secret): {"verdict", "said"}."""
    given = header(headers, SIGNATURE_HEADER)
    if not given:
        return {"verdict": "missing", "said": "no X-Twitter-Webhooks-Signature header"}
    if body is None:
        return {"verdict": "unknown", "said": "the body was too large to keep, so it was not checked here"}
    if secret is None:
        return {"verdict": "unknown", "said": "the consumer secret could not be read to check it"}
    if verify_signature(secret, body, given):
        return {"verdict": "valid", "said": "matches the body signed with the stack's consumer secret"}
    return {"verdict": "invalid", "said": "does not match the body signed with the stack's consumer secret"}


def signature_said_by_ingest(status, reason):
    """What ingest's status and reason say of the signature (a deployed stack's log line has no headers)."""
    if status == 401:
        missing = "missing" in (reason or "")
        return {"verdict": "missing" if missing else "invalid", "said": f"ingest refused it: {reason or 'status 401'}"}
    if status == 200:
        return {"verdict": "valid", "said": "ingest checked it and accepted the delivery"}
    return {"verdict": "unknown", "said": f"ingest's answer ({status}) does not say"}


def events_of(body):
    """The events ingest makes of a delivery's bytes, as [{"type", "event_id", "for_user_id", "source"}];
    None when the body is not a delivery ingest could split."""
    if body is None:
        return None
    try:
        from xwebhook.receive.jsontext import parse

        delivery = parse(body)
        if not isinstance(delivery, dict):
            return None
        messages = split_delivery(delivery, "")
    except Exception:  # not JSON, no events, nested too deep: ingest answered why (its reason)
        return None
    return [
        {"type": m.event_type, "event_id": m.event_id, "for_user_id": m.for_user_id, "source": m.source}
        for m in messages
    ]


def _json_object(text):
    try:
        document = parse_json(text)
    except (TypeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _shown(body):
    if body is None:
        return None
    text = body[:SHOWN_BODY_CHARS].decode("utf-8", "replace")
    return text if len(body) <= SHOWN_BODY_CHARS else text + "\n… (cut: the body is longer)"


def from_gateway_id(record):
    """The id of a gateway record: API Gateway's request id (the answer's apigw-requestid header)."""
    return record.get("request_id") or f"local-{record['seq']}"


def from_gateway(record, secret=None):
    """The view of one POST the local gateway served to ingest (localdev/gateway.py's record)."""
    answer = _json_object(record.get("answer"))
    body = record.get("body")
    events = events_of(body)
    types = sorted({event["type"] for event in events or ()})
    reason = None
    if record["status"] != 200:
        reason = (answer or {}).get("error") or (answer or {}).get("message") or record.get("note")
    return {
        "id": from_gateway_id(record),
        "seq": record["seq"],
        "time_ms": int(record["time"] * 1000),
        "status": record["status"],
        "ms": round(record.get("ms") or 0.0, 1),
        "source": events[0]["source"] if events else "",
        "seen_by": "the local gateway",
        "signature": signature_checked(body, record.get("headers"), secret),
        "counts": counts(answer),
        "event_types": types,
        "events": events,
        "reason": reason,
        "detail": None,
        "headers": [list(pair) for pair in record.get("headers") or ()],
        "body": _shown(body),
        "body_bytes": record.get("body_bytes", 0),
        "answer": record.get("answer"),
        "resendable": body is not None,
    }


def _line_document(message):
    """Ingest's JSON line in a log event's message (Lambda may put text before it); None when it is not one."""
    start = message.find("{")
    document = _json_object(message[start:]) if start >= 0 else None
    if document is None or document.get("message") != "delivery" or "status" not in document:
        return None
    return document


def _epoch_ms(stamp, fallback):
    try:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
    except (AttributeError, ValueError):
        return fallback


def from_log_line(message, timestamp_ms, event_id):
    """The view of one delivery from ingest's log line (log_line.py: the `delivery` line functions/ingest
    writes per POST); None for any other line (Lambda's START/END/REPORT, other messages)."""
    document = _line_document(message)
    if document is None:
        return None
    status = document.get("status")
    types = document.get("event_types")
    return {
        "id": document.get("function_request_id") or event_id,
        "time_ms": _epoch_ms(document.get("timestamp"), timestamp_ms),
        "status": status,
        "ms": None,
        "source": document.get("source") or "",
        "seen_by": "ingest's log",
        "signature": signature_said_by_ingest(status, document.get("reason")),
        "counts": counts(document),
        "event_types": types if isinstance(types, list) else [],
        "events": None,
        "reason": document.get("reason"),
        "detail": document.get("detail"),
        "aws_calls": document.get("aws_calls"),
        "headers": None,
        "body": None,
        "body_bytes": None,
        "answer": None,
        "resendable": False,
    }
