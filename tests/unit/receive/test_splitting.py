"""Splitting every AAA kind and XAA type in X's samples into messages with stable ids, XAA `data` lists,
and the shapes nobody documents: unknown kinds, odd values, thousands of events and users."""

import json

import pytest

from tests.conftest import all_sample_names, sample
from xwebhook.receive.errors import EmptyDelivery, TooDeep
from xwebhook.receive.splitting import group_id, split_delivery

AT = "2026-11-28T03:00:00.000Z"

# sample -> [(event_type, for_user_id, event_id, activity_id)] for each event it must give, in order.
EXPECTED_AAA = {
    "aaa/block": [
        (
            "block.block",
            "2244994945",
            "aaa:2244994945:block.block:3001969357:3001969357:1518127020304",
            "block.block:2244994945:3001969357:3001969357:1518127020304",
        ),
    ],
    "aaa/direct_message": [
        (
            "direct_message",
            "4337869213",
            "aaa:4337869213:direct_message:954491830116155396",
            "dm:4337869213:954491830116155396",
        ),
    ],
    "aaa/dm_indicate_typing": [
        (
            "direct_message_indicate_typing",
            "4337869213",
            "aaa:4337869213:direct_message_indicate_typing:3284025577:3001969357:1518127183443",
            "dm.typing:4337869213:3284025577:3001969357:1518127183443",
        ),
    ],
    "aaa/dm_mark_read": [
        (
            "direct_message_mark_read",
            "4337869213",
            "aaa:4337869213:direct_message_mark_read:199566737:963085315333238788:1518452444662",
            "dm.read:4337869213:199566737:963085315333238788:1518452444662",
        ),
    ],
    "aaa/favorite": [
        (
            "favorite",
            "2244994945",
            "aaa:2244994945:favorite:a7ba59eab0bfcba386f7acedac279542",
            "like:2244994945:978295917148667904:a7ba59eab0bfcba386f7acedac279542",
        ),
    ],
    "aaa/favorite_multi": [
        (
            "favorite",
            "2244994945",
            "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279540",
            "like:2244994945:978295917148667904:b7ba59eab0bfcba386f7acedac279540",
        ),
        (
            "favorite",
            "2244994945",
            "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279541",
            "like:2244994945:978295917148667904:b7ba59eab0bfcba386f7acedac279541",
        ),
        (
            "favorite",
            "2244994945",
            "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279542",
            "like:2244994945:978295917148667904:b7ba59eab0bfcba386f7acedac279542",
        ),
    ],
    "aaa/follow": [
        (
            "follow.follow",
            "2244994945",
            "aaa:2244994945:follow.follow:3001969357:3001969357:1517588749178",
            "follow.follow:2244994945:3001969357:3001969357:1517588749178",
        ),
    ],
    "aaa/mute": [
        (
            "mute.mute",
            "2244994945",
            "aaa:2244994945:mute.mute:3001969357:3001969357:1518127020304",
            "mute.mute:2244994945:3001969357:3001969357:1518127020304",
        ),
    ],
    "aaa/replay_job_status": [
        (
            "replay_job_status",
            None,
            "aaa:-:replay_job_status:1095098195724558337:Complete",
            "aaa:-:replay_job_status:1095098195724558337:Complete",
        ),
    ],
    "aaa/tweet_create": [
        (
            "tweet_create",
            "2244994945",
            "aaa:2244994945:tweet_create:978295917148667904",
            "post:2244994945:978295917148667904",
        ),
    ],
    "aaa/tweet_create_longform": [
        (
            "tweet_create",
            "1603419180975409153",
            "aaa:1603419180975409153:tweet_create:1924465506158878979",
            "post:1603419180975409153:1924465506158878979",
        ),
    ],
    "aaa/tweet_create_mention": [
        (
            "tweet_create",
            "2244994945",
            "aaa:2244994945:tweet_create:978295917148667999",
            "post:2244994945:978295917148667999",
        ),
    ],
    "aaa/tweet_delete": [
        (
            "tweet_delete",
            "930524282358325248",
            "aaa:930524282358325248:tweet_delete:1045405559317569537",
            "post.delete:930524282358325248:1045405559317569537",
        ),
    ],
    "aaa/unblock": [
        (
            "block.unblock",
            "2244994945",
            "aaa:2244994945:block.unblock:3001969357:3001969357:1518127020304",
            "block.unblock:2244994945:3001969357:3001969357:1518127020304",
        ),
    ],
    "aaa/unfollow": [
        (
            "follow.unfollow",
            "2244994945",
            "aaa:2244994945:follow.unfollow:3001969357:3001969357:1517588749178",
            "follow.unfollow:2244994945:3001969357:3001969357:1517588749178",
        ),
    ],
    "aaa/unfollow_events_form": [
        (
            "follow.unfollow",
            "2244994945",
            "aaa:2244994945:follow.unfollow:3001969357:3001969357:1517588749999",
            "follow.unfollow:2244994945:3001969357:3001969357:1517588749999",
        ),
    ],
    "aaa/unknown_kind": [
        ("future_kind", "2244994945", "aaa:2244994945:future_kind:f1", "aaa:2244994945:future_kind:f1"),
    ],
    "aaa/unmute": [
        (
            "mute.unmute",
            "2244994945",
            "aaa:2244994945:mute.unmute:3001969357:3001969357:1518127020304",
            "mute.unmute:2244994945:3001969357:3001969357:1518127020304",
        ),
    ],
    "aaa/user_event_revoke": [
        (
            "user_event.revoke",
            None,
            "aaa:-:user_event.revoke:63046977:13090192:2018-05-24T09:48:12+00:00",
            "revoke:-:63046977:13090192:2018-05-24T09:48:12+00:00",
        ),
    ],
}

# sample -> (event_id, activity_id). XAA ids come from the payload's own ids; event_uuid (`u...`) only
# where the payload has none (profile updates, follows without a time).
EXPECTED_XAA = {
    "xaa/broadcast.chat": (
        "xaa:1111111111111111111:broadcast.chat:2090000000000000004",
        "xaa:1111111111111111111:broadcast.chat:2090000000000000004",
    ),
    "xaa/broadcast.end": (
        "xaa:1234567890123456789:broadcast.end:1a2b3c4d5e6fG",
        "xaa:1234567890123456789:broadcast.end:1a2b3c4d5e6fG",
    ),
    "xaa/broadcast.start": (
        "xaa:1234567890123456789:broadcast.start:1a2b3c4d5e6fG",
        "xaa:1234567890123456789:broadcast.start:1a2b3c4d5e6fG",
    ),
    "xaa/chat.received": (
        "xaa:1111111111111111111:chat.received:e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6",
        "xaa:1111111111111111111:chat.received:e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6",
    ),
    "xaa/chat.sent": (
        "xaa:1111111111111111111:chat.sent:8e75466b-56ec-4e88-bddf-b18f7cc6030e",
        "xaa:1111111111111111111:chat.sent:8e75466b-56ec-4e88-bddf-b18f7cc6030e",
    ),
    "xaa/dm.received": (
        "xaa:1111111111111111111:dm.received:2080765901528535096",
        "dm:1111111111111111111:2080765901528535096",
    ),
    "xaa/dm.sent": (
        "xaa:1111111111111111111:dm.sent:2080763914820927863",
        "dm:1111111111111111111:2080763914820927863",
    ),
    "xaa/follow.follow": (
        "xaa:1111111111111111111:follow.follow:1111111111111111111:4444444444444444444:u-7953119945885597316",
        "xaa:1111111111111111111:follow.follow:1111111111111111111:4444444444444444444:u-7953119945885597316",
    ),
    "xaa/follow.unfollow": (
        "xaa:1111111111111111111:follow.unfollow:1111111111111111111:4444444444444444444:u-4233426745281461957",
        "xaa:1111111111111111111:follow.unfollow:1111111111111111111:4444444444444444444:u-4233426745281461957",
    ),
    "xaa/like.create": (
        "xaa:1111111111111111111:like.create:2079814480427442556:87719f50ee17bdfa06a3089098a2b9ed",
        "like:1111111111111111111:2079814480427442556:87719f50ee17bdfa06a3089098a2b9ed",
    ),
    "xaa/news.new": (
        "xaa:kw=OpenAI:news.new:2080756868147019827:2026-07-24T20:53:37.000Z",
        "xaa:kw=OpenAI:news.new:2080756868147019827:2026-07-24T20:53:37.000Z",
    ),
    "xaa/oauth.revoke": (
        "xaa:-:oauth.revoke:1111111111111111111:29820954:2026-07-23T21:44:05+00:00",
        "revoke:-:1111111111111111111:29820954:2026-07-23T21:44:05+00:00",
    ),
    "xaa/post.create": (
        "xaa:1111111111111111111:post.create:2080761390344937796",
        "post:1111111111111111111:2080761390344937796",
    ),
    "xaa/post.delete": (
        "xaa:1111111111111111111:post.delete:2080761269309813134",
        "post.delete:1111111111111111111:2080761269309813134",
    ),
    "xaa/post.mention.create": (
        "xaa:1111111111111111111:post.mention.create:2080765813578191303",
        "post:1111111111111111111:2080765813578191303",
    ),
    "xaa/post.quote.create": (
        "xaa:1111111111111111111:post.quote.create:2090000000000000002",
        "post:1111111111111111111:2090000000000000002",
    ),
    "xaa/post.reply.create": (
        "xaa:1111111111111111111:post.reply.create:2090000000000000001",
        "post:1111111111111111111:2090000000000000001",
    ),
    "xaa/post.repost.create": (
        "xaa:1111111111111111111:post.repost.create:2090000000000000003",
        "post:1111111111111111111:2090000000000000003",
    ),
    "xaa/profile.update.banner_picture": (
        "xaa:1111111111111111111:profile.update.banner_picture:u5061407317112342192",
        "xaa:1111111111111111111:profile.update.banner_picture:u5061407317112342192",
    ),
    "xaa/profile.update.bio": (
        "xaa:1111111111111111111:profile.update.bio:u-8917909039855612786",
        "xaa:1111111111111111111:profile.update.bio:u-8917909039855612786",
    ),
    "xaa/profile.update.geo": (
        "xaa:1111111111111111111:profile.update.geo:u8309664692915093892",
        "xaa:1111111111111111111:profile.update.geo:u8309664692915093892",
    ),
    "xaa/profile.update.profile_picture": (
        "xaa:1111111111111111111:profile.update.profile_picture:u3497989179769309099",
        "xaa:1111111111111111111:profile.update.profile_picture:u3497989179769309099",
    ),
    "xaa/profile.update.screenname": (
        "xaa:1111111111111111111:profile.update.screenname:u4123434298221215973",
        "xaa:1111111111111111111:profile.update.screenname:u4123434298221215973",
    ),
    "xaa/profile.update.url": (
        "xaa:1111111111111111111:profile.update.url:u-6055744140117128555",
        "xaa:1111111111111111111:profile.update.url:u-6055744140117128555",
    ),
    "xaa/spaces.end": (
        "xaa:1111111111111111111:spaces.end:1qxvvvyLLdnxB",
        "xaa:1111111111111111111:spaces.end:1qxvvvyLLdnxB",
    ),
    "xaa/spaces.start": (
        "xaa:1111111111111111111:spaces.start:1qxvvvyLLdnxB",
        "xaa:1111111111111111111:spaces.start:1qxvvvyLLdnxB",
    ),
}


def test_the_tables_cover_every_sample():
    assert sorted(EXPECTED_AAA) == all_sample_names("aaa")
    assert sorted(EXPECTED_XAA) == all_sample_names("xaa")


@pytest.mark.parametrize("name", sorted(EXPECTED_AAA))
def test_aaa_sample_splits_into_the_expected_events(name):
    messages = split_delivery(sample(name), AT)
    assert [(m.event_type, m.for_user_id, m.event_id, m.activity_id) for m in messages] == EXPECTED_AAA[name]
    assert {m.source for m in messages} == {"aaa"}


@pytest.mark.parametrize("name", sorted(EXPECTED_XAA))
def test_xaa_sample_is_one_event_typed_attributed_and_identified_from_the_envelope(name):
    data = sample(name)["data"]
    (message,) = split_delivery(sample(name), AT)
    assert message.event_type == data["event_type"] == name.split("/", 1)[1]
    assert message.for_user_id == (data.get("filter") or {}).get("user_id")
    assert (message.event_id, message.activity_id) == EXPECTED_XAA[name]
    assert message.source == "xaa"
    assert json.loads(message.body)["event"] == data


def test_xaa_events_without_a_user_filter_have_a_null_user():
    for name in ["xaa/news.new", "xaa/oauth.revoke"]:
        (message,) = split_delivery(sample(name), AT)
        assert message.for_user_id is None
        assert message.group_id == "unattributed"


@pytest.mark.parametrize("name", all_sample_names())
def test_message_bodies_carry_the_documented_fields(name):
    for message in split_delivery(sample(name), AT):
        body = json.loads(message.body)
        fields = ("event_id", "activity_id", "event_type", "source", "for_user_id", "received_at")
        assert {*fields, "event"} <= body.keys()
        assert tuple(body[field] for field in fields) == (
            message.event_id,
            message.activity_id,
            message.event_type,
            message.source,
            message.for_user_id,
            AT,
        )
        assert message.size == len(message.body.encode())


@pytest.mark.parametrize("name", all_sample_names())
def test_ids_are_stable_for_a_retried_or_replayed_copy(name):
    first = [(m.event_id, m.activity_id) for m in split_delivery(sample(name), AT)]
    again = [(m.event_id, m.activity_id) for m in split_delivery(sample(name), "2026-11-29T00:00:00.000Z")]
    assert first == again


def test_both_unfollow_forms_name_the_same_event_type():
    one = split_delivery(sample("aaa/unfollow"), AT)[0]
    other = split_delivery(sample("aaa/unfollow_events_form"), AT)[0]
    assert one.event_type == other.event_type == "follow.unfollow"


def test_the_same_unfollow_in_both_forms_gets_the_same_id():
    follow_form = sample("aaa/unfollow")
    table_form = {"for_user_id": follow_form["for_user_id"], "unfollow_events": follow_form["follow_events"]}
    assert split_delivery(follow_form, AT)[0].event_id == split_delivery(table_form, AT)[0].event_id


def test_aaa_event_keeps_the_original_item_and_only_the_users_and_apps_it_refers_to():
    delivery = sample("aaa/direct_message")
    delivery["users"]["999"] = {"id": "999", "name": "unrelated"}
    delivery["apps"]["777"] = {"id": "777", "name": "unrelated app"}
    (message,) = split_delivery(delivery, AT)
    body = json.loads(message.body)
    assert body["event"] == delivery["direct_message_events"][0]
    assert set(body["users"]) == {"3001969357", "4337869213"}
    assert body["users"]["3001969357"] == delivery["users"]["3001969357"]
    assert set(body["apps"]) == {"13090192"}


def test_each_event_of_a_multi_event_delivery_gets_its_own_item():
    delivery = sample("aaa/favorite_multi")
    messages = split_delivery(delivery, AT)
    assert [json.loads(m.body)["event"] for m in messages] == delivery["favorite_events"]


def test_user_has_blocked_is_copied_to_each_event():
    (message,) = split_delivery(sample("aaa/tweet_create_mention"), AT)
    assert json.loads(message.body)["user_has_blocked"] == "false"


def test_unknown_kinds_and_unknown_shapes_are_kept_never_dropped():
    delivery = {
        "for_user_id": "1",
        "future_kind_events": [{"no": "id"}, "not an object"],
        "surprise": {"x": 1},
    }
    messages = split_delivery(delivery, AT)
    assert [m.event_type for m in messages] == ["future_kind", "future_kind", "surprise"]
    assert [json.loads(m.body)["event"] for m in messages] == [{"no": "id"}, "not an object", {"x": 1}]
    # No natural id: a content hash, still stable, and distinct per content.
    assert len({m.event_id for m in messages}) == 3
    assert [m.event_id for m in messages] == [m.event_id for m in split_delivery(delivery, AT)]


def test_content_ids_do_not_depend_on_key_order():
    one = {"for_user_id": "1", "future_kind_events": [{"a": 1, "b": {"c": 2, "d": 3}}]}
    other = {"for_user_id": "1", "future_kind_events": [{"b": {"d": 3, "c": 2}, "a": 1}]}
    assert split_delivery(one, AT)[0].event_id == split_delivery(other, AT)[0].event_id


def test_events_missing_their_natural_id_fields_fall_back_to_a_content_hash():
    delivery = {"for_user_id": "1", "follow_events": [{"type": "follow", "source": {"id": "2"}}]}
    (message,) = split_delivery(delivery, AT)
    assert message.event_type == "follow.follow"
    assert message.event_id.startswith("aaa:1:follow.follow:h")
    assert message.activity_id == message.event_id


def test_the_same_event_for_two_subscribed_users_is_two_events():
    for_a = sample("aaa/tweet_create_mention")
    for_b = dict(for_a, for_user_id="3001969357")
    a, b = split_delivery(for_a, AT)[0], split_delivery(for_b, AT)[0]
    assert (a.event_id, a.activity_id) != (b.event_id, b.activity_id)
    assert a.group_id != b.group_id


# --- XAA ids (issue 6: event_uuid collapsed distinct events and may change on a retry) -------------


def _xaa(event_type, payload, uuid="-1", filter_=None, **extra):
    data = {"event_uuid": uuid, "filter": filter_ or {"user_id": "1"}, "event_type": event_type, "payload": payload}
    data.update(extra)
    return {"data": data}


def test_two_xaa_events_of_different_types_sharing_an_event_uuid_are_two_events():
    # X's own samples reuse the post id as event_uuid; a post and a mention can share it.
    post = _xaa("post.create", {"id": "500", "created_at": "2026-07-24T21:05:48.000Z"}, uuid="500")
    delete = _xaa("post.delete", {"id": "500"}, uuid="500")
    profile = _xaa("profile.update.bio", {"before": "a", "after": "b"}, uuid="500")
    ids = [split_delivery(delivery, AT)[0] for delivery in (post, delete, profile)]
    assert len({m.event_id for m in ids}) == 3
    assert len({m.activity_id for m in ids}) == 3


def test_two_xaa_events_for_different_filters_sharing_an_event_uuid_are_two_events():
    story = {"id": "77", "updated_at": "2026-07-24T20:53:37.000Z"}
    one = _xaa("news.new", story, uuid="9", filter_={"keyword": "OpenAI"})
    other = _xaa("news.new", story, uuid="9", filter_={"keyword": "Anthropic"})
    for_a = _xaa("profile.update.bio", {"before": "a", "after": "b"}, uuid="9", filter_={"user_id": "1"})
    for_b = _xaa("profile.update.bio", {"before": "a", "after": "b"}, uuid="9", filter_={"user_id": "2"})
    assert split_delivery(one, AT)[0].event_id != split_delivery(other, AT)[0].event_id
    assert split_delivery(for_a, AT)[0].event_id != split_delivery(for_b, AT)[0].event_id


UUID_ONLY = {name for name, (event_id, _) in EXPECTED_XAA.items() if event_id.rsplit(":", 1)[-1].startswith("u")}


@pytest.mark.parametrize("name", sorted(set(EXPECTED_XAA) - UUID_ONLY))
def test_an_xaa_copy_with_another_event_uuid_keeps_its_ids(name):
    original = sample(name)
    retried = sample(name)
    retried["data"]["event_uuid"] = "-42"  # "unique per delivery": a retry or a replay may get a new one
    ids = [(m.event_id, m.activity_id) for m in split_delivery(original, AT)]
    assert ids == [(m.event_id, m.activity_id) for m in split_delivery(retried, AT)]


def test_xaa_types_without_ids_of_their_own_fall_back_to_the_event_uuid():
    assert {
        "xaa/follow.follow",
        "xaa/follow.unfollow",
        *(name for name in EXPECTED_XAA if name.startswith("xaa/profile.update.")),
    } == UUID_ONLY
    (message,) = split_delivery(sample("xaa/profile.update.bio"), AT)
    assert message.event_id.endswith(":u-8917909039855612786")


def test_xaa_without_ids_or_event_uuid_gets_a_stable_content_id():
    delivery = {"data": {"event_type": "profile.update.bio", "filter": {"user_id": "5"}, "payload": {"after": "x"}}}
    first = split_delivery(delivery, AT)[0]
    assert first.event_id.startswith("xaa:5:profile.update.bio:h")
    assert first.event_id == split_delivery(delivery, AT)[0].event_id


def test_a_data_list_carries_several_xaa_events_split_in_order():
    post, like = sample("xaa/post.create")["data"], sample("xaa/like.create")["data"]
    messages = split_delivery({"data": [post, like, "odd"]}, AT)
    assert [m.event_type for m in messages] == ["post.create", "like.create", "unknown"]
    assert [json.loads(m.body)["event"] for m in messages] == [post, like, "odd"]
    assert [m.source for m in messages] == ["xaa"] * 3


def test_an_empty_data_list_is_a_delivery_with_no_event():
    assert split_delivery({"data": []}, AT) == []


def test_a_data_key_beside_aaa_events_is_not_taken_for_xaa():
    delivery = {"for_user_id": "1", "favorite_events": [{"id": "f"}], "data": {"event_type": "x"}}
    assert [m.source for m in split_delivery(delivery, AT)] == ["aaa", "aaa"]


@pytest.mark.parametrize("delivery", [{}, {"for_user_id": "1"}, {"for_user_id": "1", "users": {}}])
def test_a_delivery_without_any_event_key_is_empty(delivery):
    with pytest.raises(EmptyDelivery):
        split_delivery(delivery, AT)


def test_present_but_empty_event_lists_give_no_messages():
    assert split_delivery({"for_user_id": "1", "favorite_events": []}, AT) == []


def test_non_ascii_text_is_kept_as_utf8_not_escaped():
    delivery = {"for_user_id": "1", "tweet_create_events": [{"id_str": "7", "text": "héllo 𝕏"}]}
    (message,) = split_delivery(delivery, AT)
    assert "héllo 𝕏" in message.body


# --- odd values (issue 6): each is stored exactly, or refused with a reason --------------------------


def test_an_event_nesting_deeper_than_a_message_may_is_refused():
    deep = {}
    for _ in range(600):
        deep = {"d": deep}
    with pytest.raises(TooDeep):
        split_delivery({"for_user_id": "1", "x_events": [deep]}, AT)


def test_an_event_nesting_beyond_orjsons_limit_but_within_ours_is_kept():
    deep = [1]
    for _ in range(400):
        deep = [deep]
    (message,) = split_delivery({"for_user_id": "1", "x_events": [{"id": "d", "deep": deep}]}, AT)
    assert json.loads(message.body)["event"]["deep"] == deep


def test_a_lone_surrogate_in_the_user_an_id_or_a_key_gives_valid_ids_and_body():
    delivery = {"for_user_id": "1\ud800", "favorite_events": [{"id": "\udfff", "\ud83d": "key"}]}
    (message,) = split_delivery(delivery, AT)
    for text in (message.event_id, message.activity_id, message.group_id, message.deduplication_id):
        text.encode("utf-8")
    assert json.loads(message.body)["event"] == delivery["favorite_events"][0]
    assert json.loads(message.body)["for_user_id"] == "1\ud800"


def test_a_user_sqs_cannot_take_as_a_group_gets_a_digest_group():
    assert group_id("2244994945") == "2244994945"
    for odd in ("a b", "é", "x" * 129, "\ud800"):
        derived = group_id(odd)
        assert derived.startswith("u-")
        assert len(derived) <= 128
        assert derived.isascii()
        assert derived == group_id(odd)
    assert group_id(None) == group_id("") == "unattributed"


def test_ids_from_huge_values_stay_short():
    delivery = {"for_user_id": "9" * 5000, "direct_message_events": [{"id": "7" * 100_000}]}
    (message,) = split_delivery(delivery, AT)
    assert len(message.event_id) < 200
    assert len(message.activity_id) < 200
    assert message.event_id == split_delivery(delivery, AT)[0].event_id


class CountingUsers(dict):
    """A `users` map that counts look-ups: splitting must cost what the items hold, not users x items."""

    lookups = 0

    def __contains__(self, key):
        CountingUsers.lookups += 1
        return super().__contains__(key)


def test_splitting_is_linear_in_events_and_users():
    count = 3000
    users = CountingUsers({str(n): {"id": str(n)} for n in range(count)})
    items = [{"id": f"m{n}", "message_create": {"sender_id": str(n)}} for n in range(count)]
    CountingUsers.lookups = 0
    messages = split_delivery({"for_user_id": "1", "direct_message_events": items, "users": users}, AT)
    assert len(messages) == count
    # Each item refers to 2 values (its id and its sender): a handful of look-ups per item, not 3000.
    assert CountingUsers.lookups <= 3 * count
    assert [list(json.loads(m.body)["users"]) for m in messages[:2]] == [["0"], ["1"]]


@pytest.mark.parametrize("key", ["", "_events"])
def test_a_kind_without_a_name_is_kept_as_unknown(key):
    # An empty type would be an empty SQS attribute, which SQS refuses: the delivery could never be stored.
    (message,) = split_delivery({"for_user_id": "1", key: [{"id": "1"}]}, AT)
    assert message.event_type == "unknown"
