"""The report a `xwebhook migrate` run leaves behind: one JSON document and one CSV per run, to keep.

    <dir>/<stack>-<mode>-<YYYYmmdd-HHMMSS>.json   the run: when, what was asked, every wave (its accounts,
                                                   what X answered about its rate limit, how long it
                                                   took), every account's last report, counts per state
                                                   before and after, and `finished`
    <dir>/<stack>-<mode>-<YYYYmmdd-HHMMSS>.csv    one row per account: user id, handle, state before and
                                                   after, ok, what was done, the error

Both are written again after every wave (to a temporary file, then renamed), so a run stopped by Ctrl-C, a
crash or a closed laptop leaves its report as far as it got; the next run of the same mode on the same
stack finds it unfinished and carries on in it (`resumable`). Files are made readable by their owner only:
a reconnect report holds invite URLs, which let an X account connect.
"""

import csv
import io
import json
import os
import time
from pathlib import Path

DEFAULT_DIRECTORY = "xwebhook-reports"
DIRECTORY_ENV = "XWEBHOOK_REPORT_DIR"
CSV_FIELDS = ("user_id", "screen_name", "state_before", "state_after", "ok", "did", "error")
RECONNECT_FIELDS = ("user_id", "screen_name", "invite_url", "expires_at", "why")


def directory(given=None):
    return Path(given or os.environ.get(DIRECTORY_ENV) or DEFAULT_DIRECTORY)


def _stamp(epoch):
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(epoch))


def _safe(name):
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def did_words(entry):
    """What was done to one account, in a few words (the CSV's `did`)."""
    parts = []
    for key, word in (("created", "created"), ("adopted", "adopted"), ("deleted", "deleted")):
        value = entry.get(key)
        count = len(value) if isinstance(value, list) else value
        if count:
            parts.append(f"{word} {count}")
    for key, word in (("would_create", "would create"), ("would_delete", "would delete")):
        if entry.get(key):
            parts.append(f"{word} {len(entry[key])}")
    if entry.get("aaa_unsubscribed"):
        parts.append("AAA unsubscribed")
    if entry.get("aaa_subscribed_again"):
        parts.append("AAA subscribed again")
    if entry.get("would_unsubscribe_aaa"):
        parts.append("would unsubscribe AAA")
    if entry.get("pending"):
        pending = entry["pending"]
        parts.append(f"pending {len(pending) if isinstance(pending, list) else ''}".strip())
    if entry.get("event_types") and entry.get("from"):
        parts.append(f"types {len(entry['event_types'])} (from {entry['from']})")
    if entry.get("invite_url"):
        parts.append("invite made" if entry.get("made") else "invite reused")
    if entry.get("half_made"):
        parts.append("half made")
    if entry.get("note"):
        parts.append(entry["note"])
    return "; ".join(parts)


class RunReport:
    """One run's report, saved after every change. `document` is the JSON written."""

    def __init__(self, path, document):
        self.path = Path(path)
        self.document = document

    @classmethod
    def start(cls, folder, stack, mode, options, now=None, resume=True):
        """A new run's report, or the last unfinished one of the same stack and mode (resumed)."""
        folder = Path(folder)
        now = time.time() if now is None else now
        if resume:
            found = cls.unfinished(folder, stack, mode)
            if found is not None:
                found.document.setdefault("resumed_at", []).append(now)
                found.save()
                return found
        name = f"{_safe(stack)}-{mode}-{_stamp(now)}"
        document = {
            "run_id": name,
            "stack": stack,
            "mode": mode,
            "options": options,
            "started_at": now,
            "finished": False,
            "waves": [],
            "accounts": {},
        }
        report = cls(folder / f"{name}.json", document)
        report.save()
        return report

    @classmethod
    def unfinished(cls, folder, stack, mode):
        """The newest unfinished report of `stack` and `mode` in `folder`, or None."""
        candidates = sorted(Path(folder).glob(f"{_safe(stack)}-{mode}-*.json"), reverse=True)
        for path in candidates:
            try:
                document = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(document, dict) or document.get("finished") is not False:
                continue
            if not (document.get("dry_run") or (document.get("options") or {}).get("dry_run")):
                return cls(path, document)  # a dry run is never carried on
        return None

    @property
    def resumed(self):
        return bool(self.document.get("resumed_at"))

    @property
    def csv_path(self):
        return self.path.with_suffix(".csv")

    def record_wave(self, wave):
        self.document["waves"].append(wave)
        self.save()

    def record_accounts(self, entries):
        accounts = self.document["accounts"]
        for entry in entries:
            accounts[entry["user_id"]] = {**accounts.get(entry["user_id"], {}), **entry}
        self.save()

    def finish(self, **fields):
        self.document.update(fields, finished=True, finished_at=time.time())
        self.save()

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write(self.path, json.dumps(self.document, indent=1, default=str))
        self._write(self.csv_path, self.csv_text())

    def csv_text(self):
        out = io.StringIO()
        reconnect = self.document["mode"] == "reconnect"
        fields = self.document.get("csv_fields") or (RECONNECT_FIELDS if reconnect else CSV_FIELDS)
        plain = reconnect or "csv_fields" in self.document  # rows written as they are
        writer = csv.DictWriter(out, fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for entry in self.document["accounts"].values():
            row = dict(entry)
            if not plain:
                row["did"] = did_words(entry)
                row["ok"] = "yes" if entry.get("ok") else "no"
            writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in fields})
        return out.getvalue()

    @staticmethod
    def _write(path, text):
        temporary = path.with_name(path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
