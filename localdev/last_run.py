"""What the running local stack holds, kept in .local/last-run.json, so that the next start says plainly what
it reset: the local stack keeps no state between runs (moto and X's emulator hold everything in memory, and
the run's consumer secret and KMS key are new each time), so a restart forgets the webhook registered at the
emulator, its subscriptions, the connected accounts and what waited on the queues.

`make run` and `make dev` record it every 2 seconds and once more as they stop (moto runs in a session of its
own, so Ctrl-C leaves it up for that last record; a stack that was killed leaves the one before), and read
it before they start:

    this restart reset: webhook 1146... at X's emulator with 3 subscriptions, 2 connected accounts
    (1600000000, 1600000001), 4 messages on the events queue (the local stack keeps no state between runs).

`make dev` then registers the webhook and subscribes the app owner again by itself.
"""

import contextlib
import json
import os
import threading
from pathlib import Path

FILE_NAME = "last-run.json"
EVERY_SECONDS = 2.0  # also a record at the stop; this bounds what a stack that was killed leaves unsaid
ACCOUNT_PREFIX = "account#"


def path_for(state_file):
    return Path(state_file).parent / FILE_NAME


def snapshot(state, emulator=None):
    """What the stack holds now: the emulator's webhooks and subscriptions, the accounts, the queues' depth."""
    from localdev import stack

    held = {"emulator": emulator is not None, "webhooks": [], "subscriptions": 0, "accounts": []}
    if emulator is not None:
        with emulator._lock:  # its records, not state(): that one copies every delivery it made
            held["webhooks"] = [
                {"id": hook["id"], "url": hook.get("url"), "valid": bool(hook.get("valid"))}
                for hook in emulator.webhooks.values()
            ]
            held["subscriptions"] = sum(len(users) for users in emulator.subscriptions.values())
            held["subscriptions"] += len(emulator.xaa_subscriptions)
    table = (state.get("functions") or {}).get("admin", {}).get("ACCOUNTS_TABLE")
    if table:
        accounts = []
        pages = stack.aws_client(state, "dynamodb").get_paginator("scan")
        for page in pages.paginate(TableName=table, ProjectionExpression="pk, screen_name"):
            for item in page.get("Items", []):
                key = item.get("pk", {}).get("S", "")
                if key.startswith(ACCOUNT_PREFIX):
                    accounts.append(key[len(ACCOUNT_PREFIX) :])
        held["accounts"] = sorted(accounts)
    sqs = stack.aws_client(state, "sqs")
    for name, logical_id in (("queue", "EventsQueue"), ("dead_letters", "EventsDeadLetterQueue")):
        url = (state.get("resources") or {}).get(logical_id)
        if url:
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            held[name] = sum(int(found.get(key, 0)) for key in names)
    return held


def write(path, held):
    temporary = Path(path).with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(held, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, path)


def read(path):
    """The last run's record, or None (none kept, or unreadable)."""
    try:
        held = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return held if isinstance(held, dict) else None


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def reset_parts(held):
    """What a restart forgets of `held`, in words (empty when it held nothing worth saying)."""
    parts = []
    hooks = held.get("webhooks") or []
    if hooks:
        ids = ", ".join(str(hook["id"]) for hook in hooks[:3])
        subscribed = held.get("subscriptions") or 0
        parts.append(
            f"{'webhook' if len(hooks) == 1 else 'webhooks'} {ids} at X's emulator"
            + (f" with {_plural(subscribed, 'subscription')}" if subscribed else "")
        )
    accounts = held.get("accounts") or []
    if accounts:
        named = ", ".join(accounts[:5]) + (" ..." if len(accounts) > 5 else "")
        parts.append(f"{_plural(len(accounts), 'connected account')} ({named})")
    for key, where in (("queue", "on the events queue"), ("dead_letters", "on the dead-letter queue")):
        if held.get(key):
            parts.append(f"{_plural(held[key], 'message')} {where}")
    return parts


def reset_line(held, registers_again=False):
    """The line a start prints about what it reset (and what to do about it), or None."""
    if not held:
        return None
    parts = reset_parts(held)
    if not parts:
        return None
    line = f"this restart reset: {', '.join(parts)} (the local stack keeps no state between runs)."
    todo = []
    if held.get("webhooks") and not registers_again:
        todo.append("register again with `xwebhook admin ensure`")
    if held.get("accounts"):
        todo.append("connect the accounts again with `xwebhook invite` (seeded ones: `make accounts`)")
    if not todo:
        return line
    said = "; ".join(todo)
    return f"{line} {said[0].upper()}{said[1:]}."


class Recorder:
    """Writes the snapshot every EVERY_SECONDS in a thread, and once more at stop()."""

    def __init__(self, path, state, emulator=None, every=EVERY_SECONDS):
        self.path = Path(path)
        self.state = state
        self.emulator = emulator
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="last-run", daemon=True)

    def record(self):
        with contextlib.suppress(Exception):  # a record missed is a line less at the next start, nothing more
            write(self.path, snapshot(self.state, self.emulator))

    def _loop(self):
        while not self._stop.wait(self.every):
            self.record()

    def start(self):
        self.record()
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        self.record()
