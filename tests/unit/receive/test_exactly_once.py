"""Exactly once across X's retries, replays and the two payload families, on a FIFO queue that
deduplicates as SQS does (5 minutes per group), and the AWS calls each delivery makes on X's clock."""

import json
import time

import pytest

from tests.fakes import STANDARD_QUEUE as STANDARD
from tests.fakes import IngestWorld as World


def iso(at):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at))


def aaa_post(at, post="100", user="1"):
    """The account's own post, as AAA delivers it."""
    item = {"id_str": post, "timestamp_ms": str(int(at * 1000)), "user": {"id_str": user}}
    return {"for_user_id": user, "tweet_create_events": [item]}


def xaa_post(at, post="100", user="1", uuid="-7"):
    """The account's own post, as XAA delivers it (post.create)."""
    payload = {"id": post, "created_at": iso(at), "text": "hi", "author_id": user}
    return {"data": {"event_uuid": uuid, "filter": {"user_id": user}, "event_type": "post.create", "payload": payload}}


def aaa_posts(at, count, user="1"):
    return {
        "for_user_id": user,
        "tweet_create_events": [
            {"id_str": str(n), "timestamp_ms": str(int(at * 1000)), "user": {"id_str": user}} for n in range(count)
        ],
    }


# --- AWS calls on X's clock -----------------------------------------------------------------------


def test_a_fresh_delivery_costs_one_send_and_one_write():
    world = World()
    outcome = world.deliver(aaa_posts(world.now - 2, 3))
    assert outcome.calls == [("sqs", "send_message_batch"), ("dynamodb", "batch_write_item")]
    assert outcome.aws_calls == 2


@pytest.mark.parametrize(
    ("why", "delivery"),
    [
        ("older than the FIFO window allows", lambda now: aaa_posts(now - 241, 3)),
        ("timed too far in the future", lambda now: aaa_posts(now + 61, 3)),
        ("without a time in its payload", lambda now: {"for_user_id": "1", "favorite_events": [{"id": "f1"}]}),
    ],
)
def test_a_delivery_that_may_repeat_an_older_one_is_read_first(why, delivery):
    world = World()
    outcome = world.deliver(delivery(world.now))
    assert [call for _, call in outcome.calls] == ["batch_get_item", "send_message_batch", "batch_write_item"], why


def test_on_a_standard_queue_every_delivery_is_read_first():
    world = World(queue=STANDARD)
    outcome = world.deliver(aaa_posts(world.now, 3))
    assert [call for _, call in outcome.calls] == ["batch_get_item", "send_message_batch", "batch_write_item"]


def test_a_trust_window_of_zero_reads_every_delivery():
    world = World(fifo_trust_seconds=0)
    assert len(world.deliver(aaa_posts(world.now, 3)).calls) == 3


def test_without_the_dedup_table_a_delivery_is_one_send():
    world = World(dedup=False)
    assert world.deliver(aaa_posts(world.now, 3)).calls == [("sqs", "send_message_batch")]


def test_a_replayed_duplicate_costs_one_read_and_nothing_else():
    world = World()
    world.deliver(aaa_posts(world.now, 3))
    world.later(3600)
    outcome = world.deliver(aaa_posts(World.START, 3))
    assert (outcome.status, outcome.sent, outcome.duplicates) == (200, 0, 3)
    assert outcome.calls == [("dynamodb", "batch_get_item")]


# --- exactly once -------------------------------------------------------------------------------


def test_x_retrying_a_fresh_delivery_enqueues_it_once():
    world = World()
    delivery = aaa_posts(world.now, 3)
    for wait in (0, 3, 27, 180):  # X's retries: about 3 s, 27 s and 242 s after the first attempt
        world.later(wait)
        assert world.deliver(delivery).status == 200
    assert sorted(world.delivered) == ["post:1:0", "post:1:1", "post:1:2"]


def test_a_replay_hours_later_enqueues_nothing_again():
    world = World()
    world.deliver(aaa_post(world.now))
    world.deliver(xaa_post(world.now - 100, post="200"))
    world.later(6 * 3600)
    assert world.deliver(aaa_post(World.START)).duplicates == 1
    assert world.deliver(xaa_post(World.START - 100, post="200", uuid="-8")).duplicates == 1  # new event_uuid
    assert world.delivered == ["post:1:100", "post:1:200"]


@pytest.mark.parametrize("first", ["aaa", "xaa"])
@pytest.mark.parametrize("gap", [0, 2, 200, 3600])
def test_the_two_families_copies_of_an_activity_are_one_message_whichever_comes_first(first, gap):
    world = World()
    at = world.now - 1
    copies = [aaa_post(at), xaa_post(at)] if first == "aaa" else [xaa_post(at), aaa_post(at)]
    world.deliver(copies[0])
    world.later(gap)
    world.deliver(copies[1])
    assert world.delivered == ["post:1:100"]
    body = json.loads((world.sqs.delivered[0])["MessageBody"])
    assert body["source"] == first


def test_the_second_familys_copy_is_recorded_so_the_admin_function_sees_it_arrive():
    world = World()
    world.deliver(aaa_post(world.now - 1))
    world.later(3600)  # past SQS's window: the table answers
    outcome = world.deliver(xaa_post(World.START - 1))
    assert (outcome.sent, outcome.duplicates) == (0, 1)
    assert [call for _, call in outcome.calls] == ["batch_get_item", "batch_write_item"]
    items = {key: (item["source"]["S"], item["event_type"]["S"]) for key, item in world.dynamo.items.items()}
    assert sorted(items.values()) == [
        ("aaa", "tweet_create/post.create"),
        ("xaa", "post.create"),
    ]  # each family its own


def test_both_families_are_recorded_whichever_comes_first_even_when_sqs_drops_the_second():
    world = World()
    world.deliver(xaa_post(world.now - 1))  # XAA first (fresh: no read), then AAA's copy, which SQS drops
    world.later(2)
    world.deliver(aaa_post(World.START - 1))
    assert len(world.delivered) == 1
    assert sorted(item["source"]["S"] for item in world.dynamo.items.values()) == ["aaa", "xaa"]


def test_a_failed_send_leaves_nothing_recorded_and_the_retry_enqueues_everything():
    world = World()
    world.sqs.script = [ConnectionError("down")] * 3
    delivery = aaa_posts(world.now, 3)
    assert world.deliver(delivery).status == 503
    assert world.dynamo.items == {}
    world.later(3)
    assert world.deliver(delivery).sent == 3
    assert len(world.delivered) == 3


@pytest.mark.parametrize("retry_after", [3, 27, 242])
def test_a_failure_between_send_and_write_is_repaired_by_x_retry_without_a_second_copy(retry_after):
    world = World()
    delivery = aaa_posts(world.now - 5, 3)
    world.dynamo.fail_on = {"batch_write_item"}
    assert world.deliver(delivery).status == 503  # on the queue, not recorded: X is asked to retry
    world.dynamo.fail_on = set()
    world.later(retry_after)  # at 242 s the events are older than 240 s: read, not found, sent, dropped by SQS
    assert world.deliver(delivery).status == 200
    assert len(world.dynamo.items) == 3
    world.later(6 * 3600)
    assert world.deliver(delivery).duplicates == 3  # a replay finds them
    assert sorted(world.delivered) == ["post:1:0", "post:1:1", "post:1:2"]


def test_a_failed_read_sends_nothing():
    world = World()
    world.dynamo.fail_on = {"batch_get_item"}
    outcome = world.deliver(aaa_posts(world.now - 600, 2))
    assert (outcome.status, world.sqs.calls) == (503, [])


def test_distinct_activities_are_never_taken_for_copies():
    world = World()
    at = world.now - 1
    world.deliver(aaa_posts(at, 10))
    world.deliver(aaa_posts(at, 10, user="2"))  # the same posts for another subscribed account
    world.deliver(xaa_post(at, post="500"))
    assert len(world.delivered) == 10 + 10 + 1


def test_what_sqs_took_before_a_batch_failed_is_recorded_so_x_retry_on_a_standard_queue_sends_only_the_rest():
    world = World(queue=STANDARD)
    delivery = aaa_posts(world.now - 5, 3)
    world.sqs.script = [{"1"}, {"1"}, {"1"}]  # every attempt: entry 1 refused, the others taken the first time
    assert world.deliver(delivery).status == 503
    assert len(world.sqs.accepted) == 2
    assert len(world.dynamo.items) == 2
    world.later(3)
    retried = world.deliver(delivery)
    assert (retried.status, retried.sent, retried.duplicates) == (200, 1, 2)
    assert sorted(world.delivered) == sorted(f"post:1:{n}" for n in range(3))
