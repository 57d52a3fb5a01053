"""The local HTTP API over real HTTP, in front of the real handlers running as instances of their own."""

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from localdev import gateway as gateway_module
from localdev.gateway import MAX_BODY_BYTES, Gateway
from localdev.send import freshen
from localdev.testing import message_bodies
from tests.conftest import DEV_SECRET, sample, sample_bytes, signature
from tests.local_server import http_call
from xwebhook.receive.signing import sign
from xwebhook.receive.splitting import split_delivery


def request(url, method, path, body=None, headers=None):
    return http_call(url, method, path, body, headers, timeout=30)


def signed_post(gateway, body, secret=DEV_SECRET):
    headers = {"Content-Type": "application/json", "X-Twitter-Webhooks-Signature": signature(body, secret)}
    return request(gateway.url, "POST", "/webhook", body, headers)


@pytest.fixture
def gateway_for(local_stack, tmp_path):
    """gateway_for(**options) -> a started Gateway over local_stack's crc and ingest; stopped after the test."""
    started = []

    def make(functions=None, **options):
        options.setdefault("function_log", str(tmp_path / "functions.log"))
        functions = functions or {name: local_stack.env(name) for name in ("crc", "ingest")}
        gateway = Gateway(functions, **options).start()
        started.append(gateway)
        return gateway

    yield make
    for gateway in started:
        gateway.stop()


def test_a_crc_round_trip_over_http(local_stack, gateway_for):
    gateway = gateway_for()
    status, headers, body = request(gateway.url, "GET", "/webhook?crc_token=round-trip-token")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"response_token": sign(DEV_SECRET.encode(), b"round-trip-token")}
    assert headers["apigw-requestid"]


def test_a_signed_post_lands_on_the_queue_and_is_printed(local_stack, gateway_for):
    out = io.StringIO()
    gateway = gateway_for(out=out)
    status, _, body = signed_post(gateway, sample_bytes("aaa/favorite_multi"))
    assert status == 200
    assert json.loads(body)["sent"] == 3
    assert len(local_stack.drain()) == 3
    line = out.getvalue().strip()
    assert line.split()[1:6] == ["POST", "/webhook", "200", "sent=3", "kept=3"]
    assert gateway.enqueued == 3
    assert gateway.recent[-1]["queue"] == {"sent": 3, "duplicates": 0, "kept": 3, "dropped": 0}


def test_a_copy_the_fifo_queue_drops_is_shown_as_dropped_not_as_enqueued(local_stack, gateway_for):
    # Fresh events skip the dedup read: SQS's FIFO deduplication drops the copy, and answers success for it.
    out = io.StringIO()
    gateway = gateway_for(out=out)
    body = json.dumps(freshen(sample("aaa/favorite"), "dropped-copy")).encode()
    assert signed_post(gateway, body)[0] == 200
    status, _, answer = signed_post(gateway, body)
    assert (status, json.loads(answer)["sent"]) == (200, 1)  # ingest cannot tell: SQS accepted it
    first, second = out.getvalue().splitlines()
    assert first.split()[4:6] == ["sent=1", "kept=1"]
    assert second.split()[4:7] == ["sent=1", "kept=0", "dropped=1"]
    assert gateway.recent[-1]["queue"] == {"sent": 1, "duplicates": 0, "kept": 0, "dropped": 1}
    assert gateway.enqueued == 1
    assert len(local_stack.drain()) == 1


def test_bodies_can_be_handed_over_base64_encoded(local_stack, gateway_for):
    gateway = gateway_for(base64_bodies=True)
    status, _, _ = signed_post(gateway, sample_bytes("xaa/post.create"))
    assert status == 200
    assert message_bodies(local_stack.drain())[0]["event_type"] == "post.create"


@pytest.mark.parametrize(("method", "path"), [("GET", "/"), ("POST", "/webhook/"), ("PUT", "/webhook"), ("GET", "/x")])
def test_other_routes_are_404_like_api_gateway(gateway_for, method, path):
    gateway = gateway_for(prewarm=False)
    status, _, body = request(gateway.url, method, path)
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_a_body_over_10_mib_is_413_before_any_function_runs(local_stack, gateway_for):
    gateway = gateway_for(prewarm=False)
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    status, _, answer = signed_post(gateway, body)
    assert (status, json.loads(answer)) == (413, {"message": "Request Entity Too Large"})
    assert local_stack.peek_count() == 0
    assert gateway.pools["ingest"].cold_starts == 0


def test_a_function_that_fails_its_init_is_a_500(local_stack, gateway_for):
    broken = local_stack.env("ingest", EVENTS_QUEUE_URL="not-a-queue-url")  # ConfigError at import
    out = io.StringIO()
    gateway = gateway_for({"crc": local_stack.env("crc"), "ingest": broken}, out=out)
    assert "ingest: init failed: ConfigError: EVENTS_QUEUE_URL" in out.getvalue()  # said at start
    status, _, body = signed_post(gateway, sample_bytes("aaa/favorite"))
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    assert out.getvalue().count("init failed") == 2  # and on the request
    assert local_stack.peek_count() == 0


def test_concurrent_senders_get_every_event_on_the_queue_exactly_once(local_stack, gateway_for):
    # Given at most 3 instances of each function
    gateway = gateway_for(instances=3)
    deliveries = []
    for copy in range(8):
        for name in ("aaa/favorite_multi", "aaa/follow", "xaa/like.create"):
            deliveries.append(json.dumps(freshen(sample(name), f"{copy:04d}"), separators=(",", ":")).encode())
    expected = sorted(m.event_id for body in deliveries for m in split_delivery(json.loads(body), "t"))
    # When 12 senders post at once
    with ThreadPoolExecutor(12) as pool:
        statuses = [status for status, _, _ in pool.map(lambda body: signed_post(gateway, body), deliveries)]
    # Then all are accepted, each event is on the queue once, and no more instances ran than allowed
    assert statuses == [200] * len(deliveries)
    received = sorted(b["event_id"] for b in message_bodies(local_stack.drain()))
    assert received == expected
    assert len(set(expected)) == len(expected)
    assert gateway.pools["ingest"].cold_starts <= 3


def test_each_instance_handles_one_request_at_a_time(local_stack, gateway_for, monkeypatch):
    # Given invocations watched per instance
    busy, most, lock = set(), [0], threading.Lock()
    invoke = gateway_module._Instance.invoke

    def watched(instance, event, request_id):
        with lock:
            assert instance not in busy, "an instance was handed a second request while busy"
            busy.add(instance)
            most[0] = max(most[0], len(busy))
        try:
            return invoke(instance, event, request_id)
        finally:
            with lock:
                busy.discard(instance)

    monkeypatch.setattr(gateway_module._Instance, "invoke", watched)
    gateway = gateway_for(instances=2)
    # When 6 clients send 12 CRCs at once
    with ThreadPoolExecutor(6) as executor:
        statuses = list(executor.map(lambda i: request(gateway.url, "GET", f"/webhook?crc_token=t{i}")[0], range(12)))
    # Then all are answered, by at most 2 instances, never two requests in one instance at a time
    assert statuses == [200] * 12
    assert 1 <= most[0] <= 2
    assert gateway.pools["crc"].cold_starts <= 2


def test_function_logs_never_hold_the_secret(local_stack, gateway_for, tmp_path):
    gateway = gateway_for()
    request(gateway.url, "GET", "/webhook?crc_token=abc")
    signed_post(gateway, sample_bytes("aaa/favorite"))
    signed_post(gateway, sample_bytes("aaa/favorite"), "forged")
    gateway.stop()
    logs = (tmp_path / "functions.log").read_text()
    assert '"message":"crc"' in logs
    assert '"message":"delivery"' in logs
    assert DEV_SECRET not in logs


def raw_exchange(gateway, data):
    """Send `data` as it is on one connection; the answer's status line and the rest."""
    import socket

    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as connection:
        connection.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0].decode(), received


@pytest.mark.parametrize("size", [b"-5", b"-0x10", b"+5", b"0x10", b"zz"])
def test_a_chunked_body_with_a_negative_or_malformed_chunk_size_is_400_and_nothing_runs(local_stack, gateway_for, size):
    gateway = gateway_for(prewarm=False)
    request_bytes = (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        + size
        + b"\r\n{}\r\n0\r\n\r\n"
    )

    status_line, _ = raw_exchange(gateway, request_bytes)

    assert status_line == "HTTP/1.1 400 Bad Request"
    assert gateway.pools["ingest"].cold_starts == 0
    assert local_stack.peek_count() == 0


def test_a_well_formed_chunked_body_still_reaches_the_function(local_stack, gateway_for):
    gateway = gateway_for()
    body = sample_bytes("xaa/post.create")
    head = (
        "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
        f"X-Twitter-Webhooks-Signature: {signature(body, DEV_SECRET)}\r\n\r\n"
    ).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))

    status_line, _ = raw_exchange(gateway, head + chunks + b"0\r\n\r\n")

    assert status_line == "HTTP/1.1 200 OK"
    assert len(local_stack.drain()) == 1


def test_request_paths_are_printed_escaped_so_they_cannot_drive_the_terminal(gateway_for):
    out = io.StringIO()
    gateway = gateway_for(out=out, prewarm=False)

    raw_exchange(gateway, b"GET /webhook\x1b]0;owned\x07\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n")

    from localdev.moto_server import wait_until

    line = wait_until(out.getvalue, 5, what="the request's line")  # printed once the answer is sent
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "/webhook\\x1b]0;owned\\x07\\x1b[2J 404" in line


def test_a_log_sink_gets_each_function_line_and_the_log_file_still_has_it(local_stack, gateway_for, tmp_path):
    lines = []
    gateway = gateway_for(log_sink=lambda function, line: lines.append((function, line)))
    request(gateway.url, "GET", "/webhook?crc_token=abc")
    signed_post(gateway, sample_bytes("aaa/favorite"))
    local_stack.drain()
    gateway.stop()
    assert [function for function, line in lines if '"message":' in line] == ["crc", "ingest"]
    logs = (tmp_path / "functions.log").read_text()
    assert all(line in logs for _, line in lines)


def test_an_invocation_over_its_timeout_is_a_500_and_lambda_s_timeout_line(local_stack, gateway_for, tmp_path):
    from localdev.fault_proxy import Delay, FaultProxy, Status

    with FaultProxy(local_stack.endpoint) as slow:
        slow.add(Delay(3.0, then=Status(503)))
        lines = []
        env = local_stack.env("ingest", AWS_ENDPOINT_URL_SQS=slow.url)
        gateway = gateway_for(
            {"crc": local_stack.env("crc"), "ingest": env},
            timeouts={"ingest": 1.0},
            log_sink=lambda function, line: lines.append((function, line)),
        )
        status, _, body = signed_post(gateway, sample_bytes("aaa/favorite"))
        gateway.stop()
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    (timed_out,) = [line for function, line in lines if "Task timed out after 1.00 seconds" in line]
    assert timed_out in (tmp_path / "functions.log").read_text()
    assert local_stack.peek_count() == 0


# --- what the gateway records for the console ------------------------------------------------------------------


def fresh_body(name, salt):
    return json.dumps(freshen(sample(name), salt), separators=(",", ":")).encode()


def test_a_delivery_is_recorded_with_its_request_id_headers_body_and_answer(local_stack, gateway_for):
    gateway = gateway_for()
    body = fresh_body("aaa/favorite", "7101")
    status, headers, answer = signed_post(gateway, body)
    (record,) = [record for record in gateway.recorded() if record.get("function") == "ingest"]
    assert record["request_id"] == headers["apigw-requestid"]
    assert record["status"] == status == 200
    assert record["body"] == body
    assert ("X-Twitter-Webhooks-Signature", signature(body, DEV_SECRET)) in record["headers"]
    assert json.loads(record["answer"]) == json.loads(answer)
    local_stack.drain()


def test_a_crc_request_is_recorded_without_its_headers(gateway_for):
    gateway = gateway_for()
    request(gateway.url, "GET", "/webhook?crc_token=recorded", headers={"Cookie": "a=b"})
    (record,) = gateway.recorded()
    assert (record["method"], record["path"], record["status"]) == ("GET", "/webhook", 200)
    assert "headers" not in record


def test_a_delivery_over_the_kept_size_is_recorded_without_its_body(local_stack, gateway_for, monkeypatch):
    monkeypatch.setattr(gateway_module, "KEEP_BODY_BYTES", 100)
    gateway = gateway_for()
    body = fresh_body("aaa/favorite", "7102")
    signed_post(gateway, body)
    (record,) = gateway.recorded()
    assert record["body"] is None
    assert record["body_bytes"] == len(body)
    local_stack.drain()


def test_recorded_after_a_sequence_number_gives_only_the_later_requests(gateway_for):
    gateway = gateway_for()
    for token in ("one", "two", "three"):
        request(gateway.url, "GET", f"/webhook?crc_token={token}")
    first = gateway.recorded()[0]["seq"]
    assert [record["seq"] for record in gateway.recorded(after=first)] == [first + 1, first + 2]
