"""Words for people: counts with their noun ("1 event", "2 events"), times in one format (the operator's local
time with its zone, as the console shows them), how long ago, lists in a sentence, and "did you mean".

Plain functions over plain values: the summaries (cli/summaries.py, cli/status.py) and every command use them,
and tests/unit/cli/test_words.py pins them.
"""

import difflib
import time
from datetime import UTC, datetime

from xwebhook.utc import epoch_of

# Nouns whose plural is not the noun + "s".
IRREGULAR = {"delivery": "deliveries", "entry": "entries", "is": "are", "was": "were", "reply": "replies"}


def plural(count, noun, many=None):
    """ "1 event", "2 events", "0 deliveries": the count and its noun, singular only for exactly one."""
    return f"{count:,} {noun if count == 1 else many or IRREGULAR.get(noun) or noun + 's'}"


def listing(items, conjunction="and", limit=None):
    """ "a", "a and b", "a, b and c" (and "a, b and 3 more" beyond `limit`)."""
    items = [str(item) for item in items]
    if limit is not None and len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit:,} more"]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def local_time(epoch, now=None):
    """An epoch as the operator's local time: "14:05:09 CET", with the date before it when it is not today."""
    moment = datetime.fromtimestamp(epoch).astimezone()
    today = datetime.fromtimestamp(time.time() if now is None else now).astimezone().date()
    shown = moment.strftime("%H:%M:%S %Z")
    return shown if moment.date() == today else moment.strftime("%Y-%m-%d ") + shown


def iso_epoch(text):
    """Epoch seconds of an ISO 8601 time as X and the admin function write them (2026-12-01T22:02:16Z,
    2026-12-04T22:14:32.352Z, with an offset); None for anything else."""
    if not isinstance(text, str) or not text:
        return None
    found = epoch_of(text, None)
    if found is not None:
        return found
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def x_minute(stamp):
    """X's yyyymmddhhmm (UTC) as an epoch; None when it is not one."""
    try:
        return datetime.strptime(str(stamp), "%Y%m%d%H%M").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def duration(seconds):
    """ "40 s", "3 min", "2 h 5 min", "3 days": a span a person reads at a glance."""
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return plural(round(hours / 24), "day")


def ago(epoch, now=None):
    """ "just now", "40 s ago", "in 3 min": `epoch` seen from `now`."""
    delta = (time.time() if now is None else now) - epoch
    if abs(delta) < 2:
        return "just now"
    return f"{duration(delta)} ago" if delta > 0 else f"in {duration(-delta)}"


def when(epoch, now=None):
    """ "14:05:09 CET (3 min ago)": a time with how long ago it was."""
    return f"{local_time(epoch, now)} ({ago(epoch, now)})"


def close_matches(word, choices, limit=3):
    """The choices closest to a mistyped `word` (difflib's ratio, 0.6 and up), best first."""
    return difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=limit, cutoff=0.6)


def did_you_mean(suggestions):
    """ " Did you mean 'a' or 'b'?" (Click's own wording for commands and options), or "" for none."""
    if not suggestions:
        return ""
    return f" Did you mean {listing([repr(s) for s in suggestions], 'or')}?"
