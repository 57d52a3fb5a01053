"""Fixtures for the connect tests: X's emulator (with its OAuth side), ConnectFlow wired to it over HTTP
with in-memory stores, and a stand-in for the account owner's browser on X's authorize pages.

`Browser` follows what a browser does between /connect and /connect/callback: it keeps the sign-in cookie,
opens X's authorize page (the emulator's), presses Authorize (as a user it picks) or Cancel, and brings
X's redirect back to the callback. The real browser (Chromium) drives the same pages in tests/e2e.
"""

import json
import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from localdev.x_emulator import XEmulator
from tests.fakes import MemoryAccountStore, MemoryInviteStore, MemorySignInStore
from xwebhook.accounts.invites import Invite, new_invite_id, token_for
from xwebhook.accounts.settings import AccountsSettings
from xwebhook.connect.flow import ConnectFlow
from xwebhook.connect.settings import ConnectSettings
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.credentials.signing_key import SigningKeys
from xwebhook.credentials.x_credentials import parse_credentials
from xwebhook.x_api.account_subscriptions import AccountSubscriptions
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi
from xwebhook.x_api.event_types import AAA_PARITY
from xwebhook.x_api.oauth1 import OAuth1Flow
from xwebhook.x_api.oauth2 import OAuth2Client

OWNER_ID = "2244994945"
ALICE, BOB = "1500000001", "1500000002"
CONSUMER_KEY, CONSUMER_SECRET, BEARER = "ck-connect", "cs-connect", "bearer-connect"
CLIENT_ID, CLIENT_SECRET = "client-id-connect", "client-secret-connect"
OWNER_TOKENS = (f"{OWNER_ID}-owner-at", "owner-at-secret")
PUBLIC_BASE = "https://hooks.example.com"
CALLBACK = PUBLIC_BASE + "/connect/callback"
WEBHOOK_URL = "https://hooks.example.com/webhook"
KEYS = SigningKeys("k" * 40)
CREDENTIALS = json.dumps(
    {
        "consumer_key": CONSUMER_KEY,
        "bearer_token": BEARER,
        "access_token": OWNER_TOKENS[0],
        "access_token_secret": OWNER_TOKENS[1],
        "oauth2_client_id": CLIENT_ID,
        "oauth2_client_secret": CLIENT_SECRET,
    }
)


@pytest.fixture
def emulator():
    with XEmulator(
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        bearer_token=BEARER,
        users={OWNER_ID: OWNER_TOKENS},
        subscription_limit=10,
        oauth_options={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "callbacks": {CALLBACK},
        },
    ) as emu:
        emu.webhook = emu.add_webhook(WEBHOOK_URL, valid=True)
        yield emu


def connect_settings(emulator, mode="invite", allowed=(), event_types=AAA_PARITY, xaa_from_start="oauth2", **changes):
    accounts = AccountsSettings(
        table="accounts",
        signing_key_secret_id="signing-key",
        public_base_url=PUBLIC_BASE,
        mode=mode,
        event_types=tuple(event_types),
        allowed_user_ids=frozenset(allowed),
        xaa_from_start=xaa_from_start,
    )
    values = {
        "accounts": accounts,
        "x_api_base_url": emulator.base_url,
        "x_web_base_url": emulator.base_url,
        "flavour": "v2",
        "premium_env_name": "",
        "webhook_url": WEBHOOK_URL,
        "credentials_secret_id": "credentials",
        "secret": SecretSettings("consumer-secret"),
        "timeout_seconds": 3.0,
    }
    values.update(changes)
    return ConnectSettings(**values)


class World:
    """ConnectFlow and its stores, X (the emulator), a clock, and invites made the way `invite` makes them."""

    def __init__(self, emulator, settings, clock):
        self.emulator = emulator
        self.settings = settings
        self.clock = clock
        self.invites = MemoryInviteStore()
        self.accounts = MemoryAccountStore(invites=self.invites, clock=clock)
        self.sign_ins = MemorySignInStore()
        credentials = parse_credentials(CREDENTIALS, CONSUMER_SECRET)
        self.client = XClient(emulator.base_url, settings.timeout_seconds, sleep=lambda _s: None, attempts=2)
        api = WebhooksApi(self.client, "v2", lambda: credentials)
        self.oauth2 = OAuth2Client(self.client, lambda: credentials, clock)
        self.flow = ConnectFlow(
            settings,
            lambda: KEYS,
            lambda: credentials,
            self.invites,
            self.sign_ins,
            self.accounts,
            self.oauth2,
            OAuth1Flow(self.client, lambda: credentials),
            AccountSubscriptions(self.client, api, lambda: credentials),
            api,
            clock=clock,
            client=self.client,
        )

    def invite(self, uses=1, flows=("oauth2", "oauth1"), event_types=AAA_PARITY, user_id=None, expires_in=3600):
        invite = Invite(new_invite_id(), self.clock() + expires_in, uses, 0, tuple(flows), tuple(event_types), user_id)
        self.invites.put(invite)
        return token_for(KEYS.invite, invite.invite_id)

    def browser(self):
        return Browser(self)


class Browser:
    """The account owner's browser: cookies for /connect, requests for X's pages."""

    def __init__(self, world):
        self.world = world
        self.cookies = {}  # name -> value (what the browser would send to /connect/...)
        self.session = requests.Session()

    def _keep(self, answer):
        for header in answer.cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def cookie_list(self):
        return [f"{name}={value}" for name, value in self.cookies.items()]

    def start(self, **query):
        answer = self.world.flow.start(query)
        self._keep(answer)
        return answer

    def x_decides(self, location, user_id=ALICE, decision="authorize"):
        """On X's authorize page: pick `user_id`, press Authorize or Cancel. Returns the callback's query."""
        page = self.session.get(location, timeout=5)
        assert page.status_code == 200, page.text
        form = re.search(r"action='([^']+)'.*?name='request' value='([^']+)'", page.text, re.S)
        action, request_id = form.group(1), form.group(2)
        answer = self.session.post(
            self.world.emulator.base_url + action,
            data={"request": request_id, "user_id": user_id, "decision": decision},
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 302, answer.text
        callback = answer.headers["Location"]
        assert callback.startswith(CALLBACK + "?"), callback
        return dict(parse_qsl(urlsplit(callback).query, keep_blank_values=True))

    def to_x_and_back(self, user_id=ALICE, decision="authorize", **query):
        """/connect -> X's page -> X's redirect, short of the callback: the query X sends the browser back to
        /connect/callback with."""
        return self.x_decides(self.start(**query).location, user_id, decision)

    def callback(self, query):
        answer = self.world.flow.finish(query, self.cookie_list())
        self._keep(answer)
        return answer

    def sign_in(self, user_id=ALICE, decision="authorize", **query):
        """/connect -> X's page -> /connect/callback; (callback answer, the callback's query)."""
        started = self.start(**query)
        assert started.status == 302, started.body
        back = self.x_decides(started.location, user_id, decision)
        return self.callback(back), back


@pytest.fixture
def clock_start():
    """Today's time: the sign-ins run against X's emulator, whose tokens and pages live on the real clock."""
    return time.time()


@pytest.fixture
def world(emulator, clock):
    return World(emulator, connect_settings(emulator), clock)


@pytest.fixture
def make_world(emulator, clock):
    def make(**settings):
        return World(emulator, connect_settings(emulator, **settings), clock)

    return make
