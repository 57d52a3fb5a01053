""" "Did you mean" for kinds, event types and admin actions: the names a person most likely meant."""

from xwebhook.cli import suggest


def test_a_word_that_is_part_of_a_kind_suggests_it_and_the_other_familys_name():
    assert suggest.kinds("like") == ["like.create", "favorite"]


def test_a_family_prefix_on_a_kind_is_read_as_the_kind():
    assert suggest.kinds("xaa/like") == ["like.create", "favorite"]


def test_a_mistyped_event_type_suggests_the_closest_first():
    assert suggest.event_types("post.creat")[0] == "post.create"


def test_an_aaa_kind_given_as_an_event_type_suggests_its_xaa_type():
    assert suggest.event_types("favorite") == ["like.create"]


def test_a_mistyped_admin_action_suggests_the_action():
    assert suggest.suggestions("ensur", ["status", "ensure", "register"]) == ["ensure"]


def test_a_name_close_to_nothing_suggests_nothing():
    assert suggest.suggestions("rotate_everything", ["status", "ensure", "register"]) == []


def test_suggestions_are_at_most_three():
    assert len(suggest.kinds("dm")) == 3


def test_the_types_a_queue_message_may_carry_include_aaas_names_as_ingest_gives_them():
    for name in ("favorite", "tweet_create", "follow.unfollow", "user_event.revoke", "post.create", "oauth.revoke"):
        assert suggest.known_message_type(name), name
    assert not suggest.known_message_type("like")
