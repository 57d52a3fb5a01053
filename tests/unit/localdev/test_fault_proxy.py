"""localdev.fault_proxy in front of a small upstream: forwarding, rule matching and counts, each fault's effect."""

import http.client
import json
import socket

import pytest

from localdev.fault_proxy import Delay, FaultProxy, PartialBatch, Reset, Status, aws_error
from tests.local_server import JSON, LocalServer, QuietHandler, http_call

SIGV4 = "AWS4-HMAC-SHA256 Credential=local/20261127/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=0"


class Upstream:
    """Echoes what it got; a SendMessageBatch answers every entry as successful."""

    def __init__(self):
        self.seen = []
        upstream = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.seen.append((self.path, dict(self.headers), body))
                if self.headers.get("X-Amz-Target") == "AmazonSQS.SendMessageBatch":
                    entries = json.loads(body)["Entries"]
                    answer = {"Successful": [{"Id": e["Id"], "MessageId": "m" + e["Id"]} for e in entries]}
                else:
                    answer = {"path": self.path, "host": self.headers.get("Host")}
                self.answer(200, json.dumps(answer).encode(), JSON)

            do_GET = do_POST

        self._server = LocalServer(Handler)
        self.url = f"http://127.0.0.1:{self._server.port}"

    def close(self):
        self._server.close()


@pytest.fixture
def upstream():
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def proxy(upstream):
    with FaultProxy(upstream.url) as started:
        yield started


def call(proxy, path="/", body=b"{}", headers=None):
    return http_call(proxy.url, "POST", path, body, headers, timeout=10)


def test_without_faults_requests_pass_through_to_the_upstream_as_its_own_host(proxy, upstream):
    status, _, body = call(proxy, "/2/webhooks?x=1", headers={"Host": "api.example"})
    assert status == 200
    assert json.loads(body) == {"path": "/2/webhooks?x=1", "host": upstream.url.split("//")[1]}
    assert proxy.requests == [("POST", "/2/webhooks?x=1", None)]


def test_keep_host_passes_the_clients_host_for_signatures_over_the_url(upstream):
    with FaultProxy(upstream.url, keep_host=True) as proxy:
        _, _, body = call(proxy, "/2/webhooks", headers={"Host": "api.example"})
    assert json.loads(body)["host"] == "api.example"


def test_rules_match_on_target_service_and_path_and_apply_count_times(proxy, upstream):
    proxy.add(Status(503, b"down"), target="AmazonSQS.SendMessage", count=2)
    proxy.add(Status(500, b"ddb"), service="dynamodb")
    proxy.add(Status(404, b"x"), path_prefix="/2/webhooks")
    sqs = {"X-Amz-Target": "AmazonSQS.SendMessage", "Authorization": SIGV4.format("sqs")}
    assert [call(proxy, headers=sqs)[0] for _ in range(3)] == [503, 503, 200]
    assert call(proxy, headers={"Authorization": SIGV4.format("dynamodb")})[0] == 500
    assert call(proxy, "/2/webhooks/1")[0] == 404
    assert call(proxy, "/2/users")[0] == 200
    assert proxy.requests[3] == ("POST", "/", "dynamodb")
    proxy.clear()
    assert call(proxy, headers={"Authorization": SIGV4.format("dynamodb")})[0] == 200


def test_aws_errors_carry_the_json_protocol_shape():
    error = aws_error("RequestThrottled", "Request is throttled.", sqs=True)
    assert error.status == 400
    assert json.loads(error.body)["__type"] == "com.amazonaws.sqs#RequestThrottled"
    assert error.headers["x-amzn-query-error"] == "RequestThrottled;Sender"
    assert aws_error("InternalFailure", "x", 500, sqs=True).headers["x-amzn-query-error"] == "InternalFailure;Receiver"


def test_a_partial_batch_hides_entries_from_the_upstream_and_answers_them_failed(proxy, upstream):
    proxy.add(PartialBatch(fail=2), target="AmazonSQS.SendMessageBatch")
    entries = [{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)]
    status, _, body = call(
        proxy, body=json.dumps({"Entries": entries}).encode(), headers={"X-Amz-Target": "AmazonSQS.SendMessageBatch"}
    )
    answer = json.loads(body)
    assert status == 200
    assert [e["Id"] for e in answer["Successful"]] == ["2"]
    assert [(f["Id"], f["SenderFault"], f["Code"]) for f in answer["Failed"]] == [
        ("0", False, "InternalError"),
        ("1", False, "InternalError"),
    ]
    assert [e["Id"] for e in json.loads(upstream.seen[0][2])["Entries"]] == ["2"]


def test_a_reset_is_seen_as_a_dropped_connection(proxy):
    proxy.add(Reset())
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        call(proxy)


def test_a_delay_then_a_fault_keeps_the_request_from_the_upstream(proxy, upstream):
    proxy.add(Delay(0.2, then=Status(504, b"late")))
    assert call(proxy)[0] == 504
    assert upstream.seen == []


def test_refused_connections_come_back_on_the_same_port(proxy):
    port = proxy.port
    proxy.refuse_connections()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    proxy.accept_connections()
    assert proxy.port == port
    assert call(proxy)[0] == 200


def test_every_local_server_binds_127_0_0_1_only():
    from localdev.extension_stub import ExtensionStub
    from localdev.gateway import Gateway
    from localdev.moto_server import MotoServer

    for make in (
        lambda: FaultProxy("http://127.0.0.1:1", host="0.0.0.0"),
        lambda: Gateway({}, host="0.0.0.0"),
        lambda: MotoServer(host="0.0.0.0"),
        lambda: ExtensionStub("http://127.0.0.1:1", "t", host="0.0.0.0"),
    ):
        with pytest.raises(ValueError, match=r"bind 127\.0\.0\.1 only"):
            make()
