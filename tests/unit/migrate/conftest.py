"""Accounts, X's state and an Admin wired to in-memory fakes, for the migration's unit tests."""

from datetime import UTC, datetime

import pytest

from tests.fakes import FakeApi, FakeSeen, FakeXaa, admin_services, credentials
from xwebhook.accounts.models import Account
from xwebhook.admin.dispatch import Admin
from xwebhook.admin.settings import AdminSettings
from xwebhook.admin.wiring import ACTIONS, ENSURE_PARTS, STATUS_PARTS
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.migrate.accounts import AccountView
from xwebhook.migrate.settings import XaaSettings
from xwebhook.recovery.state import MemoryState
from xwebhook.x_api import event_types
from xwebhook.x_api.models import Webhook
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens
from xwebhook.x_api.xaa import Subscription

OWNER = "2244994945"  # in the credentials secret (OAuth 1.0a), AAA-subscribed
OTHER = "783214"  # in the secret's users map
ALICE = "1001"  # connected with OAuth 2.0 (stored)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOOK = Webhook("900", "https://hooks.example.com/webhook", True, "2026-11-01T00:00:00.000Z")
ALL_SCOPES = ("tweet.read", "users.read", "offline.access", "like.read", "dm.read", "mute.read", "block.read")
SETTINGS = XaaSettings(tag_prefix="xw")
# What each AAA account migrates to: the XAA types that stand for AAA's (x_api/event_types.py AAA_PARITY; how
# many there are is pinned once, in tests/unit/x_api/test_event_types.py).
PARITY = len(event_types.AAA_PARITY)
CAP = SETTINGS.subscription_cap  # XAA subscriptions X takes per app, unless raised (migrate/settings.py)


IN_TWO_HOURS = NOW.timestamp() + 7200


def oauth2(scopes=ALL_SCOPES, expires_at=IN_TWO_HOURS):
    return OAuth2Tokens("user-access-token", "user-refresh-token", expires_at, tuple(scopes))


def account(user_id, **changes):
    return Account(user_id, **changes)


def view(account_, source="store", secret_tokens=None, aaa_subscribed=None):
    return AccountView(account_, source, secret_tokens, aaa_subscribed)


def oauth1():
    return OAuth1Tokens("1-token", "1-secret")


def ours(subscription_id, event_type, user_id, webhook_id=HOOK.id, tag=None, **filter_extra):
    tag = f"xw:{user_id}" if tag is None else tag
    return Subscription(subscription_id, event_type, {"user_id": user_id, **filter_extra}, tag or None, webhook_id)


def admin_settings(xaa=SETTINGS):
    return AdminSettings(
        x_api_base_url="https://api.x.com",
        flavour="v2",
        premium_env_name="",
        webhook_url=HOOK.url,
        credentials_secret_id="x-credentials",
        secret=SecretSettings("consumer-secret"),
        xaa=xaa,
    )


@pytest.fixture
def clock_start():
    """The admin function reads its time as a datetime: NOW."""
    return NOW


@pytest.fixture
def world(clock):
    """make(**options) -> Admin over FakeApi/FakeXaa, a MemoryAccountStore and FakeSeen (all reachable as
    admin.api, admin.api.xaa, admin.services.accounts, ...). The secret holds OWNER and OTHER (OAuth 1.0a); X lists
    both as AAA-subscribed to HOOK."""

    def make(
        accounts=(),
        xaa=None,
        subscribed=(OWNER, OTHER),
        seen=None,
        settings=SETTINGS,
        store=True,
        secret_users=(OTHER,),
        actions=None,
        state=None,
    ):
        api = FakeApi(webhook=HOOK, subscribed=subscribed, xaa=xaa or FakeXaa())
        services = admin_services(
            accounts,
            state=state if state is not None else MemoryState(),
            seen=seen or FakeSeen(),
            **({} if store else {"accounts": None}),
        )
        creds = credentials(users=secret_users)
        return Admin(
            admin_settings(settings),
            api,
            lambda: creds,
            now=clock,
            ensure_parts=ENSURE_PARTS,
            status_parts=STATUS_PARTS,
            services=services,
            actions=dict(ACTIONS, **(actions or {})),
        )

    return make
