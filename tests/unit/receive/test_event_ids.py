"""activity_id: one identity for the AAA and the XAA copy of an activity (issue 8's overlap), never one
for two distinct activities; and the event's own time (occurred_at) that lets ingest skip a read."""

import copy

import pytest

from tests.conftest import sample
from xwebhook.receive.event_ids import epoch_ms, iso_time, part, v1_time
from xwebhook.receive.splitting import split_delivery

AT = "2026-11-28T03:00:00.000Z"


def only(delivery):
    (message,) = split_delivery(delivery, AT)
    return message


def xaa(event_type, user, payload, uuid="-5"):
    return {"data": {"event_uuid": uuid, "filter": {"user_id": user}, "event_type": event_type, "payload": payload}}


def aaa_item(name):
    delivery = sample(name)
    key = next(key for key in delivery if key.endswith("_events") or key == "user_event")
    value = delivery[key]
    return delivery.get("for_user_id"), (value[0] if isinstance(value, list) else value)


def xaa_copy_of(name):
    """The XAA delivery X sends for the activity in AAA sample `name` (payload shapes of X's XAA samples)."""
    user, item = aaa_item(name)
    if name.startswith("aaa/tweet_create"):
        return [
            xaa(kind, user, {"id": item["id_str"], "created_at": "2018-03-26T16:33:26.000Z"})
            for kind in ("post.create", "post.mention.create", "post.reply.create", "post.quote.create")
        ]
    if name == "aaa/favorite":
        payload = {"id": item["id"], "liked_tweet_id": item["favorited_status"]["id_str"], "timestamp_ms": "1"}
        return [xaa("like.create", user, payload)]
    if name == "aaa/direct_message":
        dm = copy.deepcopy(item)
        return [xaa("dm.received", user, {"direct_message_events": [dm], "users": {}})]
    if name == "aaa/tweet_delete":
        return [xaa("post.delete", user, {"id": item["status"]["id"], "author_id": item["status"]["user_id"]})]
    if name == "aaa/dm_indicate_typing":  # ⚠ not in X's samples: both the AAA-like list and a flat payload
        return [
            xaa("dm.indicate_typing", user, {"direct_message_indicate_typing_events": [item]}),
            xaa("dm.indicate_typing", user, dict(item)),
        ]
    if name == "aaa/dm_mark_read":
        return [
            xaa("dm.read", user, {"direct_message_mark_read_events": [item]}),
            xaa("dm.read", user, dict(item)),
        ]
    if name == "aaa/user_event_revoke":
        revoke = item["revoke"]
        payload = {"date_time": revoke["date_time"], "user_id": revoke["source"]["user_id"], "app_id": "13090192"}
        return [{"data": {"event_uuid": "1", "filter": {}, "event_type": "oauth.revoke", "payload": payload}}]
    raise KeyError(name)


PAIRED = [
    "aaa/tweet_create",
    "aaa/tweet_create_mention",
    "aaa/favorite",
    "aaa/direct_message",
    "aaa/tweet_delete",
    "aaa/dm_indicate_typing",
    "aaa/dm_mark_read",
    "aaa/user_event_revoke",
]


@pytest.mark.parametrize("name", PAIRED)
def test_the_aaa_and_the_xaa_copy_of_an_activity_share_its_activity_id(name):
    aaa = only(sample(name))
    for delivery in xaa_copy_of(name):
        copy_ = only(delivery)
        assert copy_.activity_id == aaa.activity_id, copy_.event_type
        assert copy_.event_id != aaa.event_id  # event_id stays family-specific
        assert copy_.group_id == aaa.group_id  # same FIFO group, so SQS deduplicates the pair too


@pytest.mark.parametrize("name", [name for name in PAIRED if not name.startswith("aaa/tweet_create")])
def test_the_two_copies_of_an_activity_that_is_not_a_post_share_the_fifo_deduplication_id(name):
    aaa = only(sample(name))
    for delivery in xaa_copy_of(name):
        assert only(delivery).deduplication_id == aaa.deduplication_id


@pytest.mark.parametrize("name", ["aaa/tweet_create", "aaa/tweet_create_mention"])
def test_an_aaa_post_covers_the_xaa_types_it_stands_for_and_no_other(name):
    aaa = only(sample(name))  # someone else's post delivered to the account for a mention
    assert aaa.kinds == ("post.mention.create",)
    covered = {copy_.event_type for copy_ in map(only, xaa_copy_of(name)) if copy_.dedup_key in aaa.dedup_keys}
    assert covered == {"post.mention.create"}


@pytest.mark.parametrize("name", ["aaa/tweet_create", "aaa/tweet_create_mention"])
def test_the_xaa_copy_of_the_type_an_aaa_post_stands_for_shares_its_fifo_deduplication_id(name):
    aaa = only(sample(name))
    mention = next(only(d) for d in xaa_copy_of(name) if d["data"]["event_type"] == "post.mention.create")
    assert mention.deduplication_id == aaa.deduplication_id


def test_an_xaa_follow_with_a_time_matches_the_aaa_follow_and_without_one_stays_a_second_message():
    aaa = only(sample("aaa/follow"))
    user, item = aaa_item("aaa/follow")
    people = {
        "source": {"data": {"id": item["source"]["id_str"]}},
        "target": {"data": {"id": item["target"]["id_str"]}},
    }
    timed = only(xaa("follow.follow", user, dict(people, created_timestamp=item["created_timestamp"])))
    untimed = only(xaa("follow.follow", user, people))
    assert timed.activity_id == aaa.activity_id
    # X's samples give no time: the pair alone would repeat on a re-follow, so the copy is kept (a
    # duplicate during the overlap, never a loss).
    assert untimed.activity_id != aaa.activity_id


def test_a_post_delivered_to_one_account_as_several_xaa_types_is_one_activity():
    # AAA delivered one tweet_create per post and account; XAA may deliver a reply that mentions the
    # account as post.reply.create and post.mention.create: one message, as before the move.
    reply = [only(delivery) for delivery in xaa_copy_of("aaa/tweet_create")]
    assert len({message.activity_id for message in reply}) == 1
    assert len({message.event_id for message in reply}) == len(reply)


# --- never collapse distinct activities --------------------------------------------------------


def _aaa(kind, user, items):
    return split_delivery({"for_user_id": user, kind: items}, AT)


def test_a_refollow_after_an_unfollow_is_three_activities_in_both_families():
    _, item = aaa_item("aaa/follow")
    sequence = [
        dict(item, type=kind, created_timestamp=str(1517588749178 + n))
        for n, kind in enumerate(["follow", "unfollow", "follow"])
    ]
    assert len({m.activity_id for m in _aaa("follow_events", "1", sequence)}) == 3
    people = {"source": {"data": {"id": "1"}}, "target": {"data": {"id": "2"}}}
    xaa_sequence = [
        only(xaa(kind, "1", people, uuid=str(n)))
        for n, kind in enumerate(["follow.follow", "follow.unfollow", "follow.follow"])
    ]
    assert len({m.activity_id for m in xaa_sequence}) == 3


def test_a_second_typing_indicator_and_a_second_dm_are_their_own_activities():
    _, typing = aaa_item("aaa/dm_indicate_typing")
    twice = [typing, dict(typing, created_timestamp=str(int(typing["created_timestamp"]) + 4000))]
    assert len({m.activity_id for m in _aaa("direct_message_indicate_typing_events", "1", twice)}) == 2
    _, dm = aaa_item("aaa/direct_message")
    assert (
        len({m.activity_id for m in _aaa("direct_message_events", "1", [dm, dict(dm, id="954491830116155397")])}) == 2
    )


def test_two_likes_of_one_post_are_two_activities():
    one = only(xaa("like.create", "1", {"id": "aa", "liked_tweet_id": "9", "timestamp_ms": "1784927565236"}))
    other = only(xaa("like.create", "1", {"id": "bb", "liked_tweet_id": "9", "timestamp_ms": "1784927565236"}))
    assert one.activity_id != other.activity_id


def test_events_of_other_types_keep_their_own_event_id_as_activity_id():
    for name in ("aaa/replay_job_status", "aaa/unknown_kind", "xaa/chat.received", "xaa/profile.update.bio"):
        message = only(sample(name))
        assert message.activity_id == message.event_id


# --- occurred_at: only the event's own time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("aaa/tweet_create", 1522082006.14),
        ("aaa/tweet_create_longform", v1_time("Mon May 19 14:01:46 +0000 2025")),
        ("aaa/favorite", 1522082006.14),  # the like's timestamp_ms, not the liked post's created_at
        ("aaa/direct_message", 1516403560.557),
        ("aaa/follow", 1517588749.178),
        ("aaa/user_event_revoke", iso_time("2018-05-24T09:48:12+00:00")),
        ("aaa/replay_job_status", None),
        ("aaa/unknown_kind", None),
        ("xaa/post.create", iso_time("2026-07-24T21:05:48.000Z")),
        ("xaa/like.create", 1784927565.236),
        ("xaa/dm.received", 1784928224.372),
        ("xaa/chat.received", 1784841183.37),
        ("xaa/broadcast.start", 1720000003.5),
        ("xaa/post.delete", None),
        ("xaa/follow.follow", None),
        ("xaa/profile.update.bio", None),
    ],
)
def test_occurred_at_is_the_events_own_time_or_none(name, expected):
    assert only(sample(name)).occurred_at == expected


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (epoch_ms, "1522082006140", 1522082006.14),
        (epoch_ms, 1522082006140, 1522082006.14),
        (epoch_ms, "9" * 400, None),
        (epoch_ms, "١٥٢٢٠٨٢٠٠٦١٤٠", None),
        (epoch_ms, "12ab", None),
        (iso_time, "2026-07-24T21:05:48.000Z", 1784927148.0),
        (iso_time, "2026-07-24T21:05:48", None),  # no zone: not trusted
        (iso_time, "not a time at all!!!", None),
        (v1_time, "Mon Mar 26 16:33:26 +0000 2018", 1522082006.0),
        (v1_time, "Mon Foo 26 16:33:26 +0000 2018", None),
        (v1_time, "Mon Mar 99 16:33:26 +0000 2018", None),
    ],
)
def test_times_are_read_strictly(parse, text, expected):
    assert parse(text) == expected


def test_id_parts_are_kept_when_short_and_printable_and_digested_otherwise():
    assert part("2018-05-24T09:48:12+00:00") == "2018-05-24T09:48:12+00:00"
    for odd in ("x" * 201, "a\nb", "\ud800", "\ufffe"):
        assert part(odd).startswith("~")
        assert len(part(odd)) == 33
