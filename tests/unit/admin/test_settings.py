"""AdminSettings from the environment: defaults, every setting read, bad ones named (the X credentials secret:
tests/unit/credentials/test_x_credentials.py)."""

import pytest

from xwebhook.admin.settings import AdminSettings
from xwebhook.env import ConfigError

BASE_ENV = {
    "WEBHOOK_URL": "https://abc.execute-api.us-east-1.amazonaws.com/webhook",
    "CONSUMER_SECRET_ID": "xwebhook/consumer-secret",
    "X_CREDENTIALS_SECRET_ID": "xwebhook/x-credentials",
}


def test_defaults():
    settings = AdminSettings.from_env(BASE_ENV)
    assert settings.x_api_base_url == "https://api.x.com"
    assert settings.flavour == "v2"
    assert settings.premium_env_name == ""
    assert settings.ensure_subscribe is True
    assert settings.timeout_seconds == 10.0
    assert settings.secret.secret_id == "xwebhook/consumer-secret"
    assert settings.secret.extension_port == 2773


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
    assert settings.ensure_subscribe is False
    assert settings.timeout_seconds == 2.5
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
