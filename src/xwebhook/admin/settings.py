"""Settings of the admin function, read from the environment and validated once.

The admin function is not on X's CRC clock, so this may use dataclasses; it still reads every variable
at import and names the variable in each problem. Unlike crc/ingest, a bad setting does not fail the
function's init: the handler answers every invocation with the ConfigError's message (and `ensure`
emits WebhookValid 0), so the console, the CLI and the alarm all say what is wrong.
"""

import os
from dataclasses import dataclass, field

from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.env import ConfigError, choice, credentials_url, flag, http_url, number
from xwebhook.migrate.settings import XaaSettings
from xwebhook.x_api.models import FLAVOURS

DEFAULT_BASE_URL = "https://api.x.com"


@dataclass(frozen=True)
class AdminSettings:
    x_api_base_url: str
    flavour: str
    premium_env_name: str
    webhook_url: str
    credentials_secret_id: str
    secret: SecretSettings  # the consumer secret's id, cache lifetime and the extension's port/token
    ensure_subscribe: bool = True
    timeout_seconds: float = 10.0
    xaa: XaaSettings = field(default_factory=XaaSettings)  # XAA desired state and the migration

    @classmethod
    def from_env(cls, env=os.environ):
        flavour = choice(env, "X_API_FLAVOUR", FLAVOURS, "v2")
        premium_env_name = env.get("X_PREMIUM_ENV_NAME", "").strip()
        if flavour == "premium" and not premium_env_name:
            raise ConfigError("X_PREMIUM_ENV_NAME must be set when X_API_FLAVOUR is premium")
        credentials_secret_id = env.get("X_CREDENTIALS_SECRET_ID", "").strip()
        if not credentials_secret_id:
            raise ConfigError("X_CREDENTIALS_SECRET_ID must be set")
        return cls(
            # The bearer token and OAuth signatures travel to it: https, or http to a loopback host only
            # (the local X API emulator). The template's XApiBaseUrl allows https alone.
            x_api_base_url=credentials_url(env, "X_API_BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            # X's URL rules for the webhook (https, no port, <= 200 characters) are X's to enforce: the
            # local stack registers http://127.0.0.1:3000/webhook with the emulator.
            flavour=flavour,
            premium_env_name=premium_env_name,
            webhook_url=http_url(env, "WEBHOOK_URL"),
            credentials_secret_id=credentials_secret_id,
            secret=SecretSettings.from_env(env),
            ensure_subscribe=flag(env, "ENSURE_SUBSCRIBE", True),
            timeout_seconds=number(env, "X_API_TIMEOUT_SECONDS", 10.0, 1.0, 60.0, kind=float),
            xaa=XaaSettings.from_env(env),
        )
