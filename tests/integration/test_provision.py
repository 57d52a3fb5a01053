"""localdev.provision against moto: the template's queues, secrets and table, and the function environments."""

import json

import pytest

from localdev.provision import Provisioner, ProvisionError, load_template
from localdev.testing import FIXTURE_TEMPLATE, template_path

TEMPLATES = {"infra": template_path(), "fixture": FIXTURE_TEMPLATE}


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
    assert stack.queue_url.endswith(".fifo") and events["FifoQueue"] == "true"
    assert events["MaximumMessageSize"] == str(spec["MaximumMessageSize"])
    assert events["SqsManagedSseEnabled"] == "true"
    redrive = json.loads(events["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dead_letters["QueueArn"] == stack.provisioned.arns["EventsDeadLetterQueue"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert dead_letters["FifoQueue"] == "true"
    assert stack.provisioned.arns["EventsQueue"] == events["QueueArn"]


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
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"


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
        assert first.consumer_secret_source == "generated" and first.generated_consumer_secret
        second = Provisioner(template, moto_server.endpoint, **options).provision()
        assert second.resources == first.resources
        assert second.consumer_secret_source == "existing" and second.generated_consumer_secret is None
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
