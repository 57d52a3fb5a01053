"""The sam-local-invoke payloads in events/: HTTP API (payload 2.0) events, one file per case.

    python -m localdev.events            (re)write events/*.json (except admin-*.json) and events/env.json
    python -m localdev.events --check    exit 1 if a committed file differs from what this would write
    python -m localdev.events --env-json --queue-url URL [--secret-id NAME]   print an env.json for your account

Deliveries are signed with the documented dev secret "dev-consumer-secret" over the exact body bytes.
Every event is built by the same code as the local gateway's (localdev.gateway.http_api_event), with
fixed request ids and times so that the files do not change from one run to the next.
`EVENTS` lists each file with the status the real handlers answer (tests check both).
"""

import argparse
import json
import sys
from pathlib import Path

from localdev.gateway import http_api_event
from xwebhook.receive.settings import SIGNATURE_HEADER
from xwebhook.send.deliveries import SAMPLES, sample_bytes, sample_names  # noqa: F401 - X's samples, one place

REPO = Path(__file__).resolve().parent.parent
EVENTS_DIR = REPO / "events"
DEV_SECRET = "dev-consumer-secret"  # noqa: S105 - the documented dev secret of the sample events
DEV_SECRET_ID = "xwebhook-dev/consumer-secret"  # noqa: S105 - a secret name
DEV_QUEUE_NAME = "xwebhook-dev-events.fifo"
# A fixed instant and host, so the files are stable; the host is shaped like an HTTP API's.
EVENT_TIME = 1767225600.0  # 2026-01-01T00:00:00Z
HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"
SOURCE_IP = "203.0.113.10"  # documentation range (RFC 5737)
USER_AGENT = "xwebhook-sample-events"
MAX_BODY_BYTES = 512 * 1024  # the ingest function's default MAX_BODY_BYTES (and the template's)
CRC_TOKEN = "challenge_string"  # noqa: S105 - the CRC test vector's token
FORGING_SECRET = "not-the-consumer-secret"  # noqa: S105


def sign(body, secret=DEV_SECRET):
    from xwebhook.receive.signing import sign as hmac_sign

    return hmac_sign(secret.encode(), body)


def _request_id(name):
    import hashlib

    return hashlib.sha256(name.encode()).hexdigest()[:16]


def _headers(extra):
    return [
        ("host", HOST),
        ("user-agent", USER_AGENT),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
        *extra,
    ]


def crc_event(token=CRC_TOKEN, name="crc", raw_query=None):
    """GET /webhook?crc_token=<token> (`raw_query` overrides the query string as sent)."""
    query = raw_query if raw_query is not None else (f"crc_token={token}" if token is not None else "")
    target = "/webhook" + (f"?{query}" if query else "")
    return http_api_event(
        "GET",
        target,
        _headers([]),
        b"",
        SOURCE_IP,
        route_key="GET /webhook",
        request_id=_request_id(name),
        now=EVENT_TIME,
        api_id=HOST.split(".", 1)[0],
    )


def delivery_event(
    body, signature=None, base64_body=False, name="delivery", content_type="application/json", headers=()
):
    """POST /webhook with `body` bytes and, when given, the signature header (and other `headers`)."""
    extra = [("content-type", content_type), ("content-length", str(len(body)))]
    if signature is not None:
        extra.append((SIGNATURE_HEADER, signature))
    extra.extend(headers)
    return http_api_event(
        "POST",
        "/webhook",
        _headers(extra),
        body,
        SOURCE_IP,
        route_key="POST /webhook",
        base64_body=base64_body,
        request_id=_request_id(name),
        now=EVENT_TIME,
        api_id=HOST.split(".", 1)[0],
    )


def connect_event(path, query="", cookies=(), name="connect"):
    """GET /connect or /connect/callback as a browser sends it (`cookies`: "name=value" strings)."""
    target = path + (f"?{query}" if query else "")
    headers = _headers([("accept", "text/html"), *(("cookie", cookie) for cookie in cookies)])
    return http_api_event(
        "GET",
        target,
        headers,
        b"",
        SOURCE_IP,
        route_key=f"GET {path}",
        request_id=_request_id(name),
        now=EVENT_TIME,
        api_id=HOST.split(".", 1)[0],
    )


# The connect function's events: what it refuses before it talks to X or the accounts table (a browser
# arriving without an invite, with a forged one, or on the callback without its sign-in). The flows
# that reach X are in tests/e2e/test_connect_browser_e2e.py (a real browser on `make run`).
FORGED_INVITE = "Ou3T1qTl3rPZ7FWM01OsTQ.AAAAAAAAAAAAAAAAAAAAAA"
SOME_STATE = "6Ao-t_28Kbk8z-Rjv4vNvRFlpV_3lPm_WFHLCjb1T1c"
CONNECT_EVENTS = {
    "connect-start-without-invite.json": ("/connect", "", (), 403),
    "connect-start-forged-invite.json": ("/connect", f"invite={FORGED_INVITE}", (), 403),
    "connect-start-unknown-flow.json": ("/connect", f"invite={FORGED_INVITE}&flow=saml", (), 400),
    "connect-callback-without-state.json": ("/connect/callback", "code=abc", (), 400),
    "connect-callback-without-cookie.json": ("/connect/callback", f"state={SOME_STATE}&code=abc", (), 400),
    "connect-callback-forged-cookie.json": (
        "/connect/callback",
        f"state={SOME_STATE}&code=abc",
        (f"xwebhook_signin={SOME_STATE}.1767226200.{'B' * 43}",),
        400,
    ),
}


def signed_delivery_event(body, secret=DEV_SECRET, **options):
    return delivery_event(body, sign(body, secret), **options)


def synthetic_delivery_event(body, secret=DEV_SECRET, marker_secret=None, **options):
    """A signed delivery with the synthetic marker (receive/synthetic.py) made with `marker_secret` (default:
    the same secret: a marker ingest takes)."""
    from xwebhook.receive.synthetic import HEADER, marker

    header = (HEADER, marker((marker_secret or secret).encode(), body))
    return delivery_event(body, sign(body, secret), headers=[header], **options)


def oversize_body(limit=MAX_BODY_BYTES):
    """A valid AAA delivery a little over `limit` bytes (its padding is in an unknown field)."""
    document = json.loads(sample_bytes("aaa/favorite"))
    document["padding"] = ""
    base = len(json.dumps(document, separators=(",", ":")).encode())
    document["padding"] = "x" * (limit - base + 1024)
    return json.dumps(document, separators=(",", ":")).encode()


AAA_KINDS = ["favorite", "favorite_multi", "follow", "tweet_create", "direct_message", "unknown_kind"]
AAA_KINDS += ["user_event_revoke"]
XAA_TYPES = ["post.create", "like.create", "follow.follow", "dm.received", "profile.update.bio"]


def build_events():
    """{file name: (event, expected status)} for every file this module owns in events/."""
    events = {}
    events["crc-valid.json"] = (crc_event(CRC_TOKEN, "crc-valid"), 200)
    events["crc-missing-token.json"] = (crc_event(None, "crc-missing-token"), 400)
    # A token that could be a JSON body (the CRC route must not sign those): '{"a":1}'.
    malformed = crc_event(None, "crc-malformed-token", raw_query="crc_token=%7B%22a%22%3A1%7D")
    events["crc-malformed-token.json"] = (malformed, 400)
    for kind in AAA_KINDS:
        name = f"delivery-aaa-{kind.replace('_', '-')}.json"
        events[name] = (signed_delivery_event(sample_bytes(f"aaa/{kind}"), name=name), 200)
    for event_type in XAA_TYPES:
        name = f"delivery-xaa-{event_type.replace('.', '-').replace('_', '-')}.json"
        events[name] = (signed_delivery_event(sample_bytes(f"xaa/{event_type}"), name=name), 200)
    favorite = sample_bytes("aaa/favorite")
    events["delivery-base64-encoded.json"] = (
        signed_delivery_event(favorite, base64_body=True, name="delivery-base64-encoded"),
        200,
    )
    events["delivery-unsigned.json"] = (delivery_event(favorite, None, name="delivery-unsigned"), 401)
    events["delivery-forged-signature.json"] = (
        signed_delivery_event(favorite, secret=FORGING_SECRET, name="delivery-forged-signature"),
        401,
    )
    post = sample_bytes("xaa/post.create")
    events["delivery-synthetic.json"] = (synthetic_delivery_event(post, name="delivery-synthetic"), 200)
    events["delivery-synthetic-bad-marker.json"] = (
        synthetic_delivery_event(post, marker_secret=FORGING_SECRET, name="delivery-synthetic-bad-marker"),
        401,
    )
    events["delivery-oversize.json"] = (signed_delivery_event(oversize_body(), name="delivery-oversize"), 413)
    events["delivery-invalid-json.json"] = (
        signed_delivery_event(b'{"for_user_id": "2244994945", "favorite_events": [', name="delivery-invalid-json"),
        400,
    )
    events["delivery-no-events.json"] = (signed_delivery_event(b"{}", name="delivery-no-events"), 400)
    for name, (path, query, cookies, status) in CONNECT_EVENTS.items():
        events[name] = (connect_event(path, query, cookies, name.removesuffix(".json")), status)
    return events


def expected_statuses():
    """{file name: status the handlers answer with the dev secret}."""
    return {name: status for name, (_, status) in build_events().items()}


def env_json(secret_id=DEV_SECRET_ID, queue_url=None, region="us-east-1", account="123456789012"):
    """`sam local invoke --env-vars` values: keys are the template's function logical ids."""
    queue_url = queue_url or f"https://sqs.{region}.amazonaws.com/{account}/{DEV_QUEUE_NAME}"
    return {
        "CrcFunction": {"CONSUMER_SECRET_ID": secret_id, "SECRET_CACHE_SECONDS": "300"},
        "IngestFunction": {
            "CONSUMER_SECRET_ID": secret_id,
            "SECRET_CACHE_SECONDS": "300",
            "EVENTS_QUEUE_URL": queue_url,
            "DEDUP_TABLE": "",
        },
    }


def render(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def rendered_files():
    """{file name: text} of everything this module writes into events/."""
    files = {name: render(event) for name, (event, _) in build_events().items()}
    files["env.json"] = render(env_json())
    return files


def write(directory=EVENTS_DIR):
    directory.mkdir(parents=True, exist_ok=True)
    files = rendered_files()
    for name, text in files.items():
        (directory / name).write_text(text)
    return sorted(files)


def drift(directory=EVENTS_DIR):
    """Names of files whose committed text differs from what `write` would produce."""
    return sorted(
        name
        for name, text in rendered_files().items()
        if not (directory / name).exists() or (directory / name).read_text() != text
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localdev.events", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report files that differ; write nothing")
    parser.add_argument("--env-json", action="store_true", help="print an env.json for sam local invoke")
    parser.add_argument("--queue-url", help="with --env-json: your events queue (e.g. the stack's EventsQueueUrl)")
    parser.add_argument("--secret-id", default=DEV_SECRET_ID, help="with --env-json: the consumer secret's name")
    args = parser.parse_args(argv)
    if args.env_json:
        sys.stdout.write(render(env_json(args.secret_id, args.queue_url)))
        return 0
    if args.check:
        stale = drift()
        for name in stale:
            sys.stdout.write(f"events/{name} differs from `python -m localdev.events`\n")
        return 1 if stale else 0
    for name in write():
        sys.stdout.write(f"events/{name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
