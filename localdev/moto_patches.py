"""What the local AWS endpoint changes in moto, applied inside its process (localdev.moto_server).

Two kinds, each guarded so that a moto release that renamed what it patches runs unpatched:
  speed     pure functions moto calls thousands of times per request, cached or short-cut. Profiled
            under `make load`: the camelCase to snake_case conversion behind every SQS queue-attribute
            look-up and the listing of moto's own package directory behind every backend look-up were a
            third of moto's CPU per delivery; `unix_time()` without an argument ("now"), which moto's SQS
            calls for every stored message on every send and receive, built two datetimes for the number
            time.time() gives (over half of its CPU); the method names of a response class, listed with
            `inspect.getmembers` on every request.
  SQS's rules, where ingest and the consumers rely on them:
            FIFO deduplication remembers what a queue accepted for 5 minutes, whether or not it was
            received and deleted since (moto compares only with the messages still stored);
            a message is given to one receiver at a time, and a FIFO group in flight to nobody else
            (moto's receive checks visibility, then marks: two receives on two request threads could
            both take one message, or two messages of one group); a long poll waits for a message to be
            added instead of spinning over the ones it cannot give out.

Each function patches and returns a function that undoes it (the tests apply them in-process).
"""

import functools
import sys
import threading
import time

DEDUP_WINDOW_SECONDS = 300
LONG_POLL_RECHECK_SECONDS = 0.25  # a message may become visible again (its timeout ran out) unannounced


def _undo(patched):
    """`patched`: (owner, name, original) triples; the function that puts them back."""

    def undo():
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)

    return undo


def speed():
    import moto.backends
    import moto.core.responses
    import moto.core.utils

    patched = []

    def put(owner, name, value):
        patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    original = moto.core.utils.camelcase_to_underscores
    remembered = functools.lru_cache(maxsize=16384)(original)

    def cached(argument):
        try:
            return remembered(argument)
        except TypeError:  # not hashable
            return original(argument)

    for module in list(sys.modules.values()):
        if getattr(module, "camelcase_to_underscores", None) is original:
            put(module, "camelcase_to_underscores", cached)
    modules = tuple(moto.backends.list_of_moto_modules())
    put(moto.backends, "list_of_moto_modules", lambda: modules)
    slow_unix_time = moto.core.utils.unix_time

    def unix_time(dt=None):
        return time.time() if dt is None else slow_unix_time(dt)

    put(moto.core.utils, "unix_time", unix_time)
    put(moto.core.utils, "unix_time_millis", lambda dt=None: unix_time(dt) * 1000.0)
    listed = moto.core.utils.method_names_from_class
    names = functools.lru_cache(maxsize=256)(lambda clazz: frozenset(listed(clazz)))
    put(moto.core.responses, "method_names_from_class", names)
    return _undo(patched)


def fifo_deduplication():
    """SQS FIFO drops a message whose deduplication id it accepted in the last 5 minutes, per message group
    when DeduplicationScope is messageGroup (moto's own check, which still runs, also drops a stored id
    sent in another group: stricter than SQS)."""
    import moto.sqs.models

    queue_class = moto.sqs.models.Queue
    original = queue_class.add_message
    lock = threading.Lock()  # moto serves requests on threads: check and record at once, as SQS

    def add_message(self, message):
        dedup_id = getattr(message, "deduplication_id", None) if self.fifo_queue else None
        if not dedup_id:
            return original(self, message)
        scope = message.group_id if getattr(self, "deduplication_scope", "queue") == "messageGroup" else None
        with lock:
            accepted = self.__dict__.setdefault("_accepted_dedup_ids", {})
            now = time.time()
            if len(accepted) > 50000:
                for key in [key for key, at in accepted.items() if now - at >= DEDUP_WINDOW_SECONDS]:
                    del accepted[key]
            first = accepted.get((scope, dedup_id))
            if first is not None and now - first < DEDUP_WINDOW_SECONDS:
                return None
            accepted[(scope, dedup_id)] = now
            return original(self, message)

    queue_class.add_message = add_message
    return _undo([(queue_class, "add_message", original)])


def receives_in_turn():
    """Receives, deletes and visibility changes take turns; a long poll waits outside the turn."""
    import moto.sqs.models

    backend_class = moto.sqs.models.SQSBackend
    turn = threading.RLock()
    patched = []
    moto_receive = backend_class.receive_message

    def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, *args, **kwargs):
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with turn:
                result = moto_receive(self, queue_name, count, 0, visibility_timeout, *args, **kwargs)
            left = deadline - time.monotonic()
            if result or left <= 0:
                return result
            added = self.get_queue(queue_name)._messages_lock  # notified by every message added
            with added:
                added.wait(timeout=min(LONG_POLL_RECHECK_SECONDS, left))

    patched.append((backend_class, "receive_message", moto_receive))
    backend_class.receive_message = receive_message

    def in_turn(method):
        @functools.wraps(method)
        def taking_turns(*args, **kwargs):
            with turn:
                return method(*args, **kwargs)

        return taking_turns

    for name in (
        "delete_message",
        "delete_message_batch",
        "change_message_visibility",
        "change_message_visibility_batch",
        "purge_queue",
    ):
        original = getattr(backend_class, name)
        patched.append((backend_class, name, original))
        setattr(backend_class, name, in_turn(original))
    return _undo(patched)


def apply_all():
    """Every patch this moto release allows; the names of those it did not."""
    skipped = []
    for patch in (speed, fifo_deduplication, receives_in_turn):
        try:
            patch()
        except (ImportError, AttributeError):
            skipped.append(patch.__name__)
    return skipped
