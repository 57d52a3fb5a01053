"""The deliveries `xwebhook send`, `make send` and the console send (send/deliveries.py): the kinds named,
fresh copies of X's samples."""

import pytest

from tests.conftest import all_sample_names, sample
from xwebhook.receive.splitting import split_delivery
from xwebhook.send.deliveries import SendError, freshen, known_kinds, resolve_kinds


@pytest.mark.parametrize(
    ("kinds", "options", "expected"),
    [
        ([], {}, ["aaa/favorite", "xaa/post.create"]),
        (["favorite", "xaa/like.create"], {}, ["aaa/favorite", "xaa/like.create"]),
        (["post.create"], {"family": "aaa"}, [*all_sample_names("aaa"), "xaa/post.create"]),
        ([], {"every": True}, known_kinds()),
    ],
)
def test_kinds_resolve_to_samples(kinds, options, expected):
    assert resolve_kinds(kinds, **options) == expected


def test_unknown_kinds_are_an_error_that_says_how_to_list():
    with pytest.raises(SendError, match="--list"):
        resolve_kinds(["no-such-kind"])


@pytest.mark.parametrize("name", all_sample_names())
def test_fresh_copies_get_new_event_ids(name):
    original = {m.event_id for m in split_delivery(sample(name), "t")}
    first = {m.event_id for m in split_delivery(freshen(sample(name), "0001"), "t")}
    second = {m.event_id for m in split_delivery(freshen(sample(name), "0002"), "t")}
    assert len(first) == len(original) == len(second)
    assert not (original & first)
    assert not (first & second)


@pytest.mark.parametrize("name", all_sample_names())
def test_fresh_copies_are_new_activities_that_happen_now(name):
    original = {m.activity_id for m in split_delivery(sample(name), "t")}
    fresh = split_delivery(freshen(sample(name), "0001", now=1_800_000_000), "t")
    assert not original & {m.activity_id for m in fresh}
    for message in fresh:
        assert message.occurred_at in (None, 1_800_000_000.0)
