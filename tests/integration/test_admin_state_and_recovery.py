"""The admin state in SSM and the failure metric in CloudWatch, on moto, as the template provisions them, and the
real admin handler using both against X's emulator: last_ensure in status, a 5xx window replayed on its own."""

import json
import time
from datetime import UTC, datetime

import pytest

from localdev.moto_server import free_port
from localdev.testing import invoke
from localdev.x_emulator import XEmulator
from xwebhook.recovery.delivery_failures import (
    DIMENSIONS,
    METRIC,
    NAMESPACE,
    CloudWatchDeliveryFailures,
    MetricUnavailable,
)
from xwebhook.recovery.state import SsmStateStore, StateUnavailable, empty
from xwebhook.recovery.windows import minute_of_stamp

OWNER_ID = "2244994945"
CREDENTIALS = {
    "consumer_key": "int-consumer-key",
    "bearer_token": "int-bearer-token",
    "access_token": f"{OWNER_ID}-int-owner-token",
    "access_token_secret": "int-owner-token-secret",
}


def put_failures(stack, minutes, namespace=NAMESPACE):
    cloudwatch = stack.client("cloudwatch")
    for minute in minutes:
        datum = {
            "MetricName": METRIC,
            "Dimensions": list(DIMENSIONS),
            "Value": 1,
            "Unit": "Count",
            "Timestamp": datetime.fromtimestamp(minute * 60 + 5, UTC),
        }
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[datum])


def test_the_template_provisions_the_state_parameter_empty_and_names_it_to_admin(local_stack):
    name = local_stack.resources["AdminStateParameter"]
    assert name == f"/{local_stack.provisioned.stack_name}/admin-state"
    assert local_stack.env("admin")["ADMIN_STATE_PARAMETER"] == name
    assert (local_stack.env("admin")["AUTO_REPLAY"], local_stack.env("admin")["REPLAY_DEDUP"]) == ("true", "true")
    parameter = local_stack.client("ssm").get_parameter(Name=name)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("String", "{}")


def test_the_ssm_store_reads_back_what_it_wrote_and_a_redeploy_keeps_it(local_stack, stack_factory):
    store = SsmStateStore(lambda: local_stack.client("ssm"), local_stack.resources["AdminStateParameter"])
    assert store.load() == empty()
    store.save({"v": 1, "last_ensure": {"ok": True, "at": "2026-11-27T15:30:00Z"}})
    assert store.load()["last_ensure"] == {"ok": True, "at": "2026-11-27T15:30:00Z"}
    # provisioning the same stack again (make run once more) keeps the value, as a deploy would
    stack_factory(stack_name=local_stack.provisioned.stack_name)
    assert store.load()["last_ensure"]["ok"] is True


def test_the_ssm_store_reports_a_missing_endpoint_by_parameter_and_code(local_stack):
    missing = SsmStateStore(lambda: local_stack.client("ssm"), "/no-such-stack/admin-state")
    assert missing.load() == empty()  # not written yet: nothing remembered
    from localdev.stack import aws_client

    unreachable = SsmStateStore(
        lambda: aws_client({"aws_endpoint": f"http://127.0.0.1:{free_port()}"}, "ssm", retries={"max_attempts": 1}),
        "/t/admin-state",
    )
    with pytest.raises(StateUnavailable) as caught:
        unreachable.load()
    assert str(caught.value) == "the admin state (/t/admin-state) could not be read: EndpointConnectionError"


def test_failed_and_timed_out_minutes_come_back_from_cloudwatch_for_our_dimension_only(local_stack):
    namespace = f"XWebhookTest{local_stack.provisioned.stack_name}"  # moto's metrics outlive the test
    now = int(time.time() // 60)
    put_failures(local_stack, [now - 30, now - 30, now - 29, now - 5], namespace)
    local_stack.client("cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": METRIC, "Dimensions": [{"Name": "service", "Value": "another"}], "Value": 1},
            {"MetricName": "DeliveriesTimedOut", "Value": 1, "Timestamp": datetime.fromtimestamp((now - 12) * 60, UTC)},
        ],
    )
    metrics = [(namespace, METRIC, DIMENSIONS), (namespace, "DeliveriesTimedOut", ())]
    failures = CloudWatchDeliveryFailures(lambda: local_stack.client("cloudwatch"), metrics)
    assert [now - minute for minute in failures.failed_minutes(now - 24 * 60, now + 1)] == [30, 29, 12, 5]
    assert failures.failed_minutes(now - 10, now - 6) == []


def test_an_unreadable_metric_names_the_metric_and_the_error():
    from localdev.stack import aws_client

    failures = CloudWatchDeliveryFailures(
        lambda: aws_client(
            {"aws_endpoint": f"http://127.0.0.1:{free_port()}"}, "cloudwatch", retries={"max_attempts": 1}
        )
    )
    with pytest.raises(MetricUnavailable) as caught:
        failures.failed_minutes(0, 10)
    assert str(caught.value) == (
        "the XWebhook/DeliveriesFailed and XWebhook/DeliveriesTimedOut metrics could not be read: "
        "EndpointConnectionError"
    )


@pytest.fixture
def emulated_x():
    with XEmulator(
        consumer_key=CREDENTIALS["consumer_key"],
        consumer_secret="dev-consumer-secret",
        bearer_token=CREDENTIALS["bearer_token"],
        users={OWNER_ID: (CREDENTIALS["access_token"], CREDENTIALS["access_token_secret"])},
        crc_timeout=1.0,
    ) as emulator:
        yield emulator


def test_the_real_admin_remembers_ensure_in_ssm_and_replays_a_5xx_window_from_cloudwatch(own_stack_factory, emulated_x):
    # Given our webhook registered and valid at X (its URL answers nothing: only the replay request matters)
    webhook_url = f"http://127.0.0.1:{free_port()}/webhook"
    hook = emulated_x.add_webhook(webhook_url, valid=True)
    emulated_x.add_subscription(hook["id"], OWNER_ID)
    stack = own_stack_factory(credentials=CREDENTIALS, webhook_url=webhook_url, x_api_base_url=emulated_x.base_url)
    admin = stack.load("admin")
    assert invoke(admin, {"action": "status"})["last_ensure"] is None
    # And ingest answered 5xx 40 minutes ago (the DeliveriesFailed metric)
    now = int(emulated_x.now() // 60)
    put_failures(stack, [now - 40, now - 39])
    # When the scheduled ensure runs
    result = invoke(admin, {"action": "ensure"})
    # Then it asked X to replay that window, once, and remembered the run in SSM
    assert result["ok"] is True, result
    started = result["recovery"]["started"]
    assert (minute_of_stamp(started["from"]), minute_of_stamp(started["to"])) == (now - 45, now - 38)
    (job,) = emulated_x.replay_jobs.values()
    # X's to_date is inclusive: the window's last minute (its end, now - 38, is exclusive)
    last_minute = datetime.fromtimestamp((now - 39) * 60, UTC).strftime("%Y%m%d%H%M")
    assert (job["webhook_id"], job["from_date"], job["to_date"]) == (hook["id"], started["from"], last_minute)
    stored = json.loads(
        stack.client("ssm").get_parameter(Name=stack.resources["AdminStateParameter"])["Parameter"]["Value"]
    )
    assert stored["recovery"]["replayed"][0]["job_id"] == job["job_id"]
    shown = invoke(admin, {"action": "status"})
    assert shown["last_ensure"]["ok"] is True
    assert shown["last_ensure"]["webhook_id"] == hook["id"]
    assert shown["recovery"]["replayed"][0]["why"] == "ingest 5xx"
    # And a second run replays nothing more
    emulated_x.wait_replay(job["job_id"])
    assert "started" not in invoke(admin, {"action": "ensure"})["recovery"]
    assert len(emulated_x.replay_jobs) == 1
