"""The event-type catalogue (x_api/event_types.py): what each type needs, and the AAA parity set."""

import pytest

from xwebhook.x_api import event_types
from xwebhook.x_api.event_types import AAA_PARITY, CATALOGUE, PRIVATE, PUBLIC, RECEIVED_ONLY, scopes_for


def test_every_documented_sample_type_is_one_x_delivers(all_xaa_types):
    assert sorted(set(all_xaa_types) - set(CATALOGUE) - set(RECEIVED_ONLY)) == []


def test_aaa_parity_is_seventeen_subscriptions_of_known_types():
    # The one place the size is pinned: the other tests count len(AAA_PARITY), so a change of the catalogue
    # fails here, by name, not as a mystery elsewhere.
    assert len(AAA_PARITY) == len(set(AAA_PARITY)) == 17
    assert all(name in CATALOGUE for name in AAA_PARITY)


def test_a_public_type_asks_only_what_every_sign_in_asks():
    assert scopes_for(["post.create"]) == ("offline.access", "tweet.read", "users.read")


def test_every_sign_in_asks_what_users_me_requires():
    assert set(event_types.USERS_ME_SCOPES) <= set(scopes_for(["dm.received", "like.create"]))


def test_private_types_add_their_own_scopes():
    assert scopes_for(["dm.received", "like.create", "mute.mute", "block.block"]) == (
        "block.read",
        "dm.read",
        "like.read",
        "mute.read",
        "offline.access",
        "tweet.read",
        "users.read",
    )


def test_the_aaa_subscribe_with_oauth2_adds_what_its_security_requires():
    assert set(scopes_for(["post.create"], aaa_oauth2=True)) == {
        "dm.read",
        "dm.write",
        "offline.access",
        "tweet.read",
        "users.read",
    }


def test_dm_write_is_asked_only_for_the_aaa_subscribe():
    assert "dm.write" not in scopes_for(AAA_PARITY)


def test_broadcast_chat_asks_both_scopes_x_names_for_it():
    assert {"broadcast.read", "tweet.read"} <= set(scopes_for(["broadcast.chat"]))


def test_an_unknown_type_has_no_scope():
    with pytest.raises(ValueError, match=r"unknown XAA event type 'post\.explode'"):
        scopes_for(["post.explode"])


def test_oauth_revoke_cannot_be_an_accounts_type():
    assert event_types.not_for_accounts("oauth.revoke").startswith("oauth.revoke is not a type X lets an app subscribe")


def test_news_new_cannot_be_an_accounts_type_it_filters_on_a_keyword():
    assert "filters on a keyword" in event_types.not_for_accounts("news.new")


def test_an_alias_is_an_accounts_type_and_reads_as_its_canonical_name():
    assert event_types.is_known("chat.conversation_join")
    assert event_types.canonical("chat.conversation_join") == "chat.conversation.join"


def test_public_types_need_no_user_token_private_ones_do():
    assert CATALOGUE["post.create"].privacy == PUBLIC
    assert CATALOGUE["post.mention.create"].privacy == PRIVATE
    assert not event_types.needs_user_token(["post.create", "profile.update.bio"])
    assert event_types.needs_user_token(["post.create", "dm.received"])


def test_broadcast_chat_is_private():
    assert CATALOGUE["broadcast.chat"].privacy == PRIVATE


def test_the_new_chat_types_are_private_with_dm_read():
    assert {CATALOGUE[name].scopes for name in event_types.CHAT_CONVERSATION} == {("dm.read",)}


def test_mute_and_block_are_actor_only_and_prices_are_per_event():
    assert all(CATALOGUE[name].actor_only for name in ("mute.mute", "block.unblock"))
    assert CATALOGUE["post.delete"].price_usd == 0.0
    assert CATALOGUE["follow.follow"].price_usd == 0.010


def test_shared_words_say_each_kind_of_thing_once():
    words = event_types.shared_words(["post.mention.create", "post.reply.create", "dm.received"])
    assert words == ["posts that mention you, reply to you, quote or repost your posts", "Direct Messages you receive"]
