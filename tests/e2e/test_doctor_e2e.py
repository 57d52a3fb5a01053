"""`xwebhook doctor` end to end: on the local stack `make dev` starts (X's emulator, the webhook registered),
healthy and with each fault an operator meets (the webhook invalid at X, a consumer secret other than the
app's, dead letters, an account not subscribed, an alarm's metric breaching), and against a deployed stack's
stand-in on the local AWS endpoint (a CloudFormation stack in moto carrying the local stack's outputs and
alarms, read with AWS credentials through AWS_ENDPOINT_URL as on AWS)."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from localdev.accounts import seed
from localdev.testing import DEV_SECRET, run_local_stack
from tests.e2e.conftest import xwebhook

STAND_IN = "xwebhook-doctor-deployed"
STAND_IN_ALARMS = {
    "DeliveriesFailedAlarm": ("DeliveriesFailed", "The ingest function answered X with 5xx."),
    "DeliveriesTimedOutAlarm": ("DeliveriesTimedOut", "The ingest function ran out of time."),
}
TITLES = ("outputs", "consumer secret", "CRC", "webhook", "subscriptions", "delivery", "dead letters", "alarms")


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    with run_local_stack(
        tmp_path_factory.mktemp("doctor"),
        env={"X_CONSUMER_SECRET": DEV_SECRET},
        module="localdev.dev",
        ready_text="xwebhook dev: ready",
    ) as running:
        yield running


def doctor(running, *arguments, env=None):
    """(exit code, the JSON report) of `xwebhook doctor --json ARGUMENTS...` on the local stack."""
    result = xwebhook(running, "doctor", "--json", *arguments, env=env)
    return result.returncode, json.loads(result.stdout)


def checks(report):
    return {check["name"]: check for check in report["checks"]}


def failed(report):
    return sorted(check["name"] for check in report["checks"] if check["status"] != "ok")


def control(running, path, body=None):
    state = running.state
    request = urllib.request.Request(  # noqa: S310 - the local emulator
        state["emulator_url"] + "/_emulator" + path,
        data=json.dumps(body or {}).encode(),
        headers={"X-Emulator-Token": state["emulator_control_token"], "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - local
        return json.loads(answer.read())


def webhook_id(running):
    return xwebhook_json(running, "admin", "status")["webhook"]["id"]


def xwebhook_json(running, *arguments):
    return json.loads(xwebhook(running, "--json", *arguments).stdout)


# --- healthy -------------------------------------------------------------------------------------------------


def test_on_the_stack_make_dev_starts_every_check_holds_and_doctor_exits_0(dev):
    code, report = doctor(dev)
    assert (code, failed(report)) == (0, [])


def test_the_human_summary_marks_each_check_and_says_all_hold(dev):
    result = xwebhook(dev, "doctor")
    marked = [line.split("  ")[1].split(" ", 1)[1].strip() for line in result.stdout.splitlines() if "✓" in line]
    assert marked == list(TITLES)
    assert "all 8 checks hold" in result.stdout


def test_the_synthetic_delivery_reaches_the_queue_marked_and_seen_by_the_tap(dev):
    _, report = doctor(dev)
    delivery = checks(report)["delivery"]["details"]
    assert delivery["message"]["attributes"]["synthetic"] == "true"


def test_doctors_message_on_the_queue_carries_the_body_field_consumers_filter_on(dev):
    _, report = doctor(dev)
    run_id = checks(report)["delivery"]["details"]["run_id"]
    shown = [
        json.loads(line) for line in xwebhook(dev, "--json", "tail", "--type", "xwebhook.doctor").stdout.splitlines()
    ]
    (mine,) = [message for message in shown if message["body"]["event"]["payload"]["run_id"] == run_id]
    assert mine["body"]["synthetic"] is True


def test_locally_doctor_says_which_alarms_only_aws_can_evaluate(dev):
    _, report = doctor(dev)
    alarms = checks(report)["alarms"]["details"]
    assert "DeadLetterQueueAlarm" in alarms["not_evaluated"]
    assert "DeliveriesFailedAlarm" in alarms["evaluated_ok"]


# --- faults ----------------------------------------------------------------------------------------------------


def test_a_webhook_invalid_at_x_fails_the_webhook_check_with_ensure_as_its_fix(dev):
    control(dev, f"/webhooks/{webhook_id(dev)}/invalidate")
    try:
        code, report = doctor(dev)
        webhook = checks(report)["webhook"]
        assert (code, failed(report)) == (1, ["webhook"])
        assert "xwebhook admin ensure" in webhook["fix"]
    finally:
        assert xwebhook_json(dev, "admin", "ensure")["webhook_valid"]


def test_with_revalidate_x_runs_its_crc_now_and_a_webhook_whose_crc_passes_is_valid_again(dev):
    control(dev, f"/webhooks/{webhook_id(dev)}/invalidate")
    code, report = doctor(dev, "--revalidate")
    assert (code, checks(report)["webhook"]["details"]["crc_now"]["valid"]) == (0, True)


def test_a_consumer_secret_other_than_the_apps_fails_the_secret_crc_and_delivery_each_with_its_fix(dev):
    code, report = doctor(dev, "--secret", "the-apps-real-consumer-secret")
    found = checks(report)
    assert (code, failed(report)) == (1, ["consumer_secret", "crc", "delivery"])
    assert found["crc"]["summary"].startswith("wrong-secret")
    assert found["delivery"]["details"]["status"] == 401
    assert "X_CONSUMER_SECRET=" in found["consumer_secret"]["fix"]


def test_x_consumer_secret_in_the_environment_is_the_apps_secret_doctor_checks_against(dev):
    code, report = doctor(dev, env={"X_CONSUMER_SECRET": DEV_SECRET})
    assert (code, checks(report)["consumer_secret"]["summary"]) == (0, "readable, and the one you gave (your X app's)")


def test_dead_letters_fail_their_check_with_redrive_as_the_fix(dev):
    sqs = dev.client("sqs")
    dlq = dev.state["resources"]["EventsDeadLetterQueue"]
    sqs.send_message(QueueUrl=dlq, MessageBody="{}", MessageGroupId="poison", MessageDeduplicationId="doctor-poison")
    try:
        code, report = doctor(dev)
        dead = checks(report)["dead_letters"]
        assert (code, failed(report)) == (1, ["dead_letters"])
        assert dead["summary"].startswith("1 message(s) on the dead-letter queue")
        assert "xwebhook redrive" in dead["fix"]
    finally:
        dev.drain(dlq)


def test_an_account_not_subscribed_is_named_with_ensure_as_the_fix_and_ensure_cures_it(dev):
    seed(dev.state, 2, first_id=1_700_000_000)
    assert xwebhook_json(dev, "admin", "unsubscribe", "user_id=1700000001")["ok"]
    code, report = doctor(dev)
    subscriptions = checks(report)["subscriptions"]
    assert (code, failed(report)) == (1, ["subscriptions"])
    assert subscriptions["details"]["missing"] == [
        {"user_id": "1700000001", "name": "seeded1", "missing": "AAA subscription on the webhook"}
    ]
    assert "xwebhook admin ensure" in subscriptions["fix"]
    xwebhook_json(dev, "admin", "ensure")
    assert doctor(dev)[0] == 0


def test_no_local_stack_is_exit_3_saying_how_to_start_one(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "xwebhook.cli", "--state-file", str(tmp_path / "none.json"), "doctor"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr


# --- against a deployed stack's stand-in -----------------------------------------------------------------------


def stand_in(running):
    """The deployed stack's CloudFormation record in moto with the local stack's outputs, and two alarms put as
    CloudFormation names them, `<stack>-<LogicalId>-<suffix>` (moto's CloudFormation does not create
    alarms). Their names."""
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in running.state["outputs"].items()},
    }
    running.client("cloudformation").create_stack(StackName=STAND_IN, TemplateBody=json.dumps(template))
    names = []
    for logical_id, (metric, description) in STAND_IN_ALARMS.items():
        names.append(f"{STAND_IN}-{logical_id}-1A2B3C4D5E6F")
        running.client("cloudwatch").put_metric_alarm(
            AlarmName=names[-1],
            AlarmDescription=description,
            Namespace="XWebhook",
            MetricName=metric,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
    return names


def deployed_environment(running):
    return {
        "AWS_ENDPOINT_URL": running.state["aws_endpoint"],
        "AWS_ENDPOINT_URL_LAMBDA": running.state["console_url"],  # the local Lambda Invoke API
        "AWS_ACCESS_KEY_ID": "deployer",
        "AWS_SECRET_ACCESS_KEY": "deployer",
        "AWS_DEFAULT_REGION": running.state["region"],
    }


@pytest.fixture(scope="module")
def deployed(dev):
    """(the local stack, the stand-in's alarm names)."""
    return dev, stand_in(dev)


def doctor_deployed(running, *arguments):
    # With no consumer, doctor's earlier messages wait at the head of their FIFO group (`unattributed`), where
    # a peek sees only the first ten: start from an empty queue, as a stack with its consumer running is.
    running.drain()
    result = xwebhook(running, "--stack", STAND_IN, "doctor", "--json", *arguments, env=deployed_environment(running))
    return result.returncode, json.loads(result.stdout)


def test_against_a_deployed_stack_every_check_holds_read_with_aws_credentials(deployed):
    running, _ = deployed
    code, report = doctor_deployed(running)
    assert (code, failed(report), report["target"]["kind"]) == (0, [], "aws")


def test_against_a_deployed_stack_the_delivery_is_seen_by_peeking_and_left_on_the_queue(deployed):
    running, _ = deployed
    _, report = doctor_deployed(running)
    delivery = checks(report)["delivery"]
    assert (delivery["details"]["seen"], delivery["details"]["message"]["attributes"]["synthetic"]) == (True, "true")
    assert "a peek" in delivery["summary"]
    waiting = running.client("sqs").get_queue_attributes(
        QueueUrl=running.state["resources"]["EventsQueue"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert int(waiting) == 1  # still there for its consumer


def test_against_a_deployed_stack_an_alarm_in_alarm_fails_with_its_description_as_the_fix(deployed):
    running, names = deployed
    (failing,) = [name for name in names if "DeliveriesFailedAlarm" in name]
    cloudwatch = running.client("cloudwatch")
    cloudwatch.set_alarm_state(
        AlarmName=failing, StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [2.0]"
    )
    try:
        code, report = doctor_deployed(running)
        alarms = checks(report)["alarms"]
        assert (code, failed(report)) == (1, ["alarms"])
        assert "DeliveriesFailedAlarm: The ingest function answered X with 5xx." in alarms["fix"]
    finally:
        cloudwatch.set_alarm_state(AlarmName=failing, StateValue="OK", StateReason="test over")


def test_a_deployed_stack_that_does_not_exist_is_exit_3(dev):
    result = xwebhook(dev, "--stack", "no-such-stack", "doctor", env=deployed_environment(dev))
    assert (result.returncode, "no stack 'no-such-stack'" in result.stderr) == (3, True)


# --- last: a local alarm's metric breaching (CloudWatch metrics cannot be deleted) ------------------------------


def test_locally_an_alarm_whose_recorded_metric_breaches_fails_with_its_description_as_the_fix(dev):
    (alarm,) = dev.client("cloudwatch").describe_alarms(AlarmNames=["xwebhook-local-DeliveriesFailedAlarm"])[
        "MetricAlarms"
    ]
    dev.client("cloudwatch").put_metric_data(
        Namespace=alarm["Namespace"],
        MetricData=[
            {"MetricName": alarm["MetricName"], "Dimensions": alarm["Dimensions"], "Value": 1, "Unit": "Count"}
        ],
    )
    code, report = doctor(dev)
    alarms = checks(report)["alarms"]
    assert (code, failed(report)) == (1, ["alarms"])
    assert alarms["fix"].startswith("DeliveriesFailedAlarm: The ingest function answered X with 5xx")
