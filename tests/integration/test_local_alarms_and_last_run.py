"""What `make run` adds for `make dev` and `xwebhook doctor`, on moto over HTTP: the template's alarms on the
local AWS endpoint (localdev/alarms.py), and the record of what the stack holds that lets a restart say what
it reset (localdev/last_run.py)."""

import itertools
import os

import boto3
import pytest

from localdev import last_run
from localdev.alarms import create_alarms
from localdev.provision import Provisioner, teardown
from localdev.stack import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY
from localdev.template import load_template
from localdev.testing import DEV_SECRET
from xwebhook.accounts.dynamodb import account_item
from xwebhook.accounts.models import Account

_names = itertools.count(1)


def client(moto, service):
    return boto3.client(
        service,
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
    )


@pytest.fixture
def provisioned(moto_server, extension_stub):
    """(the Provisioner, what it provisioned, the template) of the real template under a fresh stack name."""
    template = load_template()
    provisioner = Provisioner(
        template,
        moto_server.endpoint,
        stack_name=f"alarms{os.getpid()}-{next(_names)}",
        consumer_secret=DEV_SECRET,
        extension_port=extension_stub.port,
    )
    result = provisioner.provision()
    yield provisioner, result, template
    teardown(result)


def template_alarms(template):
    return sorted(name for name, r in template["Resources"].items() if r.get("Type") == "AWS::CloudWatch::Alarm")


def test_every_alarm_of_the_template_is_put_on_the_local_endpoint_named_stack_dash_logical_id(moto_server, provisioned):
    provisioner, result, template = provisioned
    cloudwatch = client(moto_server, "cloudwatch")
    names = create_alarms(template, provisioner.evaluator, cloudwatch, result.stack_name)
    found = cloudwatch.describe_alarms(AlarmNamePrefix=f"{result.stack_name}-")["MetricAlarms"]
    assert sorted(alarm["AlarmName"] for alarm in found) == sorted(names)
    assert sorted(name.removeprefix(f"{result.stack_name}-") for name in names) == template_alarms(template)


def test_a_local_alarm_has_the_templates_metric_threshold_and_description(moto_server, provisioned):
    provisioner, result, template = provisioned
    cloudwatch = client(moto_server, "cloudwatch")
    create_alarms(template, provisioner.evaluator, cloudwatch, result.stack_name)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{result.stack_name}-DeliveriesFailedAlarm"])["MetricAlarms"]
    expected = template["Resources"]["DeliveriesFailedAlarm"]["Properties"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        expected["MetricName"],
        float(expected["Threshold"]),
        expected["ComparisonOperator"],
    )
    assert alarm["AlarmDescription"] == expected["AlarmDescription"]


def test_the_dead_letter_alarm_watches_the_local_dead_letter_queue_by_name(moto_server, provisioned):
    provisioner, result, template = provisioned
    cloudwatch = client(moto_server, "cloudwatch")
    create_alarms(template, provisioner.evaluator, cloudwatch, result.stack_name)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{result.stack_name}-DeadLetterQueueAlarm"])["MetricAlarms"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": result.resources["EventsDeadLetterQueue"].rsplit("/", 1)[-1]}
    ]


def state_of(result):
    return {
        "aws_endpoint": result.endpoint,
        "region": result.region,
        "resources": result.resources,
        "functions": result.functions,
    }


def test_the_record_counts_the_accounts_and_what_waits_on_the_queues(moto_server, provisioned):
    _, result, _ = provisioned
    sqs = client(moto_server, "sqs")
    sqs.send_message(
        QueueUrl=result.resources["EventsQueue"], MessageBody="{}", MessageGroupId="g", MessageDeduplicationId="d"
    )
    table = result.functions["admin"]["ACCOUNTS_TABLE"]
    client(moto_server, "dynamodb").put_item(TableName=table, Item=account_item(Account("1500000001"), 1))
    held = last_run.snapshot(state_of(result))
    assert (held["accounts"], held["queue"], held["dead_letters"]) == (["1500000001"], 1, 0)


def test_a_record_written_is_read_back(tmp_path):
    path = tmp_path / last_run.FILE_NAME
    last_run.write(path, {"accounts": ["1"], "queue": 0})
    assert last_run.read(path) == {"accounts": ["1"], "queue": 0}


@pytest.mark.parametrize("text", ["", "not json", "[]"])
def test_an_unreadable_record_is_no_record(tmp_path, text):
    path = tmp_path / last_run.FILE_NAME
    path.write_text(text)
    assert last_run.read(path) is None


def test_a_stack_that_held_nothing_says_nothing_at_its_restart():
    assert last_run.reset_line({"emulator": True, "webhooks": [], "accounts": [], "queue": 0}) is None


def test_the_reset_line_names_the_webhook_the_accounts_and_the_messages():
    held = {"webhooks": [{"id": "1146"}], "subscriptions": 1, "accounts": ["1", "2"], "queue": 3, "dead_letters": 1}
    assert last_run.reset_line(held, registers_again=True) == (
        "this restart reset: webhook 1146 at X's emulator with 1 subscription, 2 connected accounts (1, 2), "
        "3 messages on the events queue, 1 message on the dead-letter queue (the local stack keeps no state "
        "between runs). Connect the accounts again with `xwebhook invite` (seeded ones: `make accounts`)."
    )


def test_without_make_dev_the_reset_line_says_how_to_register_again():
    assert last_run.reset_line({"webhooks": [{"id": "1146"}]}).endswith("Register again with `xwebhook admin ensure`.")
