"""The Parameters and Secrets Lambda Extension stand-in, over HTTP, backed by moto."""

import json
import urllib.error
import urllib.request

import pytest

from localdev.extension_stub import TOKEN_HEADER, ExtensionStub
from localdev.moto_server import free_port
from localdev.testing import SESSION_TOKEN
from tests.fakes import Clock
from xwebhook.credentials.extension import SecretUnavailable, fetch_secret_string


def get(stub, path, headers=None, method="GET"):
    request = urllib.request.Request(stub.url + path, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - a local test server
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def with_token(token=SESSION_TOKEN):
    return {TOKEN_HEADER: token}


def test_the_core_client_reads_a_secret_through_the_stub(local_stack, extension_stub):
    value = fetch_secret_string(local_stack.secret_arn, extension_stub.port, SESSION_TOKEN)
    assert value == local_stack.consumer_secret


def test_the_answer_is_get_secret_value_json(local_stack, extension_stub):
    status, body = get(extension_stub, f"/secretsmanager/get?secretId={local_stack.secret_arn}", with_token())
    document = json.loads(body)
    assert status == 200
    assert document["ARN"] == local_stack.secret_arn
    assert document["SecretString"] == local_stack.consumer_secret
    assert document["VersionStages"] == ["AWSCURRENT"]
    assert isinstance(document["CreatedDate"], float)
    assert "ResponseMetadata" not in document


@pytest.mark.parametrize("headers", [{}, with_token("wrong"), with_token("")], ids=["missing", "wrong", "empty"])
def test_requests_without_the_session_token_are_refused_403(local_stack, extension_stub, headers):
    status, body = get(extension_stub, f"/secretsmanager/get?secretId={local_stack.secret_arn}", headers)
    assert (status, body) == (403, "Bad Token")
    with pytest.raises(SecretUnavailable, match="403"):
        fetch_secret_string(local_stack.secret_arn, extension_stub.port, "wrong")


def test_unknown_secrets_are_a_400_with_the_aws_error(extension_stub):
    status, body = get(extension_stub, "/secretsmanager/get?secretId=no-such-secret", with_token())
    assert status == 400
    assert json.loads(body)["__type"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("path", "headers", "method", "status"),
    [
        ("/secretsmanager/get?secretId=x", {**with_token(), "X-Forwarded-For": "10.0.0.1"}, "GET", 400),
        ("/secretsmanager/get?secretId=x", with_token(), "POST", 405),
        ("/elsewhere", with_token(), "GET", 404),
        ("/ping", {}, "GET", 200),
    ],
    ids=["forwarded", "post", "unknown-path", "ping"],
)
def test_other_requests_get_the_agents_statuses(extension_stub, path, headers, method, status):
    assert get(extension_stub, path, headers, method)[0] == status


def test_values_are_cached_for_the_ttl_and_failures_are_not(local_stack, moto_server):
    clock = Clock()
    with ExtensionStub(moto_server.endpoint, "t", secrets_ttl=300, clock=clock) as stub:
        path = f"/secretsmanager/get?secretId={local_stack.secret_arn}"
        assert json.loads(get(stub, path, with_token("t"))[1])["SecretString"] == local_stack.consumer_secret
        # Rotated within the TTL: the cached value is still served, without calling Secrets Manager
        local_stack.set_consumer_secret("rotated")
        assert json.loads(get(stub, path, with_token("t"))[1])["SecretString"] == local_stack.consumer_secret
        assert stub.upstream_calls == 1
        # After the TTL the new value is fetched
        clock.now += 301
        assert json.loads(get(stub, path, with_token("t"))[1])["SecretString"] == "rotated"
        assert stub.upstream_calls == 2
        # A failed look-up is asked again each time
        missing = "/secretsmanager/get?secretId=missing"
        assert get(stub, missing, with_token("t"))[0] == get(stub, missing, with_token("t"))[0] == 400
        assert stub.upstream_calls == 4


def test_ssm_parameters_are_served_decrypted(local_stack, extension_stub):
    name = f"/{local_stack.provisioned.stack_name}/param"
    local_stack.client("ssm").put_parameter(Name=name, Value="parameter-value", Type="SecureString")
    status, body = get(extension_stub, f"/systemsmanager/parameters/get?name={name}&withDecryption=true", with_token())
    assert status == 200
    assert json.loads(body)["Parameter"]["Value"] == "parameter-value"


def test_an_unreachable_secrets_manager_is_a_502():
    with ExtensionStub(f"http://127.0.0.1:{free_port()}", "t", secrets_ttl=0) as stub:
        status, body = get(stub, "/secretsmanager/get?secretId=anything", with_token("t"))
    assert status == 502
    assert json.loads(body)["__type"] == "ConnectionError"


def test_only_127_0_0_1_is_served():
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        ExtensionStub("http://127.0.0.1:1", "t", host="0.0.0.0")
