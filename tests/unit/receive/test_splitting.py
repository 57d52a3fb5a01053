"""Splitting every AAA kind and XAA type in X's samples into messages with stable ids."""

import json

import pytest

from tests.conftest import all_sample_names, sample
from xwebhook.receive.splitting import EmptyDelivery, split_delivery

AT = "2026-11-28T03:00:00.000Z"

# sample -> [(event_type, for_user_id, event_id)] for each event it must give, in order.
EXPECTED = {
    "aaa/block": [("block.block", "2244994945", "aaa:2244994945:block.block:3001969357:3001969357:1518127020304")],
    "aaa/unblock": [
        ("block.unblock", "2244994945", "aaa:2244994945:block.unblock:3001969357:3001969357:1518127020304")
    ],
    "aaa/mute": [("mute.mute", "2244994945", "aaa:2244994945:mute.mute:3001969357:3001969357:1518127020304")],
    "aaa/unmute": [("mute.unmute", "2244994945", "aaa:2244994945:mute.unmute:3001969357:3001969357:1518127020304")],
    "aaa/follow": [("follow.follow", "2244994945", "aaa:2244994945:follow.follow:3001969357:3001969357:1517588749178")],
    "aaa/unfollow": [
        ("follow.unfollow", "2244994945", "aaa:2244994945:follow.unfollow:3001969357:3001969357:1517588749178")
    ],
    "aaa/unfollow_events_form": [
        ("follow.unfollow", "2244994945", "aaa:2244994945:follow.unfollow:3001969357:3001969357:1517588749999")
    ],
    "aaa/direct_message": [("direct_message", "4337869213", "aaa:4337869213:direct_message:954491830116155396")],
    "aaa/dm_indicate_typing": [
        (
            "direct_message_indicate_typing",
            "4337869213",
            "aaa:4337869213:direct_message_indicate_typing:3284025577:3001969357:1518127183443",
        )
    ],
    "aaa/dm_mark_read": [
        (
            "direct_message_mark_read",
            "4337869213",
            "aaa:4337869213:direct_message_mark_read:199566737:963085315333238788:1518452444662",
        )
    ],
    "aaa/favorite": [("favorite", "2244994945", "aaa:2244994945:favorite:a7ba59eab0bfcba386f7acedac279542")],
    "aaa/favorite_multi": [
        ("favorite", "2244994945", "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279540"),
        ("favorite", "2244994945", "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279541"),
        ("favorite", "2244994945", "aaa:2244994945:favorite:b7ba59eab0bfcba386f7acedac279542"),
    ],
    "aaa/replay_job_status": [("replay_job_status", None, "aaa:-:replay_job_status:1095098195724558337:Complete")],
    "aaa/tweet_create": [("tweet_create", "2244994945", "aaa:2244994945:tweet_create:978295917148667904")],
    # id_str, not the numeric id (which lost precision in JSON: ...879000)
    "aaa/tweet_create_longform": [
        ("tweet_create", "1603419180975409153", "aaa:1603419180975409153:tweet_create:1924465506158878979")
    ],
    "aaa/tweet_create_mention": [("tweet_create", "2244994945", "aaa:2244994945:tweet_create:978295917148667999")],
    "aaa/tweet_delete": [
        ("tweet_delete", "930524282358325248", "aaa:930524282358325248:tweet_delete:1045405559317569537")
    ],
    "aaa/unknown_kind": [("future_kind", "2244994945", "aaa:2244994945:future_kind:f1")],
    "aaa/user_event_revoke": [
        ("user_event.revoke", None, "aaa:-:user_event.revoke:63046977:13090192:2018-05-24T09:48:12+00:00")
    ],
}


def test_the_table_covers_every_aaa_sample():
    assert sorted(EXPECTED) == all_sample_names("aaa")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_aaa_sample_splits_into_the_expected_events(name):
    messages = split_delivery(sample(name), AT)
    assert [(m.event_type, m.for_user_id, m.event_id) for m in messages] == EXPECTED[name]
    assert {m.source for m in messages} == {"aaa"}


@pytest.mark.parametrize("name", all_sample_names("xaa"))
def test_xaa_sample_is_one_event_typed_and_attributed_from_the_envelope(name):
    data = sample(name)["data"]
    (message,) = split_delivery(sample(name), AT)
    user = (data.get("filter") or {}).get("user_id")
    assert message.event_type == data["event_type"] == name.split("/", 1)[1]
    assert message.for_user_id == user
    assert message.event_id == f"xaa:{user or '-'}:{data['event_uuid']}"
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
        assert {"event_id", "event_type", "source", "for_user_id", "received_at", "event"} <= body.keys()
        assert (body["event_id"], body["event_type"], body["source"], body["for_user_id"], body["received_at"]) == (
            message.event_id,
            message.event_type,
            message.source,
            message.for_user_id,
            AT,
        )


@pytest.mark.parametrize("name", all_sample_names())
def test_ids_are_stable_for_a_retried_or_replayed_copy(name):
    first = [m.event_id for m in split_delivery(sample(name), AT)]
    again = [m.event_id for m in split_delivery(sample(name), "2026-11-29T00:00:00.000Z")]
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


def test_events_missing_their_natural_id_fields_fall_back_to_a_content_hash():
    delivery = {"for_user_id": "1", "follow_events": [{"type": "follow", "source": {"id": "2"}}]}
    (message,) = split_delivery(delivery, AT)
    assert message.event_type == "follow.follow"
    assert message.event_id.startswith("aaa:1:follow.follow:h")


def test_the_same_event_for_two_subscribed_users_is_two_events():
    for_a = sample("aaa/tweet_create_mention")
    for_b = dict(for_a, for_user_id="3001969357")
    assert split_delivery(for_a, AT)[0].event_id != split_delivery(for_b, AT)[0].event_id


def test_xaa_without_event_uuid_gets_a_stable_content_id():
    delivery = {"data": {"event_type": "post.create", "filter": {"user_id": "5"}, "payload": {"id": "9"}}}
    first = split_delivery(delivery, AT)[0]
    assert first.event_id.startswith("xaa:5:h")
    assert first.event_id == split_delivery(delivery, AT)[0].event_id


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


@pytest.mark.parametrize("with_orjson", [True, False])
def test_message_bodies_are_the_same_json_with_or_without_orjson(monkeypatch, with_orjson):
    import xwebhook.receive.splitting as splitting

    if not with_orjson:
        monkeypatch.setattr(splitting, "orjson", None)
    for name in all_sample_names():
        for message in split_delivery(sample(name), AT):
            body = json.loads(message.body)
            assert body["event"] is not None
            message.body.encode("utf-8")
    odd = {"for_user_id": "1", "x_events": [{"id": "1", "s": "\ud800", "big": 2**70, "t": "é"}]}
    (message,) = split_delivery(odd, AT)
    assert json.loads(message.body)["event"] == odd["x_events"][0]
    message.body.encode("utf-8")
