"""The X client against a scripted HTTP server: answers, X's error bodies, 429, retries, auth headers."""

import pytest

from tests.unit.x_api.scripted_server import DROP, ScriptedServer
from xwebhook.credentials.x_credentials import XCredentials
from xwebhook.x_api.client import (
    BEARER,
    USER,
    BearerAuth,
    Endpoint,
    XClient,
    describe_x_error,
    user_auth,
)
from xwebhook.x_api.errors import RateLimited, UnsafePathValue, XApiError, XUnavailable
from xwebhook.x_api.tokens import UserTokens

LIST = Endpoint("list webhooks", "GET", "/2/webhooks", BEARER)
REGISTER = Endpoint("register", "POST", "/2/webhooks", BEARER, triggers_crc=True)
BY_ID = Endpoint("revalidate", "PUT", "/2/webhooks/{webhook_id}", BEARER)
V2_CRC_FAILED = {
    "errors": [{"message": "CrcValidationFailed: the CRC GET got HTTP 503", "reason": "CrcValidationFailed"}],
    "title": "Invalid Request",
    "detail": "CrcValidationFailed: the CRC GET got HTTP 503",
    "type": "https://api.twitter.com/2/problems/invalid-request",
    "reason": "CrcValidationFailed",
}
V1_CRC_FAILED = {"errors": [{"code": 214, "message": "Non-200 response code during CRC GET request."}]}
CLOCK = 1_800_000_000.0


def client(server, sleeps=None, **kwargs):
    return XClient(
        server.base_url,
        timeout_seconds=2,
        sleep=(sleeps if sleeps is not None else []).append,
        clock=lambda: CLOCK,
        **kwargs,
    )


def test_json_answer_is_returned_and_the_bearer_token_sent():
    with ScriptedServer([(200, {}, {"data": [{"id": "1"}]})]) as server:
        body = client(server).call(LIST, BearerAuth("the-bearer"))
    assert body == {"data": [{"id": "1"}]}
    assert server.requests[0]["headers"]["Authorization"] == "Bearer the-bearer"
    assert server.requests[0]["headers"]["User-Agent"] == "xwebhook-admin"


def test_no_content_is_none_and_path_parameters_are_put_in_the_path():
    with ScriptedServer([(204, {}, None)]) as server:
        assert client(server).call(BY_ID, BearerAuth("b"), {"webhook_id": "1146654567674912769"}) is None
    assert server.requests[0]["path"] == "/2/webhooks/1146654567674912769"


@pytest.mark.parametrize("value", ["..", ".", "", "12/../x", "/", "%2e%2e", "a b", "١٢٣", "x" * 129])
def test_a_path_parameter_that_would_change_the_path_is_never_sent(value):
    # requests resolves "/2/webhooks/.." to "/2/": a DELETE meant for one subscription would go elsewhere.
    with ScriptedServer([(204, {}, None)]) as server, pytest.raises(UnsafePathValue) as caught:
        client(server).call(BY_ID, BearerAuth("b"), {"webhook_id": value})
    assert server.requests == []
    assert str(caught.value) == "bad input: not sent to X: webhook_id for revalidate is not a plain path segment"


def test_oauth1_user_context_signs_as_the_user():
    credentials = XCredentials("the-consumer-key", "cs", "bt", owner=UserTokens("7", "7-token", "ts"))
    with ScriptedServer([(200, {}, {"data": {"subscribed": True}})]) as server:
        client(server).call(Endpoint("subscribe", "POST", "/x", USER), user_auth(credentials, credentials.owner))
    header = server.requests[0]["headers"]["Authorization"]
    assert header.startswith("OAuth ")
    assert 'oauth_consumer_key="the-consumer-key"' in header
    assert 'oauth_token="7-token"' in header
    assert "cs" not in header.split("oauth_signature")[0]  # secrets sign; they are never sent


def test_v2_error_reason_and_body_are_reported():
    with ScriptedServer([(400, {}, V2_CRC_FAILED)]) as server, pytest.raises(XApiError) as caught:
        client(server).call(REGISTER, BearerAuth("b"), json_body={"url": "https://x.example/webhook"})
    error = caught.value
    assert str(error) == "X refused register (HTTP 400): Invalid Request; CrcValidationFailed: the CRC GET got HTTP 503"
    assert error.details()["x_error"]["status"] == 400
    assert error.details()["x_error"]["errors"] == V2_CRC_FAILED["errors"]
    assert len(server.requests) == 1  # a refusal is not retried


def test_v1_error_codes_are_reported():
    with ScriptedServer([(403, {}, V1_CRC_FAILED)]) as server, pytest.raises(XApiError) as caught:
        client(server).call(REGISTER, BearerAuth("b"))
    assert "214: Non-200 response code during CRC GET request." in str(caught.value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, "Unauthorized"),
        ({"errors": ["plain"]}, "plain"),
        ("<html>proxy says no</html>", "<html>proxy says no</html>"),
        (None, "HTTP 418 without an error body"),
        ({"unrelated": 1}, "HTTP 418 without an error body"),
    ],
)
def test_describe_x_error_reads_whatever_x_sends(body, reason):
    assert describe_x_error(body, 418)[0] == reason


def test_rate_limit_reports_the_reset_and_is_not_retried():
    reset = int(CLOCK) + 420
    headers = {"x-rate-limit-limit": 450, "x-rate-limit-remaining": 0, "x-rate-limit-reset": reset}
    sleeps = []
    script = [(429, headers, {"title": "Too Many Requests"})]
    with ScriptedServer(script) as server, pytest.raises(RateLimited) as caught:
        client(server, sleeps).call(LIST, BearerAuth("b"))
    details = caught.value.details()
    assert details["rate_limit_reset_epoch"] == reset
    assert details["rate_limit_reset"] == "2027-01-15T08:07:00Z"
    assert details["retry_after_seconds"] == 420
    assert details["x_error"] == {"status": 429, "rate_limit_limit": 450}
    assert "resets at 2027-01-15T08:07:00Z (in 420 s)" in str(caught.value)
    assert len(server.requests) == 1
    assert sleeps == []


def test_rate_limit_without_reset_header_says_so():
    with ScriptedServer([(429, {}, None)]) as server, pytest.raises(RateLimited) as caught:
        client(server).call(LIST, BearerAuth("b"))
    assert "unknown time" in str(caught.value)
    assert "rate_limit_reset" not in caught.value.details()


def test_server_errors_are_retried_with_backoff_then_succeed():
    sleeps = []
    with ScriptedServer([(503, {}, {"title": "Service Unavailable"}), (502, {}, None), (200, {}, {"ok": 1})]) as server:
        assert client(server, sleeps).call(LIST, BearerAuth("b")) == {"ok": 1}
    assert sleeps == [0.5, 1.0]
    assert len(server.requests) == 3


def test_server_errors_exhaust_the_attempts_into_a_clear_error():
    sleeps = []
    script = [(500, {}, {"title": "Internal Server Error"})] * 3
    with ScriptedServer(script, default=(200, {}, {})) as server, pytest.raises(XUnavailable) as caught:
        client(server, sleeps).call(LIST, BearerAuth("b"))
    assert str(caught.value) == (
        "X API unavailable for list webhooks after 3 attempt(s): HTTP 500: Internal Server Error"
    )
    assert caught.value.details() == {"x_error": {"status": 500, "title": "Internal Server Error"}}
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_dropped_connections_are_retried_and_named_without_headers():
    with ScriptedServer([DROP, DROP, DROP]) as server, pytest.raises(XUnavailable) as caught:
        client(server).call(LIST, BearerAuth("very-secret-bearer"))
    message = str(caught.value)
    assert message.startswith("X API unavailable for list webhooks after 3 attempt(s): ConnectionError talking to")
    assert "very-secret-bearer" not in message
    assert "Authorization" not in message


def test_unreachable_host_is_a_clear_error():
    with ScriptedServer() as server:
        url = server.base_url  # a port that is free again once the server is gone
    x = XClient(url, timeout_seconds=1, sleep=lambda _: None)
    with pytest.raises(XUnavailable, match=r"ConnectionError talking to 127\.0\.0\.1"):
        x.call(LIST, BearerAuth("b"))


def test_no_retry_when_the_invocation_is_out_of_time():
    sleeps = []
    with ScriptedServer([(503, {}, None), (200, {}, {})]) as server:
        x = client(server, sleeps)
        x.set_time_left(lambda: 4.0)  # room for one shortened attempt, not for a backoff and a whole retry
        with pytest.raises(XUnavailable) as caught:
            x.call(LIST, BearerAuth("b"))
    assert "after 1 attempt(s)" in str(caught.value)
    assert "no time left" in str(caught.value)
    assert sleeps == []
    assert len(server.requests) == 1


def test_no_attempt_at_all_without_time_to_answer():
    with ScriptedServer() as server:
        x = client(server)
        x.set_time_left(lambda: 2.5)
        with pytest.raises(XUnavailable, match=r"after 0 attempt\(s\): \(no time left"):
            x.call(LIST, BearerAuth("b"))
        x.set_time_left(None)
        assert x.call(LIST, BearerAuth("b")) == {"data": []}
    assert len(server.requests) == 1


def test_retries_go_on_while_there_is_time():
    sleeps = []
    with ScriptedServer([(503, {}, None), (200, {}, {"ok": 1})]) as server:
        x = client(server, sleeps)
        x.set_time_left(lambda: 30.0)
        assert x.call(LIST, BearerAuth("b")) == {"ok": 1}
    assert sleeps == [0.5]


def test_redirects_are_not_followed():
    with ScriptedServer([(302, {"Location": "http://127.0.0.1:1/"}, None)]) as server, pytest.raises(XApiError):
        client(server).call(LIST, BearerAuth("b"))
    assert len(server.requests) == 1
