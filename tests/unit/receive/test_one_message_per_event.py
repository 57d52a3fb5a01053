"""One message per event X delivers: XAA's distinct types for one post are distinct messages (each its own
event_id, all the post's activity_id), and during the AAA/XAA overlap no (event type, activity) pair is
enqueued twice: an AAA tweet_create covers the XAA types it stands for, for that account."""

import json
import time

import pytest

from tests.fakes import STANDARD_QUEUE
from tests.fakes import IngestWorld as World
from xwebhook.receive.post_kinds import aaa_kinds, xaa_kinds

ME = "1"
OTHER = "2"
POST = "100"


def iso(at):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at))


def tweet(at, author=OTHER, text="hello", mentions=(), reply_to=None, quote_of=None, repost_of=None, window=None):
    """An AAA tweet_create item (v1.1 shapes): `mentions` are (user id, start index)."""
    item = {
        "id_str": POST,
        "timestamp_ms": str(int(at * 1000)),
        "text": text,
        "user": {"id_str": author},
        "entities": {"user_mentions": [{"id_str": uid, "indices": [start, start + 5]} for uid, start in mentions]},
    }
    if window is not None:
        item["display_text_range"] = list(window)
    if reply_to is not None:
        item.update(in_reply_to_status_id_str="99", in_reply_to_user_id_str=reply_to)
    if quote_of is not None:
        item["quoted_status"] = {"id_str": "98", "user": {"id_str": quote_of}}
    if repost_of is not None:
        item["retweeted_status"] = {"id_str": "97", "user": {"id_str": repost_of}}
    return item


def aaa(item, user=ME):
    return {"for_user_id": user, "tweet_create_events": [item]}


def post_payload(at, author=OTHER, mentions=(), reply_to=None, quote_of=None, window=None):
    """An XAA post payload (v2 shapes): `mentions` are (user id, start)."""
    payload = {
        "id": POST,
        "created_at": iso(at),
        "text": "hello",
        "author_id": author,
        "entities": {"mentions": [{"id": uid, "start": start, "end": start + 5} for uid, start in mentions]},
    }
    if window is not None:
        payload["display_text_range"] = list(window)
    if reply_to is not None:
        payload.update(in_reply_to_user_id=reply_to, referenced_tweets=[{"type": "replied_to", "id": "99"}])
    if quote_of is not None:
        payload["referenced_tweets"] = [{"type": "quoted", "id": "98"}]
    return payload


def xaa(event_type, payload, user=ME, uuid="-1", includes=None):
    data = {"event_uuid": uuid, "filter": {"user_id": user}, "event_type": event_type, "payload": payload}
    if includes is not None:
        data["includes"] = includes
    return {"data": data}


def bodies(world):
    return [json.loads(entry["MessageBody"]) for entry in world.sqs.delivered]


# ---- XAA: distinct types of one post are distinct messages -------------------------------------------------


def reply_mentioning_me(at):
    """A direct reply to my post that also @mentions me in its text: post.reply.create and post.mention.create."""
    return post_payload(at, mentions=[(ME, 0), (ME, 20)], reply_to=ME, window=(5, 40))


@pytest.mark.parametrize("queue", ["fifo", "standard"])
def test_xaa_types_of_one_post_are_each_a_message(queue):
    world = World() if queue == "fifo" else World(queue=STANDARD_QUEUE)
    at = world.now - 1
    world.deliver(xaa("post.reply.create", reply_mentioning_me(at), uuid="-1"))
    world.deliver(xaa("post.mention.create", reply_mentioning_me(at), uuid="-2"))
    entries = world.sqs.delivered if queue == "fifo" else world.sqs.accepted
    delivered = [json.loads(entry["MessageBody"]) for entry in entries]
    assert sorted(body["event_type"] for body in delivered) == ["post.mention.create", "post.reply.create"]


def test_the_messages_of_one_post_have_their_own_event_ids_and_the_posts_activity_id():
    world = World()
    at = world.now - 1
    world.deliver(xaa("post.reply.create", reply_mentioning_me(at)))
    world.deliver(xaa("post.mention.create", reply_mentioning_me(at)))
    first, second = bodies(world)
    assert first["event_id"] != second["event_id"]
    assert first["activity_id"] == second["activity_id"] == f"post:{ME}:{POST}"


def test_an_own_post_mentioning_oneself_is_a_post_create_and_a_post_mention_create():
    world = World()
    at = world.now - 1
    own = post_payload(at, author=ME, mentions=[(ME, 6)], window=(0, 20))
    world.deliver(xaa("post.create", own))
    world.deliver(xaa("post.mention.create", own))
    assert sorted(body["event_type"] for body in bodies(world)) == ["post.create", "post.mention.create"]


def test_both_types_in_one_delivery_are_both_enqueued():
    world = World()
    at = world.now - 1
    envelopes = [xaa(kind, reply_mentioning_me(at))["data"] for kind in ("post.reply.create", "post.mention.create")]
    outcome = world.deliver({"data": envelopes})
    assert (outcome.sent, outcome.duplicates) == (2, 0)


@pytest.mark.parametrize("gap", [0, 200, 3600])
def test_a_retry_of_one_type_is_still_dropped(gap):
    world = World()
    at = world.now - 1
    world.deliver(xaa("post.mention.create", reply_mentioning_me(at)))
    world.later(gap)
    assert world.deliver(xaa("post.mention.create", reply_mentioning_me(at), uuid="-9")).duplicates == 1


# ---- the overlap: an AAA tweet_create covers the XAA types it stands for ---------------------------------------


CASES = {
    # name: (AAA item, [(XAA type, XAA payload)])
    "own post": (lambda at: tweet(at, author=ME), [("post.create", lambda at: post_payload(at, author=ME))]),
    "mention": (
        lambda at: tweet(at, mentions=[(ME, 6)], window=(0, 30)),
        [("post.mention.create", lambda at: post_payload(at, mentions=[(ME, 6)], window=(0, 30)))],
    ),
    "reply": (
        lambda at: tweet(at, mentions=[(ME, 0)], reply_to=ME, window=(5, 30)),
        [("post.reply.create", lambda at: post_payload(at, mentions=[(ME, 0)], reply_to=ME, window=(5, 30)))],
    ),
    "reply that mentions": (
        lambda at: tweet(at, mentions=[(ME, 0), (ME, 20)], reply_to=ME, window=(5, 40)),
        [("post.reply.create", reply_mentioning_me), ("post.mention.create", reply_mentioning_me)],
    ),
    "own post mentioning oneself": (
        lambda at: tweet(at, author=ME, mentions=[(ME, 6)], window=(0, 20)),
        [
            ("post.create", lambda at: post_payload(at, author=ME, mentions=[(ME, 6)], window=(0, 20))),
            ("post.mention.create", lambda at: post_payload(at, author=ME, mentions=[(ME, 6)], window=(0, 20))),
        ],
    ),
    "quote": (
        lambda at: tweet(at, quote_of=ME),
        [("post.quote.create", lambda at: post_payload(at, quote_of=ME))],
    ),
    "repost": (lambda at: tweet(at, repost_of=ME), []),
}


def _pairs(world):
    """(event_type, activity_id) of every message on the queue, the AAA copy counted as each type it covers."""
    found = []
    for body in bodies(world):
        if body["source"] == "aaa":
            kinds = aaa_kinds(body["event"], body["for_user_id"])[0]
            found += [(kind, body["activity_id"]) for kind in kinds]
        else:
            found.append((body["event_type"], body["activity_id"]))
    return found


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("first", ["aaa", "xaa"])
@pytest.mark.parametrize("gap", [0, 2, 3600])
def test_no_event_type_and_activity_pair_is_enqueued_twice_whichever_family_comes_first(case, first, gap):
    world = World()
    at = world.now - 1
    item, copies = CASES[case]
    deliveries = [aaa(item(at))]
    xaa_deliveries = [xaa(kind, payload(at), uuid=f"-{n}") for n, (kind, payload) in enumerate(copies)]
    deliveries = deliveries + xaa_deliveries if first == "aaa" else xaa_deliveries + deliveries
    for delivery in deliveries:
        assert world.deliver(delivery).status == 200
        world.later(gap)
    pairs = _pairs(world)
    assert len(pairs) == len(set(pairs)), pairs


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_xaa_type_of_the_post_arrives_when_aaa_came_first(case):
    world = World()
    at = world.now - 1
    item, copies = CASES[case]
    world.deliver(aaa(item(at)))
    for n, (kind, payload) in enumerate(copies):
        world.deliver(xaa(kind, payload(at), uuid=f"-{n}"))
    assert {kind for kind, _ in copies} <= {kind for kind, _ in _pairs(world)}


def test_an_aaa_post_after_one_of_its_xaa_types_is_dropped_but_the_other_type_still_arrives():
    world = World()
    at = world.now - 1
    world.deliver(xaa("post.reply.create", reply_mentioning_me(at)))
    dropped = world.deliver(aaa(tweet(at, mentions=[(ME, 0), (ME, 20)], reply_to=ME, window=(5, 40))))
    world.deliver(xaa("post.mention.create", reply_mentioning_me(at), uuid="-2"))
    assert dropped.duplicates == 1
    assert sorted(body["event_type"] for body in bodies(world)) == ["post.mention.create", "post.reply.create"]


def test_an_aaa_post_that_is_one_type_takes_the_fifo_path_two_calls():
    world = World()
    outcome = world.deliver(aaa(tweet(world.now - 1, author=ME)))
    assert outcome.aws_calls == 2


def test_an_aaa_post_that_is_two_types_is_read_first():
    world = World()
    outcome = world.deliver(aaa(tweet(world.now - 1, author=ME, mentions=[(ME, 6)], window=(0, 20))))
    assert [call for _, call in outcome.calls] == ["batch_get_item", "send_message_batch", "batch_write_item"]


def test_each_key_of_an_aaa_post_is_counted_for_the_account_under_the_xaa_type_it_stands_for():
    # An own post that @mentions oneself: XAA delivers (and bills) it as post.create and post.mention.create,
    # so the by_user index counts it under each, and migrate's fit proposes those two types, not all five.
    world = World()
    world.deliver(aaa(tweet(world.now - 1, author=ME, mentions=[(ME, 6)], window=(0, 20))))
    counted = sorted(
        (item["for_user_id"]["S"], item["event_type"]["S"])
        for item in world.dynamo.items.values()
        if "for_user_id" in item
    )
    assert len(world.dynamo.items) == 2
    assert counted == [(ME, "tweet_create/post.create"), (ME, "tweet_create/post.mention.create")]


# ---- what a post is, for one account -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "kinds", "certain"),
    [
        (tweet(0, author=ME), ("post.create",), True),
        (tweet(0, author=ME, mentions=[(ME, 6)], window=(0, 20)), ("post.create", "post.mention.create"), False),
        (tweet(0, mentions=[(ME, 6)], window=(0, 30)), ("post.mention.create",), True),
        (tweet(0, mentions=[(ME, 0)], reply_to=ME, window=(5, 30)), ("post.reply.create",), True),
        (tweet(0, mentions=[(ME, 0)], reply_to=ME), ("post.reply.create", "post.mention.create"), False),
        (tweet(0, quote_of=ME), ("post.quote.create",), True),
        (tweet(0, repost_of=ME), ("post.repost.create",), True),
        (tweet(0, author=ME, repost_of=OTHER), ("post.create",), True),
        (tweet(0), ("post.mention.create",), True),  # delivered for a mention its entities do not show
    ],
    ids=[
        "own",
        "own mentioning oneself",
        "mention",
        "direct reply",
        "reply without display range",
        "quote",
        "repost",
        "own repost",
        "mention without entity",
    ],
)
def test_what_an_aaa_post_stands_for(item, kinds, certain):
    assert aaa_kinds(item, ME)[:2] == (kinds, certain)


@pytest.mark.parametrize("author", [ME, OTHER])
def test_the_written_out_hot_path_answers_as_aaa_kinds_does(author):
    from xwebhook.receive.event_ids import aaa_identifier, aaa_post

    posts = aaa_identifier("tweet_create", ME).posts
    for item in (tweet(0, author=author), tweet(0, author=author, reply_to=ME), tweet(0, author=author, quote_of=ME)):
        assert aaa_post(item, posts, ME)[3] == aaa_kinds(item, ME)


def test_an_xaa_quote_whose_quoted_author_x_does_not_include_is_not_certain():
    payload = post_payload(0, quote_of=ME)
    assert xaa_kinds("post.quote.create", {"payload": payload}, ME) == (("post.quote.create",), False)


def test_an_xaa_quote_whose_quoted_author_x_includes_is_certain():
    payload = post_payload(0, quote_of=ME)
    data = {"payload": payload, "includes": {"tweets": [{"id": "98", "author_id": ME}]}}
    assert xaa_kinds("post.quote.create", data, ME) == (("post.quote.create",), True)


def test_an_xaa_type_the_payload_does_not_explain_is_believed_and_read_first():
    assert xaa_kinds("post.repost.create", {"payload": post_payload(0)}, ME) == (("post.repost.create",), False)
