"""The HTTP API payload-2.0 helpers (http_api.py): reading a request, building each kind of answer."""

import base64

import pytest

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


def test_header_lookup_is_lower_case_first_then_case_insensitive():
    assert header({"headers": {"x-twitter-webhooks-signature": "a"}}, "x-twitter-webhooks-signature") == "a"
    assert header({"headers": {"X-Twitter-Webhooks-Signature": "b"}}, "x-twitter-webhooks-signature") == "b"
    assert header({"headers": None}, "x-twitter-webhooks-signature") is None
    assert header({}, "x") is None


def test_a_query_parameter_is_read_and_none_when_there_are_none():
    assert query_parameter({"queryStringParameters": {"crc_token": "t"}}, "crc_token") == "t"
    assert query_parameter({"queryStringParameters": None}, "crc_token") is None


def test_the_raw_body_is_read_plain_or_from_base64():
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


def test_a_json_response_has_the_status_the_json_content_type_and_the_body():
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
