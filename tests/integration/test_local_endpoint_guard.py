"""The local AWS endpoint (moto behind localdev.moto_guard) refuses what a web page could send, keeps
serving every signed client, and shows queues through its tap without receiving anything."""

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from localdev.moto_server import PortInUse, check_port_free
from localdev.testing import moto_server  # noqa: F401 - the fixture
from xwebhook.cli.local_endpoint import QueueTap, queue_name, signed_request


def plain(url, headers=None, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}, method=method)) as answer:  # noqa: S310
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_an_unsigned_request_is_refused_with_a_reason(moto_server):  # noqa: F811
    status, _, body = plain(moto_server.endpoint + "/?Action=ListSecrets")
    assert status == 403
    assert "unsigned request" in json.loads(body)["error"]


def test_a_cross_origin_request_is_refused_even_when_signed(moto_server):  # noqa: F811
    request = signed_request(moto_server.endpoint + "/?Action=ListQueues")
    request.add_header("Origin", "https://a-site-the-developer-visits.example")
    try:
        urllib.request.urlopen(request)  # noqa: S310
        status, headers = 200, {}
    except urllib.error.HTTPError as exc:
        status, headers = exc.code, dict(exc.headers)
    assert status == 403
    assert not any(name.lower().startswith("access-control-") for name in headers)


def test_a_cors_preflight_gets_no_permission(moto_server):  # noqa: F811
    status, headers, _ = plain(
        moto_server.endpoint + "/",
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        method="OPTIONS",
    )
    assert status == 403
    assert "access-control-allow-origin" not in {name.lower() for name in headers}


def test_a_request_for_another_host_name_is_refused(moto_server):  # noqa: F811
    # DNS rebinding: a page's own name resolving to 127.0.0.1 makes same-origin requests with its Host.
    request = signed_request(moto_server.endpoint + "/?Action=ListQueues")
    request.add_unredirected_header("Host", f"rebound.example:{moto_server.port}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310
    assert refused.value.code == 403
    assert "is not this local endpoint" in json.loads(refused.value.read())["error"]


def test_boto3_with_any_credentials_still_works(moto_server):  # noqa: F811
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="anything",
        aws_secret_access_key="at-all",
    )
    url = sqs.create_queue(QueueName="guard-any-credentials")["QueueUrl"]
    try:
        assert url.endswith("/guard-any-credentials")
    finally:
        sqs.delete_queue(QueueUrl=url)


@pytest.fixture
def queues(moto_server):  # noqa: F811
    from localdev import stack

    sqs = stack.aws_client({"aws_endpoint": moto_server.endpoint}, "sqs")
    dlq = sqs.create_queue(QueueName="guard-tap-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    url = sqs.create_queue(QueueName="guard-tap", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    yield sqs, url, dlq
    sqs.delete_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=dlq)


def test_the_tap_shows_sent_messages_without_receiving_them(moto_server, queues):  # noqa: F811
    sqs, url, _ = queues
    tap = QueueTap(moto_server.endpoint, queue_name(url))
    _, start = tap.added()
    sqs.send_message(
        QueueUrl=url,
        MessageBody="one",
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "favorite"}},
    )
    sqs.send_message(QueueUrl=url, MessageBody="two")

    added, last = tap.added(after=start, wait=2)
    held, _ = tap.held()

    assert [m["body"] for m in added] == ["one", "two"]
    assert last == start + 2
    assert added[0]["message_attributes"]["event_type"]["StringValue"] == "favorite"
    assert [(m["body"], m["receive_count"], m["visible"]) for m in held] == [("one", 0, True), ("two", 0, True)]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert sorted(m["Body"] for m in received) == ["one", "two"]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in received} == {"1"}  # the tap counted no receive


def test_the_tap_sees_messages_moved_to_the_dead_letter_queue(moto_server, queues):  # noqa: F811
    sqs, url, dlq = queues
    tap = QueueTap(moto_server.endpoint, queue_name(dlq))
    _, start = tap.added()
    sqs.send_message(QueueUrl=url, MessageBody="doomed")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)  # past maxReceiveCount: moto moves it

    added, _ = tap.added(after=start, wait=2)

    assert [m["body"] for m in added] == ["doomed"]
    assert added[0]["queue"] == "guard-tap-dlq"


def test_the_tap_long_polls_until_a_message_arrives_or_the_wait_ends(moto_server, queues):  # noqa: F811
    _, url, _ = queues
    tap = QueueTap(moto_server.endpoint, queue_name(url))
    _, start = tap.added()
    assert tap.added(after=start, wait=0.3) == ([], start)


def test_the_tap_says_which_sends_a_fifo_queue_kept_and_which_it_dropped_as_a_copy(moto_server, monkeypatch):  # noqa: F811
    from localdev import queue_fate, stack
    from localdev.lambda_runtime import trace_header, trace_key

    sqs = stack.aws_client({"aws_endpoint": moto_server.endpoint}, "sqs")
    url = sqs.create_queue(QueueName="guard-fate.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    # As in a function instance: botocore sends the invocation's trace header with each call.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "xwebhook-ingest")
    entries = [{"Id": str(n), "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"} for n in (0, 1)]
    monkeypatch.setenv("_X_AMZN_TRACE_ID", trace_header("first-invocation"))
    first = sqs.send_message_batch(QueueUrl=url, Entries=entries[:1])["Successful"]
    monkeypatch.setenv("_X_AMZN_TRACE_ID", trace_header("second-invocation"))
    again = sqs.send_message_batch(QueueUrl=url, Entries=entries[1:])["Successful"]
    try:
        assert len(again) == 1  # SQS answers success for the copy it drops: its answer cannot tell ingest
        kept = queue_fate.delivery_fate(moto_server.endpoint, "first-invocation")
        dropped = queue_fate.delivery_fate(moto_server.endpoint, "second-invocation")
        assert (kept.kept, kept.dropped) == (1, 0)
        assert (dropped.kept, dropped.dropped) == (0, 1)
        assert dropped.sends[0]["trace"] == trace_key("second-invocation")
        by_id = queue_fate.sends(moto_server.endpoint, message_ids=[first[0]["MessageId"], again[0]["MessageId"]])
        assert [send["kept"] for send in by_id] == [True, False]
        by_dedup = queue_fate.sends(moto_server.endpoint, deduplication_ids=["d"], queue="guard-fate.fifo")
        assert [(send["deduplication_id"], send["kept"]) for send in by_dedup] == [("d", True), ("d", False)]
        assert queue_fate.delivery_fate(moto_server.endpoint, "an-invocation-that-sent-nothing").sends == []
    finally:
        sqs.delete_queue(QueueUrl=url)


def test_a_follower_of_the_taps_sends_answers_each_invocations_fate_without_asking(moto_server, monkeypatch):  # noqa: F811
    from localdev import queue_fate, stack
    from localdev.lambda_runtime import trace_header

    sqs = stack.aws_client({"aws_endpoint": moto_server.endpoint}, "sqs")
    url = sqs.create_queue(QueueName="guard-follow.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    follower = queue_fate.SendsFollower(moto_server.endpoint, wait=1).start()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "xwebhook-ingest")
    try:
        time.sleep(0.3)  # the follower's first poll: it follows from there
        for request_id, dedup_ids in (("first", ["a", "b"]), ("again", ["b", "c"])):
            monkeypatch.setenv("_X_AMZN_TRACE_ID", trace_header(request_id))
            entries = [
                {"Id": dedup_id, "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": dedup_id}
                for dedup_id in dedup_ids
            ]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert follower.fate("first", 2).as_dict() == {"kept": 2, "dropped": 0}
        assert follower.fate("again", 2).as_dict() == {"kept": 1, "dropped": 1}
        assert follower.fate("never-sent", 1, timeout=0.2) is None
    finally:
        follower.stop()
        sqs.delete_queue(QueueUrl=url)


def test_a_follower_of_an_endpoint_without_a_tap_answers_none_at_once():
    from localdev.queue_fate import SendsFollower

    follower = SendsFollower("http://127.0.0.1:9", wait=0.2).start()
    started = time.monotonic()
    assert follower.fate("request", 1, timeout=0.3) is None
    assert time.monotonic() - started < 1
    follower.stop()


def test_asking_the_tap_about_sends_without_naming_any_is_a_400(moto_server):  # noqa: F811
    from localdev import queue_fate

    request = signed_request(moto_server.endpoint + "/_xwebhook/sqs/sends?queue=q")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310
    assert refused.value.code == 400
    assert queue_fate.sends(moto_server.endpoint) == []


def test_an_endpoint_without_a_tap_is_a_clear_error():
    from localdev import queue_fate

    with pytest.raises(queue_fate.QueueFateUnavailable):
        queue_fate.delivery_fate("http://127.0.0.1:9", "request", timeout=0.5)


# --- the port probe ---------------------------------------------------------------------------------------


def _time_wait_port():
    """A port whose only trace is a connection in TIME_WAIT (what a server stopped by Ctrl-C leaves)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection goes to TIME_WAIT
    client.recv(1)
    client.close()
    server.close()
    return port


def test_a_port_left_in_time_wait_by_a_stopped_server_counts_as_free():
    port = _time_wait_port()
    states = subprocess.run(["ss", "-tan", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert "TIME-WAIT" in states  # the situation the probe used to trip on
    check_port_free(port, "local gateway", "PORT")  # does not raise


def test_a_port_something_listens_on_is_still_refused_naming_the_setting():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUse, match=f"port {port} \\(local gateway\\) is already in use.*set PORT"):
            check_port_free(port, "local gateway", "PORT")
