import pytest

from xwebhook.x_api import event_types
from xwebhook.x_api.event_types import AAA_PARITY, CATALOGUE, PRIVATE, PUBLIC, scopes_for


def test_every_documented_sample_type_is_in_the_catalogue(all_xaa_types):
    assert sorted(set(all_xaa_types) - set(CATALOGUE)) == []


def test_aaa_parity_is_seventeen_subscriptions_of_known_types():
    assert len(AAA_PARITY) == len(set(AAA_PARITY)) == 17
    assert all(name in CATALOGUE for name in AAA_PARITY)


def test_scopes_cover_each_type_and_always_ask_who_signed_in_and_for_a_refresh_token():
    assert scopes_for(["post.create"]) == ("offline.access", "tweet.read", "users.read")
    assert scopes_for(["dm.received", "like.create", "mute.mute", "block.block"]) == (
        "block.read",
        "dm.read",
        "like.read",
        "mute.read",
        "offline.access",
        "users.read",
    )
    assert set(scopes_for(AAA_PARITY)) >= {"tweet.read", "dm.read", "like.read", "mute.read", "block.read"}


def test_an_unknown_type_has_no_scope():
    with pytest.raises(ValueError, match=r"unknown XAA event type 'post\.explode'"):
        scopes_for(["post.explode"])


def test_public_types_need_no_user_token_private_ones_do():
    assert CATALOGUE["post.create"].privacy == PUBLIC and CATALOGUE["post.mention.create"].privacy == PRIVATE
    assert not event_types.needs_user_token(["post.create", "profile.update.bio"])
    assert event_types.needs_user_token(["post.create", "dm.received"])


def test_mute_and_block_are_actor_only_and_prices_are_per_event():
    assert all(CATALOGUE[name].actor_only for name in ("mute.mute", "block.unblock"))
    assert CATALOGUE["post.delete"].price_usd == 0.0 and CATALOGUE["follow.follow"].price_usd == 0.010
