"""One structured JSON log line, written straight to stdout (CloudWatch Logs in Lambda).

The crc and ingest functions log with this instead of Powertools' Logger, by measurement: on this
project's 2-core benchmark machine a Powertools `logger.info` with eight keys costs ~80-105 us and a
Metrics flush ~55 us, against a ~35 us ingest POST; ingest's line costs ~2 us with orjson (emit_fields),
and the import costs nothing on the crc cold path (no json, no logging: `_json`'s C string encoder).
Ingest's metrics come from CloudWatch Logs metric filters on these lines (see infra/template.yaml).
The admin function, which has no such budget, uses Powertools (observability.py).

Keys follow Powertools' names (level, message, service, timestamp, function_request_id, cold_start)
so one log query works across the three functions. Never pass secret values.
"""

import sys
import time
from _json import encode_basestring_ascii as _quote  # json's own C string encoder

SERVICE = "xwebhook"
_state = {"cold_start": True}
# utc_timestamp's last second (epoch, its text up to the seconds) and last millisecond (epoch ms, the whole
# text), each swapped in as one tuple: a thread never sees one half of a pair with the other's other half.
_last_second = (None, "")
_last_millis = (None, "")


_INFINITY = float("inf")


def json_scalar(value, quote=_quote):
    """The JSON text of a scalar, or None when `value` is none JSON can write: a str (written by `quote`:
    ASCII here; receive/jsontext's writer passes one that keeps UTF-8), None, true, false, an int (its
    digits, whatever subclass), a finite float (NaN and Infinity are not JSON)."""
    if isinstance(value, str):
        return quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and value == value and value not in (_INFINITY, -_INFINITY):
        return float.__repr__(value)
    return None


def _encode(value):
    text = json_scalar(value)
    if text is not None:
        return text
    if isinstance(value, (list, tuple)):
        return "[" + ",".join([_encode(item) for item in value]) + "]"
    return _quote(str(value))  # anything else (NaN included) as its text: a log line is always JSON


def utc_timestamp(now):
    """`now` (epoch seconds) as ISO 8601 UTC with milliseconds: 2026-11-28T03:20:00.500Z."""
    global _last_second, _last_millis
    millis = int(now * 1000)
    last = _last_millis
    if last[0] == millis:  # ingest's two per POST (received_at, its log line) are usually in one millisecond
        return last[1]
    seconds = millis // 1000
    second = _last_second
    if second[0] != seconds:  # strftime once per second, not once per line
        second = _last_second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    text = "%s.%03dZ" % (second[1], millis - seconds * 1000)
    _last_millis = (millis, text)
    return text


def emit(level, message, context=None, stream=None, **fields):
    """Write `{"level", "message", "service", "timestamp", "cold_start", "function_request_id", ...fields}`."""
    parts = [
        '{"level":',
        _quote(level),
        ',"message":',
        _quote(message),
        ',"service":"',
        SERVICE,
        '","timestamp":"',
        utc_timestamp(time.time()),
        '","cold_start":',
        "true" if _state["cold_start"] else "false",
        ',"function_request_id":',
        _encode(getattr(context, "aws_request_id", None)),
    ]
    _state["cold_start"] = False
    for key, value in fields.items():
        parts += (",", _quote(key), ":", _encode(value))
    parts.append("}\n")
    (stream or sys.stdout).write("".join(parts))


def record(level, message, context):
    """The keys every line starts with, as a dict the caller adds its fields to (then `write`)."""
    return {
        "level": level,
        "message": message,
        "service": SERVICE,
        "timestamp": utc_timestamp(time.time()),
        "cold_start": _state["cold_start"],
        "function_request_id": getattr(context, "aws_request_id", None),
    }


def write(document, dumps, stream=None):
    """Write `record(...)` with its fields as one line, encoded by `dumps` (ingest passes orjson.dumps:
    ~1 us for its line against ~6 us in `emit`). What `dumps` refuses (a lone surrogate in a detail)
    takes `emit`'s encoder, which writes ASCII and escapes everything else."""
    try:
        line = dumps(document).decode() + "\n"
    except (TypeError, ValueError):
        line = "{" + ",".join([_quote(key) + ":" + _encode(value) for key, value in document.items()]) + "}\n"
    _state["cold_start"] = False
    (stream or sys.stdout).write(line)


def emit_fields(level, message, context, fields, dumps, stream=None):
    """`record` + `fields` + `write`: one line, encoded by `dumps`."""
    document = record(level, message, context)
    document.update(fields)
    write(document, dumps, stream)


def level_for(status):
    return "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"
