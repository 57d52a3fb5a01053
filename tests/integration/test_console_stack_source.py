"""`xwebhook console --stack`'s reading of a deployed stack, against moto's server over HTTP: ingest's delivery
lines from CloudWatch Logs (each once, nothing else), its log group from CloudFormation, the queues peeked
at as `tail` peeks (nothing deleted, each message once, no peek past the budget), admin status read-only."""

import json
import time
import uuid

import boto3
import pytest

from xwebhook.cli.console import stack_source
from xwebhook.cli.console.feed import StopLooking
from xwebhook.cli.console.stack_source import IngestLog, PeekFeed, StackSource, ingest_log_group
from xwebhook.cli.target import Target


def delivery_line(status=200, **fields):
    line = {
        "level": "INFO",
        "message": "delivery",
        "service": "xwebhook",
        "timestamp": "2026-12-04T21:19:20.643Z",
        "function_request_id": str(uuid.uuid4()),
        "status": status,
        "source": "xaa",
        "events": 1,
        "sent": 1,
        "duplicates": 0,
        "event_types": ["post.create"],
        **fields,
    }
    return json.dumps(line)


@pytest.fixture
def aws(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.Session(region_name="us-east-1")


@pytest.fixture
def log_group(aws):
    logs = aws.client("logs")
    name = f"/aws/lambda/console-{uuid.uuid4().hex[:8]}-ingest"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="2026/12/04/[$LATEST]1")

    def put(*messages, at=None):
        stamp = int((at or time.time()) * 1000)
        events = [{"timestamp": stamp, "message": message} for message in messages]
        logs.put_log_events(logGroupName=name, logStreamName="2026/12/04/[$LATEST]1", logEvents=events)

    return logs, name, put


def test_ingests_delivery_lines_are_read_and_lambdas_own_lines_are_not(log_group):
    logs, name, put = log_group
    put("START RequestId: 1 Version: $LATEST", delivery_line(), delivery_line(401, reason="signature does not match"))
    views = IngestLog(logs, name, since_seconds=600).read()
    assert [view["status"] for view in views] == [200, 401]


def test_each_line_is_read_once(log_group):
    logs, name, put = log_group
    reader = IngestLog(logs, name, since_seconds=600)
    put(delivery_line())
    assert len(reader.read()) == 1
    assert reader.read() == []


def test_a_line_logged_later_comes_at_the_next_read(log_group):
    logs, name, put = log_group
    reader = IngestLog(logs, name, since_seconds=600)
    put(delivery_line())
    reader.read()
    put(delivery_line(503, reason="events could not be stored; retry"))
    assert [view["status"] for view in reader.read()] == [503]


def test_lines_older_than_since_are_not_read(log_group):
    logs, name, put = log_group
    put(delivery_line(), at=time.time() - 7200)
    assert IngestLog(logs, name, since_seconds=3600).read() == []


def test_ingests_log_group_is_named_by_the_stacks_cloudformation_record(aws):
    stack = f"console-{uuid.uuid4().hex[:8]}"
    template = {
        "Resources": {
            "IngestLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": f"/custom/{stack}"}}
        }
    }
    aws.client("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps(template))
    assert ingest_log_group(Target("aws", stack, "us-east-1", {}, session=aws)) == f"/custom/{stack}"


def test_without_that_record_the_templates_name_is_taken(aws):
    target = Target("aws", "not-a-stack", "us-east-1", {}, session=aws)
    assert ingest_log_group(target) == "/aws/lambda/not-a-stack-ingest"


# --- peeks -----------------------------------------------------------------------------------------------------


def fifo_queue(aws, max_receive_count=5):
    sqs = aws.client("sqs")
    name = f"console-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    attributes = {"FifoQueue": "true", "RedrivePolicy": policy, "VisibilityTimeout": "30"}
    queue = sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attributes)["QueueUrl"]
    return sqs, queue, dlq


def send(sqs, queue, event_id, group="1"):
    body = json.dumps({"event_id": event_id, "event_type": "post.create"})
    sqs.send_message(QueueUrl=queue, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=event_id)


def visible(sqs, queue):
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_peek_shows_each_message_once_and_leaves_it_on_the_queue(aws):
    sqs, queue, dlq = fifo_queue(aws)
    send(sqs, queue, "e1", group="1")
    send(sqs, queue, "e2", group="2")
    feed = PeekFeed(sqs, {"events": queue, "dlq": dlq})
    first = feed.look()
    assert sorted(document["body"]["event_id"] for _, document in first) == ["e1", "e2"]
    assert feed.look() == []
    assert visible(sqs, queue) == 2


def test_a_message_that_arrives_later_is_shown_at_the_next_look(aws):
    sqs, queue, dlq = fifo_queue(aws)
    feed = PeekFeed(sqs, {"events": queue, "dlq": dlq})
    send(sqs, queue, "e1", group="1")
    feed.look()
    send(sqs, queue, "e2", group="2")
    assert [document["body"]["event_id"] for _, document in feed.look()] == ["e2"]


def test_peeking_stops_before_it_could_cost_a_consumer_its_last_try(aws):
    sqs, queue, _ = fifo_queue(aws, max_receive_count=2)  # one peek already leaves a single try
    send(sqs, queue, "e1")
    feed = PeekFeed(sqs, {"events": queue})
    with pytest.raises(StopLooking, match="stopped peeking"):
        feed.look()
    assert visible(sqs, queue) == 1


class FakeAdminTarget(Target):
    """A deployed stack whose admin function answers from a dict (the port, faked: moto runs no Lambda)."""

    def __init__(self, session, outputs, answers):
        super().__init__("aws", "fake-stack", "us-east-1", outputs, session=session)
        self.answers = answers
        self.invoked = []

    def invoke_admin(self, action, fields=None):
        self.invoked.append(action)
        return self.answers[action]


def test_health_is_admin_status_read_at_most_every_half_minute_with_the_queue_depths(aws):
    sqs, queue, dlq = fifo_queue(aws)
    send(sqs, queue, "e1")
    status = {"action": "status", "ok": True, "webhook": {"id": "1", "valid": True}, "last_ensure": {"ok": True}}
    target = FakeAdminTarget(aws, {"EventsQueueUrl": queue, "DeadLetterQueueUrl": dlq}, {"status": status})
    source = StackSource(target, since_seconds=60)
    health = source.health()
    source.health()
    assert (health["webhook"], health["last_ensure"]) == (status, {"ok": True})
    assert health["queues"]["events"]["visible"] == 1
    assert target.invoked == ["status"]
    assert health["crc"] is None


def test_the_stack_source_offers_no_action_that_writes(aws):
    source = StackSource(FakeAdminTarget(aws, {}, {}), since_seconds=60)
    assert [name for name in ("send", "resend", "invite") if hasattr(source, name)] == []


def test_a_log_group_that_cannot_be_read_is_said_on_the_deliveries(aws):
    source = StackSource(FakeAdminTarget(aws, {}, {}), since_seconds=60)
    source.log_group = source.ingest_log.group = "/aws/lambda/no-such-group"
    source.read_log_once()
    answer = source.deliveries()
    assert answer["deliveries"] == []
    assert "ResourceNotFoundException" in answer["error"]


def test_the_delivery_pattern_is_cloudwatchs_json_pattern_on_ingests_message():
    assert stack_source.DELIVERY_PATTERN == '{ $.message = "delivery" }'
