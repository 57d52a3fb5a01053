"""Deliveries as X sends them: X's sample payloads (tests/samples), signed with the consumer secret and POSTed.

One implementation for `xwebhook send`, `make send` (localdev/send.py), the local console's send buttons
and the load benchmark. A delivery is named by its sample (`aaa/favorite`, `favorite`, `post.create`),
by any XAA type of the catalogue (x_api/event_types.py: those without a sample get a minimal envelope), or
is a file of JSON.
"""

import http.client
import json
import os
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from xwebhook.receive.signing import sign
from xwebhook.receive.splitting import AAA_CONTEXT_KEYS, is_xaa, xaa_envelopes

REPO = Path(__file__).resolve().parents[3]
SAMPLES = Path(os.environ.get("XWEBHOOK_SAMPLES") or REPO / "tests" / "samples")
DEFAULT_KINDS = ["aaa/favorite", "xaa/post.create"]
FORGING_SECRET = "not-the-consumer-secret"  # noqa: S105 - signs forged deliveries
SIGNATURE_HEADER = "X-Twitter-Webhooks-Signature"


class SendError(RuntimeError):
    """A delivery that cannot be built or sent as asked (unknown kind, bad file, bad URL)."""


def sample_names(family=None):
    """Every sample's name (`aaa/favorite`, `xaa/post.create`), AAA first."""
    families = [family] if family else ["aaa", "xaa"]
    return [f"{fam}/{path.stem}" for fam in families for path in sorted((SAMPLES / fam).glob("*.json"))]


def sample_bytes(name):
    """`aaa/favorite` -> the sample delivery's bytes, as a POST body."""
    return (SAMPLES / f"{name}.json").read_bytes().strip()


def signature(body, secret):
    """The X-Twitter-Webhooks-Signature value of `body` for `secret` (text)."""
    return sign(secret.encode() if isinstance(secret, str) else secret, body)


def xaa_types_without_samples():
    from xwebhook.x_api.event_types import CATALOGUE

    have = {name.split("/", 1)[1] for name in sample_names("xaa")}
    return sorted(set(CATALOGUE) - have)


def known_kinds():
    """Every kind `send` takes: the samples, then the catalogue's XAA types without one (as `xaa/<type>`)."""
    return sample_names() + [f"xaa/{name}" for name in xaa_types_without_samples()]


def resolve_kinds(kinds, every=False, family=None):
    """Sample names for kind values (with or without the family), --all, --family; DEFAULT_KINDS for none."""
    available = known_kinds()
    if every:
        return available
    if family:
        if family not in ("aaa", "xaa"):
            raise SendError(f"--family is aaa or xaa, not {family!r}")
        chosen = [name for name in available if name.startswith(family + "/")]
    else:
        chosen = []
    for kind in kinds or []:
        if kind in available:
            chosen.append(kind)
            continue
        matches = [name for name in available if name.split("/", 1)[1] == kind]
        if len(matches) == 1:
            chosen.append(matches[0])
        elif matches:
            raise SendError(f"{kind!r} is ambiguous: {', '.join(matches)}")
        else:
            raise SendError(f"no sample or XAA type {kind!r}; `xwebhook send --list` lists them")
    return chosen or list(DEFAULT_KINDS)


def synthetic_xaa(event_type, user_id="1111111111111111111"):
    """A minimal XAA delivery of a catalogue type that has no sample (X's envelope, an empty payload)."""
    return {
        "data": {
            "event_uuid": str(secrets.randbelow(10**18)),
            "filter": {"user_id": user_id},
            "event_type": event_type,
            "tag": "xwebhook-send",
            "payload": {"id": secrets.token_hex(16), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
        }
    }


def delivery_bytes(kind):
    """The body of a kind (a sample, or a synthetic XAA delivery)."""
    path = SAMPLES / f"{kind}.json"
    if path.exists():
        return sample_bytes(kind)
    family, _, name = kind.partition("/")
    if family == "xaa" and name in xaa_types_without_samples():
        return json.dumps(synthetic_xaa(name), separators=(",", ":")).encode()
    raise SendError(f"no sample or XAA type {kind!r}")


def file_bytes(path):
    """A delivery read from a file: it must hold one JSON object (X's deliveries are objects)."""
    try:
        data = Path(path).read_bytes().strip()
    except OSError as exc:
        raise SendError(f"cannot read {path}: {exc.strerror}") from None
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise SendError(f"{path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SendError(f"{path} holds JSON but not an object; X's deliveries are objects")
    return data


def _suffix_id(value, salt):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(f"{value}{salt}")
    return f"{value}{salt}"


# Fields that identify an event (receive/event_ids.py builds event and activity ids from them), per object.
_ID_FIELDS = ("id", "id_str", "job_id", "sender_id", "last_read_event_id", "message_id", "broadcast_id", "user_id")
_MS_FIELDS = ("timestamp_ms", "created_timestamp", "created_at_msec", "event_timestamp_ms")


def _fresh_ids(node, salt, path):
    """Suffix the id fields of `node` and of the objects at `path`s under it (dotted keys)."""
    if not isinstance(node, dict):
        return
    for field in _ID_FIELDS:
        if field in node:
            node[field] = _suffix_id(node[field], salt)
    for dotted in path:
        target = node
        for key in dotted.split("."):
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, list):
            for item in target:
                _fresh_ids(item, salt, ())
        else:
            _fresh_ids(target, salt, ())


def _fresh_times(node, now_ms):
    """The event's own times (event_ids.py reads them for occurred_at) set to about now."""
    if not isinstance(node, dict):
        return
    for field in _MS_FIELDS:
        if field in node and not isinstance(node[field], bool):
            node[field] = now_ms if isinstance(node[field], int) else str(now_ms)
    seconds, millis = divmod(now_ms, 1000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}"
    created_at = node.get("created_at")
    if isinstance(created_at, str):  # v2's ISO 8601, or v1.1's "Mon Mar 26 16:33:26 +0000 2018"
        v1 = time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(seconds))
        node["created_at"] = stamp + "Z" if created_at[:4].isdigit() else v1
    if isinstance(node.get("date_time"), str):
        node["date_time"] = stamp + "+00:00"


def freshen(delivery, salt, now=None):
    """A copy of a parsed delivery whose events are new ones: their ids carry `salt` (so neither SQS nor
    the dedup table takes them for copies) and their own times are `now` (default: the clock), as
    for an event X delivers as it happens."""
    copy = json.loads(json.dumps(delivery))
    now_ms = int((time.time() if now is None else now) * 1000)
    envelopes = xaa_envelopes(copy)
    if envelopes is not None:
        for data in envelopes:
            if not isinstance(data, dict):
                continue
            data["event_uuid"] = _suffix_id(data.get("event_uuid", "0"), salt)
            payload = data.get("payload")
            _fresh_ids(payload, salt, ("direct_message_events", "source.data", "target.data"))
            _fresh_times(payload, now_ms)
            for item in (payload or {}).get("direct_message_events") or []:
                _fresh_times(item, now_ms)
        return copy
    for key, value in copy.items():
        if key in AAA_CONTEXT_KEYS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                continue
            _fresh_ids(item, salt, ("status", "source", "target", "revoke.source"))
            _fresh_times(item, now_ms)
            _fresh_times(item.get("revoke"), now_ms)
            if not any(f in item for f in ("id", "id_str", "created_timestamp", "job_id", "status", "revoke")):
                item["_fresh"] = salt  # unknown kinds are identified by a hash of their content
    return copy


def for_user(delivery, user_id):
    """A copy of a parsed delivery addressed to `user_id` (AAA for_user_id, XAA filter.user_id)."""
    copy = json.loads(json.dumps(delivery))
    if is_xaa(copy):
        copy["data"].setdefault("filter", {})["user_id"] = str(user_id)
    else:
        copy["for_user_id"] = str(user_id)
    return copy


def new_salt(copy=0):
    return f"{int(time.time() * 1000) % 10**9}{copy:03d}{secrets.randbelow(1000):03d}"


def build(body, fresh=False, copy=0, user_id=None):
    """The body to send: `body` as it is, or with new ids (`fresh`) and/or another account (`user_id`)."""
    if not fresh and user_id is None:
        return body
    document = json.loads(body)
    if fresh:
        document = freshen(document, new_salt(copy))
    if user_id is not None:
        document = for_user(document, user_id)
    return json.dumps(document, separators=(",", ":")).encode()


class Sender:
    """POSTs (or GETs) over one keep-alive connection per thread."""

    def __init__(self, url, timeout=15.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SendError(f"{url!r} is not an http(s) URL")
        self.url = url
        self.parsed = parsed
        self.path = parsed.path or "/"
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self.parsed.scheme == "https" else http.client.HTTPConnection
            connection = kind(self.parsed.hostname, self.parsed.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers or {})
                answer = connection.getresponse()
                return answer.status, answer.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()  # a keep-alive connection the server closed: open a new one once
                self._local.connection = None
                if attempt:
                    raise
        raise SendError("unreachable")

    def post(self, body, signature_value=None, extra_headers=None):
        headers = {"Content-Type": "application/json", "User-Agent": "xwebhook-send"}
        if signature_value is not None:
            headers[SIGNATURE_HEADER] = signature_value
        headers.update(extra_headers or {})
        query = f"?{self.parsed.query}" if self.parsed.query else ""
        return self.request("POST", self.path + query, body, headers)


@dataclass
class Delivered:
    """One POST and its answer."""

    name: str
    status: int | None
    answer: str
    ms: float
    expected: int

    @property
    def as_expected(self):
        return self.status == self.expected

    def as_dict(self):
        try:
            answer = json.loads(self.answer)
        except ValueError:
            answer = self.answer
        return {"name": self.name, "status": self.status, "expected": self.expected, "answer": answer, "ms": self.ms}


def deliver(sender, deliveries, secret, expected=200, concurrency=1, on_result=None):
    """POST each (name, body) signed with `secret` (None: unsigned); returns [Delivered] in order."""
    from concurrent.futures import ThreadPoolExecutor

    def one(item):
        name, body = item
        started = time.perf_counter()
        try:
            status, text = sender.post(body, signature(body, secret) if secret else None)
        except (OSError, http.client.HTTPException) as exc:
            status, text = None, f"{exc.__class__.__name__}: {exc}"
        result = Delivered(name, status, text.strip(), round((time.perf_counter() - started) * 1000, 1), expected)
        if on_result:
            on_result(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(one, deliveries))


def deliver_as_x(emulator_url, control_token, deliveries, on_result=None):
    """Have the X API emulator deliver each (name, body) as X does, and only where X would: an XAA envelope
    to each XAA subscription of its event type and filter, an AAA delivery to each webhook its account is
    subscribed on; signed with its consumer secret, recorded for replay. Returns [Delivered] (status None:
    X would not deliver it, and the answer says why)."""
    import urllib.request

    results = []
    for name, body in deliveries:
        started = time.perf_counter()
        request = urllib.request.Request(  # noqa: S310 - the local emulator
            emulator_url.rstrip("/") + "/_emulator/deliver_subscribed",
            data=json.dumps({"body": body.decode()}).encode(),
            headers={"Content-Type": "application/json", "X-Emulator-Token": control_token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                document = json.loads(answer.read())
        except OSError as exc:
            raise SendError(f"the X API emulator at {emulator_url} did not answer: {exc}") from None
        sent = [item.get("status") for item in document.get("deliveries") or []]
        status = next((answer for answer in sent if answer != 200), 200) if sent else None
        if document.get("skipped"):
            text = f"X would not deliver it: {document['skipped']}"
        elif None in sent:
            text = "the webhook is not valid (xwebhook admin ensure)"
        else:
            times = "once" if len(sent) == 1 else "twice" if len(sent) == 2 else f"{len(sent)} times"
            text = f"X delivered it {times}: {', '.join(map(str, sent))}"
        result = Delivered(name, status, text, round((time.perf_counter() - started) * 1000, 1), 200)
        if on_result:
            on_result(result)
        results.append(result)
    return results
