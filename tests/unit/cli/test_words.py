"""The words every summary is made of: counts with their noun, spans, times, lists, "did you mean"."""

import time

import pytest

from xwebhook.cli import words


@pytest.mark.parametrize(
    ("count", "noun", "said"),
    [
        (1, "event", "1 event"),
        (2, "event", "2 events"),
        (0, "event", "0 events"),
        (1, "delivery", "1 delivery"),
        (3, "delivery", "3 deliveries"),
        (1500, "subscription", "1,500 subscriptions"),
    ],
)
def test_a_count_takes_the_singular_only_for_exactly_one(count, noun, said):
    assert words.plural(count, noun) == said


def test_a_noun_of_several_words_gives_its_own_plural():
    assert words.plural(2, "signed delivery", "signed deliveries") == "2 signed deliveries"


@pytest.mark.parametrize(
    ("items", "said"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_a_list_reads_as_a_sentence(items, said):
    assert words.listing(items) == said


def test_a_long_list_names_the_first_ones_and_counts_the_rest():
    assert words.listing(["1", "2", "3", "4"], limit=2) == "1, 2 and 2 more"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(40, "40 s"), (119, "119 s"), (180, "3 min"), (2 * 3600 + 300, "2 h 5 min"), (3 * 86400, "3 days")],
)
def test_a_span_reads_at_a_glance(seconds, said):
    assert words.duration(seconds) == said


def test_ago_says_just_now_for_the_last_second_and_in_for_the_future():
    assert words.ago(1000.0, now=1000.5) == "just now"
    assert words.ago(1000.0, now=1180.0) == "3 min ago"
    assert words.ago(1180.0, now=1000.0) == "in 3 min"


def test_a_time_today_is_shown_without_its_date_and_one_of_another_day_with_it():
    now = time.time()
    assert "-" not in words.local_time(now, now)
    assert words.local_time(now - 3 * 86400, now).count("-") == 2


def test_iso_times_as_x_and_the_admin_function_write_them_read_back_to_the_same_second():
    assert words.iso_epoch("2026-12-04T22:14:32Z") == 1796422472.0
    assert words.iso_epoch("2026-12-04T22:14:32.352Z") == pytest.approx(1796422472.352)
    assert words.iso_epoch("2026-12-04T23:14:32+01:00") == 1796422472.0


@pytest.mark.parametrize("text", [None, "", "yesterday", 12])
def test_anything_else_is_no_time(text):
    assert words.iso_epoch(text) is None


def test_xs_minute_stamps_are_utc():
    assert words.x_minute("202612042214") == 1796422440.0
    assert words.x_minute("2026-12-04") is None


def test_did_you_mean_is_clicks_own_wording_and_nothing_without_a_suggestion():
    assert words.did_you_mean(["ensure"]) == " Did you mean 'ensure'?"
    assert words.did_you_mean(["a", "b"]) == " Did you mean 'a' or 'b'?"
    assert words.did_you_mean([]) == ""
