"""The admin function wired to the connect tests' world (tests/unit/connect/conftest.py): the same in-memory
stores and X's emulator, for the accounts actions (tests/unit/admin/actions/) and their upkeep
(tests/unit/accounts/upkeep/)."""

from datetime import UTC, datetime

import pytest

from tests.fakes import MemoryRevokeSignals, admin_services
from tests.unit.connect.conftest import ALICE, CONSUMER_SECRET, CREDENTIALS, KEYS, WEBHOOK_URL
from xwebhook.accounts.refresh import TokenRefresher
from xwebhook.accounts.wiring import AccountServices
from xwebhook.admin.dispatch import Admin
from xwebhook.admin.settings import AdminSettings
from xwebhook.admin.wiring import ACTIONS, ENSURE_PARTS, STATUS_PARTS
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.credentials.x_credentials import parse_credentials
from xwebhook.x_api.account_subscriptions import AccountSubscriptions
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi
from xwebhook.x_api.oauth1 import OAuth1Flow


def make_admin(world, signals=None):
    emulator = world.emulator
    credentials = parse_credentials(CREDENTIALS, CONSUMER_SECRET)
    settings = AdminSettings(
        x_api_base_url=emulator.base_url,
        flavour="v2",
        premium_env_name="",
        webhook_url=WEBHOOK_URL,
        credentials_secret_id="credentials",
        secret=SecretSettings("consumer-secret"),
        timeout_seconds=3.0,
    )
    client = XClient(emulator.base_url, 3.0, sleep=lambda _s: None)
    api = WebhooksApi(client, "v2", lambda: credentials)
    connected = AccountServices(
        store=world.accounts,
        invites=world.invites,
        signing_keys=lambda: KEYS,
        token_refresher=TokenRefresher(world.accounts, world.oauth2, clock=world.clock, sleep=lambda _s: None),
        oauth2=world.oauth2,
        oauth1=OAuth1Flow(client, lambda: credentials),
        revoke_signals=signals or MemoryRevokeSignals(),
        settings=world.settings.accounts,
        account_subscriptions=lambda api: AccountSubscriptions(client, api, lambda: credentials),
        refresh_within_seconds=3600 + 900,
        authorize_pages={"oauth2": "https://x.com/i/oauth2/authorize", "oauth1": "-"},
    )
    return Admin(
        settings,
        api,
        lambda: credentials,
        client=client,
        now=lambda: datetime.fromtimestamp(world.clock(), UTC),
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        # no admin state: the recovery part keeps no memory here (tests/unit/recovery test it)
        services=admin_services(accounts=world.accounts, connected=connected, state=None),
        actions=ACTIONS,
    )


@pytest.fixture
def admin(world):
    return make_admin(world)


def connect(world, user_id=ALICE, flow="oauth2", **invite):
    answer, _ = world.browser().sign_in(invite=world.invite(**invite), flow=flow, user_id=user_id)
    assert answer.status == 200, answer.log
    return world.accounts.get(user_id)


def token_values(world, emulator):
    values = set(emulator.oauth.access_tokens) | set(emulator.oauth.refresh_tokens)
    values |= {token for pair in emulator.users.values() for token in pair}
    for account in world.accounts.all():
        for tokens in (account.oauth1, account.oauth2):
            if tokens is not None:
                values |= {value for value in vars(tokens).values() if isinstance(value, str)}
    return {value for value in values if value and len(value) > 8}
