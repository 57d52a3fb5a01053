"""`make send`: sign sample deliveries as X does and POST them to a webhook.

    make send                                      a favorite (AAA) and a post.create (XAA) to the local stack
    make send ARGS='--kind favorite --kind xaa/like.create'
    make send ARGS='--all'                         every sample in tests/samples
    make send ARGS='--family xaa --repeat 3 --fresh'   new event ids on every copy (else SQS/dedup drops copies)
    make send ARGS='--forge'                       wrong signature: the receiver must answer 401
    make send ARGS='--unsigned'                    no signature header: 401 too
    make send ARGS='--crc'                         a CRC round trip: GET ?crc_token=..., check the answer
    make send ARGS='--url https://.../webhook --secret ...'   any receiver

The secret: --secret, else X_CONSUMER_SECRET, else the running local stack's (read from its Secrets
Manager). Prints one line per request; exits 1 when an answer is not the one expected (200 for
signed deliveries, 401 for forged or unsigned ones, a matching token for --crc).
"""

import argparse
import http.client
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from localdev import stack
from localdev.events import sample_bytes, sample_names, sign
from xwebhook.receive.splitting import AAA_CONTEXT_KEYS, xaa_envelopes

DEFAULT_KINDS = ["aaa/favorite", "xaa/post.create"]
FORGING_SECRET = "not-the-consumer-secret"  # noqa: S105 - signs forged deliveries


class SendError(RuntimeError):
    pass


def resolve_kinds(kinds, every=False, family=None):
    """Sample names (`aaa/favorite`) for --kind values (with or without the family), --all, --family."""
    available = sample_names()
    if every:
        return available
    if family:
        if family not in ("aaa", "xaa"):
            raise SendError(f"--family is aaa or xaa, not {family!r}")
        chosen = sample_names(family)
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
            raise SendError(f"no sample {kind!r}; `make send ARGS=--list` lists them")
    return chosen or list(DEFAULT_KINDS)


def _suffix_id(value, salt):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(f"{value}{salt}")
    return f"{value}{salt}"


# Fields that identify an event (identity.py builds event and activity ids from them), per object.
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
    """The event's own times (identity.occurred_at reads them) set to about now."""
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


class Sender:
    """POSTs (or GETs) over one keep-alive connection per thread."""

    def __init__(self, url, timeout=15.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise SendError(f"{url!r} is not an http(s) URL")
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

    def post(self, body, signature=None):
        headers = {"Content-Type": "application/json", "User-Agent": "xwebhook-send"}
        if signature is not None:
            headers["X-Twitter-Webhooks-Signature"] = signature
        query = f"?{self.parsed.query}" if self.parsed.query else ""
        return self.request("POST", self.path + query, body, headers)

    def crc(self, token):
        separator = "&" if self.parsed.query else ""
        query = f"?{self.parsed.query}{separator}crc_token={urllib.parse.quote(token, safe='')}"
        return self.request("GET", self.path + query, headers={"User-Agent": "xwebhook-send"})


def find_secret(args, state):
    if args.secret:
        return args.secret
    if os.environ.get("X_CONSUMER_SECRET"):
        return os.environ["X_CONSUMER_SECRET"]
    if state is None:
        raise SendError("no secret: pass --secret or set X_CONSUMER_SECRET (no local stack is running)")
    return stack.consumer_secret(state)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make send ARGS=...", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", action="append", default=[], help="a sample: aaa/favorite, favorite, post.create")
    parser.add_argument("--all", action="store_true", help="every sample")
    parser.add_argument("--family", choices=["aaa", "xaa"], help="every sample of one family")
    parser.add_argument("--list", action="store_true", help="list the samples and exit")
    parser.add_argument("--repeat", type=int, default=1, help="send each delivery N times")
    parser.add_argument("--fresh", action="store_true", help="give every copy new event ids")
    signing = parser.add_mutually_exclusive_group()
    signing.add_argument("--forge", action="store_true", help="sign with a wrong secret (expect 401)")
    signing.add_argument("--unsigned", action="store_true", help="send no signature header (expect 401)")
    parser.add_argument("--crc", action="store_true", help="run a CRC round trip instead of deliveries")
    parser.add_argument("--url", help="the webhook URL (default: the running local stack's)")
    parser.add_argument("--secret", help="the consumer secret (default: X_CONSUMER_SECRET or the local stack's)")
    parser.add_argument("--concurrency", type=int, default=1, help="deliveries in flight at once")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    return parser.parse_args(argv)


def main(argv=None, out=None):
    out = out or sys.stdout
    try:
        args = parse_args(argv)
        if args.list:
            for name in sample_names():
                out.write(name + "\n")
            return 0
        return _send(args, out)
    except (SendError, stack.StackNotRunning) as exc:
        sys.stderr.write(f"make send: {exc}\n")
        return 2
    except (OSError, http.client.HTTPException) as exc:
        sys.stderr.write(f"make send: request failed: {exc.__class__.__name__}: {exc}\n")
        return 2


def _send(args, out):
    state = None
    if not args.url or not (args.secret or os.environ.get("X_CONSUMER_SECRET")):
        try:
            state = stack.read_state(args.state_file)
        except stack.StackNotRunning:
            if not args.url:
                raise
    url = args.url or state["webhook_url"]
    sender = Sender(url)
    write_lock = threading.Lock()

    def say(line):
        if not args.quiet:
            with write_lock:
                out.write(line + "\n")
                out.flush()

    if args.crc:
        return _crc_round_trip(sender, find_secret(args, state), say, out)
    kinds = resolve_kinds(args.kind, args.all, args.family)
    secret = None if args.unsigned else FORGING_SECRET if args.forge else find_secret(args, state)
    expected = 401 if (args.unsigned or args.forge) else 200
    deliveries = []
    for copy in range(max(1, args.repeat)):
        for name in kinds:
            body = sample_bytes(name)
            if args.fresh:
                salt = f"{int(time.time() * 1000) % 10**9}{copy:03d}{secrets.randbelow(1000):03d}"
                body = json.dumps(freshen(json.loads(body), salt), separators=(",", ":")).encode()
            deliveries.append((name, body))

    def deliver(item):
        name, body = item
        started = time.perf_counter()
        status, text = sender.post(body, sign(body, secret) if secret else None)
        say(f"POST {name:<32} {status} {text.strip()} ({(time.perf_counter() - started) * 1000:.0f} ms)")
        return status

    with ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
        statuses = list(pool.map(deliver, deliveries))
    unexpected = sum(1 for status in statuses if status != expected)
    what = "forged" if args.forge else "unsigned" if args.unsigned else "signed"
    out.write(
        f"{len(statuses)} {what} deliveries to {url}: {len(statuses) - unexpected} answered {expected} as expected"
        + (f", {unexpected} did not" if unexpected else "")
        + "\n"
    )
    return 1 if unexpected else 0


def _crc_round_trip(sender, secret, say, out):
    token = secrets.token_urlsafe(24)
    status, text = sender.crc(token)
    expected = sign(token.encode(), secret)
    try:
        answered = json.loads(text).get("response_token")
    except (ValueError, AttributeError):
        answered = None
    say(f"GET  crc_token={token} {status} {text.strip()}")
    good = status == 200 and answered == expected
    out.write("CRC round trip: " + ("the response token matches" if good else f"FAILED (expected {expected})") + "\n")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
