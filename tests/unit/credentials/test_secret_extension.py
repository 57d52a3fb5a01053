"""The extension client against a real HTTP server on 127.0.0.1 that answers like the extension (the
`extension` fixture, tests/fakes/secrets.py)."""

import json

import pytest

from tests.fakes import SESSION_TOKEN, Clock
from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.consumer_secret import SecretSettings, consumer_secret, consumer_secret_from_value
from xwebhook.credentials.extension import SecretUnavailable, fetch_secret_string, parse_json

ARN = "arn:aws:secretsmanager:us-east-1:1:secret:x/consumer+secret-AbC"


@pytest.fixture
def extension_secrets():
    return {ARN: "s3cret"}


def test_fetch_sends_the_token_and_the_encoded_id_and_returns_the_string(extension):
    assert fetch_secret_string(ARN, extension.port, SESSION_TOKEN) == "s3cret"
    path, query, token = extension.seen[-1]
    assert path == "/secretsmanager/get"
    assert query["secretId"] == [ARN]  # ':', '/' and '+' survived the round trip
    assert token == SESSION_TOKEN


def test_wrong_session_token_is_unavailable_without_the_value(extension):
    with pytest.raises(SecretUnavailable, match="403"):
        fetch_secret_string(ARN, extension.port, "wrong")


def test_unknown_secret_reports_the_extension_reason(extension):
    with pytest.raises(SecretUnavailable, match="ResourceNotFound"):
        fetch_secret_string("missing", extension.port, SESSION_TOKEN)


def test_closed_port_is_unavailable(extension):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with pytest.raises(SecretUnavailable, match="not reachable"):
        fetch_secret_string(ARN, free_port, SESSION_TOKEN, timeout=0.5)


@pytest.mark.parametrize(
    "raw",
    [
        b"",  # connection closed without a word
        b"garbage",
        b"HTTP/1.1 200 OK\r\n\r\nnot json",
        b'HTTP/1.1 200 OK\r\n\r\n{"SecretBinary": "AAAA"}',
        b'HTTP/1.1 200 OK\r\n\r\n{"SecretString": 42}',
        b'HTTP/1.1 200 OK\r\n\r\n["SecretString"]',
    ],
)
def test_malformed_answers_are_unavailable(extension, raw):
    extension.raw_answer = raw
    with pytest.raises(SecretUnavailable):
        fetch_secret_string(ARN, extension.port, SESSION_TOKEN)


def test_cached_secret_reads_once_within_ttl_and_again_after(extension, clock):
    settings = SecretSettings(ARN, cache_seconds=300, extension_port=extension.port, session_token=SESSION_TOKEN)
    secret = consumer_secret(settings)
    secret._clock = clock
    assert secret.get() == b"s3cret"
    assert secret.get() == b"s3cret"
    assert len(extension.seen) == 1
    clock.advance(301)
    extension.secrets[ARN] = "rotated"
    assert secret.get() == b"rotated"
    assert len(extension.seen) == 2


def test_failed_fetch_is_not_cached_and_no_stale_value_is_served():
    values = iter(["first"])
    clock = Clock(0.0)

    def fetch():
        try:
            return next(values)
        except StopIteration:
            raise SecretUnavailable("down") from None

    secret = CachedSecret(fetch, ttl_seconds=10, clock=clock, parse=consumer_secret_from_value)
    assert secret.get() == b"first"
    clock.now = 11
    with pytest.raises(SecretUnavailable):
        secret.get()
    with pytest.raises(SecretUnavailable):  # still failing: nothing stale comes back
        secret.get()


def test_refresh_if_older_than_respects_the_age_floor():
    calls = []
    clock = Clock(0.0)
    secret = CachedSecret(
        lambda: calls.append(1) or "v", ttl_seconds=300, clock=clock, parse=consumer_secret_from_value
    )
    assert secret.refresh_if_older_than(30) is False  # nothing cached yet: nothing to refresh
    secret.get()
    clock.now = 10
    assert secret.refresh_if_older_than(30) is False
    clock.now = 31
    assert secret.refresh_if_older_than(30) is True
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("abc", b"abc"),
        ("  abc\n", b"abc"),
        ('{"consumer_secret": "abc", "consumer_key": "k"}', b"abc"),
    ],
)
def test_secret_value_forms(stored, expected):
    assert consumer_secret_from_value(stored) == expected


@pytest.mark.parametrize(
    "stored", ["", "   ", '{"consumer_secret": ""}', '{"other": "x"}', "{not json", '{"consumer_secret": 5}']
)
def test_unusable_secret_values_are_unavailable(stored):
    with pytest.raises(SecretUnavailable) as caught:
        consumer_secret_from_value(stored)
    assert "abc" not in str(caught.value)


def test_parse_json_is_json():
    text = '{"a": [1, 2.5, true, null, "\\u00e9"], "b": {"c": -1e3}}'
    assert parse_json(text) == json.loads(text)
    with pytest.raises(ValueError):
        parse_json('{"a": 1} trailing')
    with pytest.raises(ValueError):
        parse_json("")


def test_secret_settings_take_the_session_token():
    settings = SecretSettings.from_env({"CONSUMER_SECRET_ID": "x", "AWS_SESSION_TOKEN": "tok"})
    assert (settings.secret_id, settings.session_token) == ("x", "tok")
