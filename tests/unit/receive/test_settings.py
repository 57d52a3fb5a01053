"""IngestSettings from the environment (receive/settings.py): defaults, bad ones named."""

import pytest

from xwebhook.env import ConfigError
from xwebhook.receive.settings import IngestSettings

BASE = {"CONSUMER_SECRET_ID": "arn:secret", "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/q.fifo"}


def test_unset_settings_take_their_defaults():
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
