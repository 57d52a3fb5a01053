"""The doctor's checks one at a time, on a stand-in target (a port: outputs, admin answers, AWS clients), for
what the end-to-end tests cannot set up cheaply: XAA subscriptions gone at X, accounts needing a reconnect,
a stack mid-rollback, another stack's alarms, a deployed ingest that predates synthetic markers."""

import json
from datetime import UTC, datetime

import pytest

from xwebhook.cli import doctor
from xwebhook.cli.doctor import Check, Doctor, evaluate_locally
from xwebhook.cli.errors import CliError, Unsupported

OUTPUTS = {
    "WebhookUrl": "https://example.execute-api.us-east-1.amazonaws.com/webhook",
    "EventsQueueUrl": "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events.fifo",
    "DeadLetterQueueUrl": "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events-dlq.fifo",
    "ConsumerSecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:xwebhook/consumer-AbCdEf",
    "AdminFunctionName": "xwebhook-AdminFunction-1A2B",
}
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def status(subscribed=("2244994945",), wanted=("2244994945",), ensure_would=None, **fields):
    return {
        "action": "status",
        "ok": True,
        "webhook_url": OUTPUTS["WebhookUrl"],
        "webhook": {"id": "1146", "url": OUTPUTS["WebhookUrl"], "valid": True},
        "subscribed_user_ids": list(subscribed),
        "wanted_user_ids": list(wanted),
        "xaa": {"ensure_would": ensure_would or {"create": 0, "repoint": 0}},
        **fields,
    }


def account(user_id, state="active", aaa=True, xaa=None, name=None):
    return {
        "user_id": user_id,
        "screen_name": name or f"user{user_id}",
        "status": state,
        "aaa": aaa,
        "xaa_subscriptions": xaa or {},
    }


class FakeCloudWatch:
    def __init__(self, alarms=(), points=()):
        self.alarms = list(alarms)
        self.points = list(points)

    def get_paginator(self, name):
        assert name == "describe_alarms"
        alarms = self.alarms

        class Pages:
            def paginate(self, AlarmNamePrefix):
                return [{"MetricAlarms": [a for a in alarms if a["AlarmName"].startswith(AlarmNamePrefix)]}]

        return Pages()

    def get_metric_statistics(self, **request):
        return {"Datapoints": [{request["Statistics"][0]: value} for value in self.points]}


class FakeSqs:
    def __init__(self, depth=0):
        self.depth = depth

    def get_queue_attributes(self, QueueUrl, AttributeNames):
        return {"Attributes": {"ApproximateNumberOfMessages": str(self.depth), "VisibilityTimeout": "60"}}


class FakeTarget:
    """The part of cli.target.Target doctor uses, with canned admin answers ({action: answer | exception})."""

    def __init__(self, kind="aws", outputs=None, admin=None, clients=None, secret="the-secret", state=None):  # noqa: S107
        self.kind = kind
        self.name = "xwebhook" if kind == "aws" else "xwebhook-local"
        self.region = "us-east-1"
        self.outputs = dict(OUTPUTS if outputs is None else outputs)
        self.admin = admin or {}
        self.clients = clients or {}
        self.secret = secret
        self.state = state or ({} if kind == "aws" else {"local_metrics": ["DeliveriesFailed"]})
        self.status = "UPDATE_COMPLETE" if kind == "aws" else None
        self.invoked = []

    @property
    def local(self):
        return self.kind == "local"

    def consumer_secret(self):
        if isinstance(self.secret, Exception):
            raise self.secret
        return self.secret

    def invoke_admin(self, action, fields=None):
        self.invoked.append(action)
        answer = self.admin.get(action, {"action": action, "ok": True})
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self, service):
        return self.clients[service]

    def tap(self, url):
        return None


def run_check(target, method, **options):
    check = Check(method, method)
    getattr(Doctor(target, **options), f"check_{method}")(check)
    return check


def subscriptions(target):
    checker = Doctor(target)
    checker.status = target.admin["status"]
    check = Check("subscriptions", "subscriptions")
    checker.check_subscriptions(check)
    return check


# --- outputs -----------------------------------------------------------------------------------------------------


def test_every_output_present_on_a_complete_stack_passes():
    assert run_check(FakeTarget(), "outputs").status == "ok"


def test_a_missing_output_is_named_with_a_deploy_as_its_fix():
    outputs = {k: v for k, v in OUTPUTS.items() if k != "AdminFunctionName"}
    check = run_check(FakeTarget(outputs=outputs), "outputs")
    assert (check.status, check.details["missing"]) == ("failed", ["AdminFunctionName"])
    assert "sam deploy" in check.fix


@pytest.mark.parametrize("stack_status", ["UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS", "ROLLBACK_COMPLETE"])
def test_a_stack_not_complete_fails_naming_its_status_and_its_events(stack_status):
    target = FakeTarget()
    target.status = stack_status
    check = run_check(target, "outputs")
    assert (check.status, check.summary) == ("failed", f"the stack is {stack_status}")
    assert "describe-stack-events --stack-name xwebhook" in check.fix


# --- the consumer secret -----------------------------------------------------------------------------------------


def test_an_unset_consumer_secret_fails_with_the_put_secret_value_command_for_its_arn():
    target = FakeTarget(secret=CliError("the consumer secret is not usable: empty"))
    check = run_check(target, "consumer_secret")
    assert check.status == "failed"
    assert f"put-secret-value --secret-id {OUTPUTS['ConsumerSecretArn']}" in check.fix


def test_a_consumer_secret_other_than_the_one_given_fails():
    check = run_check(FakeTarget(secret="the-stacks"), "consumer_secret", secret="the-apps")
    assert check.status == "failed"


def test_locally_the_fix_for_the_consumer_secret_is_to_restart_with_x_consumer_secret():
    check = run_check(FakeTarget(kind="local", secret="the-stacks"), "consumer_secret", secret="the-apps")
    assert "X_CONSUMER_SECRET='<your app's API Key Secret>' make dev" in check.fix


# --- the webhook at X --------------------------------------------------------------------------------------------


def test_no_webhook_at_x_fails_with_ensure_as_its_fix():
    check = run_check(FakeTarget(admin={"status": status(webhook=None)}), "webhook")
    assert (check.status, check.summary) == ("failed", f"no webhook is registered at X for {OUTPUTS['WebhookUrl']}")
    assert check.fix.startswith("xwebhook admin ensure")


def test_admin_status_failing_for_want_of_x_credentials_names_the_credentials_secret():
    answer = {"action": "status", "ok": False, "error": "the X credentials secret has no bearer_token"}
    target = FakeTarget(outputs={**OUTPUTS, "XApiCredentialsSecretArn": "arn:creds"}, admin={"status": answer})
    check = run_check(target, "webhook")
    assert "--secret-id arn:creds" in check.fix


def test_an_admin_function_that_predates_an_action_fails_with_a_deploy_as_its_fix():
    target = FakeTarget(admin={"status": Unsupported("the admin function has no 'status' action")})
    assert "sam deploy" in run_check(target, "webhook").fix


def test_with_revalidate_on_aws_x_runs_its_crc_through_admin_revalidate():
    answer = {"action": "revalidate", "ok": False, "valid": False, "error": "X's CRC failed"}
    target = FakeTarget(admin={"status": status(), "revalidate": answer})
    check = run_check(target, "webhook", revalidate=True)
    assert (check.status, target.invoked) == ("failed", ["status", "revalidate"])


def test_without_revalidate_doctor_leaves_x_alone():
    target = FakeTarget(admin={"status": status()})
    run_check(target, "webhook")
    assert target.invoked == ["status"]


# --- subscriptions -----------------------------------------------------------------------------------------------


def test_every_account_subscribed_passes():
    target = FakeTarget(
        admin={
            "status": status(subscribed=("1", "2", "2244994945")),
            "accounts": {"ok": True, "accounts": [account("1"), account("2")]},
        }
    )
    check = subscriptions(target)
    assert (check.status, check.summary) == ("ok", "the app owner 2244994945 and all 2 connected account(s) subscribed")


def test_an_owner_not_subscribed_is_named_as_the_app_owner():
    target = FakeTarget(admin={"status": status(subscribed=()), "accounts": {"ok": True, "accounts": []}})
    check = subscriptions(target)
    assert check.details["missing"] == [
        {"user_id": "2244994945", "name": "the app owner", "missing": "AAA subscription on the webhook"}
    ]


def test_an_xaa_subscription_x_no_longer_lists_is_named_by_its_event_type():
    accounts = [account("1", aaa=False, xaa={"post.create": "s1", "like.create": "s2"})]
    target = FakeTarget(
        admin={
            "status": status(),
            "accounts": {"ok": True, "accounts": accounts},
            "xaa_list": {"ok": True, "subscriptions": [{"subscription_id": "s1"}]},
        }
    )
    check = subscriptions(target)
    assert check.details["missing"] == [{"user_id": "1", "name": "user1", "missing": "XAA like.create"}]


def test_xaa_subscriptions_ensure_would_create_fail_the_check():
    target = FakeTarget(
        admin={"status": status(ensure_would={"create": 3, "repoint": 0}), "accounts": {"ok": True, "accounts": []}}
    )
    check = subscriptions(target)
    assert (check.status, check.summary) == ("failed", "ensure would create or repoint 3 XAA subscription(s)")


def test_an_account_needing_a_reconnect_fails_with_its_reconnect_url_as_the_fix():
    accounts = [account("1", state="needs_reconnect")]
    target = FakeTarget(admin={"status": status(), "accounts": {"ok": True, "accounts": accounts}})
    check = subscriptions(target)
    assert check.details["needs_reconnect"] == [{"user_id": "1", "name": "user1"}]
    assert "reconnect URL" in check.fix


def test_a_revoked_account_is_not_expected_to_be_subscribed():
    accounts = [account("1", state="revoked")]
    target = FakeTarget(admin={"status": status(), "accounts": {"ok": True, "accounts": accounts}})
    check = subscriptions(target)
    assert (check.status, check.notes) == ("ok", ["not expected to be subscribed: 1 (revoked)"])


def test_an_admin_function_without_accounts_checks_the_owner_and_says_so():
    target = FakeTarget(admin={"status": status(), "accounts": Unsupported("no accounts action")})
    check = subscriptions(target)
    assert (check.status, check.summary) == ("ok", "the app owner 2244994945 subscribed")


# --- the delivery ------------------------------------------------------------------------------------------------


class Sent:
    def __init__(self, status, answer, ms=12.0):
        self.status, self.answer, self.ms = status, answer, ms

    def as_dict(self):
        try:
            return {"answer": json.loads(self.answer)}
        except ValueError:
            return {"answer": self.answer}


@pytest.fixture
def posted(monkeypatch):
    """Make the synthetic POST answer what a test says; `found` is what the queue watch finds."""
    from xwebhook.send import synthetic

    setting = {"sent": Sent(200, '{"status":"ok","events":1,"sent":1,"duplicates":0}'), "found": None}
    monkeypatch.setattr(synthetic, "post", lambda url, body, secret: setting["sent"])
    monkeypatch.setattr(Doctor, "_queue_watch", lambda self, url: lambda run_id: setting["found"])
    return setting


def delivery(target):
    checker = Doctor(target, wait_seconds=1)
    checker.secret = "the-secret"
    check = Check("delivery", "delivery")
    checker.check_delivery(check)
    return check


def test_on_aws_a_delivery_sqs_accepted_but_a_consumer_took_first_passes_with_a_note(posted):
    check = delivery(FakeTarget())
    assert (check.status, check.summary) == ("ok", "SQS accepted it (ingest: 200, sent=1) in 12 ms")
    assert "a consumer took it first" in check.notes[0]


def test_a_message_that_reached_the_queue_unmarked_fails_asking_for_this_versions_ingest(posted):
    posted["found"] = {"message_id": "m", "attributes": {"event_type": "xwebhook.doctor"}, "body": {"event_id": "e"}}
    check = delivery(FakeTarget())
    assert check.status == "failed"
    assert "deploy this version's ingest function" in check.fix


def test_a_marked_message_seen_on_the_queue_passes(posted):
    posted["found"] = {"message_id": "m", "attributes": {"synthetic": "true"}, "body": {"synthetic": True}}
    assert delivery(FakeTarget()).status == "ok"


def test_locally_a_200_whose_message_never_shows_on_the_tap_fails(posted):
    check = delivery(FakeTarget(kind="local"))
    assert (check.status, check.details["seen"]) == ("failed", False)


def test_a_401_for_the_signature_fails_with_the_consumer_secret_as_its_fix(posted):
    posted["sent"] = Sent(401, '{"error":"signature does not match the body"}')
    assert "another consumer secret" in delivery(FakeTarget()).fix


def test_a_503_fails_pointing_at_ingests_log_line(posted):
    posted["sent"] = Sent(503, '{"error":"events could not be stored; retry"}')
    assert "ingest's log line" in delivery(FakeTarget()).fix


# --- dead letters and alarms -------------------------------------------------------------------------------------


def test_dead_letters_fail_with_the_count():
    check = run_check(FakeTarget(clients={"sqs": FakeSqs(depth=3)}), "dead_letters")
    assert (check.status, check.details["visible"]) == ("failed", 3)


def alarm(name, state="OK", **fields):
    return {
        "AlarmName": name,
        "StateValue": state,
        "StateReason": "Threshold Crossed",
        "AlarmDescription": f"what to do about {name}",
        "Namespace": "XWebhook",
        "MetricName": "DeliveriesFailed",
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 0.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        **fields,
    }


def test_on_aws_another_stacks_alarms_under_the_same_prefix_are_not_this_ones():
    alarms = [
        alarm("xwebhook-DeliveriesFailedAlarm-1A2B"),
        alarm("xwebhook-staging-DeliveriesFailedAlarm-3C4D", "ALARM"),
    ]
    check = run_check(FakeTarget(clients={"cloudwatch": FakeCloudWatch(alarms)}), "alarms")
    assert (check.status, list(check.details["alarms"])) == ("ok", ["xwebhook-DeliveriesFailedAlarm-1A2B"])


def test_on_aws_an_alarm_in_alarm_fails_with_its_description_as_the_fix():
    alarms = [alarm("xwebhook-DeadLetterQueueAlarm-1A2B", "ALARM")]
    check = run_check(FakeTarget(clients={"cloudwatch": FakeCloudWatch(alarms)}), "alarms")
    assert check.fix == "DeadLetterQueueAlarm: what to do about xwebhook-DeadLetterQueueAlarm-1A2B"


def test_on_aws_alarms_without_data_yet_pass_with_a_note():
    alarms = [alarm("xwebhook-WebhookValidAlarm-1A2B", "INSUFFICIENT_DATA")]
    check = run_check(FakeTarget(clients={"cloudwatch": FakeCloudWatch(alarms)}), "alarms")
    assert (check.status, check.notes) == (
        "ok",
        ["1 without data yet (normal after a deploy): xwebhook-WebhookValidAlarm-1A2B"],
    )


def test_a_stack_without_alarms_fails():
    assert run_check(FakeTarget(clients={"cloudwatch": FakeCloudWatch()}), "alarms").status == "failed"


def test_locally_an_alarm_on_a_metric_the_stack_does_not_record_is_left_to_aws():
    alarms = [
        alarm(
            "xwebhook-local-DeadLetterQueueAlarm", Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible"
        )
    ]
    check = run_check(FakeTarget(kind="local", clients={"cloudwatch": FakeCloudWatch(alarms, points=[5.0])}), "alarms")
    assert (check.status, check.details["not_evaluated"]) == ("ok", ["DeadLetterQueueAlarm"])


@pytest.mark.parametrize(
    ("points", "verdict"),
    [([], False), ([0.0], False), ([2.0], True)],
    ids=["no data, not breaching", "zero", "over the threshold"],
)
def test_a_local_alarm_is_evaluated_on_its_datapoints(points, verdict):
    assert evaluate_locally(alarm("a"), FakeCloudWatch(points=points), NOW) is verdict


def test_a_local_alarm_that_treats_missing_data_as_breaching_cannot_be_told_without_data():
    assert evaluate_locally(alarm("a", TreatMissingData="breaching"), FakeCloudWatch(), NOW) is None


def test_an_alarm_needing_two_of_two_datapoints_is_not_in_alarm_on_one():
    two = alarm("a", EvaluationPeriods=2, DatapointsToAlarm=2, ComparisonOperator="LessThanThreshold", Threshold=1.0)
    assert evaluate_locally(two, FakeCloudWatch(points=[0.0, 1.0]), NOW) is False


# --- the run -----------------------------------------------------------------------------------------------------


def test_a_check_that_breaks_fails_with_the_access_it_needs_and_the_others_still_run(monkeypatch):
    monkeypatch.setattr(Doctor, "check_crc", lambda self, check: check.passed("stand-in"))
    monkeypatch.setattr(Doctor, "check_delivery", lambda self, check: check.passed("stand-in"))

    def denied(self, check):
        raise CliError("reading the queue: AccessDenied")

    monkeypatch.setattr(Doctor, "check_dead_letters", denied)
    target = FakeTarget(
        admin={"status": status(), "accounts": {"ok": True, "accounts": []}},
        clients={"cloudwatch": FakeCloudWatch([alarm("xwebhook-XAlarm-1")])},
    )
    report = Doctor(target).run()
    dead = next(check for check in report["checks"] if check["name"] == "dead_letters")
    assert (report["ok"], report["problems"], dead["status"]) == (False, 1, "failed")
    assert "sqs:ReceiveMessage" in dead["fix"]


def test_the_report_lists_every_check_in_order():
    assert [name for name, _, _ in doctor.STEPS] == [
        "outputs",
        "consumer_secret",
        "crc",
        "webhook",
        "subscriptions",
        "delivery",
        "dead_letters",
        "alarms",
    ]
