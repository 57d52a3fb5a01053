"""Faults injected at the protocol level (localdev.fault_proxy), against the real functions over real HTTP.

Receive path: the crc and ingest functions behind the local gateway, their SQS and DynamoDB calls through one
fault proxy each (AWS_ENDPOINT_URL_SQS / _DYNAMODB) in front of moto, and Secrets Manager behind the extension
stand-in through a third. Each fault gets the answer docs/edges.md gives (503, nothing lost); then the fault is cleared
and X's retry, the same signed body sent again, leaves every event on the queue exactly once.

Admin: the real admin handler against X's emulator through a proxy that times out, answers 5xx or 429, resets
or refuses: `ok: false` with X's reason, then the same action succeeds once X is back.

Exactly-once is checked on what consumers get (each original event once), not on id formats.
"""

import contextlib
import json
import time
from collections import Counter

import pytest

from localdev.extension_stub import ExtensionStub
from localdev.fault_proxy import Delay, FaultProxy, PartialBatch, Reset, Status, aws_error
from localdev.gateway import Gateway
from localdev.metric_filters import MetricFilters
from localdev.moto_server import free_port, wait_until
from localdev.provision import teardown
from localdev.send import freshen
from localdev.testing import DEV_SECRET, SESSION_TOKEN, invoke, provision_stack, x_emulator_for
from tests.conftest import sample, signature
from tests.local_server import http_call

SEND_BATCH = "AmazonSQS.SendMessageBatch"
BATCH_GET = "DynamoDB_20120810.BatchGetItem"
BATCH_WRITE = "DynamoDB_20120810.BatchWriteItem"
GET_SECRET = "secretsmanager.GetSecretValue"
STORE_FAILED = {"error": "events could not be stored; retry"}
DEDUP_FAILED = {"error": "events could not be checked for duplicates; retry"}
NOT_RECORDED = {"error": "events stored but not recorded as delivered; retry"}
SECRET_FAILED = {"error": "consumer secret unavailable"}
OWNER_ID = "2244994945"
CREDENTIALS = {
    "consumer_key": "fault-consumer-key",
    "bearer_token": "fault-bearer-token",
    "access_token": f"{OWNER_ID}-fault-owner-token",
    "access_token_secret": "fault-owner-token-secret",
}


def http_request(url, method, path, body=None, headers=None):
    status, _, data = http_call(url, method, path, body, headers)
    return status, json.loads(data or b"null")


class World:
    """The stack, the gateway over its functions, and a proxy per dependency."""

    def __init__(self, stack, gateway, proxies, extension, metrics):
        self.stack, self.gateway, self.proxies, self.extension = stack, gateway, proxies, extension
        self.metrics = metrics  # what the template's metric filters made of the functions' lines
        self.deliveries = 0

    def metric_appears(self, name):
        """True once a data point of metric `name` came from the functions' lines since the last reset."""
        try:
            return wait_until(lambda: any(entry["MetricName"] == name for entry in self.metrics), 5, what=name)
        except TimeoutError:
            return False

    def delivery(self, name="aaa/favorite_multi", age_seconds=0):
        """A fresh signed delivery (new natural ids, events that happened `age_seconds` ago): (body bytes,
        the events a consumer must get, once each). An hour-old event is read in the dedup table first
        (a replay's path); a new one skips the read (SQS FIFO's deduplication covers it)."""
        self.deliveries += 1
        salt = f"f{id(self) % 1000:03d}{self.deliveries:04d}"
        document = freshen(sample(name), salt, now=time.time() - age_seconds)
        body = json.dumps(document, separators=(",", ":")).encode()
        events = [json.dumps(item, sort_keys=True) for item in document["favorite_events"]]
        return body, events

    def post(self, body):
        headers = {"Content-Type": "application/json", "X-Twitter-Webhooks-Signature": signature(body, DEV_SECRET)}
        return http_request(self.gateway.url, "POST", "/webhook", body, headers)

    def consumed(self):
        """What a consumer gets: each message's original event, as canonical JSON."""
        return [json.dumps(json.loads(m["Body"])["event"], sort_keys=True) for m in self.stack.drain()]

    def recover(self):
        for proxy in self.proxies.values():
            proxy.clear()
            proxy.accept_connections()

    def reset(self):
        self.recover()
        self.stack.drain()
        self.metrics.clear()


@contextlib.contextmanager
def faulty_world(moto_server, template, tmp_path, parameters=None):
    proxies = {name: FaultProxy(moto_server.endpoint).start() for name in ("sqs", "dynamodb", "secretsmanager")}
    extension = ExtensionStub(proxies["secretsmanager"].url, SESSION_TOKEN, secrets_ttl=0, timeout_seconds=2).start()
    stack = provision_stack(template, moto_server, extension, parameters=parameters or {})
    provisioned = stack.provisioned
    # Every call for the secret goes to the extension, every AWS call through its proxy.
    overrides = {
        "AWS_ENDPOINT_URL_SQS": proxies["sqs"].url,
        "AWS_ENDPOINT_URL_DYNAMODB": proxies["dynamodb"].url,
        "SECRET_CACHE_SECONDS": "0",
    }
    filters = MetricFilters.from_template(template)
    metrics = []
    gateway = Gateway(
        {name: stack.env(name, **overrides) for name in ("crc", "ingest")},
        instances=1,
        function_log=str(tmp_path / "functions.log"),
        timeouts=provisioned.timeouts,
        log_sink=lambda function, line: metrics.extend(filters.data(function, line)),
    ).start()
    try:
        yield World(stack, gateway, proxies, extension, metrics)
    finally:
        gateway.stop()
        extension.stop()
        for proxy in proxies.values():
            proxy.stop()
        teardown(provisioned)


@pytest.fixture(scope="module")
def world(moto_server, template, tmp_path_factory):
    with faulty_world(moto_server, template, tmp_path_factory.mktemp("faults")) as made:
        yield made


@pytest.fixture
def receive(world):
    world.reset()
    yield world
    world.reset()


def refuse(proxy):
    proxy.refuse_connections()


LAMBDA_TIMEOUT = {"message": "Internal Server Error"}  # what the HTTP API answers when Lambda ends the invocation

# fault name -> (which proxy, how it fails, the answer X gets; the metric that tells the recovery)
RECEIVE_FAULTS = {
    "sqs-connection-refused": ("sqs", refuse, 503, STORE_FAILED),
    "sqs-connection-reset": ("sqs", lambda p: p.add(Reset(), target=SEND_BATCH), 503, STORE_FAILED),
    "sqs-internal-error-500": (
        "sqs",
        lambda p: p.add(aws_error("InternalFailure", "internal", 500, sqs=True), target=SEND_BATCH),
        503,
        STORE_FAILED,
    ),
    "sqs-service-unavailable-503": (
        "sqs",
        lambda p: p.add(Status(503, b"Service Unavailable", {"Content-Type": "text/plain"}), target=SEND_BATCH),
        503,
        STORE_FAILED,
    ),
    "sqs-throttled": (
        "sqs",
        lambda p: p.add(aws_error("RequestThrottled", "Request is throttled.", sqs=True), target=SEND_BATCH),
        503,
        STORE_FAILED,
    ),
    "sqs-partial-batch-failure-that-lasts": (
        "sqs",
        lambda p: p.add(PartialBatch(fail=1), target=SEND_BATCH),
        503,
        STORE_FAILED,
    ),
    # FAST_FAIL waits 2 s per attempt, 2 attempts per call, PUBLISH_ATTEMPTS 3 calls: 12 s > ingest's 10 s Timeout.
    # The delayed request never reaches moto (then=Reset), as a timed-out request may not.
    "sqs-slower-than-the-function-timeout": (
        "sqs",
        lambda p: p.add(Delay(2.5, then=Reset()), target=SEND_BATCH),
        500,
        LAMBDA_TIMEOUT,
    ),
    "dynamodb-connection-refused": ("dynamodb", refuse, 503, DEDUP_FAILED),
    "dynamodb-throttled": (
        "dynamodb",
        lambda p: p.add(aws_error("ProvisionedThroughputExceededException", "Rate exceeded"), target=BATCH_GET),
        503,
        DEDUP_FAILED,
    ),
    "dynamodb-internal-error": (
        "dynamodb",
        lambda p: p.add(aws_error("InternalServerError", "internal", 500), target=BATCH_GET),
        503,
        DEDUP_FAILED,
    ),
    "dynamodb-write-fails-after-the-send": (
        "dynamodb",
        lambda p: p.add(aws_error("InternalServerError", "internal", 500), target=BATCH_WRITE),
        503,
        NOT_RECORDED,
    ),
    "secrets-manager-connection-refused": ("secretsmanager", refuse, 503, SECRET_FAILED),
    "secrets-manager-internal-error": (
        "secretsmanager",
        lambda p: p.add(aws_error("InternalServiceError", "internal", 500), target=GET_SECRET),
        503,
        SECRET_FAILED,
    ),
    "secrets-manager-throttled": (
        "secretsmanager",
        lambda p: p.add(aws_error("ThrottlingException", "Rate exceeded"), target=GET_SECRET),
        503,
        SECRET_FAILED,
    ),
}


READ_FAULTS = {"dynamodb-connection-refused", "dynamodb-throttled", "dynamodb-internal-error"}


@pytest.mark.parametrize("fault", list(RECEIVE_FAULTS))
def test_a_dependency_fault_is_a_503_and_x_retry_after_recovery_stores_each_event_once(receive, fault):
    which, inject, status, answer = RECEIVE_FAULTS[fault]
    # the faults of the dedup read are met by events old enough to be read first (a replay's path)
    body, events = receive.delivery(age_seconds=3600 if fault in READ_FAULTS else 0)
    # Given the dependency failing
    inject(receive.proxies[which])
    # When X delivers: the answer makes X retry, nothing is silently dropped
    assert receive.post(body) == (status, answer)
    # And the metric the recovery reads (admin.delivery_failures) counts it
    assert receive.metric_appears("DeliveriesTimedOut" if status == 500 else "DeliveriesFailed"), receive.metrics
    # Then, once the dependency is back, X's retry (the same signed body) is accepted ...
    receive.recover()
    retried_status, retried = receive.post(body)
    assert retried_status == 200, retried
    assert retried["events"] == len(events), retried
    # ... and every event is on the queue exactly once, whatever reached SQS during the fault
    consumed = receive.consumed()
    assert Counter(consumed) == Counter(events), fault
    # And a later copy (a replay) is acknowledged without a second message
    # (a fresh event skips the dedup read: SQS FIFO's deduplication drops the copy, docs/messages.md "Exactly once")
    again_status, again = receive.post(body)
    assert again_status == 200
    assert again["events"] == len(events)
    assert receive.consumed() == []
    assert receive.consumed() == []


def test_a_partial_batch_failure_once_is_retried_inside_the_delivery(receive):
    body, events = receive.delivery()
    rule = receive.proxies["sqs"].add(PartialBatch(fail=2), target=SEND_BATCH, count=1)
    status, answer = receive.post(body)
    assert (status, answer["sent"]) == (200, len(events))
    assert rule.hits == 1
    assert Counter(receive.consumed()) == Counter(events)


def test_a_throttled_read_of_the_dedup_table_that_clears_is_retried_by_the_sdk(receive):
    body, events = receive.delivery()
    receive.proxies["dynamodb"].add(aws_error("ThrottlingException", "Rate exceeded"), target=BATCH_GET, count=1)
    assert receive.post(body)[0] == 200  # botocore's standard retry takes one throttle
    assert Counter(receive.consumed()) == Counter(events)


@pytest.mark.parametrize("fault", ["secrets-manager-connection-refused", "secrets-manager-internal-error"])
def test_the_crc_answers_503_never_a_guess_while_secrets_manager_is_down(receive, fault):
    which, inject, _, _ = RECEIVE_FAULTS[fault]
    inject(receive.proxies[which])
    assert http_request(receive.gateway.url, "GET", "/webhook?crc_token=abc") == (503, SECRET_FAILED)
    receive.reset()
    status, answer = http_request(receive.gateway.url, "GET", "/webhook?crc_token=abc")
    assert status == 200
    assert answer["response_token"].startswith("sha256=")


def test_on_a_standard_queue_a_partial_failure_and_x_retry_still_store_each_event_once(moto_server, template, tmp_path):
    with faulty_world(moto_server, template, tmp_path, {"QueueType": "standard"}) as standard:
        body, events = standard.delivery()
        standard.proxies["sqs"].add(PartialBatch(fail=1), target=SEND_BATCH)
        assert standard.post(body) == (503, STORE_FAILED)
        standard.proxies["sqs"].clear()
        assert standard.post(body)[0] == 200
        assert Counter(standard.consumed()) == Counter(events)


# --- X's API --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def x_world(moto_server, template, tmp_path_factory):
    """The admin function against X's emulator through a fault proxy; X's CRCs reach a real gateway."""
    port = free_port()
    owner = {OWNER_ID: (CREDENTIALS["access_token"], CREDENTIALS["access_token_secret"])}
    emulator = x_emulator_for(CREDENTIALS, owner).start()
    proxy = FaultProxy(emulator.base_url, keep_host=True).start()  # OAuth 1.0a signs the URL admin called
    extension = ExtensionStub(moto_server.endpoint, SESSION_TOKEN, secrets_ttl=0).start()
    stack = provision_stack(
        template,
        moto_server,
        extension,
        credentials=CREDENTIALS,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        x_api_base_url=proxy.url,
    )
    provisioned = stack.provisioned
    gateway = Gateway(
        {name: stack.env(name) for name in ("crc", "ingest")},
        port=port,
        instances=1,
        function_log=str(tmp_path_factory.mktemp("xfaults") / "functions.log"),
    ).start()
    admin = stack.load("admin", X_API_TIMEOUT_SECONDS="1")
    try:
        yield admin, proxy, emulator
    finally:
        gateway.stop()
        proxy.stop()
        emulator.stop()
        extension.stop()
        teardown(provisioned)


@pytest.fixture
def x(x_world):
    admin, proxy, emulator = x_world
    proxy.clear()
    proxy.accept_connections()
    yield admin, proxy, emulator
    proxy.clear()
    proxy.accept_connections()


def x_reached(proxy):
    return [request for request in proxy.requests if request[1].startswith("/2/")]


X_FAULTS = {
    "x-times-out": (
        lambda p: p.add(Delay(1.6), path_prefix="/2/webhooks"),
        "X API unavailable for list webhooks after 3 attempt(s): ReadTimeout talking to 127.0.0.1:",
        3,
    ),
    "x-answers-502": (
        lambda p: p.add(Status(502, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"})),
        "X API unavailable for list webhooks after 3 attempt(s): HTTP 502: <html>502 Bad Gateway</html>",
        3,
    ),
    "x-answers-503-with-its-problem-body": (
        lambda p: p.add(Status(503, json.dumps({"title": "Service Unavailable", "detail": "Over capacity"}).encode())),
        "HTTP 503: Service Unavailable; Over capacity",
        3,
    ),
    "x-resets-the-connection": (
        lambda p: p.add(Reset()),
        "X API unavailable for list webhooks after 3 attempt(s): ConnectionError talking to 127.0.0.1:",
        3,
    ),
    "x-refuses-connections": (
        lambda p: p.refuse_connections(),
        "X API unavailable for list webhooks after 3 attempt(s): ConnectionError talking to 127.0.0.1:",
        0,
    ),
}


# ensure (the schedule, and the WebhookValid metric) against each; status against the first two
X_CASES = [(fault, "ensure") for fault in X_FAULTS] + [(fault, "status") for fault in list(X_FAULTS)[:2]]


@pytest.mark.parametrize(("fault", "action"), X_CASES)
def test_x_unavailable_is_ok_false_with_the_reason_then_the_action_succeeds(x, fault, action):
    admin, proxy, _ = x
    inject, reason, attempts = X_FAULTS[fault]
    before = len(x_reached(proxy))
    inject(proxy)
    result = invoke(admin, {"action": action})
    assert result["ok"] is False, result
    assert reason in result["error"], result
    assert len(x_reached(proxy)) - before == attempts  # bounded retries, no loop
    if action == "ensure":
        assert result["webhook_valid"] is False  # WebhookValid 0: the alarm sees it
    assert "Traceback" not in json.dumps(result)
    proxy.clear()
    proxy.accept_connections()
    recovered = invoke(admin, {"action": action})
    assert recovered["ok"] is True, recovered
    if action == "ensure":
        assert recovered["webhook_valid"] is True


def test_x_rate_limit_is_ok_false_with_when_to_try_again_and_no_retry(x):
    admin, proxy, emulator = x
    invoke(admin, {"action": "ensure"})  # registered and valid
    reset = int(emulator.now()) + 600
    headers = {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    body = json.dumps({"title": "Too Many Requests", "detail": "Too Many Requests"}).encode()
    proxy.add(Status(429, body, headers), path_prefix="/2/webhooks/replay")
    before = len(x_reached(proxy))
    result = invoke(admin, {"action": "replay", "from": "-30m"})
    assert result["ok"] is False
    assert "X rate limit reached for replay; it resets at" in result["error"]
    assert result["rate_limit_reset_epoch"] == reset
    assert 590 <= result["retry_after_seconds"] <= 600
    assert result["x_error"] == {"status": 429, "rate_limit_limit": 100}
    assert len(x_reached(proxy)) - before == 2  # list webhooks, then one replay call: never retried
    proxy.clear()
    assert invoke(admin, {"action": "replay", "from": "-30m"})["ok"] is True
