"""The admin function's accounts services (AccountServices), built from the environment; admin/wiring.py
hands them to the admin actions (AdminServices.connected) and to ensure's upkeep (accounts/upkeep.py).

Without ACCOUNTS_TABLE there are none, and the accounts actions say so; a bad value of any of these
settings is a ConfigError, which the admin function reports on every invocation.
"""

from dataclasses import dataclass

from xwebhook.env import number

DEFAULT_INTERVAL_MINUTES = 60
REFRESH_SLACK_SECONDS = 900  # a run may start late; the token must outlive the gap to the next one


@dataclass(frozen=True)
class AccountServices:
    """What keeping connected accounts needs, one field each (tests build it with their stand-ins)."""

    store: object  # the AccountStore (DynamoDB: ACCOUNTS_TABLE)
    invites: object  # the InviteStore (same table)
    signing_keys: object  # () -> SigningKeys (CONNECT_SIGNING_KEY_SECRET_ID, through the secrets extension)
    token_refresher: object  # TokenRefresher over the store and X's OAuth 2.0 token endpoint
    oauth2: object  # X's OAuth 2.0 endpoints (revoke)
    oauth1: object  # X's OAuth 1.0a endpoints (invalidate)
    revoke_signals: object  # the dedup table's signals index (DEDUP_TABLE), or NoRevokeSignals without one
    settings: object  # AccountsSettings
    account_subscriptions: object  # (WebhooksApi) -> AccountSubscriptions: deletes on revoke and disconnect
    refresh_within_seconds: float  # ensure refreshes access tokens that expire within this
    authorize_pages: dict  # the ⚠ readings connect uses, for `status`: {"oauth2": url, "oauth1": url}


def authorize_pages(env):
    """Where connect sends browsers (the same settings as the connect function's), shown by `status`."""
    from xwebhook.accounts.settings import WEB_WHY, authorize_reading
    from xwebhook.env import credentials_url
    from xwebhook.x_api.authorize import OAUTH1_PATH, OAUTH2_PAGES

    api = credentials_url(env, "X_API_BASE_URL", "https://api.x.com").rstrip("/")
    web = credentials_url(env, "X_WEB_BASE_URL", "https://x.com", WEB_WHY).rstrip("/")
    oauth2 = authorize_reading(env, "X_OAUTH2_AUTHORIZE_PAGE")
    oauth1 = authorize_reading(env, "X_OAUTH1_AUTHORIZE_HOST")
    return {
        "oauth2": (web if oauth2 == "web" else api) + OAUTH2_PAGES[oauth2],
        "oauth1": (api if oauth1 == "api" else web) + OAUTH1_PATH,
    }


def accounts_services(env, client, credentials, secret_settings):
    """AccountServices for the admin function, or None when ACCOUNTS_TABLE is not set."""
    if not env.get("ACCOUNTS_TABLE", "").strip():
        return None
    from xwebhook.accounts.dynamodb import DynamoAccountStore, DynamoInviteStore, Table, dynamodb_client
    from xwebhook.accounts.refresh import TokenRefresher
    from xwebhook.accounts.revokes import DynamoRevokeSignals, NoRevokeSignals
    from xwebhook.accounts.settings import AccountsSettings
    from xwebhook.credentials.signing_key import signing_keys
    from xwebhook.x_api.account_subscriptions import AccountSubscriptions
    from xwebhook.x_api.oauth1 import OAuth1Flow
    from xwebhook.x_api.oauth2 import OAuth2Client

    settings = AccountsSettings.from_env(env)
    interval = number(env, "ENSURE_INTERVAL_MINUTES", DEFAULT_INTERVAL_MINUTES, 1, 1440)
    client_of_dynamodb = dynamodb_client()  # at init, with the function's environment (as Lambda has it)
    table = Table(settings.table, client_of_dynamodb)
    store = DynamoAccountStore(table)
    oauth2 = OAuth2Client(client, credentials)
    dedup_table = env.get("DEDUP_TABLE", "").strip()
    return AccountServices(
        store=store,
        invites=DynamoInviteStore(table),
        signing_keys=signing_keys(settings.signing_key_secret_id, secret_settings).get,
        token_refresher=TokenRefresher(store, oauth2),
        oauth2=oauth2,
        oauth1=OAuth1Flow(client, credentials),
        revoke_signals=(
            DynamoRevokeSignals(Table(dedup_table, client_of_dynamodb, "the dedup table"))
            if dedup_table
            else NoRevokeSignals()
        ),
        settings=settings,
        account_subscriptions=lambda api: AccountSubscriptions(client, api, credentials),
        refresh_within_seconds=interval * 60 + REFRESH_SLACK_SECONDS,
        authorize_pages=authorize_pages(env),
    )
