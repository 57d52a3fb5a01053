"""Every function of the built template, whatever it is: it imports from its own build folder in an
interpreter of its runtime that sees only its layers and the runtime's boto3, inits with the template's
environment, and answers a minimal event of the kind its template says it gets.

Functions are found in .aws-sam/build/template.yaml, so a function added to infra/template.yaml is
covered here without a line of this file changing.
"""

import hashlib
import json
import sys

import pytest

from localdev.gateway import http_api_event
from tests.built.conftest import discovered

FOUND = discovered()
FUNCTION_IDS = sorted(FOUND) if isinstance(FOUND, dict) else ["(no build)"]


def minimal_event(function):
    """The smallest event the function's template says it gets: a request on its first HttpApi route,
    one events-queue message for an SQS consumer, else {} (admin-style direct invocations)."""
    if function.routes:
        method, path = function.routes[0]
        path = path.replace("{proxy+}", "x")
        while "{" in path:
            start = path.index("{")
            path = path[:start] + "x" + path[path.index("}", start) + 1 :]
        return http_api_event("GET" if method == "ANY" else method, path, [("host", "built.test")])
    if "SQS" in function.event_types:
        return sqs_event()
    return {}


def sqs_event():
    """One events-queue message as an SQS event source hands it to a consumer: the message ingest makes of
    X's favorite sample."""
    from tests.conftest import sample
    from xwebhook.receive.splitting import split_delivery

    message = split_delivery(sample("aaa/favorite"), "2026-01-01T00:00:00.000Z")[0]
    return {
        "Records": [
            {
                "messageId": "0b7a2f4e-5a3c-4a36-9d58-6f0f8b5b1c11",
                "receiptHandle": "built-test-receipt-handle",
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1767225600000",
                    "MessageGroupId": "2244994945",
                    "MessageDeduplicationId": "built-test",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(message.body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:xwebhook-built-events.fifo",
                "awsRegion": "us-east-1",
            }
        ]
    }


def _within(path, roots):
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


@pytest.fixture(params=FUNCTION_IDS)
def function(request, built):
    return built[request.param]


def test_the_build_holds_every_function_of_the_source_template(built):
    from localdev.provision import load_template

    source = load_template()
    declared = {
        logical_id
        for logical_id, resource in source["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }
    assert declared <= set(built), f"not in the build: {sorted(declared - set(built))}"


def test_function_inits_from_its_build_folder_with_the_template_environment(built_world, function):
    pool = built_world.pool(function.logical_id)
    report = pool.last_report
    assert report is not None, "the instance gave no report of its init"
    assert report["python"].rsplit(".", 1)[0] == function.python_version


def test_function_sees_only_its_build_folder_layers_and_the_runtime_sdk(built_world, function):
    report = built_world.pool(function.logical_id).last_report
    stdlib = [sys.base_prefix, sys.base_exec_prefix]
    allowed = [function.task_root, *function.layers, function.sdk_dir]
    assert report["sys_path"][: len(function.sys_path)] == function.sys_path
    assert all(_within(path, stdlib) for path in report["sys_path"][len(function.sys_path) :]), report["sys_path"]
    outside = {
        name: path
        for name, path in report["modules"].items()
        if not _within(path, allowed) and not _within(path, stdlib) and not path.endswith("lambda_runtime.py")
    }
    assert outside == {}, f"modules loaded from outside the build: {outside}"
    xwebhook = report["modules"].get("xwebhook")
    if xwebhook:  # the shared package comes from the layer, never from src/
        assert _within(xwebhook, function.layers), xwebhook
    boto3 = report["modules"].get("boto3")
    if boto3:
        assert _within(boto3, [function.sdk_dir]), boto3


def test_function_answers_a_minimal_event(built_world, function):
    answer = built_world.invoke(function.logical_id, minimal_event(function))
    if function.routes:
        assert isinstance(answer, dict), answer
        assert isinstance(answer.get("statusCode"), int), answer
        assert answer["statusCode"] < 500, answer
    else:
        assert answer is None or isinstance(answer, (dict, list)), answer
    if isinstance(answer, dict) and "batchItemFailures" in answer:  # an SQS consumer: it took the message
        assert answer["batchItemFailures"] == [], answer


HELLO_APP = '''"""A function the suite has never heard of: it reads its template variable with the layer's readers."""

import hashlib
import json
import os

from xwebhook.env import text
from xwebhook.http_api import json_response

GREETING = text(os.environ, "GREETING")


def handler(event, context):
    return json_response(200, json.dumps({"greeting": GREETING, "queue": os.environ["EVENTS_QUEUE_URL"]}))
'''


def test_a_function_added_to_the_template_is_found_and_run_without_the_suite_knowing_it(
    built_world, build_dir, tmp_path, moto_server, extension_stub
):
    """What a `connect` function or an example consumer gets from this suite on the day it is added."""
    import yaml

    from localdev.built import built_functions
    from localdev.provision import Provisioner, load_template, teardown
    from tests.built.conftest import scratch_build, start_pool

    scratch = scratch_build(build_dir, tmp_path / "build")
    (scratch / "HelloFunction").mkdir()
    (scratch / "HelloFunction" / "app.py").write_text(HELLO_APP)
    template = load_template(scratch / "template.yaml")
    template["Resources"]["HelloFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "HelloFunction",
            "Environment": {"Variables": {"GREETING": "hello", "EVENTS_QUEUE_URL": {"Ref": "EventsQueue"}}},
            "Events": {"Hello": {"Type": "HttpApi", "Properties": {"Path": "/hello/{name}", "Method": "GET"}}},
        },
    }
    (scratch / "template.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    found = built_functions(scratch)
    assert set(found) == set(built_world.built) | {"HelloFunction"}
    hello = found["HelloFunction"]
    assert hello.routes == [("GET", "/hello/{name}")]
    assert hello.layers == found["CrcFunction"].layers
    provisioned = Provisioner(
        template, moto_server.endpoint, stack_name=f"hello-{id(tmp_path) % 10000}", extension_port=extension_stub.port
    ).provision()
    try:
        pool = start_pool(hello, provisioned.environments["HelloFunction"], built_world.log_path)
        try:
            answer = pool.invoke(minimal_event(hello))
        finally:
            pool.close()
    finally:
        teardown(provisioned)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"greeting": "hello", "queue": provisioned.resources["EventsQueue"]}
