"""A delivery as the console shows it: from the local gateway's record (the signature checked again with the
consumer secret, the events ingest makes of it, ingest's counts) and from ingest's log line on AWS."""

import json

import pytest

from tests.conftest import DEV_SECRET, sample_bytes, signature
from xwebhook.cli.console import delivery_view

SECRET = DEV_SECRET.encode()


def record(body=b"{}", headers=None, status=200, answer=None, seq=1, **more):
    return {
        "seq": seq,
        "time": 1796400000.25,
        "method": "POST",
        "path": "/webhook",
        "status": status,
        "note": "",
        "ms": 12.345,
        "request_id": "req-1",
        "function": "ingest",
        "headers": headers if headers is not None else [("X-Twitter-Webhooks-Signature", signature(body, DEV_SECRET))],
        "body": body,
        "body_bytes": len(body or b""),
        "answer": answer if answer is not None else '{"status":"ok","events":1,"sent":1,"duplicates":0}',
        **more,
    }


def test_a_delivery_signed_with_the_consumer_secret_is_valid():
    view = delivery_view.from_gateway(record(sample_bytes("aaa/favorite")), SECRET)
    assert view["signature"]["verdict"] == "valid"


def test_a_delivery_signed_with_another_secret_is_invalid():
    body = sample_bytes("aaa/favorite")
    headers = [("x-twitter-webhooks-signature", signature(body, "another secret"))]
    assert delivery_view.from_gateway(record(body, headers), SECRET)["signature"]["verdict"] == "invalid"


def test_a_delivery_without_the_header_has_no_signature():
    assert delivery_view.from_gateway(record(b"{}", headers=[]), SECRET)["signature"]["verdict"] == "missing"


def test_a_body_too_large_to_keep_is_not_checked():
    view = delivery_view.from_gateway(record(None, headers=[("X-Twitter-Webhooks-Signature", "sha256=x")]), SECRET)
    assert view["signature"]["verdict"] == "unknown"


def test_without_the_consumer_secret_the_signature_is_not_checked():
    view = delivery_view.from_gateway(record(sample_bytes("aaa/favorite")), None)
    assert view["signature"] == {"verdict": "unknown", "said": "the consumer secret could not be read to check it"}


def test_the_counts_are_ingests_answer():
    answer = '{"status":"ok","events":3,"sent":1,"duplicates":2}'
    view = delivery_view.from_gateway(record(sample_bytes("aaa/favorite_multi"), answer=answer), SECRET)
    assert view["counts"] == {"events": 3, "sent": 1, "duplicates": 2, "dropped": None}


def test_a_dropped_count_in_ingests_answer_is_taken():
    answer = '{"status":"ok","events":1,"enqueued":1,"duplicates":0,"dropped":1}'
    assert delivery_view.from_gateway(record(answer=answer), SECRET)["counts"]["dropped"] == 1


def test_the_events_are_those_ingest_makes_of_the_body():
    view = delivery_view.from_gateway(record(sample_bytes("aaa/favorite_multi")), SECRET)
    assert [event["type"] for event in view["events"]] == ["favorite"] * 3
    assert len({event["event_id"] for event in view["events"]}) == 3


def test_a_body_that_is_no_delivery_has_no_events():
    view = delivery_view.from_gateway(record(b"not json", status=400, answer='{"error":"body is not JSON"}'), SECRET)
    assert view["events"] is None
    assert view["reason"] == "body is not JSON"


def test_a_refusal_without_ingests_answer_gives_the_gateways():
    view = delivery_view.from_gateway(record(status=500, answer='{"message":"Internal Server Error"}'), SECRET)
    assert view["reason"] == "Internal Server Error"


def test_the_time_is_in_milliseconds_and_the_id_is_the_request_id():
    view = delivery_view.from_gateway(record(), SECRET)
    assert (view["time_ms"], view["id"], view["ms"]) == (1796400000250, "req-1", 12.3)


def test_a_kept_body_can_be_resent_and_a_dropped_one_cannot():
    assert delivery_view.from_gateway(record(), SECRET)["resendable"] is True
    assert delivery_view.from_gateway(record(None, headers=[]), SECRET)["resendable"] is False


def test_a_long_body_is_shown_cut():
    body = b'{"x":"' + b"a" * (delivery_view.SHOWN_BODY_CHARS + 10) + b'"}'
    assert delivery_view.from_gateway(record(body), SECRET)["body"].endswith("(cut: the body is longer)")


# --- ingest's log line ---------------------------------------------------------------------------------------

LINE = {
    "level": "INFO",
    "message": "delivery",
    "service": "xwebhook",
    "timestamp": "2026-12-04T21:19:20.643Z",
    "cold_start": False,
    "function_request_id": "lambda-req",
    "status": 200,
    "source": "aaa",
    "events": 3,
    "sent": 2,
    "duplicates": 1,
    "event_types": ["favorite"],
    "aws_calls": 3,
}


def log_view(**changes):
    return delivery_view.from_log_line(json.dumps({**LINE, **changes}), 1, "event-1")


def test_ingests_line_gives_the_deliverys_status_counts_types_and_time():
    view = log_view()
    assert (view["status"], view["event_types"], view["aws_calls"]) == (200, ["favorite"], 3)
    assert view["counts"] == {"events": 3, "sent": 2, "duplicates": 1, "dropped": None}
    assert view["time_ms"] == 1796419160643


def test_an_accepted_delivery_had_a_valid_signature_by_ingests_word():
    assert log_view()["signature"]["verdict"] == "valid"


@pytest.mark.parametrize(
    ("reason", "verdict"),
    [("signature does not match the body", "invalid"), ("x-twitter-webhooks-signature header is missing", "missing")],
)
def test_a_401_says_how_the_signature_failed(reason, verdict):
    assert log_view(status=401, reason=reason, detail="")["signature"]["verdict"] == verdict


def test_another_refusal_leaves_the_signature_unknown_and_keeps_its_reason_and_detail():
    view = log_view(status=503, reason="events could not be stored; retry", detail="SQS: throttled")
    assert view["signature"]["verdict"] == "unknown"
    assert (view["reason"], view["detail"]) == ("events could not be stored; retry", "SQS: throttled")


def test_a_line_after_a_text_prefix_is_read():
    message = "2026-12-04T21:19:20.643Z\tlambda-req\tINFO\t" + json.dumps(LINE)
    assert delivery_view.from_log_line(message, 1, "e")["id"] == "lambda-req"


@pytest.mark.parametrize(
    "message",
    [
        "START RequestId: 1 Version: $LATEST",
        "REPORT RequestId: 1\tDuration: 2.00 ms",
        json.dumps({"message": "crc", "status": 200}),
        "{not json",
    ],
)
def test_other_lines_are_no_delivery(message):
    assert delivery_view.from_log_line(message, 1, "e") is None


def test_a_line_with_no_headers_says_none_were_logged():
    view = log_view()
    assert (view["headers"], view["body"], view["resendable"]) == (None, None, False)


def test_a_line_of_a_stack_older_than_sent_gives_its_enqueued_as_sent():
    old = {key: value for key, value in LINE.items() if key != "sent"}
    view = delivery_view.from_log_line(json.dumps({**old, "enqueued": 2}), 1, "event-1")
    assert view["counts"]["sent"] == 2
