"""End to end over real HTTP: `make run` (python -m localdev.run) as a process, then X's side of the
protocol against its gateway, and a plain SQS client on its AWS endpoint reading what arrived."""

import io
import json
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from localdev import queue as queue_cli
from localdev import send as send_cli
from localdev import stack
from localdev.testing import REPO, run_local_stack
from tests.conftest import DEV_SECRET, all_sample_names, sample, sample_bytes, signature
from xwebhook.receive.signing import sign
from xwebhook.receive.splitting import split_delivery


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the local gateway
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_signed(url, body, secret=DEV_SECRET):
    headers = {"Content-Type": "application/json", "X-Twitter-Webhooks-Signature": signature(body, secret)}
    return http("POST", url, body, headers)


def plain_sqs(state):
    # Any SQS client works: only the endpoint is local (as AWS_ENDPOINT_URL would make it).
    return boto3.client(
        "sqs",
        endpoint_url=state["aws_endpoint"],
        region_name=state["region"],
        aws_access_key_id="anything",
        aws_secret_access_key="anything",
    )


@pytest.fixture
def run(local_run):
    local_run.drain()  # each test starts from an empty queue
    return local_run


def test_the_state_file_says_where_everything_is(run):
    state = run.state
    for key in ("aws_endpoint", "region", "gateway_url", "webhook_url", "extension_port", "resources", "functions"):
        assert key in state
    assert state["webhook_url"] == state["gateway_url"] + "/webhook"
    assert set(state["resources"]) >= {
        "EventsQueue",
        "EventsDeadLetterQueue",
        "ConsumerSecret",
        "XApiCredentialsSecret",
        "DedupTable",
    }
    assert state["functions"]["ingest"]["EVENTS_QUEUE_URL"] == state["resources"]["EventsQueue"]
    assert state["consumer_secret_source"] == "X_CONSUMER_SECRET"
    assert DEV_SECRET not in json.dumps(state)  # the secret stays in the local Secrets Manager
    assert DEV_SECRET not in run.output()  # and a secret the user gave is never printed


def test_a_real_crc_round_trip(run):
    token = secrets.token_urlsafe(32)
    status, body = http("GET", f"{run.state['webhook_url']}?crc_token={token}")
    assert status == 200
    assert json.loads(body) == {"response_token": sign(DEV_SECRET.encode(), token.encode())}


def test_every_sample_posted_signed_puts_every_event_on_the_queue_exactly_once(run):
    names = all_sample_names()
    url = run.state["webhook_url"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda name: post_signed(url, sample_bytes(name)), names))
    assert [status for status, _ in answers] == [200] * len(names)
    expected = sorted(m.event_id for name in names for m in split_delivery(sample(name), "t"))
    sqs = plain_sqs(run.state)
    received = []
    queue_url = run.state["resources"]["EventsQueue"]
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not batch:
            break
        received += [json.loads(message["Body"])["event_id"] for message in batch]
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
    assert sorted(received) == expected


def test_a_forged_delivery_is_401_and_enqueues_nothing(run):
    status, body = post_signed(run.state["webhook_url"], sample_bytes("aaa/favorite"), "not-the-secret")
    assert status == 401
    assert json.loads(body) == {"error": "signature does not match the body"}
    assert run.drain() == []


def test_make_send_and_make_queue_work_against_the_stack(run, monkeypatch):
    monkeypatch.delenv("X_CONSUMER_SECRET", raising=False)  # send reads the secret from the stack
    state_file = str(run.state_file)
    out = io.StringIO()
    # make send ARGS='--kind favorite --kind post.create --fresh' (fresh ids: the samples were sent before)
    arguments = ["--state-file", state_file, "--kind", "favorite", "--kind", "post.create", "--fresh"]
    assert send_cli.main(arguments, out) == 0
    lines = out.getvalue().splitlines()
    assert [line.split()[:3] for line in lines[:2]] == [
        ["POST", "aaa/favorite", "200"],
        ["POST", "xaa/post.create", "200"],
    ]
    # make queue ARGS=--peek shows them and leaves them
    peeked = io.StringIO()
    assert queue_cli.main(["--state-file", state_file, "--peek"], peeked) == 0
    peeked_types = sorted(json.loads(line)["attributes"]["event_type"] for line in peeked.getvalue().splitlines())
    assert peeked_types == ["favorite", "post.create"]
    # make queue consumes them
    consumed = io.StringIO()
    assert queue_cli.main(["--state-file", state_file], consumed) == 0
    documents = [json.loads(line) for line in consumed.getvalue().splitlines()]
    assert sorted(d["body"]["event_type"] for d in documents) == ["favorite", "post.create"]
    assert all(d["group_id"] == d["attributes"]["for_user_id"] for d in documents)
    assert run.drain() == []


def test_make_send_forged_and_unsigned_are_rejected_and_reported_as_expected(run):
    state_file = str(run.state_file)
    for flag in ("--forge", "--unsigned"):
        out = io.StringIO()
        assert send_cli.main(["--state-file", state_file, "--family", "xaa", "--quiet", flag], out) == 0
        assert "answered 401 as expected" in out.getvalue()
    assert run.drain() == []


def test_make_send_crc_as_a_command(run):
    completed = subprocess.run(
        [sys.executable, "-m", "localdev.send", "--crc", "--state-file", str(run.state_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "the response token matches" in completed.stdout


def test_the_gateway_printed_one_line_per_request(run):
    status, _ = post_signed(run.state["webhook_url"], sample_bytes("aaa/favorite_multi"))
    assert status == 200
    run.drain()
    lines = [line for line in run.output().splitlines() if " POST /webhook 200 sent=3 kept=3" in line]
    assert lines


def test_a_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "localdev.run", "--state-file", str(tmp_path / "stack.json")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PORT": str(port), "AWS_PORT": "0"},
            check=False,
        )
    assert completed.returncode == 2
    assert f"port {port} (local gateway) is already in use" in completed.stderr
    assert "PORT" in completed.stderr
    assert not (tmp_path / "stack.json").exists()


def test_with_x_emulator_the_admin_side_points_at_an_emulated_x(tmp_path):
    env = {"X_EMULATOR": "1", "X_CONSUMER_SECRET": DEV_SECRET}
    with run_local_stack(tmp_path / "emulated", env=env) as running:
        state = running.state
        emulator = state["emulator_url"]
        assert emulator
        assert state["functions"]["admin"]["X_API_BASE_URL"] == emulator
        assert state["functions"]["admin"]["WEBHOOK_URL"] == state["webhook_url"]
        manager = running.client("secretsmanager")
        credentials = json.loads(
            manager.get_secret_value(SecretId=state["resources"]["XApiCredentialsSecret"])["SecretString"]
        )
        assert all(credentials[key] for key in ("consumer_key", "bearer_token", "access_token", "access_token_secret"))
        # Registering the local webhook with the emulated X runs a real CRC against the gateway; it only
        # passes if the emulator and the functions share the consumer secret.
        status, body = http(
            "POST",
            f"{emulator}/2/webhooks",
            json.dumps({"url": state["webhook_url"]}).encode(),
            {"Authorization": f"Bearer {credentials['bearer_token']}", "Content-Type": "application/json"},
        )
        assert status == 200, body
        assert json.loads(body)["data"]["valid"] is True
        state_file = running.state_file
    # Stopping the stack removes its state file, so `make send` says nothing is running
    assert not state_file.exists()
    with pytest.raises(stack.StackNotRunning):
        stack.read_state(state_file)
