"""AdminSettings from the environment, and the X credentials secret: parsing, owner id, caching, no leaks."""

import pytest

from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.credentials.x_credentials import (
    CredentialsError,
    CredentialSource,
    parse_credentials,
    user_id_from_access_token,
)
from xwebhook.env import ConfigError

BASE_ENV = {
    "WEBHOOK_URL": "https://abc.execute-api.us-east-1.amazonaws.com/webhook",
    "CONSUMER_SECRET_ID": "xwebhook/consumer-secret",
    "X_CREDENTIALS_SECRET_ID": "xwebhook/x-credentials",
}


def test_defaults():
    settings = AdminSettings.from_env(BASE_ENV)
    assert settings.x_api_base_url == "https://api.x.com"
    assert settings.flavour == "v2" and settings.premium_env_name == ""
    assert settings.ensure_subscribe is True and settings.timeout_seconds == 10.0
    assert settings.secret.secret_id == "xwebhook/consumer-secret" and settings.secret.extension_port == 2773


@pytest.mark.parametrize(
    "url",
    ["https://api.x.com", "https://proxy.example.com:8443/x", "http://127.0.0.1:8787", "http://127.9.0.3",
     "http://localhost:8080/", "http://[::1]:8787"],
)  # fmt: skip
def test_x_api_base_url_is_https_or_http_to_a_loopback_host(url):
    assert AdminSettings.from_env({**BASE_ENV, "X_API_BASE_URL": url}).x_api_base_url == url.rstrip("/")


def test_every_setting_is_read():
    env = {
        **BASE_ENV,
        "X_API_BASE_URL": "http://127.0.0.1:8080/",
        "X_API_FLAVOUR": "Premium",
        "X_PREMIUM_ENV_NAME": "prod",
        "ENSURE_SUBSCRIBE": "false",
        "X_API_TIMEOUT_SECONDS": "2.5",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "2999",
    }
    settings = AdminSettings.from_env(env)
    assert settings.x_api_base_url == "http://127.0.0.1:8080"
    assert (settings.flavour, settings.premium_env_name) == ("premium", "prod")
    assert settings.ensure_subscribe is False and settings.timeout_seconds == 2.5
    assert settings.secret.extension_port == 2999


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"WEBHOOK_URL": ""}, "WEBHOOK_URL must be set"),
        ({"WEBHOOK_URL": "ftp://x/webhook"}, "WEBHOOK_URL must be an http(s) URL"),
        ({"X_API_BASE_URL": "api.x.com"}, "X_API_BASE_URL must be an http(s) URL"),
        ({"X_API_BASE_URL": "http://api.x.com"}, "X_API_BASE_URL must be https, or http only to a loopback host"),
        ({"X_API_BASE_URL": "http://10.0.0.8:8787"}, "X_API_BASE_URL must be https, or http only to a loopback"),
        ({"X_API_BASE_URL": "http://127.0.0.1.example.com"}, "X_API_BASE_URL must be https, or http only to"),
        ({"X_API_FLAVOUR": "v3"}, "X_API_FLAVOUR must be one of v2, enterprise, premium"),
        ({"X_API_FLAVOUR": "premium"}, "X_PREMIUM_ENV_NAME must be set when X_API_FLAVOUR is premium"),
        ({"X_CREDENTIALS_SECRET_ID": " "}, "X_CREDENTIALS_SECRET_ID must be set"),
        ({"CONSUMER_SECRET_ID": ""}, "CONSUMER_SECRET_ID must be set"),
        ({"ENSURE_SUBSCRIBE": "maybe"}, "ENSURE_SUBSCRIBE must be true or false"),
        ({"X_API_TIMEOUT_SECONDS": "soon"}, "X_API_TIMEOUT_SECONDS must be a number, got"),
        ({"X_API_TIMEOUT_SECONDS": "600"}, "X_API_TIMEOUT_SECONDS must be between 1.0 and 60.0"),
    ],
)
def test_bad_settings_name_the_variable(change, message):
    with pytest.raises(ConfigError) as caught:
        AdminSettings.from_env({**BASE_ENV, **change})
    assert str(caught.value).startswith(message)


FULL = """{"consumer_key": "ck", "bearer_token": "bt", "access_token": "2244994945-abc",
 "access_token_secret": "ats", "users": {"783214": {"access_token": "783214-t", "access_token_secret": "s"}}}"""


def test_credentials_parse_with_owner_id_from_the_token_prefix():
    credentials = parse_credentials(FULL, "cs")
    assert credentials.owner.user_id == "2244994945"
    assert credentials.configured_user_ids() == ["2244994945", "783214"]
    assert credentials.user_tokens("783214").access_token == "783214-t"
    assert credentials.user_tokens("2244994945") is credentials.owner


def test_explicit_owner_user_id_wins():
    text = FULL.replace('"consumer_key"', '"owner_user_id": "42", "consumer_key"')
    assert parse_credentials(text, "cs").owner.user_id == "42"


@pytest.mark.parametrize(
    ("token", "user_id"),
    [("12-abc", "12"), ("abc-12", None), ("1234", None), ("", None), ("١٢-abc", None), ("²-abc", None)],
)
def test_user_id_from_access_token(token, user_id):
    assert user_id_from_access_token(token) == user_id


def test_an_owner_user_id_that_is_no_x_id_is_refused_by_key():
    text = FULL.replace('"consumer_key"', '"owner_user_id": "../42", "consumer_key"')
    with pytest.raises(CredentialsError) as caught:
        parse_credentials(text, "cs")
    assert str(caught.value) == "the X credentials secret's owner_user_id must be an X user id (1 to 19 digits 0-9)"


def test_reprs_hold_no_secret_values():
    text = repr(parse_credentials(FULL, "the-consumer-secret"))
    for secret in ("the-consumer-secret", "bt", "2244994945-abc", "ats", "783214-t"):
        assert f"'{secret}'" not in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "the X credentials secret is not valid JSON"),
        ("[1]", "must be a JSON object"),
        ('{"access_token": "1-a"}', "needs both access_token and access_token_secret"),
        ('{"bearer_token": 5}', "bearer_token must be a string"),
        ('{"users": {"abc": {}}}', "users keys must be X user ids (1 to 19 digits 0-9)"),
        ('{"users": {"12": {"access_token": "12-a"}}}', "users.12 must hold access_token and access_token_secret"),
        ('{"users": []}', "users must be an object"),
    ],
)
def test_bad_credentials_name_the_key_not_the_value(text, message):
    with pytest.raises(CredentialsError) as caught:
        parse_credentials(text, "cs")
    assert message in str(caught.value)
    assert "1-a" not in str(caught.value)


def test_missing_values_are_named_when_an_endpoint_needs_them():
    credentials = parse_credentials('{"consumer_key": "ck"}', "cs")
    with pytest.raises(CredentialsError, match="has no bearer_token"):
        credentials.require("bearer_token")
    with pytest.raises(CredentialsError, match="the app owner's tokens"):
        credentials.owner_tokens()
    assert credentials.configured_user_ids() == []


def test_source_reads_both_secrets_once_per_ttl():
    clock = [0.0]
    reads = []

    def fetch(name, value):
        def read():
            reads.append(name)
            return value

        return read

    source = CredentialSource(
        fetch("credentials", FULL), fetch("consumer", '{"consumer_secret": "cs"}'), 300, clock=lambda: clock[0]
    )
    assert source.get().consumer_secret == "cs"
    assert source.get() is source.get()
    assert reads == ["consumer", "credentials"]
    clock[0] = 301.0
    source.get()
    assert reads == ["consumer", "credentials", "consumer", "credentials"]


def test_source_reports_unreadable_secrets_and_caches_no_failure():
    def down():
        raise SecretUnavailable("secrets extension on port 2773 not reachable (ConnectionRefusedError)")

    source = CredentialSource(lambda: FULL, down)
    with pytest.raises(CredentialsError, match="cannot read the consumer secret: secrets extension on port 2773"):
        source.get()
    source = CredentialSource(down, lambda: "cs")
    with pytest.raises(CredentialsError, match="cannot read the X credentials secret"):
        source.get()
    source = CredentialSource(lambda: FULL, lambda: "")
    with pytest.raises(CredentialsError, match="not configured"):
        source.get()
