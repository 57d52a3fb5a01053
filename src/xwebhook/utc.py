"""UTC times as results, account records, pages and logs of the admin side write them: ISO 8601 to the
second, with a Z (2026-12-01T22:02:16Z). One formatter, so that every record reads back the same way.

No imports but the standard library's time (calendar on first use): x_api's errors and connect use it.
(crc and ingest write their log lines' times with log_line.py, to the millisecond.)
"""

import time

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(epoch=None):
    """`epoch` (seconds; now when None) as 2026-12-01T22:02:16Z."""
    return time.strftime(FORMAT, time.gmtime(epoch))


def epoch_of(text, default=0.0):
    """The epoch seconds of a time iso() wrote; `default` for anything else (None, another format)."""
    import calendar  # not at import: it loads locale, which connect's cold path does without

    try:
        return float(calendar.timegm(time.strptime(text, FORMAT)))
    except (TypeError, ValueError):
        return default
