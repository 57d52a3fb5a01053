"""Time windows to the minute, as X's replay takes them: pure arithmetic for the recovery part.

A window is a half-open range of whole minutes [start, end), in minutes since the epoch (UTC). X's
replay takes both dates inclusive, so a window asks X for `from_date` = start and `to_date` = end - 1
(as_replay), and X's window [from_date, to_date] is the window [from, to + 1) (from_replay). In the admin
state and in results a window is {"from": "yyyymmddhhmm", "to": "yyyymmddhhmm" (exclusive), "why": "..."}.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from xwebhook import utc
from xwebhook.x_api.models import X_FORMAT, ReplayWindow, x_stamp


@dataclass(frozen=True, order=True)
class Window:
    start: int  # minutes since the epoch, inclusive
    end: int  # exclusive
    why: str = ""

    @property
    def minutes(self):
        return self.end - self.start

    def as_replay(self):
        """X's replay window: both dates inclusive, so the last minute asked for is end - 1."""
        return ReplayWindow(stamp(self.start), stamp(self.end - 1))

    @classmethod
    def from_replay(cls, window, why=""):
        """The window X replays for a ReplayWindow (its to_date's minute included)."""
        return cls(minute_of_stamp(window.from_date), minute_of_stamp(window.to_date) + 1, why)

    def as_dict(self):
        return {"from": stamp(self.start), "to": stamp(self.end), "why": self.why}

    @classmethod
    def from_dict(cls, record):
        """From an admin-state record; None when it is not one (a hand-edited or older state)."""
        try:
            start, end = minute_of_stamp(record["from"]), minute_of_stamp(record["to"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(start, end, str(record.get("why", ""))) if start < end else None


def minute_of(moment):
    """The minute (since the epoch) a UTC-aware datetime falls in."""
    return int(moment.timestamp() // 60)


def moment_of(minute):
    return datetime.fromtimestamp(minute * 60, UTC)


def stamp(minute):
    return x_stamp(moment_of(minute))


def minute_of_stamp(text):
    return minute_of(datetime.strptime(text, X_FORMAT).replace(tzinfo=UTC))


def iso(minute):
    """The minute's start as 2026-12-01T22:02:00Z."""
    return utc.iso(minute * 60)


def _joined_why(first, second):
    reasons = [reason for reason in (first + ", " + second).split(", ") if reason]
    return ", ".join(dict.fromkeys(reasons))


def merge(windows, gap=0):
    """The union of `windows` as disjoint windows in order; windows closer than `gap` minutes become one
    (one replay job instead of two: X runs one job per webhook at a time). Reasons are joined."""
    merged = []
    for window in sorted(windows):
        if merged and window.start <= merged[-1].end + gap:
            last = merged[-1]
            merged[-1] = Window(last.start, max(last.end, window.end), _joined_why(last.why, window.why))
        else:
            merged.append(window)
    return merged


def subtract(windows, covered):
    """The parts of `windows` that no window of `covered` holds (what is left to replay)."""
    covered = merge(covered)
    left = []
    for window in windows:
        start = window.start
        for hole in covered:
            if hole.end <= start or hole.start >= window.end:
                continue
            if hole.start > start:
                left.append(Window(start, hole.start, window.why))
            start = max(start, hole.end)
        if start < window.end:
            left.append(Window(start, window.end, window.why))
    return left


def split_at(windows, earliest):
    """(the parts at or after minute `earliest`, the parts before it)."""
    reachable, before = [], []
    for window in windows:
        if window.end <= earliest:
            before.append(window)
        elif window.start < earliest:
            before.append(Window(window.start, earliest, window.why))
            reachable.append(Window(earliest, window.end, window.why))
        else:
            reachable.append(window)
    return reachable, before


def stretches(minutes, why, lead=0, gap=0):
    """Windows around the given minutes: each minute m covers [m - lead, m + 1), then `merge(gap)`."""
    return merge([Window(minute - lead, minute + 1, why) for minute in minutes], gap)
