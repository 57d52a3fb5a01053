"""XEmulator: X's webhook management API (v2 and v1.1) over real HTTP, for tests and local runs.

State lives in plain dicts the tests can read (webhooks, subscriptions, xaa_subscriptions, replay_jobs,
requests, deliveries). The HTTP side is in server.py and the route modules; the operations they share
(register a webhook, CRC it, subscribe a user, ...) are methods here and raise errors.ApiError, which each
route renders in its API's style.
"""

import itertools
import json
import secrets
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from localdev.x_contract.catalogue import enum_types
from localdev.x_contract.extract import load as load_extract
from localdev.x_emulator import activity, errors, outbound, referee, xaa
from localdev.x_emulator.auth import Authenticator, auth_kind
from localdev.x_emulator.control import CONTROL_TOKEN_HEADER
from localdev.x_emulator.oauth import OAuthServer
from localdev.x_emulator.server import EmulatorHTTPServer
from localdev.x_emulator.user_tokens import OAuth2TokenRegistry

DEFAULT_USERS = {"2244994945": ("owner-token", "owner-token-secret")}
MAX_URL_LENGTH = 200
REPLAY_WINDOW_SECONDS = 24 * 3600
RATE_WINDOW_SECONDS = 15 * 60
LOG_LIMIT = 20000  # requests/crc_log entries kept; the oldest half goes when a list reaches it

# What X may deliver: every type X's document lets an app subscribe to (our extract's enum, its alias
# included), and oauth.revoke, which X sends without a subscription (activity introduction).
XAA_EVENT_TYPES = frozenset(enum_types(load_extract())) | {"oauth.revoke"}
XAA_PROFILE_PREFIX = "profile.update."


def iso_time(epoch):
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(epoch * 1000) % 1000)


def legacy_time(epoch):
    """v1.1 Premium's created_timestamp format, e.g. "2016-06-02 23:54:02 +0000"."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def parse_replay_date(text):
    """`yyyymmddhhmm` (UTC) -> epoch seconds; ValueError otherwise."""
    if not isinstance(text, str) or len(text) != 12 or not text.isdigit():
        raise ValueError(f"{text!r} is not yyyymmddhhmm")
    return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC).timestamp()


def is_xaa_event_type(value):
    if not isinstance(value, str):
        return False
    if value.startswith(XAA_PROFILE_PREFIX):
        return len(value) > len(XAA_PROFILE_PREFIX)
    return value in XAA_EVENT_TYPES


class RateLimiter:
    """Per (endpoint bucket, caller) counters over X's 15-minute windows, reset on the emulator clock."""

    def __init__(self):
        self._windows = {}
        self._lock = threading.Lock()

    def hit(self, bucket, key, limit, now, consume=True):
        """(limit, remaining, reset epoch, exceeded) after counting this request (when `consume`)."""
        with self._lock:
            start, used = self._windows.get((bucket, key), (now, 0))
            if now >= start + RATE_WINDOW_SECONDS:
                start, used = now, 0
            exceeded = used >= limit
            if consume and not exceeded:
                used += 1
            self._windows[(bucket, key)] = (start, used)
            return limit, max(limit - used, 0), int(start + RATE_WINDOW_SECONDS), exceeded and consume

    def clear(self):
        with self._lock:
            self._windows.clear()


class XEmulator:
    """X's webhook management API on http://127.0.0.1:<port>, plus X's side of the webhook protocol
    (CRC GETs, signed deliveries, replays) aimed at the receiver under test."""

    def __init__(
        self,
        consumer_key="ck",
        consumer_secret="cs",  # noqa: S107 - test credentials, as the contract documents
        bearer_token="bt",  # noqa: S107
        users=None,
        app_id="13090192",
        crc_timeout=3.0,
        host="127.0.0.1",
        port=0,
        *,
        strict_urls=False,
        webhook_limit=1,
        subscription_limit=3,
        xaa_subscription_limit=1500,
        premium_envs=("dev",),
        clock=time.time,
        retry_delays=(),
        delivery_timeout=10.0,
        enforce_rate_limits=False,
        oauth_window=300.0,
        account_name="my-account",
        control_token=None,
        xaa_page_size=100,
        xaa_shape="document",
        xaa_token_at="meta.next_token",  # noqa: S107 - where the next-page token goes, not a secret
        xaa_total_at="meta.total_subscriptions",
        xaa_oauth1=True,
        xaa_bearer_private=False,
        xaa_duplicate="invalid-request",
        xaa_duplicate_id=True,
        xaa_cap="invalid-request",
        xaa_delete_unknown="not-found",
        xaa_broadcast_chat_scope="broadcast.read",
        oauth_options=None,
        refereed=True,
    ):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.bearer_token = bearer_token
        self.users = dict(DEFAULT_USERS if users is None else users)
        self.app_id = str(app_id)
        self.crc_timeout = crc_timeout
        self.host = host
        self.requested_port = port
        self.strict_urls = strict_urls
        self.webhook_limit = webhook_limit
        self.subscription_limit = subscription_limit
        self.xaa_subscription_limit = xaa_subscription_limit
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.delivery_timeout = delivery_timeout
        self.enforce_rate_limits = enforce_rate_limits
        self.account_name = account_name
        # The control plane (/_emulator/...) answers only requests carrying this per-run token, and never a
        # cross-origin one: a web page must not deliver events or read the state (see control.py).
        self.control_token = control_token or secrets.token_urlsafe(18)
        # XAA readings X leaves open (localdev/x_emulator/xaa.py); attributes, so a test can switch them.
        self.xaa_page_size = xaa_page_size
        self.xaa_shape = xaa_shape
        self.xaa_token_at = xaa_token_at
        self.xaa_total_at = xaa_total_at
        self.xaa_oauth1 = xaa_oauth1
        self.xaa_bearer_private = xaa_bearer_private
        self.xaa_duplicate = xaa_duplicate
        self.xaa_duplicate_id = xaa_duplicate_id
        self.xaa_cap = xaa_cap
        self.xaa_delete_unknown = xaa_delete_unknown
        self.xaa_broadcast_chat_scope = xaa_broadcast_chat_scope
        # X's published document referees every request to an operation of our extract, and every answer
        # (referee.py). Off only for a test that must send what X's document refuses past it.
        self.referee = referee.default() if refereed else None
        self.oauth2_tokens = OAuth2TokenRegistry()
        self.auth = Authenticator(
            consumer_key, consumer_secret, bearer_token, self.users, oauth_window, user_bearer=self._user_bearer
        )
        self.rate_limiter = RateLimiter()
        self.rate_limits = {}  # route bucket -> limit per 15 minutes, instead of X's (with enforce_rate_limits)
        # X's sign-in side (oauth.py): OAuth 1.0a and 2.0 endpoints, authorize pages, OAuth 2.0 user tokens.
        self.oauth = OAuthServer(self, **(oauth_options or {}))

        self._lock = threading.RLock()
        self._ids = itertools.count(1146654567674912769)
        self._clock_offset = 0.0
        self._server = None
        self._thread = None
        self._premium_env_names = tuple(premium_envs)
        self._init_state()

    def _init_state(self):
        self.webhooks = {}  # id -> {"id", "url", "valid", "created_at"}
        self.premium_envs = dict.fromkeys(self._premium_env_names)  # env name -> webhook id | None
        self.subscriptions = {}  # webhook id -> set(user id)
        self.xaa_subscriptions = {}  # subscription id -> X's subscription object
        self.replay_jobs = {}  # job id -> {"job_id", "webhook_id", "from_date", "to_date", "job_state", ...}
        self.requests = []  # (method, path, auth kind) of every API request (not the /_emulator/ ones)
        self.deliveries = []  # {"time", "webhook_id", "body", "status", "attempts", "replay"}
        self.crc_log = []  # {"time", "webhook_id", "url", "outcome", "status", "kind", "detail"}
        self._webhook_env = {}  # webhook id -> premium env name (absent: v2/Enterprise pool)
        self._webhook_created = {}  # webhook id -> epoch
        self._faults = []
        self._job_done = {}  # job id -> threading.Event

    # ---- lifecycle -------------------------------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        self._server = EmulatorHTTPServer((self.host, self.requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="x-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.server_address[1]

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def owner_id(self):
        """The app owner: the first of `users`."""
        return next(iter(self.users), None)

    def control_headers(self):
        """The headers a control-plane request needs (the per-run token)."""
        return {CONTROL_TOKEN_HEADER: self.control_token}

    def now(self):
        return self.clock() + self._clock_offset

    def advance_clock(self, seconds):
        """Move the emulator's clock (on top of `clock`); for HTTP-driven runs that cannot inject one."""
        with self._lock:
            self._clock_offset += float(seconds)
        return self.now()

    def reset(self):
        """Forget every webhook, subscription, job, fault, log and rate-limit counter."""
        with self._lock:
            self._init_state()
            self.rate_limiter.clear()
            self.oauth.reset()

    def new_id(self):
        with self._lock:
            return str(next(self._ids))

    # ---- the test-facing API ----------------------------------------------------------------------------

    def deliver(self, payload, webhook_id=None):
        """POST `payload` (a dict, serialised compactly, or the exact bytes/str to send) to the valid webhook,
        signed with the consumer secret, as X delivers an event; recorded for replay.

        Returns the receiver's HTTP status (0 when it gave no HTTP answer), or None when nothing was sent:
        the webhook is invalid, or (without `webhook_id`) no webhook is valid. With several valid webhooks,
        `webhook_id` is required (ValueError)."""
        body = self._body_bytes(payload)
        with self._lock:
            if webhook_id is None:
                valid = [w["id"] for w in self.webhooks.values() if w["valid"]]
                if not valid:
                    return None
                if len(valid) > 1:
                    raise ValueError(f"{len(valid)} valid webhooks; say which one with webhook_id")
                webhook_id = valid[0]
            webhook = self.webhooks.get(str(webhook_id))
            if webhook is None:
                raise KeyError(f"no webhook {webhook_id}")
            if not webhook["valid"]:
                return None
            url = webhook["url"]
            record = self._new_delivery(webhook["id"], body, replay=False)
        status, attempts = self._send(url, body)
        with self._lock:
            record["status"], record["attempts"] = status, attempts
        return status

    def run_crc(self, webhook_id):
        """What X's periodic check does: a CRC GET, then X's v2 rules; returns the resulting valid flag."""
        webhook_id = str(webhook_id)
        valid, _result = self.check_webhook(webhook_id, self.env_of(webhook_id))
        return valid

    def invalidate(self, webhook_id):
        """Mark a webhook invalid, as X does after failed CRCs."""
        with self._lock:
            self.webhooks[str(webhook_id)]["valid"] = False

    def fail_next(self, method, path_prefix, status, count=1, headers=None, body=None):
        """The next `count` API requests with `method` ("*" = any) whose path starts with `path_prefix` get
        `status` instead of their answer. A 429 defaults to x-rate-limit-remaining 0 and a reset 60 s ahead
        (emulator clock); the body defaults to X's error body for the status (v2 or v1.1 style by path).
        `body`: a dict/list (sent as JSON), str or bytes."""
        with self._lock:
            self._faults.append(
                {
                    "method": method.upper(),
                    "path_prefix": path_prefix,
                    "status": int(status),
                    "remaining": int(count),
                    "headers": dict(headers or {}),
                    "body": body,
                }
            )

    def pending_faults(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def wait_replay(self, job_id, timeout=5.0):
        """Block until replay job `job_id` has sent everything (its replay_job_status too); its record."""
        done = self._job_done.get(str(job_id))
        if done is None:
            raise KeyError(f"no replay job {job_id}")
        if not done.wait(timeout):
            raise TimeoutError(f"replay job {job_id} still running after {timeout} s")
        with self._lock:
            return dict(self.replay_jobs[str(job_id)])

    def add_webhook(self, url, valid=True, env=None):
        """Register a webhook directly (no CRC, no limits): a fixture for tests that start from a state."""
        with self._lock:
            return self._store_webhook(url, env, valid)

    def add_subscription(self, webhook_id, user_id):
        with self._lock:
            self.subscriptions.setdefault(str(webhook_id), set()).add(str(user_id))

    def add_oauth2_token(self, user_id, access_token, scopes=(), expires_in=None):
        """Accept `access_token` as `user_id`'s OAuth 2.0 user token with `scopes` (for `expires_in` seconds
        on the emulator clock; None = until revoked). The OAuth 2.0 token endpoint registers what it issues
        through here too."""
        expires_at = None if expires_in is None else self.now() + float(expires_in)
        return self.oauth2_tokens.add(access_token, str(user_id), tuple(scopes), expires_at)

    def referee_document(self):
        """Our extract of X's document (what the referee holds)."""
        return self.referee.document if self.referee is not None else load_extract()

    def _user_bearer(self, token):
        """(user_id, scopes) of an unexpired OAuth 2.0 user token: one the emulator's token endpoint issued
        (oauth.py), or one registered with add_oauth2_token; else None."""
        issued = self.oauth.user_bearer(token)
        if issued is not None:
            return issued
        found = self.oauth2_tokens.find(token)
        if found is None or (found.expires_at is not None and self.now() >= found.expires_at):
            return None
        return found.user_id, found.scopes

    def activity(self, kind, for_user_id, order="aaa_first", **details):
        """One thing happening on X, delivered as X would to every subscription that covers it: an AAA
        delivery to each webhook the user is AAA-subscribed to, an XAA envelope per matching XAA
        subscription, from the same natural ids (localdev/x_emulator/activity.py). [{family, status, ...}]"""
        return activity.deliver_activity(self, kind, str(for_user_id), order, details)

    def state(self):
        """A JSON-able snapshot (what GET /_emulator/state answers)."""
        with self._lock:
            return {
                "base_url": self.base_url if self._server else None,
                "now": self.now(),
                "app_id": self.app_id,
                "owner_id": self.owner_id,
                "webhooks": {k: dict(v) for k, v in self.webhooks.items()},
                "premium_envs": dict(self.premium_envs),
                "subscriptions": {k: sorted(v) for k, v in self.subscriptions.items()},
                "xaa_subscriptions": {k: json.loads(json.dumps(v)) for k, v in self.xaa_subscriptions.items()},
                "oauth2_tokens": self.oauth2_tokens.snapshot(),
                "replay_jobs": {k: dict(v) for k, v in self.replay_jobs.items()},
                "requests": [list(r) for r in self.requests],
                "deliveries": [
                    {**{k: v for k, v in d.items() if k != "body"}, "body": d["body"].decode("utf-8", "replace")}
                    for d in self.deliveries
                ],
                "crc_log": [dict(c) for c in self.crc_log],
                "oauth": self.oauth.state(),
                "faults": [
                    {**f, "body": f["body"].decode("utf-8", "replace") if isinstance(f["body"], bytes) else f["body"]}
                    for f in self._faults
                ],
            }

    # ---- request plumbing (used by server.py) -------------------------------------------------------------

    def record_request(self, method, path, authorization):
        kind = auth_kind(authorization)
        if kind == "bearer" and self.oauth.is_user_token(authorization.split(None, 1)[-1].strip()):
            kind = "oauth2"  # a user's OAuth 2.0 token, not the app's bearer token
        with self._lock:
            self.requests.append((method, path, kind))
            _trim(self.requests)

    def take_fault(self, method, path):
        with self._lock:
            for fault in self._faults:
                if fault["method"] in ("*", method) and path.startswith(fault["path_prefix"]):
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        self._faults.remove(fault)
                    return dict(fault)
        return None

    # ---- operations behind the HTTP API (raise errors.ApiError) ---------------------------------------

    def webhook_or_404(self, webhook_id, env=None):
        with self._lock:
            webhook = self.webhooks.get(webhook_id)
            if webhook is None or self._webhook_env.get(webhook_id) != env:
                raise errors.not_found(
                    "WebhookIdInvalid",
                    f"webhook {webhook_id} was not found for this app",
                    value=webhook_id,
                    parameter="webhook_id",
                )
            return webhook

    def env_of(self, webhook_id):
        """The Premium environment a webhook belongs to (None: the v2/Enterprise pool)."""
        with self._lock:
            return self._webhook_env.get(webhook_id)

    def list_webhooks(self, env=None):
        """Copies of the webhooks of one pool: v2/Enterprise (env None) or a Premium environment."""
        with self._lock:
            return [dict(w) for w in self.webhooks.values() if self._webhook_env.get(w["id"]) == env]

    def subscribers(self, webhook_id):
        with self._lock:
            return sorted(self.subscriptions.get(webhook_id, ()))

    def list_xaa(self):
        """Every XAA subscription, oldest first (the order pages are cut in)."""
        with self._lock:
            return [dict(s) for s in self.xaa_subscriptions.values()]

    def xaa_matching(self, event_type, user_id, direction=None):
        """The XAA subscriptions an event of `event_type` for `user_id` (liked/followed `direction`) reaches."""
        with self._lock:
            return [
                dict(s)
                for s in self.xaa_subscriptions.values()
                if s["event_type"] == event_type
                and s["filter"].get("user_id") == user_id
                and s["filter"].get("direction") in (None, direction)
            ]

    def check_url(self, url):
        """UrlValidationFailed unless `url` is one X would take (https-only and port-less when strict)."""
        if not isinstance(url, str) or not url:
            raise errors.invalid_request("UrlValidationFailed", "url is required")
        if len(url) > MAX_URL_LENGTH:
            raise errors.invalid_request("UrlValidationFailed", f"url is longer than {MAX_URL_LENGTH} characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise errors.invalid_request("UrlValidationFailed", f"url is malformed: {exc}") from exc
        allowed = ("https",) if self.strict_urls else ("https", "http")
        if parts.scheme not in allowed or not parts.hostname:
            raise errors.invalid_request("UrlValidationFailed", f"url must be an absolute {' or '.join(allowed)} URL")
        if self.strict_urls and port is not None:
            raise errors.invalid_request("UrlValidationFailed", "url must not specify a port")
        if parts.fragment:
            raise errors.invalid_request("UrlValidationFailed", "url must not have a fragment")

    def create_webhook(self, url, env=None):
        """POST /2/webhooks and its v1.1 forms: validate, CRC the URL, then store it as valid."""
        self.check_url(url)
        self._check_room(url, env)
        result = self._crc(url, None)
        if result.outcome != outbound.OK:
            raise self.crc_error(url, result)
        with self._lock:
            self._check_room(url, env)  # again: another registration may have won the race during the CRC
            return self._store_webhook(url, env, True)

    def delete_webhook(self, webhook_id, env=None):
        with self._lock:
            self.webhook_or_404(webhook_id, env)
            del self.webhooks[webhook_id]
            self.subscriptions.pop(webhook_id, None)
            self._webhook_created.pop(webhook_id, None)
            removed_env = self._webhook_env.pop(webhook_id, None)
            if removed_env is not None:
                self.premium_envs[removed_env] = None

    def check_webhook(self, webhook_id, env=None):
        """CRC a registered webhook (PUT, periodic check) and apply X's v2 rules:
        correct 2XX -> valid; wrong 2XX, 3XX, TLS error -> invalid; 4XX, 5XX, timeout -> unchanged.
        Returns (valid after the check, CrcResult)."""
        url = self.webhook_or_404(webhook_id, env)["url"]
        result = self._crc(url, webhook_id)
        with self._lock:
            webhook = self.webhooks.get(webhook_id)
            if webhook is None:  # deleted during the CRC
                raise errors.not_found("WebhookIdInvalid", f"webhook {webhook_id} was not found for this app")
            if result.outcome == outbound.OK:
                webhook["valid"] = True
            elif result.outcome == outbound.INVALID:
                webhook["valid"] = False
            return webhook["valid"], result

    def subscribe(self, webhook_id, user_id, env=None):
        """Subscribe `user_id` to all AAA events of a webhook that exists and is valid (idempotent)."""
        with self._lock:
            webhook = self.webhook_or_404(webhook_id, env)
            if not webhook["valid"]:
                raise errors.invalid_request(
                    "WebhookNotValid",
                    f"webhook {webhook_id} is not valid (it has not passed a CRC); revalidate it with PUT first",
                    v1_message="Webhook is not valid; revalidate it (PUT) before subscribing.",
                )
            users = self.subscriptions.setdefault(webhook_id, set())
            if user_id not in users and self.subscription_count() >= self.subscription_limit:
                raise errors.invalid_request(
                    "SubscriptionLimitExceeded",
                    f"the app already has {self.subscription_limit} subscriptions, its limit",
                    v1_message=errors.V1_TOO_MANY,
                )
            users.add(user_id)

    def unsubscribe(self, webhook_id, user_id, env=None):
        """Drop a subscription; True when there was one."""
        with self._lock:
            self.webhook_or_404(webhook_id, env)
            users = self.subscriptions.get(webhook_id, set())
            if user_id not in users:
                return False
            users.discard(user_id)
            return True

    def is_subscribed(self, webhook_id, user_id, env=None):
        with self._lock:
            self.webhook_or_404(webhook_id, env)
            return user_id in self.subscriptions.get(webhook_id, set())

    def subscription_count(self):
        with self._lock:
            return sum(len(users) for users in self.subscriptions.values())

    def premium_env(self, env):
        if env not in self.premium_envs:
            raise errors.ApiError(
                403,
                errors.problem(403, "Forbidden", f"no dev environment named {env!r} for this app"),
                errors.v1_body(200, "Forbidden."),
            )
        return self.premium_envs[env]

    def premium_webhook_id(self, env):
        webhook_id = self.premium_env(env)
        if webhook_id is None:
            raise errors.not_found("WebhookIdInvalid", f"environment {env!r} has no webhook")
        return webhook_id

    # XAA

    def validate_xaa(self, body, current=None):
        """The subscription a create (current None) or update body asks for, or ApiError. The body's shape
        is X's document's (the referee checked it over HTTP); what is left are the rules X states in words."""
        if not isinstance(body, dict):
            raise errors.invalid_request(None, "the request body must be a JSON object")
        event_type = body.get("event_type", current["event_type"] if current else None)
        if not is_xaa_event_type(event_type) or event_type == "oauth.revoke":
            raise errors.invalid_request(None, f"$.event_type: {event_type!r} is not a supported event type")
        event_type = xaa.ALIASES.get(event_type, event_type)  # "responses always use the canonical name"
        if current is not None and event_type != current["event_type"]:
            raise errors.invalid_request(
                None, "event_type cannot be changed; delete the subscription and create a new one"
            )
        filter_ = body.get("filter", current["filter"] if current else None)
        if current is not None and filter_ != current["filter"]:
            raise errors.invalid_request(None, "filter cannot be changed; delete the subscription and create a new one")
        xaa.check_filter(event_type, filter_)
        tag = body.get("tag", current.get("tag") if current else None)
        webhook_id = body.get("webhook_id", current.get("webhook_id") if current else None)
        if webhook_id is not None:
            webhook_id = str(webhook_id)
            if webhook_id not in self.webhooks or webhook_id in self._webhook_env:
                raise errors.invalid_request("WebhookIdInvalid", f"webhook {webhook_id} was not found for this app")
        wanted = {"event_type": event_type, "filter": dict(filter_)}
        if tag is not None:
            wanted["tag"] = tag
        if webhook_id is not None:
            wanted["webhook_id"] = webhook_id
        return wanted

    def create_xaa(self, body, caller=None):
        """POST /2/activity/subscriptions as `caller` (routing.Caller; None: no auth rules)."""
        with self._lock:
            wanted = self.validate_xaa(body)
            xaa.check_caller(self, caller, wanted)
            self._check_xaa_duplicate(wanted, None)
            if len(self.xaa_subscriptions) >= self.xaa_subscription_limit:
                raise xaa.cap_reached(self)
            subscription_id = self.new_id()
            stamp = iso_time(self.now())
            subscription = {"subscription_id": subscription_id, **wanted, "created_at": stamp, "updated_at": stamp}
            self.xaa_subscriptions[subscription_id] = subscription
            return dict(subscription)

    def update_xaa(self, subscription_id, body):
        with self._lock:
            current = self._xaa_or_404(subscription_id)
            wanted = self.validate_xaa(body, current)
            self._check_xaa_duplicate(wanted, subscription_id)
            for key in ("tag", "webhook_id"):
                current.pop(key, None)
            current.update(wanted)
            current["updated_at"] = iso_time(self.now())
            return dict(current)

    def delete_xaa(self, subscription_id):
        """True when it was deleted; False when X had no such subscription and `xaa_delete_unknown` is
        "not-deleted" (otherwise X's 404)."""
        with self._lock:
            if subscription_id not in self.xaa_subscriptions and self.xaa_delete_unknown == "not-deleted":
                return False
            self._xaa_or_404(subscription_id)
            del self.xaa_subscriptions[subscription_id]
            return True

    def _xaa_or_404(self, subscription_id):
        subscription = self.xaa_subscriptions.get(subscription_id)
        if subscription is None:
            raise errors.not_found(
                "SubscriptionIdInvalid",
                f"subscription {subscription_id} was not found",
                resource_type="subscription",
                value=subscription_id,
                parameter="subscription_id",
            )
        return subscription

    def _check_xaa_duplicate(self, wanted, own_id):
        for other_id, other in self.xaa_subscriptions.items():
            same = other["event_type"] == wanted["event_type"] and other["filter"] == wanted["filter"]
            if same and other.get("webhook_id") == wanted.get("webhook_id") and other_id != own_id:
                raise xaa.duplicate(self, other_id)

    # Replay

    def create_replay(self, body):
        if not isinstance(body, dict):
            raise errors.invalid_request(None, "the request body must be a JSON object")
        missing = [name for name in ("webhook_id", "from_date", "to_date") if not body.get(name)]
        if missing:
            raise errors.invalid_request(None, f"$.{missing[0]}: is missing but it is required")
        webhook_id = str(body["webhook_id"])
        try:
            start, end = parse_replay_date(body["from_date"]), parse_replay_date(body["to_date"])
        except ValueError as exc:
            raise errors.invalid_request(None, f"from_date and to_date must be yyyymmddhhmm (UTC): {exc}") from exc
        now = self.now()
        earliest = (now - REPLAY_WINDOW_SECONDS) // 60 * 60
        latest = now // 60 * 60  # the current minute
        if start > end:
            raise errors.invalid_request(None, "from_date must not be after to_date")
        if start < earliest or end > latest:
            raise errors.invalid_request(
                None,
                f"the window must lie within the last 24 hours: from {iso_time(earliest)} to {iso_time(latest)}",
            )
        with self._lock:
            self.webhook_or_404(webhook_id)
            for job in self.replay_jobs.values():
                if job["webhook_id"] == webhook_id and job["job_state"] == "InProgress":
                    raise errors.conflict(
                        "ReplayJobInProgress", f"replay job {job['job_id']} is still running for webhook {webhook_id}"
                    )
            job_id = self.new_id()
            job = {
                "job_id": job_id,
                "webhook_id": webhook_id,
                "from_date": body["from_date"],
                "to_date": body["to_date"],
                "created_at": iso_time(now),
                "job_state": "InProgress",
                "job_state_description": "Job is in progress",
                "events": 0,
                "delivered": 0,
                "failed": 0,
            }
            self.replay_jobs[job_id] = job
            self._job_done[job_id] = threading.Event()
        answered = threading.Event()
        # Both dates are inclusive (X's document: "the newest (inclusive) UTC timestamp"): to_date's whole
        # minute is replayed.
        thread = threading.Thread(
            target=self._run_replay, args=(job_id, start, end + 60, answered), name=f"replay-{job_id}", daemon=True
        )
        thread.start()
        return job, answered.set

    def _run_replay(self, job_id, start, end, answered):
        answered.wait(2.0)  # X answers the POST before it starts re-delivering
        with self._lock:
            job = self.replay_jobs[job_id]
            webhook = self.webhooks.get(job["webhook_id"])
            records = sorted(
                (
                    d
                    for d in self.deliveries
                    if d["webhook_id"] == job["webhook_id"] and not d["replay"] and start <= d["time"] < end
                ),
                key=lambda d: d["time"],
            )
            job["events"] = len(records)
        delivered = failed = 0
        if webhook is None or not webhook["valid"]:
            state, description = "Incomplete", "Webhook is not valid or no longer exists; nothing was delivered"
            failed = len(records)
        else:
            for record in records:
                if self._replay_one(webhook, record["body"]):
                    delivered += 1
                else:
                    failed += 1
            if failed:
                state, description = "Incomplete", f"{failed} of {len(records)} events could not be delivered"
            else:
                state, description = "Complete", "Job completed successfully"
            status_body = {
                "replay_job_status": {
                    "webhook_id": job["webhook_id"],
                    "job_state": state,
                    "job_state_description": description,
                    "job_id": job_id,
                }
            }
            self._replay_one(webhook, self._body_bytes(status_body))
        with self._lock:
            job.update(job_state=state, job_state_description=description, delivered=delivered, failed=failed)
        self._job_done[job_id].set()

    def _replay_one(self, webhook, body):
        with self._lock:
            record = self._new_delivery(webhook["id"], body, replay=True)
        status, attempts = self._send(webhook["url"], body)
        with self._lock:
            record["status"], record["attempts"] = status, attempts
        return 200 <= status < 300

    # ---- internals ---------------------------------------------------------------------------------------

    def _store_webhook(self, url, env, valid):
        webhook_id = self.new_id()
        now = self.now()
        webhook = {"id": webhook_id, "url": url, "valid": bool(valid), "created_at": iso_time(now)}
        self.webhooks[webhook_id] = webhook
        self._webhook_created[webhook_id] = now
        if env is not None:
            self._webhook_env[webhook_id] = env
            self.premium_envs[env] = webhook_id
        return dict(webhook)

    def _check_room(self, url, env):
        with self._lock:
            if env is not None:
                if self.premium_env(env) is not None:
                    raise errors.invalid_request(
                        "WebhookLimitExceeded",
                        f"environment {env!r} already has a webhook",
                        v1_message=errors.V1_TOO_MANY,
                    )
                return
            pool = [w for w in self.webhooks.values() if w["id"] not in self._webhook_env]
            if any(w["url"] == url for w in pool):
                raise errors.invalid_request(
                    "DuplicateUrlFailed",
                    f"a webhook is already registered for {url}",
                    v1_message=errors.V1_URL_REQUIREMENTS + " URL is already registered.",
                )
            if len(pool) >= self.webhook_limit:
                raise errors.invalid_request(
                    "WebhookLimitExceeded",
                    f"the app already has {len(pool)} webhook(s), its limit",
                    v1_message=errors.V1_TOO_MANY,
                )

    def _crc(self, url, webhook_id):
        result = outbound.run_crc(url, self.consumer_secret, self.crc_timeout)
        with self._lock:
            self.crc_log.append({"time": self.now(), "webhook_id": webhook_id, "url": url, **result.as_dict()})
            _trim(self.crc_log)
        return result

    @staticmethod
    def crc_error(url, result):
        v1_message = {
            "timeout": errors.V1_CRC_LATENCY,
            "http_error": errors.V1_CRC_NON_200,
            "redirect": errors.V1_CRC_NON_200,
            "wrong_token": errors.V1_CRC_BAD_TOKEN,
            "bad_body": errors.V1_CRC_BAD_TOKEN,
        }.get(result.kind, errors.V1_URL_REQUIREMENTS)
        return errors.invalid_request(
            "CrcValidationFailed", f"the CRC GET to {url} got {result.detail}", v1_message=v1_message
        )

    def _new_delivery(self, webhook_id, body, replay):
        record = {"time": self.now(), "webhook_id": webhook_id, "body": body, "status": None, "attempts": 0}
        record["replay"] = replay
        self.deliveries.append(record)
        _trim(self.deliveries)
        return record

    def _send(self, url, body):
        """POST with X legacy's retries (`retry_delays`): (last status, attempts)."""
        attempts = 0
        for delay in (None, *self.retry_delays):
            if delay is not None:
                time.sleep(delay)
            attempts += 1
            status = outbound.post_signed(url, body, self.consumer_secret, self.delivery_timeout)
            if 200 <= status < 300:
                break
        return status, attempts

    @staticmethod
    def _body_bytes(payload):
        if isinstance(payload, bytes):
            return payload
        if isinstance(payload, str):
            return payload.encode("utf-8")
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def v1_webhook(self, webhook):
        """A webhook as v1.1 shows it: Enterprise's created_at and Premium's created_timestamp."""
        created = self._webhook_created.get(webhook["id"], self.now())
        return {**webhook, "created_timestamp": legacy_time(created)}


def _trim(log):
    if len(log) >= LOG_LIMIT:
        del log[: LOG_LIMIT // 2]
