"""The log line (log_line.py): one JSON object per call, with Powertools' key names, whatever a field holds."""

import io
import json
from enum import IntEnum

import orjson
import pytest

from xwebhook.log_line import emit, emit_fields, level_for


def test_log_line_is_one_json_object_per_call_with_powertools_key_names():
    class Context:
        aws_request_id = "req-1"

    stream = io.StringIO()
    emit("INFO", "delivery", Context(), stream=stream, status=200, types=["a", 'q"uote'], none=None, ok=True)
    emit(level_for(503), "delivery", None, stream=stream, detail={"not": "a scalar"})
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["function_request_id"] == "req-1"
    assert (first["level"], first["message"], first["service"]) == ("INFO", "delivery", "xwebhook")
    assert (first["status"], first["types"], first["none"], first["ok"]) == (200, ["a", 'q"uote'], None, True)
    assert first["timestamp"].endswith("Z")
    assert len(first["timestamp"]) == len("2026-11-28T03:40:00.000Z")
    assert second["level"] == "ERROR"
    assert second["cold_start"] is False
    assert second["detail"] == "{'not': 'a scalar'}"
    assert level_for(404) == "WARNING"
    assert level_for(200) == "INFO"


def test_ingest_log_line_is_the_same_object_with_orjson_and_falls_back_for_what_orjson_refuses():
    class Context:
        aws_request_id = "req-2"

    fields = {"status": 503, "event_types": ["post.create"], "detail": "boom \ud800", "sent": 0}
    fast, plain = io.StringIO(), io.StringIO()
    emit_fields("ERROR", "delivery", Context(), {"status": 200, "event_types": ["a"]}, orjson.dumps, stream=fast)
    emit("ERROR", "delivery", Context(), stream=plain, status=200, event_types=["a"])
    one, other = json.loads(fast.getvalue()), json.loads(plain.getvalue())
    assert {k: v for k, v in one.items() if k != "timestamp"} == {
        k: v for k, v in other.items() if k not in ("timestamp", "cold_start")
    } | {"cold_start": one["cold_start"]}
    odd = io.StringIO()
    emit_fields("ERROR", "delivery", None, fields, orjson.dumps, stream=odd)  # a lone surrogate: orjson refuses
    line = odd.getvalue()
    line.encode("ascii")  # written by the ASCII encoder, escaped
    assert json.loads(line)["detail"] == "boom \ud800"


@pytest.mark.parametrize(
    ("value", "written"),
    [(float("nan"), "nan"), (float("-inf"), "-inf"), (True, True), (3.5, 3.5), (2**70, 2**70), ("é\u2028", "é\u2028")],
)
def test_a_log_line_is_json_whatever_a_field_holds(value, written):
    class Code(IntEnum):
        SEVEN = 7

    stream = io.StringIO()
    emit("INFO", "m", None, stream=stream, value=value, code=Code.SEVEN)
    line = json.loads(stream.getvalue())
    assert line["value"] == written
    assert line["code"] == 7
