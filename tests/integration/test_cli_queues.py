"""The CLI's queue work against the local SQS endpoint: peeking as on AWS (never taking a message from its
consumer, stopping before a peek could dead-letter one), consuming with filters, and redrive."""

import json

import pytest

from localdev import stack
from localdev.testing import moto_server  # noqa: F401 - the fixture
from xwebhook.cli import messages, redrive


@pytest.fixture
def queues(moto_server, request):  # noqa: F811
    """(sqs, queue url, dlq url): a FIFO queue whose DLQ takes a message after 5 receives."""
    sqs = stack.aws_client({"aws_endpoint": moto_server.endpoint}, "sqs")
    name = request.node.name[:40].replace("[", "-").replace("]", "")
    fifo = {"FifoQueue": "true"}
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=fifo)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})
    url = sqs.create_queue(QueueName=f"{name}.fifo", Attributes={**fifo, "RedrivePolicy": policy})["QueueUrl"]
    yield sqs, url, dlq
    sqs.delete_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=dlq)


def put(sqs, url, body, group="42", event_type="favorite", dedup=None):
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(body),
        MessageGroupId=group,
        MessageDeduplicationId=dedup or json.dumps(body),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": event_type},
            "for_user_id": {"DataType": "String", "StringValue": group},
        },
    )


def test_a_peek_shows_waiting_messages_once_and_leaves_them_to_the_consumer(queues):
    sqs, url, _ = queues
    put(sqs, url, {"n": 1}, group="1")
    put(sqs, url, {"n": 2}, group="2")
    peeker = messages.Peeker(sqs, url)

    first = peeker.poll()
    again = peeker.poll()  # nothing new is waiting: no receive at all

    assert sorted(json.loads(m["Body"])["n"] for m in first) == [1, 2]
    assert again == []
    consumed = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert sorted(json.loads(m["Body"])["n"] for m in consumed) == [1, 2]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in consumed} == {"2"}  # the peek cost one receive each


def test_a_dead_letter_queue_with_no_redrive_policy_of_its_own_can_be_peeked_at(queues):
    sqs, _, dlq = queues
    put(sqs, dlq, {"n": 1})
    peeker = messages.Peeker(sqs, dlq)
    assert peeker.max_receive_count == 0
    assert [json.loads(m["Body"])["n"] for m in peeker.poll()] == [1]


def test_a_peek_receives_again_only_for_new_arrivals_and_shows_only_them(queues):
    sqs, url, _ = queues
    put(sqs, url, {"n": 1}, group="1")
    peeker = messages.Peeker(sqs, url)
    assert len(peeker.poll()) == 1
    put(sqs, url, {"n": 2}, group="2")
    assert [json.loads(m["Body"])["n"] for m in peeker.poll()] == [2]


def test_peeking_stops_before_a_message_could_reach_the_dead_letter_queue(queues):
    sqs, url, dlq = queues
    put(sqs, url, {"n": 1}, group="1")
    for _ in range(3):
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)  # its consumer failed it three times already
    peeker = messages.Peeker(sqs, url)

    with pytest.raises(messages.PeekBudgetSpent, match="dead-letter queue after 5"):
        peeker.poll()  # its fourth receive: one left for the consumer

    assert messages.depth(sqs, dlq)["visible"] == 0
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1  # still its consumer's


def test_a_consuming_tail_deletes_what_it_shows_and_leaves_what_its_filters_skip(queues):
    sqs, url, _ = queues
    put(sqs, url, {"n": 1}, group="1", event_type="favorite")
    put(sqs, url, {"n": 2}, group="2", event_type="dm.received")
    shown = []

    messages.consume(
        sqs,
        url,
        emit=lambda m: shown.append(messages.render(m)),
        keep=lambda m: messages.matches(messages.render(m), types=("dm.*",)),
    )

    assert [d["body"]["n"] for d in shown] == [2]
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["n"] for m in left] == [1]


def test_in_flight_messages_are_explained(queues):
    sqs, url, _ = queues
    put(sqs, url, {"n": 1})
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)  # e.g. `aws sqs receive-message`
    note = messages.hidden_note(messages.depth(sqs, url), fifo=True)
    assert "1 message is in flight" in note
    assert "visibility timeout" in note
    assert "FIFO" in note
    assert messages.hidden_note({"in_flight": 0}) is None


def test_redrive_moves_every_dead_letter_back_keeping_groups_and_attributes(queues):
    sqs, url, dlq = queues
    for n in range(13):
        put(sqs, dlq, {"n": n}, group=str(n % 2), event_type="post.create")
    seen = []

    result = redrive.redrive(sqs, dlq, url, progress=lambda moved, total: seen.append((moved, total)))

    assert result == {"moved": 13, "total": 13, "method": "receive-send-delete"}  # moto has no move task
    assert seen[0] == (0, 13)
    assert seen[-1] == (13, 13)
    assert messages.depth(sqs, dlq)["visible"] == 0
    back = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", []):
        back.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch]
        )
    assert sorted(json.loads(m["Body"])["n"] for m in back) == list(range(13))
    assert {m["Attributes"]["MessageGroupId"] for m in back} == {"0", "1"}
    assert {m["MessageAttributes"]["event_type"]["StringValue"] for m in back} == {"post.create"}


def test_redrive_with_a_count_moves_that_many(queues):
    sqs, url, dlq = queues
    for n in range(5):
        put(sqs, dlq, {"n": n}, group=str(n))
    assert redrive.redrive(sqs, dlq, url, count=2)["moved"] == 2
    assert messages.depth(sqs, dlq)["visible"] == 3


class MoveTaskSqs:
    """An SQS client with the message move task (as on AWS), reporting progress over three polls."""

    def __init__(self):
        self.polls = 0

    def get_queue_attributes(self, QueueUrl, AttributeNames):
        return {"Attributes": {"QueueArn": f"arn:{QueueUrl}", "ApproximateNumberOfMessages": "40"}}

    def start_message_move_task(self, SourceArn, DestinationArn):
        self.started = (SourceArn, DestinationArn)
        return {"TaskHandle": "h1"}

    def list_message_move_tasks(self, SourceArn, MaxResults):
        self.polls += 1
        moved = min(40, self.polls * 20 - 20)
        status = "COMPLETED" if moved == 40 else "RUNNING"
        task = {"TaskHandle": "h1", "Status": status, "ApproximateNumberOfMessagesMoved": moved}
        return {"Results": [{**task, "ApproximateNumberOfMessagesToMove": 40}]}


def test_on_aws_redrive_uses_the_message_move_task_and_reports_its_progress():
    sqs, seen = MoveTaskSqs(), []
    result = redrive.redrive(sqs, "dlq", "queue", progress=lambda m, t: seen.append((m, t)), poll_seconds=0)
    assert result == {"moved": 40, "total": 40, "method": "message-move-task"}
    assert sqs.started == ("arn:dlq", "arn:queue")
    assert seen == [(0, 40), (20, 40), (40, 40)]
