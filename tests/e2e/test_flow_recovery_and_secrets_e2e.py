"""The whole flow against `make run` with X's emulator (X_EMULATOR=1), once, then two questions about it:

1. Recovery without a person: while the events queue is gone, X's deliveries get 503s (X gives up: the
   emulator does not retry); the template's metric filters (localdev.metric_filters) turn ingest's lines into
   DeliveriesFailed in the local CloudWatch; the next ensure replays that window on its own, once, and every
   event reaches the queue exactly once.
2. No secret in any log or answer: the consumer secret, the bearer token, the access token and its secret,
   and the extension's token appear in none of the functions' log, moto's log, `make run`'s output, the
   admin function's log lines and results, any HTTP answer (status line, headers, body) or queue message,
   raw or encoded (URL-quoted, base64, JSON-escaped).

The flow: a CRC, register and subscribe (X's CRC through the gateway), status, signed deliveries, the
outage and its recovery, a manual replay, XAA list, a forged and an unsigned delivery.
"""

import base64
import contextlib
import io
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from localdev.handlers import environment, load_function
from localdev.moto_server import wait_until
from localdev.send import freshen
from localdev.stack import aws_client
from localdev.testing import run_local_stack
from tests.conftest import sample, signature
from xwebhook.recovery.delivery_failures import CloudWatchDeliveryFailures

OWNER_ID = "2244994945"
SECRETS = {
    "consumer secret": "e2e-CONSUMER-secret-Zq81nW0vKd3",
    "bearer token": "AAAAe2eBEARERtokenR4nd0mXy7",
    "access token": f"{OWNER_ID}-e2eACCESStoken9Lm2Q",
    "access token secret": "e2eACCESSsecretPp40Tt7aa",
}


class Recorder:
    """Every HTTP answer the flow got, whole: status line, headers and body."""

    def __init__(self):
        self.answers = []

    def http(self, method, url, body=None, headers=None):
        request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - the local stack
                status, head, data = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, head, data = error.code, error.headers, error.read()
        self.answers.append(f"{status} {url}\n{head}\n{data.decode('utf-8', 'replace')}")
        return status, json.loads(data) if data else None


class Flow:
    def __init__(self, running, recorder):
        self.running = running
        self.state = running.state
        self.recorder = recorder
        self.admin_output = io.StringIO()
        self.results = []
        emulator = self.state["emulator_url"]
        headers = {"Content-Type": "application/json"}
        if self.state.get("emulator_control_token"):  # the emulator's control plane may want its run's token
            headers["X-Emulator-Token"] = self.state["emulator_control_token"]
        self.control = lambda path, document=None: recorder.http(
            "POST", emulator + "/_emulator" + path, json.dumps(document or {}).encode(), headers
        )
        # The real admin handler with the stack's admin environment, as Lambda runs it; the recovery replays a
        # stretch as soon as it is over (the default waits 10 minutes for X's own retries: too long here).
        self.admin_env = {**self.state["functions"]["admin"], "REPLAY_SETTLE_MINUTES": "0"}
        with self.admin_logs(), environment(self.admin_env):
            self.admin_function = load_function("admin", self.admin_env, "xwebhook_flow_admin")

    @contextlib.contextmanager
    def admin_logs(self):
        """What the admin function writes, into admin_output: its metric lines (print) and its log lines
        (Powertools' handler keeps the stream it was made with, so it is pointed here for the call)."""
        handlers = [h for h in logging.getLogger("xwebhook").handlers if isinstance(h, logging.StreamHandler)]
        saved = [handler.stream for handler in handlers]  # not setStream: it flushes the old (maybe closed) one
        for handler in handlers:
            handler.stream = self.admin_output
        try:
            with contextlib.redirect_stdout(self.admin_output):
                yield
        finally:
            for handler, stream in zip(handlers, saved, strict=True):
                handler.stream = stream

    def admin(self, action, **fields):
        with self.admin_logs(), environment(self.admin_env):
            result = self.admin_function.handler({**fields, "action": action}, None)
        self.results.append(result)
        return result

    def deliver(self, payload):
        status, answer = self.control("/deliver", {"payload": payload})
        assert status == 200, answer
        return answer["status"]

    def drain(self):
        return self.running.drain()


def canonical(events):
    return [json.dumps(event, sort_keys=True) for event in events]


def favorites(salt):
    # Events of 10 minutes ago, as those of an outage are by the time ensure replays them (it waits for the
    # stretch to be over): past SQS FIFO's window, so ingest reads the dedup table for them. (This flow
    # also deletes and recreates the queue, which forgets the FIFO window's ids.)
    document = freshen(sample("aaa/favorite_multi"), salt, now=time.time() - 600)
    return document, canonical(document["favorite_events"])


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    env = {
        "X_EMULATOR": "1",
        "X_USER_ID": OWNER_ID,
        "X_CONSUMER_SECRET": SECRETS["consumer secret"],
        "X_CONSUMER_KEY": "e2e-consumer-key",
        "X_BEARER_TOKEN": SECRETS["bearer token"],
        "X_ACCESS_TOKEN": SECRETS["access token"],
        "X_ACCESS_TOKEN_SECRET": SECRETS["access token secret"],
    }
    recorder = Recorder()
    with run_local_stack(tmp_path_factory.mktemp("flow"), env=env) as running:
        flow = Flow(running, recorder)
        flow.extension_token = running.state["functions"]["ingest"]["AWS_SESSION_TOKEN"]
        flow.record = {}
        run_the_flow(flow)
    logs = running.state["logs"].items()
    flow.logs = {name: Path(path).read_text(errors="replace") for name, path in logs if path}
    flow.logs["make run output"] = running.output()
    yield flow


def run_the_flow(flow):
    webhook_url, record = flow.state["webhook_url"], flow.record
    # CRC, register (X's CRC through the gateway), subscribe, status
    record["crc"] = flow.recorder.http("GET", webhook_url + "?crc_token=e2e-challenge")
    record["register"] = flow.admin("ensure")
    record["status"] = flow.admin("status")
    # X delivers (signed by the emulator); 4 minutes "ago" on X's clock, so a replay window ending now covers them
    flow.control("/clock", {"advance": -240})
    before, before_events = favorites("e2e1")
    assert flow.deliver(before) == 200
    record["before"] = before_events
    record["queued_before"] = canonical(json.loads(m["Body"])["event"] for m in flow.drain())
    # the events queue is gone: every delivery is a 503, and X (the emulator) does not retry
    sqs = aws_client(flow.state, "sqs")
    queue_url = flow.state["resources"]["EventsQueue"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    sqs.delete_queue(QueueUrl=queue_url)
    during, during_events = favorites("e2e2")
    record["during_status"] = flow.deliver(during)
    record["during"] = during_events
    keep = ("FifoQueue", "DeduplicationScope", "FifoThroughputLimit", "MaximumMessageSize", "VisibilityTimeout")
    sqs.create_queue(
        QueueName=queue_url.rsplit("/", 1)[1], Attributes={k: v for k, v in attributes.items() if k in keep}
    )
    flow.control("/clock", {"advance": 240})
    # the metric filters turned ingest's 503 line into DeliveriesFailed in the local CloudWatch
    failures = CloudWatchDeliveryFailures(lambda: aws_client(flow.state, "cloudwatch"))
    now = int(time.time() // 60)
    wait_until(lambda: failures.failed_minutes(now - 10, now + 2), 20, what="DeliveriesFailed in CloudWatch")
    # the scheduled ensure replays the window on its own; the next one does nothing more
    record["recovering"] = flow.admin("ensure")
    job = record["recovering"]["recovery"]["started"]["job_id"]
    flow.control(f"/replay_jobs/{job}/wait", {"timeout": 30})
    record["queued_after"] = [json.loads(m["Body"]) for m in flow.drain()]
    record["recovered"] = flow.admin("ensure")
    # a person replays too, lists XAA subscriptions; a forger and a stranger post
    record["replay"] = flow.admin("replay", **{"from": "-10m"})
    flow.control(f"/replay_jobs/{record['replay']['job_id']}/wait", {"timeout": 30})
    record["after_manual_replay"] = flow.drain()
    record["xaa_list"] = flow.admin("xaa_list")
    body = json.dumps(favorites("e2e3")[0]).encode()
    forged = {"Content-Type": "application/json", "X-Twitter-Webhooks-Signature": signature(body, "forged")}
    record["forged"] = flow.recorder.http("POST", webhook_url, body, forged)
    record["unsigned"] = flow.recorder.http("POST", webhook_url, body, {"Content-Type": "application/json"})
    record["final_status"] = flow.admin("status")
    record["queued_last"] = flow.drain()


# --- 1. recovery ----------------------------------------------------------------------------------


def test_x_deliveries_while_the_queue_was_gone_got_a_503(flow):
    assert flow.record["during_status"] == 503
    assert flow.record["queued_before"] == flow.record["before"]


def test_ensure_replayed_the_outage_on_its_own_and_every_event_arrived_exactly_once(flow):
    recovery = flow.record["recovering"]["recovery"]
    assert recovery["ok"] is True, recovery
    assert recovery["started"]["why"] == "ingest 5xx", recovery
    assert flow.record["recovering"]["metrics"]["AutoReplayJobs"] == 1
    bodies = flow.record["queued_after"]
    events = Counter(canonical(body["event"] for body in bodies if body["event_type"] == "favorite"))
    # what failed is there once; what had arrived before the outage was not queued again
    assert events == Counter(flow.record["during"])
    assert [body["event_type"] for body in bodies if body["event_type"] != "favorite"] == ["replay_job_status"]


def test_the_next_ensure_replays_nothing_and_status_shows_what_was_done(flow):
    assert "started" not in flow.record["recovered"]["recovery"]
    shown = flow.record["final_status"]
    assert shown["last_ensure"]["ok"] is True
    assert shown["last_ensure"]["webhook_valid"] is True
    replayed = shown["recovery"]["replayed"]
    assert [entry["why"] for entry in replayed] == ["ingest 5xx", "replay action"]
    assert replayed[0]["job_id"] == flow.record["recovering"]["recovery"]["started"]["job_id"]


def test_a_manual_replay_of_the_same_window_queues_nothing_new_but_its_status(flow):
    assert flow.record["replay"]["ok"] is True
    types = [json.loads(m["Body"])["event_type"] for m in flow.record["after_manual_replay"]]
    assert types == ["replay_job_status"]


def test_forged_and_unsigned_deliveries_were_refused(flow):
    assert flow.record["forged"] == (401, {"error": "signature does not match the body"})
    assert flow.record["unsigned"] == (401, {"error": "x-twitter-webhooks-signature header is missing"})
    assert flow.record["queued_last"] == []


# --- 2. no secret anywhere ------------------------------------------------------------------------


def encodings(value):
    yield value
    yield urllib.parse.quote(value, safe="")
    yield urllib.parse.quote_plus(value)
    yield base64.b64encode(value.encode()).decode()
    yield base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
    yield json.dumps(value)[1:-1]


def everything_the_flow_left(flow):
    places = dict(flow.logs)
    places["admin log lines"] = flow.admin_output.getvalue()
    places["admin results"] = json.dumps(flow.results)
    places["HTTP answers"] = "\n".join(flow.recorder.answers)
    places["queue messages"] = json.dumps(flow.record["queued_after"])
    return places


def test_the_flow_left_logs_worth_scanning(flow):
    places = everything_the_flow_left(flow)
    assert '"message":"delivery"' in places["functions"]
    assert '"message":"crc"' in places["functions"]
    assert "admin ensure" in places["admin log lines"]
    assert "POST /webhook 503" in places["make run output"]
    assert len(flow.recorder.answers) >= 8
    assert "moto" in places  # its log is scanned too (quiet unless moto fails)


@pytest.mark.parametrize("secret", [*SECRETS, "extension token"])
def test_no_secret_or_token_appears_in_any_log_or_answer(flow, secret):
    value = flow.extension_token if secret == "extension token" else SECRETS[secret]
    assert len(value) >= 16
    for place, text in everything_the_flow_left(flow).items():
        for form in encodings(value):
            assert form not in text, f"the {secret} appears in {place}"
