"""The emulator's tests: X's emulator on a free port and on a clock of the tests' own (`make_emu`, `emu`), a
receiver that answers X's CRCs as a test says (`receiver`), a recorder of X's deliveries to a webhook (`hook`),
and HTTP sessions (`http`, and `control` for the emulator's control plane)."""

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1

from localdev.x_emulator import XEmulator
from tests.local_server import JSON, LocalServer, QuietHandler
from xwebhook.receive.signing import sign, verify_signature

SECRET = "emulator-test-consumer-secret"
OWNER = "2244994945"
OTHER = "783214"
USERS = {OWNER: ("owner-token", "owner-token-secret"), OTHER: ("other-token", "other-token-secret")}
BEARER = {"Authorization": "Bearer test-bearer"}
SUBS = "/2/activity/subscriptions"


# ---- the receiver X talks to ---------------------------------------------------------------------------


class Receiver:
    """A webhook endpoint: answers CRCs per `crc_mode`, records POSTs (verified with the core's signing)."""

    def __init__(self, secret=SECRET):
        self.secret = secret
        self.crc_mode = "ok"  # ok | wrong | notjson | slow | an HTTP status (int)
        self.post_status = 200
        self.crc_tokens = []
        self.posts = []
        self.post_gate = threading.Event()
        self.post_gate.set()
        self.slow_release = threading.Event()
        self._cond = threading.Condition()
        receiver = self

        class Handler(QuietHandler):
            def do_GET(self):
                token = parse_qs(urlsplit(self.path).query).get("crc_token", [""])[0]
                with receiver._cond:
                    receiver.crc_tokens.append(token)
                    receiver._cond.notify_all()
                mode = receiver.crc_mode
                if mode == "slow":
                    receiver.slow_release.wait(5)
                    mode = "ok"
                if isinstance(mode, int):
                    self.answer(mode, b"{}", {"Location": "https://elsewhere.example/", **JSON})
                elif mode == "notjson":
                    self.answer(200, b"pong", JSON)
                else:
                    key = receiver.secret if mode == "ok" else "not-the-consumer-secret"
                    token_answer = sign(key.encode(), token.encode())
                    self.answer(200, json.dumps({"response_token": token_answer}).encode(), JSON)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.post_gate.wait(5)
                header = self.headers.get("x-twitter-webhooks-signature")
                record = {
                    "body": body,
                    "signature": header,
                    "content_type": self.headers.get("Content-Type"),
                    "verified": verify_signature(receiver.secret.encode(), body, header),
                }
                with receiver._cond:
                    receiver.posts.append(record)
                    receiver._cond.notify_all()
                self.answer(receiver.post_status, b"", JSON)

        self._server = LocalServer(Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.port}/webhook"

    def wait_posts(self, count, timeout=5.0):
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.posts) >= count, timeout), self.posts
            return list(self.posts)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.slow_release.set()
        self.post_gate.set()
        self._server.close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def clock_start():
    """Today's time on a whole minute: X's replay windows are whole minutes of the last 24 hours."""
    return float(int(time.time()) // 60 * 60)


@pytest.fixture
def make_emu(clock):
    started = []

    def make(**options):
        settings = {
            "consumer_key": "test-consumer-key",
            "consumer_secret": SECRET,
            "bearer_token": "test-bearer",
            "users": USERS,
            "crc_timeout": 0.5,
            "clock": clock,
        }
        settings.update(options)
        emulator = XEmulator(**settings).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emu(make_emu):
    return make_emu()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def user(user_id=OWNER, **options):
    token, token_secret = USERS[user_id]
    return OAuth1("test-consumer-key", SECRET, token, token_secret, **options)


class Recorder:
    """A webhook that answers CRCs are not needed for (webhooks are added valid) and records the POSTs signed
    with `secret`."""

    def __init__(self, secret):
        self.posts = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = verify_signature(secret.encode(), body, self.headers.get("x-twitter-webhooks-signature"))
                with recorder._lock:
                    recorder.posts.append(json.loads(body) if signed else "unsigned")
                self.answer(200)

        self._server = LocalServer(Handler)
        self.url = f"http://127.0.0.1:{self._server.port}/webhook"

    def close(self):
        self._server.close()


@pytest.fixture
def hook(emu):
    recorder = Recorder(emu.consumer_secret)
    recorder.webhook_id = emu.add_webhook(recorder.url)["id"]
    yield recorder
    recorder.close()


@pytest.fixture
def control(emu, http):
    """The session with the per-run token the control plane (/_emulator/...) asks for."""
    http.headers.update(emu.control_headers())
    return http
