"""The tests' one clock."""

from datetime import datetime, timedelta


class Clock:
    """A clock that moves only when a test moves it. `clock()` is the time it was set to: epoch seconds, or a
    datetime where the code under test reads one. `advance(seconds)` or `advance(hours=49)` moves it on;
    `sleep` is an injectable sleep that moves it and records each wait in `slept`."""

    def __init__(self, now=1_000.0):
        self.now = now
        self.slept = []

    def __call__(self):
        return self.now

    def advance(self, seconds=0, **delta):
        if isinstance(self.now, datetime):
            self.now += timedelta(seconds=seconds, **delta)
        else:
            self.now += seconds + timedelta(**delta).total_seconds()

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.advance(seconds)
