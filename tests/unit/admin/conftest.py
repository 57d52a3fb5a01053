"""Fixtures for the admin tests: X's emulator, a small receiver that answers its CRCs, and Admin wired to both.

The receiver answers CRCs with the real xwebhook.crc code under the consumer secret the emulator uses,
so register and revalidate make a real CRC round trip. Its `crc_mode` breaks that on purpose:
"ok", "wrong" (a 200 with a wrong token: X invalidates at once) or "down" (503: transient).
"""

import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from localdev.x_emulator import XEmulator
from tests.fakes import OTHER_ID, OWNER_ID, SESSION_TOKEN, StaticSecret
from tests.local_server import JSON, LocalServer, QuietHandler
from xwebhook.admin.dispatch import Admin
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.consumer_secret import SecretSettings
from xwebhook.credentials.x_credentials import parse_credentials
from xwebhook.receive.crc import answer_crc
from xwebhook.receive.signing import verify_signature
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

CONSUMER_KEY = "test-consumer-key"
CONSUMER_SECRET = "test-consumer-secret"
BEARER = "test-bearer"
OWNER_TOKENS = (f"{OWNER_ID}-owner-token", "owner-token-secret")
OTHER_TOKENS = (f"{OTHER_ID}-other-token", "other-token-secret")
STRANGER_ID = "999001"
STRANGER_TOKENS = (f"{STRANGER_ID}-stranger-token", "stranger-token-secret")
CREDENTIALS_JSON = (
    '{"consumer_key": "%s", "bearer_token": "%s", "access_token": "%s", "access_token_secret": "%s",'
    ' "users": {"%s": {"access_token": "%s", "access_token_secret": "%s"}}}'
    % (CONSUMER_KEY, BEARER, *OWNER_TOKENS, OTHER_ID, *OTHER_TOKENS)
)
FLAVOURS = ("v2", "enterprise", "premium")
PREMIUM_ENV = "dev"


class Receiver:
    """GET ?crc_token= -> the CRC answer; POST -> 200 when signed with the consumer secret."""

    def __init__(self):
        self.crc_mode = "ok"
        self.crc_count = 0
        self.deliveries = []
        receiver = self

        class Handler(QuietHandler):
            def do_GET(self):
                receiver.crc_count += 1
                token = parse_qs(urlsplit(self.path).query).get("crc_token", [None])[0]
                answer = answer_crc(token, StaticSecret(CONSUMER_SECRET.encode()))
                status, body = answer.status, answer.body.encode()
                if receiver.crc_mode == "wrong":
                    body = b'{"response_token": "sha256=d3Jvbmc="}'
                elif receiver.crc_mode == "down":
                    status, body = 503, b'{"error": "down"}'
                self.answer(status, body, JSON)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = verify_signature(
                    CONSUMER_SECRET.encode(), body, self.headers.get("x-twitter-webhooks-signature")
                )
                if signed:
                    receiver.deliveries.append(body)
                self.answer(200 if signed else 401, b"{}", JSON)

        self._server = LocalServer(Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.port}/webhook"

    def close(self):
        self._server.close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def emulator():
    users = {OWNER_ID: OWNER_TOKENS, OTHER_ID: OTHER_TOKENS, STRANGER_ID: STRANGER_TOKENS}
    with XEmulator(
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        bearer_token=BEARER,
        users=users,
        premium_envs=(PREMIUM_ENV,),
        subscription_limit=10,
        crc_timeout=2.0,
    ) as emu:
        yield emu


def settings_for(base_url, webhook_url, flavour="v2", ensure_subscribe=True):
    return AdminSettings(
        x_api_base_url=base_url,
        flavour=flavour,
        premium_env_name=PREMIUM_ENV if flavour == "premium" else "",
        webhook_url=webhook_url,
        credentials_secret_id="x-credentials",
        secret=SecretSettings("consumer-secret"),
        ensure_subscribe=ensure_subscribe,
        timeout_seconds=5.0,
    )


def make_admin(base_url, webhook_url, flavour="v2", credentials_json=CREDENTIALS_JSON, now=None, **settings):
    """Admin as build_admin wires it, with the credentials given directly (no secrets extension).
    `now` () -> epoch seconds: the clock replay windows are checked against (X's, in these tests)."""
    config = settings_for(base_url, webhook_url, flavour, **settings)
    client = XClient(base_url, config.timeout_seconds, sleep=lambda _seconds: None)
    credentials = parse_credentials(credentials_json, CONSUMER_SECRET)
    api = WebhooksApi(client, flavour, lambda: credentials, config.premium_env_name)
    clock = now or time.time
    return Admin(config, api, lambda: credentials, client=client, now=lambda: datetime.fromtimestamp(clock(), UTC))


@pytest.fixture(params=FLAVOURS)
def flavour(request):
    return request.param


@pytest.fixture
def admin(emulator, receiver, flavour):
    return make_admin(emulator.base_url, receiver.url, flavour, now=emulator.now)


@pytest.fixture
def v2_admin(emulator, receiver):
    return make_admin(emulator.base_url, receiver.url, "v2", now=emulator.now)


@pytest.fixture
def extension_secrets():
    """What the secrets extension holds for the admin function: the consumer secret and the X credentials."""
    return {"consumer-secret": CONSUMER_SECRET, "x-credentials": CREDENTIALS_JSON}


def admin_env(emulator, receiver, extension, **changes):
    env = {
        "X_API_BASE_URL": emulator.base_url,
        "X_API_FLAVOUR": "v2",
        "WEBHOOK_URL": receiver.url,
        "CONSUMER_SECRET_ID": "consumer-secret",
        "X_CREDENTIALS_SECRET_ID": "x-credentials",
        "ENSURE_SUBSCRIBE": "true",
        "X_API_TIMEOUT_SECONDS": "5",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension.port),
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "POWERTOOLS_SERVICE_NAME": "xwebhook",
        "POWERTOOLS_METRICS_NAMESPACE": "XWebhook",
        "LOG_LEVEL": "INFO",
    }
    env.update(changes)
    return env
