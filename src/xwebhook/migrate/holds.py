"""X's rate limits on the XAA subscription endpoints, remembered so that the next run waits too.

X allows 500 calls per 15 minutes per app on each subscription endpoint. A 429 stops the run (never a
retry loop inside a Lambda invocation) and its reset time is kept per endpoint in the admin state, so the
next ensure or migrate run does not call that endpoint before the reset; the others stay usable.

The admin state is the port of recovery/state.py: `load() -> dict` and `save(document)`; the holds are its
"xaa_rate_limits" member, read and written back with the rest of the document untouched. Without an SSM
parameter the admin function keeps it in process memory (recovery/state.py MemoryState) for as long as the
function's container lives; while it cannot be read the holds are this run's only, and the report says so.
"""

from xwebhook.utc import iso

RATE_WINDOW_SECONDS = 15 * 60
STATE_KEY = "xaa_rate_limits"


class Held(Exception):
    """An endpoint is still rate limited from an earlier 429: not called."""

    def __init__(self, operation, until):
        super().__init__(f"X's rate limit for {operation} resets at {iso(until)}; not called before then")
        self.operation = operation
        self.until = until


class RateHolds:
    def __init__(self, state, now_epoch):
        self._state = state
        self._now = now_epoch
        self.problem = None  # why the holds could not be read or kept (the admin state is down)
        try:
            stored = (state.load() or {}).get(STATE_KEY) if state is not None else None
        except Exception as exc:  # StateUnavailable: holds from this run only, and say so
            stored, self.problem = None, str(exc)
        stored = stored if isinstance(stored, dict) else {}
        self._holds = {op: int(until) for op, until in stored.items() if int(until) > now_epoch}
        self._changed = len(self._holds) != len(stored)

    def until(self, operation):
        return self._holds.get(operation)

    def check(self, operation):
        """Raise Held when `operation` may not be called yet."""
        until = self._holds.get(operation)
        if until is not None:
            raise Held(operation, until)

    def hold(self, operation, reset_epoch):
        """Remember X's 429 for `operation` until `reset_epoch` (a full window when X gave no reset)."""
        until = int(reset_epoch) if reset_epoch else int(self._now) + RATE_WINDOW_SECONDS
        self._holds[operation] = max(until, self._holds.get(operation, 0))
        self._changed = True

    def save(self):
        if not self._changed or self._state is None:
            return
        try:
            document = self._state.load() or {}
            document[STATE_KEY] = dict(self._holds)
            self._state.save(document)
            self._changed = False
        except Exception as exc:  # the next run will not know to wait: said in the report
            self.problem = str(exc)

    def report(self):
        found = {operation: until for operation, until in sorted(self._holds.items())}
        if self.problem:
            found["state_problem"] = self.problem
        return found
