"""The time window of the `replay` action: what an operator types -> X's ReplayWindow (x_api/models.py), checked first.

X replays events of the last 24 hours only, with minute resolution; `from` and `to` are both inclusive
(X's document: "the oldest (inclusive)" and "the newest (inclusive) UTC timestamp"): `to`'s whole minute
is replayed, and a window may be a single minute (from = to).
Accepted forms: `202611271530` (UTC), ISO 8601 with `Z` or an offset (`2026-11-27T15:30:00+01:00`),
ISO 8601 without one (read as UTC), and a time before now as `-90m` or `-2h` (so a saved payload such
as events/admin-replay.json stays usable). Seconds are dropped (X's resolution is the minute).

The 24 h check is strict on purpose (design for the stricter reading): `from` must not be earlier
than the first whole minute within the last 24 hours, so a request X would refuse is refused here
with the window spelled out, instead of costing one of the 100 replay calls per 15 minutes.
"""

import re
from datetime import UTC, datetime, timedelta

from xwebhook.admin.errors import BadInput
from xwebhook.x_api.models import X_FORMAT, ReplayWindow, x_stamp

REPLAY_WINDOW = timedelta(hours=24)
_X_STAMP = re.compile(r"\d{12}")
_RELATIVE = re.compile(r"-(\d{1,4})([mh])")
_MINUTE = timedelta(minutes=1)


def parse_instant(text, name, now):
    """A timezone-aware UTC datetime from `text` (relative forms count back from `now`); BadInput
    naming the field otherwise."""
    text = text.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - (timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount))
    try:
        if _X_STAMP.fullmatch(text):
            return datetime.strptime(text, X_FORMAT).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"bad input: {name} must be an ISO 8601 time (2026-11-27T15:30:00Z), yyyymmddhhmm (202611271530) "
            "or a time before now (-90m, -2h)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        # 0001-01-01T00:00+14:00 and 9999-12-31T23:59-14:00 parse, but lie outside what datetime holds in UTC.
        return moment.astimezone(UTC)
    except OverflowError:
        raise BadInput(f"bad input: {name} is out of range (years 1 to 9999 in UTC); X replays the last 24 h") from None


def _floor_minute(moment):
    return moment.replace(second=0, microsecond=0)


def _ceil_minute(moment):
    floor = _floor_minute(moment)
    return floor if floor == moment else floor + _MINUTE


def replay_window(from_text, to_text, now):
    """The checked window for `from`/`to` (to defaults to the current minute) at UTC-aware `now`."""
    start = _floor_minute(parse_instant(from_text, "from", now))
    end = _floor_minute(parse_instant(to_text, "to", now)) if to_text else _floor_minute(now)
    earliest = _ceil_minute(now - REPLAY_WINDOW)
    latest = _floor_minute(now)
    if start > end:
        raise BadInput(f"bad input: from ({x_stamp(start)}) must not be after to ({x_stamp(end)}), to the minute")
    if start < earliest:
        raise BadInput(
            f"bad input: from ({x_stamp(start)} UTC) is outside X's 24 h replay window; "
            f"the earliest accepted is {x_stamp(earliest)} UTC"
        )
    if end > latest:
        raise BadInput(f"bad input: to ({x_stamp(end)} UTC) is in the future; the latest accepted is {x_stamp(latest)}")
    return ReplayWindow(x_stamp(start), x_stamp(end))
