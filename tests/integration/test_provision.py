"""localdev.provision against moto: the template's queues, secrets and table, and the function environments."""

import json
import re

import pytest

from localdev.provision import FUNCTIONS, Provisioner, ProvisionError, load_template
from localdev.testing import FIXTURE_TEMPLATE, template_path
from tests.unit.infra.test_template import EXPECTED_ENV

TEMPLATES = {"infra": template_path(), "fixture": FIXTURE_TEMPLATE}
LOCAL_VARIABLES = {
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
}
# What infra/template.yaml makes locally with its defaults: logical id -> (type, name from the stack name).
MADE_BY_DEFAULT = {
    "EventsQueue": ("AWS::SQS::Queue", "{stack}-events.fifo"),
    "EventsDeadLetterQueue": ("AWS::SQS::Queue", "{stack}-events-dlq.fifo"),
    "ConsumerSecret": ("AWS::SecretsManager::Secret", "{stack}/x-consumer-secret"),
    "XApiCredentialsSecret": ("AWS::SecretsManager::Secret", "{stack}/x-api-credentials"),
    "ConnectSigningKeySecret": ("AWS::SecretsManager::Secret", "{stack}/connect-signing-key"),
    "DedupTable": ("AWS::DynamoDB::Table", "{stack}-activities"),
    "AccountsTable": ("AWS::DynamoDB::Table", "{stack}-AccountsTable"),
    "AdminStateParameter": ("AWS::SSM::Parameter", "/{stack}/admin-state"),
}
ROUTES = {("GET", "/webhook"): "crc", ("POST", "/webhook"): "ingest"}
CONNECT_ROUTES = {("GET", "/connect"): "connect", ("GET", "/connect/callback"): "connect"}
TIMEOUTS = {"crc": 5.0, "ingest": 10.0, "admin": 180.0, "connect": 29.0}


def queue_attributes(stack, logical_id):
    return stack.client("sqs").get_queue_attributes(QueueUrl=stack.resources[logical_id], AttributeNames=["All"])[
        "Attributes"
    ]


@pytest.mark.parametrize("which", sorted(TEMPLATES))
def test_queues_are_created_as_the_template_defines_them(stack_factory, which):
    template = load_template(TEMPLATES[which])
    stack = stack_factory(template)
    events = queue_attributes(stack, "EventsQueue")
    dead_letters = queue_attributes(stack, "EventsDeadLetterQueue")
    spec = template["Resources"]["EventsQueue"]["Properties"]
    # FIFO, with the template's sizes, and a redrive policy pointing at the dead-letter queue's ARN
    assert stack.queue_url.endswith(".fifo")
    assert events["FifoQueue"] == "true"
    assert events["MaximumMessageSize"] == str(spec["MaximumMessageSize"])
    assert events["SqsManagedSseEnabled"] == "true"
    redrive = json.loads(events["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dead_letters["QueueArn"] == stack.provisioned.arns["EventsDeadLetterQueue"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert dead_letters["FifoQueue"] == "true"
    assert stack.provisioned.arns["EventsQueue"] == events["QueueArn"]


def made_names(provisioned):
    """logical id -> (type, the name AWS knows it by) of what provisioning made."""
    names = {}
    for logical_id, ref in provisioned.resources.items():
        kind = provisioned.types[logical_id]
        if kind == "AWS::SQS::Queue":
            ref = ref.rsplit("/", 1)[1]
        elif kind == "AWS::SecretsManager::Secret":
            ref = re.fullmatch(r"arn:aws:secretsmanager:us-east-1:123456789012:secret:(.+)-\w{6}", ref)[1]
        names[logical_id] = (kind, ref)
    return names


def test_the_real_template_makes_its_resources_routes_outputs_and_environments(stack_factory):
    stack = stack_factory(load_template(), webhook_url="http://127.0.0.1:3999/webhook")
    made, name = stack.provisioned, stack.provisioned.stack_name
    resources = made.resources
    assert made_names(made) == {key: (kind, text.format(stack=name)) for key, (kind, text) in MADE_BY_DEFAULT.items()}
    assert made.routes == ROUTES | CONNECT_ROUTES
    assert made.timeouts == TIMEOUTS
    assert made.outputs == {
        "WebhookUrl": "http://127.0.0.1:3999/webhook",
        "ConnectUrl": "http://127.0.0.1:3999/connect",
        "ConnectCallbackUrl": "http://127.0.0.1:3999/connect/callback",
        "EventsQueueUrl": resources["EventsQueue"],
        "EventsQueueArn": made.arns["EventsQueue"],
        "DeadLetterQueueUrl": resources["EventsDeadLetterQueue"],
        "DeadLetterQueueArn": made.arns["EventsDeadLetterQueue"],
        "ConsumerSecretArn": resources["ConsumerSecret"],
        "XApiCredentialsSecretArn": resources["XApiCredentialsSecret"],
        "DedupTableName": resources["DedupTable"],
        "AccountsTableName": resources["AccountsTable"],
        "AdminFunctionName": f"{name}-AdminFunction",
    }
    for function, logical_id in FUNCTIONS.items():
        assert set(made.functions[function]) == EXPECTED_ENV[logical_id] | LOCAL_VARIABLES, function
    assert made.functions["admin"]["ADMIN_STATE_PARAMETER"] == resources["AdminStateParameter"]
    assert made.functions["admin"]["ACCOUNTS_TABLE"] == resources["AccountsTable"]
    assert made.functions["connect"]["CONNECT_SIGNING_KEY_SECRET_ID"] == resources["ConnectSigningKeySecret"]
    assert made.functions["connect"]["PUBLIC_BASE_URL"] == "http://127.0.0.1:3999"
    assert set(made.environments) == {*EXPECTED_ENV, "ExampleConsumerFunction"}
    assert made.environment_errors == {}


def test_the_real_template_without_dedup_and_connect_makes_neither(stack_factory):
    parameters = {"ReplayDedup": "disabled", "ConnectMode": "off"}
    made = stack_factory(load_template(), parameters=parameters).provisioned
    assert set(made.resources) == set(MADE_BY_DEFAULT) - {"DedupTable"}
    assert made.routes == ROUTES
    assert set(made.functions) == {"crc", "ingest", "admin"}
    assert made.functions["ingest"]["DEDUP_TABLE"] == ""
    assert {"DedupTableName", "ConnectUrl", "ConnectCallbackUrl"}.isdisjoint(made.outputs)


def test_parameters_change_what_is_created(stack_factory, template):
    # Given the standard-queue variant and a longer visibility timeout
    stack = stack_factory(parameters={"QueueType": "standard", "EventsVisibilityTimeoutSeconds": "120"})
    attributes = queue_attributes(stack, "EventsQueue")
    assert not stack.queue_url.endswith(".fifo")
    assert "FifoQueue" not in attributes
    assert attributes["VisibilityTimeout"] == "120"
    assert stack.env("ingest")["EVENTS_QUEUE_URL"] == stack.queue_url


def test_function_environments_point_at_the_local_resources(stack_factory, extension_stub):
    stack = stack_factory(webhook_url="http://127.0.0.1:3999/webhook", x_api_base_url="http://127.0.0.1:8787")
    crc, ingest, admin = (stack.env(name) for name in ("crc", "ingest", "admin"))
    for env in (crc, ingest, admin):
        assert env["CONSUMER_SECRET_ID"] == stack.secret_arn
        assert env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == str(extension_stub.port)
        assert env["AWS_ENDPOINT_URL"] == stack.endpoint
        assert env["AWS_SESSION_TOKEN"] == extension_stub.token
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert ingest["EVENTS_QUEUE_URL"] == stack.queue_url
    assert ingest["DEDUP_TABLE"] == stack.table
    assert admin["WEBHOOK_URL"] == "http://127.0.0.1:3999/webhook"
    assert admin["X_API_BASE_URL"] == "http://127.0.0.1:8787"
    assert admin["X_CREDENTIALS_SECRET_ID"] == stack.resources["XApiCredentialsSecret"]
    assert stack.provisioned.timeouts["crc"] > 0


def test_secrets_hold_the_consumer_secret_and_the_credentials_json(stack_factory):
    credentials = {"consumer_key": "ck", "bearer_token": "bt", "access_token": "at", "access_token_secret": "ats"}
    stack = stack_factory(consumer_secret="cs-value", credentials=credentials)
    manager = stack.client("secretsmanager")
    assert manager.get_secret_value(SecretId=stack.secret_arn)["SecretString"] == "cs-value"
    stored = manager.get_secret_value(SecretId=stack.resources["XApiCredentialsSecret"])["SecretString"]
    assert json.loads(stored) == credentials
    assert stack.provisioned.consumer_secret_source == "environment"


def test_dedup_table_has_the_key_and_ttl_of_the_template(local_stack):
    dynamodb = local_stack.client("dynamodb")
    table = dynamodb.describe_table(TableName=local_stack.table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "event_id", "KeyType": "HASH"}]
    ttl = dynamodb.describe_time_to_live(TableName=local_stack.table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_outputs_are_evaluated_with_the_local_webhook_url(stack_factory):
    stack = stack_factory(webhook_url="http://127.0.0.1:3999/webhook")
    outputs = stack.provisioned.outputs
    assert outputs["WebhookUrl"] == "http://127.0.0.1:3999/webhook"
    assert outputs["EventsQueueUrl"] == stack.queue_url
    assert outputs["ConsumerSecretArn"] == stack.secret_arn


def test_provisioning_twice_reuses_resources_and_updates_given_values(moto_server, template):
    from localdev.provision import teardown

    options = {"stack_name": "twice", "extension_port": 1}
    first = Provisioner(template, moto_server.endpoint, **options).provision()
    try:
        # A dev secret was generated the first time and is kept the second time when none is given
        assert first.consumer_secret_source == "generated"
        assert first.generated_consumer_secret
        second = Provisioner(template, moto_server.endpoint, **options).provision()
        assert second.resources == first.resources
        assert second.consumer_secret_source == "existing"
        assert second.generated_consumer_secret is None
        # A secret given later replaces the stored value
        third = Provisioner(template, moto_server.endpoint, consumer_secret="given", **options).provision()
        assert third.resources == first.resources
        from localdev.stack import aws_client

        manager = aws_client({"aws_endpoint": moto_server.endpoint}, "secretsmanager")
        assert manager.get_secret_value(SecretId=first.resources["ConsumerSecret"])["SecretString"] == "given"
    finally:
        teardown(first)


def test_a_template_without_the_functions_fails_clearly(moto_server):
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    provisioner = Provisioner(template, moto_server.endpoint, stack_name="nofunctions")
    provisioned = provisioner.provision()
    try:
        assert provisioned.functions == {}
        with pytest.raises(ProvisionError, match="no CrcFunction"):
            provisioner.function_environment("crc")
    finally:
        from localdev.provision import teardown

        teardown(provisioned)
