"""ensure's memory between runs: one small JSON document in an SSM String parameter (ADMIN_STATE_PARAMETER).

    {"v": 1,
     "last_ensure": {"at", "ok", "webhook_valid", "webhook_id", "did", "error"?},   (admin/actions/ensure.py)
     "recovery":    {"webhook_seen_valid_at", "pending", "replayed", "lost", ...},  (recovery/auto_replay.py)
     "xaa_rate_limits": {"<operation>": reset epoch}}                               (migrate/holds.py)

The store is a port with two calls, `load() -> dict` and `save(document)`; `SsmStateStore` is the adapter,
`MemoryState` keeps it in process memory when the environment names no parameter (tests use
tests/fakes/stores.py's MemoryStateStore, which goes through the same encoding). Only the admin function's role
may read or write the parameter (infra/template.yaml). It holds no secret: times, webhook ids, windows and job ids.

Why SSM Parameter Store: one read and one write per ensure run, free in the Standard tier, no table to
provision. Its limits shape this module:
- A Standard parameter holds at most 4096 characters: `encode` trims the oldest history entries
  (the lists named in HISTORY) until the document fits, and cuts long texts. Trimmed history costs
  nothing but a line in `status`; what the recovery needs (pending windows, the last times) stays.
- PutParameter has no condition: two ensure runs at the same moment (the schedule and a person) may
  overwrite each other's record. The worst that does is a window replayed twice, and ingest's dedup
  table drops the copies (docs/operations.md).

Errors reading or writing are StateUnavailable (a ReportedError): the message names the parameter and the
AWS error code, never the document.
"""

import json

from xwebhook.errors import ReportedError

VERSION = 1
MAX_CHARS = 4096  # SSM Standard tier: 4 KB
MAX_TEXT = 300  # an `error` or `note` kept in the state is cut to this
# Lists of past records, oldest first, that may be shortened to fit (in the order they are shortened).
HISTORY = (("recovery", "replayed"), ("recovery", "refused"), ("recovery", "lost"), ("recovery", "pending"))


class StateUnavailable(ReportedError):
    """The admin state could not be read or written."""


class MemoryState:
    """The state in process memory (a warm Lambda container keeps it between invocations): what the admin
    function has without ADMIN_STATE_PARAMETER."""

    def __init__(self, document=None):
        self.document = dict(document or {})

    def load(self):
        return dict(self.document)

    def save(self, document):
        self.document = dict(document)

    def get(self, name):
        return self.document.get(name)


def empty():
    return {"v": VERSION}


def _history(document, path):
    node = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else None


def encode(document, limit=MAX_CHARS):
    """Compact ASCII JSON of `document` within `limit` characters: the oldest history entries go first.
    `document` is changed in place to what was kept."""
    text = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    while len(text) > limit:
        for path in HISTORY:
            entries = _history(document, path)
            if entries:
                del entries[0]
                break
        else:
            raise StateUnavailable(
                f"the admin state is {len(text)} characters even without history; the limit is {limit}"
            )
        text = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return text


def decode(text):
    """The document in `text`; a fresh one with a `note` when it is not ours (hand-edited, another version)."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return {**empty(), "note": "the admin state parameter held no JSON object; started afresh"}
    if not document:
        return empty()  # the template's initial value, {}
    if document.get("v") != VERSION:
        return {**empty(), "note": f"the admin state had version {document.get('v')!r}; started afresh"}
    return document


NO_STATE = "no ADMIN_STATE_PARAMETER: ensure keeps no memory"


def read(store):
    """(the document, None), or (None, why there is none): `store` is None (no state) or cannot be read."""
    if store is None:
        return None, NO_STATE
    try:
        return store.load(), None
    except StateUnavailable as exc:
        return None, str(exc)


def cut(text, limit=MAX_TEXT):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SsmStateStore:
    """The admin state in SSM parameter `name` (Type String). `client()` -> a botocore SSM client: the admin
    function's makes it on first use (xwebhook.aws.client_on_first_use), so actions that never touch the state
    do not pay for it."""

    def __init__(self, client, name):
        self._ssm = client
        self.name = name

    def _failure(self, verb, exc):
        from xwebhook.aws import error_code

        return StateUnavailable(f"the admin state ({self.name}) could not be {verb}: {error_code(exc)}")

    def load(self):
        try:
            answer = self._ssm().get_parameter(Name=self.name)
        except Exception as exc:  # botocore ClientError, connection and timeout errors
            if getattr(exc, "response", {}).get("Error", {}).get("Code") == "ParameterNotFound":
                return empty()  # a stack from before the parameter existed: nothing remembered yet
            raise self._failure("read", exc) from None
        return decode(answer["Parameter"]["Value"])

    def save(self, document):
        text = encode(document)
        try:
            self._ssm().put_parameter(Name=self.name, Value=text, Type="String", Overwrite=True)
        except Exception as exc:
            raise self._failure("written", exc) from None
