"""How the local gateway builds HTTP API payload-2.0 events and maps results back, as API Gateway does."""

import base64
import json

import pytest

from localdev.gateway import FunctionFailed, http_answer, http_api_event


def event(method="POST", target="/webhook", headers=(), body=b"", **options):
    return http_api_event(
        method, target, list(headers), body, "198.51.100.7", request_id="req-1", now=1700000000.25, **options
    )


def test_the_envelope_is_payload_format_2_0():
    built = event("GET", "/webhook?crc_token=abc", [("Host", "example.test"), ("User-Agent", "X")])
    assert built["version"] == "2.0"
    assert built["routeKey"] == "GET /webhook"
    assert built["rawPath"] == "/webhook"
    assert built["rawQueryString"] == "crc_token=abc"
    assert built["queryStringParameters"] == {"crc_token": "abc"}
    context = built["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/webhook",
        "protocol": "HTTP/1.1",
        "sourceIp": "198.51.100.7",
        "userAgent": "X",
    }
    assert context["stage"] == "$default"
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == "GET /webhook"
    assert context["domainName"] == "example.test"
    assert context["domainPrefix"] == "example"
    assert context["timeEpoch"] == 1700000000250
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"
    assert built["isBase64Encoded"] is False
    assert "body" not in built


def test_headers_are_lower_cased_and_repeated_ones_comma_joined():
    built = event(headers=[("X-Twitter-Webhooks-Signature", "sha256=a"), ("Accept", "a"), ("accept", "b")])
    assert built["headers"]["x-twitter-webhooks-signature"] == "sha256=a"
    assert built["headers"]["accept"] == "a,b"
    assert built["headers"]["x-forwarded-for"] == "198.51.100.7"
    assert all(name == name.lower() for name in built["headers"])


def test_cookies_move_out_of_the_headers():
    built = event(headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")])
    assert built["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in built["headers"]


def test_query_parameters_are_decoded_and_repeated_ones_comma_joined():
    built = event("GET", "/webhook?crc_token=a%2Bb%3D&x=1&x=2&empty=")
    assert built["rawQueryString"] == "crc_token=a%2Bb%3D&x=1&x=2&empty="
    assert built["queryStringParameters"] == {"crc_token": "a+b=", "x": "1,2", "empty": ""}


@pytest.mark.parametrize(
    ("content_type", "encoded"),
    [
        ("application/json", False),
        ("application/json; charset=utf-8", False),
        ("text/plain", False),
        ("application/vnd.api+json", False),
        ("application/octet-stream", True),
        ("application/x-www-form-urlencoded", True),
        (None, True),
    ],
)
def test_text_bodies_stay_text_and_others_are_base64(content_type, encoded):
    headers = [("Content-Type", content_type)] if content_type else []
    built = event(headers=headers, body=b'{"a": 1}')
    assert built["isBase64Encoded"] is encoded
    decoded = base64.b64decode(built["body"]) if encoded else built["body"].encode()
    assert decoded == b'{"a": 1}'


def test_base64_can_be_forced_and_non_utf8_text_is_base64():
    forced = event(headers=[("Content-Type", "application/json")], body=b"{}", base64_body=True)
    assert forced == {**forced, "isBase64Encoded": True, "body": "e30="}
    binary = event(headers=[("Content-Type", "application/json")], body=b"\xff\xfe")
    assert binary["isBase64Encoded"] is True


def test_the_same_request_id_gives_the_same_event():
    first = event(headers=[("Content-Type", "application/json")], body=b"{}")
    assert first == event(headers=[("Content-Type", "application/json")], body=b"{}")


def test_a_result_with_status_code_maps_to_the_response():
    status, headers, body = http_answer(
        {
            "statusCode": 401,
            "headers": {"content-type": "application/json"},
            "body": '{"error": "x"}',
            "cookies": ["a=1"],
        }
    )
    assert status == 401
    assert ("content-type", "application/json") in headers
    assert ("set-cookie", "a=1") in headers
    assert body == b'{"error": "x"}'
    assert http_answer({"statusCode": 200, "body": "aGk=", "isBase64Encoded": True})[2] == b"hi"


def test_a_result_without_status_code_is_a_200_json_body():
    assert http_answer({"ok": True}) == (200, [("content-type", "application/json")], b'{"ok": true}')
    assert http_answer("plain")[2] == b"plain"


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "text"}},
        {"statusCode": 200, "body": "%", "isBase64Encoded": True},
    ],
)
def test_invalid_results_are_function_failures(result):
    with pytest.raises(FunctionFailed):
        http_answer(result)


def test_events_are_json_serialisable():
    json.dumps(event(headers=[("Content-Type", "application/json")], body=b'{"a": 1}'))
