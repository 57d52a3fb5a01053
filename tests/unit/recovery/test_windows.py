"""Minute windows: union, difference, X's reach, stretches around failed minutes."""

from datetime import UTC, datetime

import pytest

from xwebhook.recovery.windows import Window, merge, minute_of, minute_of_stamp, split_at, stamp, stretches, subtract


def w(start, end, why=""):
    return Window(start, end, why)


def test_a_window_reads_and_writes_x_stamps():
    minute = minute_of(datetime(2026, 11, 27, 15, 30, 42, tzinfo=UTC))
    assert stamp(minute) == "202611271530"
    assert minute_of_stamp("202611271530") == minute
    window = Window(minute, minute + 90, "ingest 5xx")
    assert window.as_dict() == {"from": "202611271530", "to": "202611271700", "why": "ingest 5xx"}
    assert Window.from_dict(window.as_dict()) == window
    assert window.as_replay().from_date == "202611271530"


def test_a_window_asks_x_for_its_last_minute_as_to_date_both_dates_being_inclusive():
    minute = minute_of(datetime(2026, 11, 27, 15, 30, tzinfo=UTC))
    assert Window(minute, minute + 90).as_replay().to_date == "202611271659"


def test_xs_inclusive_window_reads_back_as_the_same_minutes():
    minute = minute_of(datetime(2026, 11, 27, 15, 30, tzinfo=UTC))
    window = Window(minute, minute + 90, "why")
    assert Window.from_replay(window.as_replay(), "why") == window


@pytest.mark.parametrize(
    "record", [{}, {"from": "x", "to": "202611271530"}, {"from": "202611271530", "to": "202611271530"}]
)
def test_a_record_that_is_no_window_is_skipped(record):
    assert Window.from_dict(record) is None


def test_merge_joins_overlapping_and_touching_windows_and_their_reasons():
    assert merge([w(10, 20, "a"), w(0, 5, "b"), w(20, 30, "b"), w(15, 25, "a")]) == [w(0, 5, "b"), w(10, 30, "a, b")]


def test_merge_with_a_gap_joins_windows_closer_than_it():
    assert merge([w(0, 10), w(40, 50), w(200, 210)], gap=30) == [w(0, 50), w(200, 210)]


def test_subtract_leaves_what_no_covered_window_holds():
    assert subtract([w(0, 100, "x")], [w(10, 20), w(15, 30), w(90, 120)]) == [w(0, 10, "x"), w(30, 90, "x")]
    assert subtract([w(0, 10)], [w(0, 10)]) == []
    assert subtract([w(0, 10)], []) == [w(0, 10)]


def test_split_at_cuts_a_window_that_crosses_the_edge():
    reachable, lost = split_at([w(0, 10), w(20, 40), w(50, 60)], 30)
    assert reachable == [w(30, 40), w(50, 60)]
    assert lost == [w(0, 10), w(20, 30)]


def test_stretches_lead_each_failed_minute_and_merge_neighbours():
    assert stretches([100, 101, 102, 120], "ingest 5xx", lead=5) == [
        w(95, 103, "ingest 5xx"),
        w(115, 121, "ingest 5xx"),
    ]
    assert stretches([], "x") == []
