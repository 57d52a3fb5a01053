"""The connect function's settings, read from the environment and validated once.

Beside the accounts settings (xwebhook/accounts/settings.py) and the secrets':
  X_API_BASE_URL           https://api.x.com: request_token, access_token, /2/oauth2/token, revoke, the API
  X_WEB_BASE_URL           https://x.com: the OAuth 2.0 authorize page /i/oauth2/authorize
  X_OAUTH2_AUTHORIZE_PAGE  ⚠ web (default: X_WEB_BASE_URL/i/oauth2/authorize, what X's tools open) or
                           api (X_API_BASE_URL/2/oauth2/authorize, what X's OpenAPI spec names)
  X_OAUTH1_AUTHORIZE_HOST  ⚠ api (default: X_API_BASE_URL/oauth/authorize, X's docs) or
                           web (X_WEB_BASE_URL/oauth/authorize, what X's Python SDK opens)
  X_API_FLAVOUR            v2 | enterprise | premium (for the Account Activity subscription)
  WEBHOOK_URL              our webhook (its id goes into every subscription)
  X_API_TIMEOUT_SECONDS    per call to X (default 5: a browser waits)
  CONNECT_APP_NAME         the app's name on the pages (default xwebhook; the ConnectAppName parameter):
                           the name of the X app whose authorize page the account owner just saw
Paths are X's; only the hosts change. Each choice is in the log line of every /connect request.
Both X hosts must be https, or http only to a loopback host (the local X emulator), as the admin
function's X_API_BASE_URL: the OAuth 2.0 client secret, codes and tokens travel to the API host, and the
account owner signs in on the web host.
"""

import os
from dataclasses import dataclass

from xwebhook.accounts.settings import WEB_WHY, AccountsSettings, authorize_reading
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.env import ConfigError, choice, credentials_url, http_url, number, text
from xwebhook.x_api.models import FLAVOURS

DEFAULT_APP_NAME = "xwebhook"
APP_NAME_MAX = 60


def app_name(env):
    """CONNECT_APP_NAME: printable text of at most APP_NAME_MAX characters (the pages escape it)."""
    value = env.get("CONNECT_APP_NAME", "").strip() or DEFAULT_APP_NAME
    if len(value) > APP_NAME_MAX or not value.isprintable():
        raise ConfigError(f"CONNECT_APP_NAME must be printable text of at most {APP_NAME_MAX} characters")
    return value


@dataclass(frozen=True)
class ConnectSettings:
    accounts: AccountsSettings
    x_api_base_url: str
    x_web_base_url: str
    flavour: str
    premium_env_name: str
    webhook_url: str
    credentials_secret_id: str
    secret: SecretSettings
    oauth2_authorize_page: str = "web"
    oauth1_authorize_host: str = "api"
    timeout_seconds: float = 5.0
    sign_in_seconds: int = 600  # how long a sign-in may take, from /connect to the callback
    app_name: str = DEFAULT_APP_NAME

    @property
    def oauth2_authorize_base(self):
        return self.x_web_base_url if self.oauth2_authorize_page == "web" else self.x_api_base_url

    @property
    def oauth1_authorize_base(self):
        return self.x_api_base_url if self.oauth1_authorize_host == "api" else self.x_web_base_url

    @classmethod
    def from_env(cls, env=os.environ):
        flavour = choice(env, "X_API_FLAVOUR", FLAVOURS, "v2")
        return cls(
            accounts=AccountsSettings.from_env(env),
            x_api_base_url=credentials_url(env, "X_API_BASE_URL", "https://api.x.com").rstrip("/"),
            x_web_base_url=credentials_url(env, "X_WEB_BASE_URL", "https://x.com", WEB_WHY).rstrip("/"),
            flavour=flavour,
            premium_env_name=env.get("X_PREMIUM_ENV_NAME", "").strip(),
            webhook_url=http_url(env, "WEBHOOK_URL"),
            credentials_secret_id=text(env, "X_CREDENTIALS_SECRET_ID"),
            secret=SecretSettings.from_env(env),
            oauth2_authorize_page=authorize_reading(env, "X_OAUTH2_AUTHORIZE_PAGE"),
            oauth1_authorize_host=authorize_reading(env, "X_OAUTH1_AUTHORIZE_HOST"),
            timeout_seconds=number(env, "X_API_TIMEOUT_SECONDS", 5.0, 1.0, 25.0, kind=float),
            sign_in_seconds=number(env, "CONNECT_SIGN_IN_SECONDS", 600, 60, 3600),
            app_name=app_name(env),
        )
