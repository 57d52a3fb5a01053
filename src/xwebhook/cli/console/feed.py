"""The messages the console has seen on the events queue and the dead-letter queue, in order, for the page's
live list (server-sent events). A subclass says how to look: the local endpoint's tap (localdev), or peeks
on AWS (stack_source.py). It reads from a thread of its own; `after(seq, timeout)` waits for what is new.
"""

import threading
import time
from collections import deque

FEED_SIZE = 2000


class StopLooking(Exception):
    """Looking again would do harm or cannot work: the feed stops and says why (`error`)."""


class Feed:
    poll_seconds = 0.0  # pause between two looks (a look that long-polls needs none)
    thread_name = "console-feed"

    def __init__(self, size=FEED_SIZE):
        self.items = deque(maxlen=size)
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.error = None
        self._seq = 0
        self._thread = None

    def look(self):
        """The documents seen since the last look, as [(queue label, document)] (messages.py's documents).
        May block a while (a long poll). Raises StopLooking to stop for good, OSError to try again."""
        raise NotImplementedError

    def add(self, found):
        with self.changed:
            for label, document in found:
                self._seq += 1
                self.items.append({"seq": self._seq, "queue": label, **document})
            self.changed.notify_all()

    def start(self):
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()

    def _run(self):
        while not self.stopping.is_set():
            try:
                found = self.look()
                self.error = None
            except StopLooking as exc:
                self.error = str(exc)
                return
            except Exception as exc:  # the endpoint is going down, busy, or refused once: try again
                self.error = f"{exc.__class__.__name__}: {exc}"
                self.stopping.wait(1)
                continue
            if found:
                self.add(found)
            if self.poll_seconds:
                self.stopping.wait(self.poll_seconds)

    def after(self, seq, timeout):
        """Items after `seq`, waiting up to `timeout` seconds for one."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.stopping.is_set():
                found = [item for item in self.items if item["seq"] > seq]
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self.changed.wait(remaining)
        return []
