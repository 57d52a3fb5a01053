"""Settings validation and the HTTP API payload-2.0 helpers."""

import base64

import pytest

from xwebhook.aws import error_code
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.env import ConfigError
from xwebhook.http_api import (
    BadRequest,
    body_text,
    header,
    html_response,
    json_response,
    query_parameter,
    raw_body,
    redirect_response,
)
from xwebhook.lambda_context import time_left
from xwebhook.receive.settings import IngestSettings

BASE = {"CONSUMER_SECRET_ID": "arn:secret", "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/q.fifo"}


def test_defaults():
    settings = IngestSettings.from_env(BASE)
    assert settings.max_body_bytes == 512 * 1024
    assert settings.dedup_table == ""
    assert settings.dedup_ttl_seconds == 30 * 3600
    assert settings.secret.cache_seconds == 300
    assert settings.secret.extension_port == 2773


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CONSUMER_SECRET_ID": ""}, "CONSUMER_SECRET_ID must be set"),
        ({"EVENTS_QUEUE_URL": ""}, "EVENTS_QUEUE_URL must be set"),
        ({"EVENTS_QUEUE_URL": "events"}, "must be a queue URL"),
        ({"MAX_BODY_BYTES": "lots"}, "MAX_BODY_BYTES must be an integer"),
        ({"MAX_BODY_BYTES": str(2 * 1024 * 1024)}, "MAX_BODY_BYTES must be between"),
        ({"DEDUP_TTL_HOURS": "2"}, "DEDUP_TTL_HOURS must be between 25"),
        ({"SECRET_CACHE_SECONDS": "-1"}, "SECRET_CACHE_SECONDS must be between"),
        ({"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "70000"}, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"),
    ],
)
def test_bad_settings_name_the_variable(overrides, message):
    with pytest.raises(ConfigError, match=message):
        IngestSettings.from_env({**BASE, **overrides})


def test_secret_settings_take_the_session_token():
    settings = SecretSettings.from_env({"CONSUMER_SECRET_ID": "x", "AWS_SESSION_TOKEN": "tok"})
    assert (settings.secret_id, settings.session_token) == ("x", "tok")


def test_header_lookup_is_lower_case_first_then_case_insensitive():
    assert header({"headers": {"x-twitter-webhooks-signature": "a"}}, "x-twitter-webhooks-signature") == "a"
    assert header({"headers": {"X-Twitter-Webhooks-Signature": "b"}}, "x-twitter-webhooks-signature") == "b"
    assert header({"headers": None}, "x-twitter-webhooks-signature") is None
    assert header({}, "x") is None


def test_query_parameter():
    assert query_parameter({"queryStringParameters": {"crc_token": "t"}}, "crc_token") == "t"
    assert query_parameter({"queryStringParameters": None}, "crc_token") is None


def test_raw_body_plain_and_base64():
    assert raw_body({"body": "héllo"}) == "héllo".encode()
    encoded = base64.b64encode("héllo".encode()).decode()
    assert raw_body({"body": encoded, "isBase64Encoded": True}) == "héllo".encode()
    assert raw_body({}) == b""


@pytest.mark.parametrize("bad", ["not base64!", "aGk", "aGk=\n!!"])
def test_raw_body_rejects_invalid_base64(bad):
    with pytest.raises(BadRequest):
        raw_body({"body": bad, "isBase64Encoded": True})


def test_body_text_is_the_text_api_gateway_handed_over_and_none_for_a_base64_body():
    text = '{"é": 1}'
    assert body_text({"body": text, "isBase64Encoded": False}) == text
    assert raw_body({"body": text, "isBase64Encoded": False}) == text.encode()
    assert body_text({"body": base64.b64encode(text.encode()).decode(), "isBase64Encoded": True}) is None
    assert body_text({}) is None


def test_json_response_shape():
    response = json_response(503, '{"error": "x"}')
    assert response["statusCode"] == 503
    assert response["headers"]["content-type"] == "application/json"
    assert response["body"] == '{"error": "x"}'
    assert response["isBase64Encoded"] is False


def test_an_html_response_carries_the_pages_headers_and_each_cookie():
    headers = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
    response = html_response(403, "<p>no</p>", headers, ["a=1; Secure", "b=2; Secure"])
    assert response["statusCode"] == 403
    assert response["headers"] == headers
    assert response["cookies"] == ["a=1; Secure", "b=2; Secure"]
    assert response["body"] == "<p>no</p>"
    assert response["isBase64Encoded"] is False


def test_a_redirect_has_the_location_the_pages_headers_and_no_body():
    headers = {"content-type": "text/html; charset=utf-8"}
    response = redirect_response(302, "https://x.com/i/oauth2/authorize?state=s", headers, ["c=1"])
    assert response["statusCode"] == 302
    assert response["headers"]["location"] == "https://x.com/i/oauth2/authorize?state=s"
    assert response["headers"]["content-type"] == "text/html; charset=utf-8"
    assert response["cookies"] == ["c=1"]
    assert response["body"] == ""


def test_a_redirect_leaves_the_headers_it_was_given_as_they_were():
    headers = {"content-type": "text/html; charset=utf-8"}
    redirect_response(302, "https://x.com/", headers)
    assert "location" not in headers


def test_time_left_counts_down_in_seconds_from_lambdas_context():
    class Context:
        def get_remaining_time_in_millis(self):
            return 2500

    assert time_left(Context())() == 2.5


def test_without_lambdas_context_there_is_no_time_left_to_read():
    assert time_left(None) is None


def test_an_aws_error_code_is_read_from_the_answer_else_the_failure_is_named_by_its_class():
    from botocore.exceptions import ClientError, ConnectTimeoutError

    refused = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")
    assert error_code(refused) == "AccessDeniedException"
    assert error_code(ConnectTimeoutError(endpoint_url="http://127.0.0.1:1")) == "ConnectTimeoutError"


def test_a_client_on_first_use_is_made_once_by_its_first_call(monkeypatch):
    from xwebhook import aws

    made = []
    monkeypatch.setattr(aws, "client", lambda service, config: made.append((service, config)) or object())
    get = aws.client_on_first_use("ssm")
    assert made == []
    assert get() is get()
    assert made == [("ssm", aws.ADMIN_CALLS)]


def test_log_line_is_one_json_object_per_call_with_powertools_key_names():
    import io
    import json

    from xwebhook.log_line import emit, level_for

    class Context:
        aws_request_id = "req-1"

    stream = io.StringIO()
    emit("INFO", "delivery", Context(), stream=stream, status=200, types=["a", 'q"uote'], none=None, ok=True)
    emit(level_for(503), "delivery", None, stream=stream, detail={"not": "a scalar"})
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["function_request_id"] == "req-1"
    assert (first["level"], first["message"], first["service"]) == ("INFO", "delivery", "xwebhook")
    assert (first["status"], first["types"], first["none"], first["ok"]) == (200, ["a", 'q"uote'], None, True)
    assert first["timestamp"].endswith("Z") and len(first["timestamp"]) == len("2026-11-28T03:40:00.000Z")
    assert second["level"] == "ERROR" and second["cold_start"] is False
    assert second["detail"] == "{'not': 'a scalar'}"
    assert level_for(404) == "WARNING" and level_for(200) == "INFO"


def test_ingest_log_line_is_the_same_object_with_orjson_and_falls_back_for_what_orjson_refuses():
    import io
    import json

    import orjson

    from xwebhook.log_line import emit, emit_fields

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
    import io
    import json
    from enum import IntEnum

    from xwebhook.log_line import emit

    class Code(IntEnum):
        SEVEN = 7

    stream = io.StringIO()
    emit("INFO", "m", None, stream=stream, value=value, code=Code.SEVEN)
    line = json.loads(stream.getvalue())
    assert line["value"] == written
    assert line["code"] == 7


def test_the_message_writers_fallback_writes_scalars_as_the_log_lines_do():
    from xwebhook.log_line import json_scalar
    from xwebhook.receive.jsontext import dumps

    for value in (None, True, False, 0, -(2**80), 1.25, 1e-300, "plain", 'q"uote'):
        # A lone surrogate makes orjson refuse the list: the iterative writer writes it, scalar by scalar.
        assert dumps(["\ud800", value]).decode() == '["\\ud800",' + json_scalar(value) + "]"
    assert json_scalar(float("nan")) is None
    assert json_scalar([1]) is None
