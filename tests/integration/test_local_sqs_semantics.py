"""The local AWS endpoint behaves as SQS does where ingest, the consumers and the load test rely on it.

moto's own receive is not safe across its request threads: two concurrent receives could both take one
message, and take two messages of one FIFO group at once (`make load` once saw a message received twice).
localdev.moto_patches makes them take turns (tests/unit/localdev/test_moto_patches.py forces the race in
process); these tests hold the served endpoint to SQS's rules over HTTP, with receives concurrent."""

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from localdev import stack
from localdev.testing import moto_server  # noqa: F401 - the fixture
from xwebhook.cli.local_endpoint import signed_request

RECEIVERS = 12


def _client(moto):
    return stack.aws_client({"aws_endpoint": moto.endpoint}, "sqs")


@pytest.fixture
def queue(moto_server):  # noqa: F811
    sqs = _client(moto_server)
    url = sqs.create_queue(QueueName="semantics-standard")["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def fifo_queue(moto_server):  # noqa: F811
    sqs = _client(moto_server)
    url = sqs.create_queue(QueueName="semantics.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def _send(sqs, url, count, **fields):
    for start in range(0, count, 10):
        entries = [
            {"Id": str(n), "MessageBody": f"m{n}", **{k: v(n) for k, v in fields.items()}}
            for n in range(start, min(count, start + 10))
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def test_concurrent_receivers_never_get_the_same_message(moto_server, queue):  # noqa: F811
    sqs, url = queue
    _send(sqs, url, 240)
    barrier = threading.Barrier(RECEIVERS)

    def receive_until_empty(_):
        client = _client(moto_server)
        barrier.wait()
        got = []
        while True:
            messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300).get(
                "Messages", []
            )
            if not messages:
                return got
            got.extend(m["MessageId"] for m in messages)

    with ThreadPoolExecutor(RECEIVERS) as pool:
        received = [message_id for got in pool.map(receive_until_empty, range(RECEIVERS)) for message_id in got]

    assert len(received) == 240
    assert len(set(received)) == 240  # none given out twice while in flight


def test_a_fifo_group_in_flight_gives_nothing_more_to_concurrent_receivers(moto_server, fifo_queue):  # noqa: F811
    sqs, url = fifo_queue
    _send(sqs, url, 20, MessageGroupId=lambda n: "one-account", MessageDeduplicationId=lambda n: f"d{n}")
    barrier = threading.Barrier(RECEIVERS)

    def receive_once(_):
        client = _client(moto_server)
        barrier.wait()
        answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)
        return [m["Body"] for m in answer.get("Messages", [])]

    with ThreadPoolExecutor(RECEIVERS) as pool:
        received = [body for got in pool.map(receive_once, range(RECEIVERS)) for body in got]

    assert received == ["m0"]  # the group's first message, once; the rest wait for its delete


def test_a_long_poll_returns_a_message_sent_while_it_waits(queue):
    sqs, url = queue
    answers = []
    poll = threading.Thread(
        target=lambda: answers.append(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", []))
    )
    poll.start()
    time.sleep(0.5)
    sqs.send_message(QueueUrl=url, MessageBody="late")
    poll.join(timeout=15)

    assert not poll.is_alive()
    assert [m["Body"] for m in answers[0]] == ["late"]


def test_a_long_poll_on_an_empty_queue_ends_empty_after_its_wait(queue):
    sqs, url = queue
    started = time.monotonic()
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert time.monotonic() - started >= 0.9  # it waited (a bound on behaviour, not a speed figure)


def test_the_endpoint_keeps_a_connection_open_between_requests(moto_server):  # noqa: F811
    """Like AWS: an SDK's connection pool reuses its connections (werkzeug's server closed each one)."""
    connection = http.client.HTTPConnection("127.0.0.1", moto_server.port, timeout=10)
    try:
        for _ in range(2):
            request = signed_request(moto_server.endpoint + "/_xwebhook/sqs/added?after=0")
            connection.request("GET", request.selector, headers=dict(request.header_items()))
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            assert (answer.getheader("Connection") or "").lower() != "close"
    finally:
        connection.close()
