"""The bad-input corpus (tests/corpus/*.json) over real HTTP to `make run`'s gateway: each hostile or broken
request gets its answer (status and JSON reason) and enqueues nothing it should not.

Requests are written byte by byte on a socket (repeated headers, chunked bodies, lying Content-Lengths and
made-up methods all reach the gateway as sent). The consumer secret is the stack's, so "valid" signatures
are what X would send. A case marked `pending` is an open finding: a strict xfail, so the
lead sees it pass (and removes the mark) once that branch is merged.
"""

import base64
import contextlib
import hmac
import json
import os
import socket
import time
from decimal import Decimal
from pathlib import Path

import pytest

from localdev.send import freshen
from tests.conftest import DEV_SECRET, sample
from xwebhook.receive.signing import sign

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SALT = f"{int(time.time()) % 10**8}{os.getpid() % 1000:03d}"
SIGNATURE_HEADER = "X-Twitter-Webhooks-Signature"


def load_cases():
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        cases.extend(json.loads(path.read_text())["cases"])
    return cases


CASES = load_cases()


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case["pending"])] if case.get("pending") else []
    return pytest.param(case, id=case["name"], marks=marks)


# --- building a request ----------------------------------------------------------------------------


def body_of(spec, salt):
    if spec is None:
        return b""
    if "sample" in spec:
        document = sample(spec["sample"])
        if spec.get("freshen"):
            document = freshen(document, salt)
        return json.dumps(document, separators=(",", ":")).encode()
    if "text" in spec:
        return spec["text"].replace("%SALT%", salt).encode("utf-8", "surrogatepass")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "json" in spec:
        return json.dumps(spec["json"], separators=(",", ":")).encode()
    repeat = spec["repeat"]
    prefix, suffix = repeat["prefix"].replace("%SALT%", salt), repeat["suffix"]
    if "close" in repeat:  # nesting: `length` openers, as many closers
        return (prefix + repeat["text"] * repeat["length"] + repeat["close"] * repeat["length"] + suffix).encode()
    filler = repeat["length"] - len(prefix) - len(suffix)
    return (prefix + repeat["text"] * filler + suffix).encode()


def signature_headers(kind, body, salt):
    valid = sign(DEV_SECRET.encode(), body)
    digest = hmac.digest(DEV_SECRET.encode(), body, "sha256")
    values = {
        "none": [],
        "empty": [(SIGNATURE_HEADER, "")],
        "valid": [(SIGNATURE_HEADER, valid)],
        "wrong-secret": [(SIGNATURE_HEADER, sign(b"not-the-consumer-secret", body))],
        "garbage": [(SIGNATURE_HEADER, "sha256=AAAA")],
        "no-prefix": [(SIGNATURE_HEADER, valid.removeprefix("sha256="))],
        "uppercase-prefix": [(SIGNATURE_HEADER, "SHA256=" + valid.removeprefix("sha256="))],
        "hex-digest": [(SIGNATURE_HEADER, "sha256=" + digest.hex())],
        "hmac-sha1": [
            (SIGNATURE_HEADER, "sha1=" + base64.b64encode(hmac.digest(DEV_SECRET.encode(), body, "sha1")).decode())
        ],
        "valid-and-wrong": [(SIGNATURE_HEADER, valid), (SIGNATURE_HEADER, sign(b"forged", body))],
        "valid-twice": [(SIGNATURE_HEADER, valid), (SIGNATURE_HEADER, valid)],
        "other-body": [(SIGNATURE_HEADER, sign(DEV_SECRET.encode(), body + b" "))],
        "valid-then-append-newline": [(SIGNATURE_HEADER, valid)],  # the body grows after signing (below)
        "lookalike-header": [(SIGNATURE_HEADER + "-256", valid)],
        "non-ascii": [(SIGNATURE_HEADER, "sha256=\u00e9\u00e9\u00e9")],
        "huge": [(SIGNATURE_HEADER, "sha256=" + "A" * 8192)],
    }
    return values[kind]


def raw_request(case, salt, host):
    """(request bytes, body as sent) for a corpus case."""
    request = case["request"]
    body = body_of(request.get("body"), salt)
    headers = [(name, value) for name, value in request.get("headers", [])]
    headers += signature_headers(request.get("signature", "none"), body, salt)
    if request.get("signature") == "valid-then-append-newline":
        body += b"\n"
    head = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {host}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers]
    if request.get("raw_chunks") is not None:
        head.append("Transfer-Encoding: chunked")
        payload = request["raw_chunks"].encode()
    elif request.get("chunked"):
        head.append("Transfer-Encoding: chunked")
        chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    elif request.get("content_length") is not None:
        head.append(f"Content-Length: {request['content_length']}")
        payload = b""
    else:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    return "\r\n".join(head).encode("utf-8") + b"\r\n\r\n" + payload, body


def send(port, data, timeout=60):
    """(status, headers {lower name: value}, body bytes) of one request on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(data)  # the gateway may answer (413) and close before reading a giant body
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


# --- checking the answer -----------------------------------------------------------------------------


def _sqs_refuses(text):
    """True when SQS would refuse `text` as a message body: it allows #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
    #x10000-#x10FFFF only (moto does not check)."""
    for ch in text:
        code = ord(ch)
        if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000):
            return True
    return False


def _decimal_json(data):
    return json.loads(data, parse_float=Decimal, parse_int=Decimal)


def _at(document, path):
    for key in path:
        document = document[key]
    return document


def problems_with(expect, status, headers, answer, messages, sent):
    """What is wrong with the answer, measured against one expectation (an empty list: it fits)."""
    problems = []
    if "status" in expect and status != expect["status"]:
        problems.append(f"status {status}, expected {expect['status']}")
    if "status_range" in expect and not expect["status_range"][0] <= status <= expect["status_range"][1]:
        problems.append(f"status {status}, expected {expect['status_range']}")
    document = None
    if answer:
        if not headers.get("content-type", "").startswith("application/json"):
            problems.append(f"content-type {headers.get('content-type')!r}, expected JSON")
        try:
            document = json.loads(answer)
        except ValueError:
            problems.append(f"the answer is not JSON: {answer[:100]!r}")
    if "json" in expect and document != expect["json"]:
        problems.append(f"answer {document!r}, expected {expect['json']!r}")
    for key in expect.get("json_keys", []):
        if not isinstance(document, dict) or not isinstance(document.get(key), str) or not document[key]:
            problems.append(f"answer {document!r} has no {key!r} reason")
    if "crc_answer_for" in expect:
        wanted = {"response_token": sign(DEV_SECRET.encode(), expect["crc_answer_for"].encode())}
        if document != wanted:
            problems.append(f"CRC answer {document!r}, expected {wanted!r}")
    if len(messages) != expect.get("enqueued", 0):
        problems.append(f"{len(messages)} message(s) enqueued, expected {expect.get('enqueued', 0)}")
    problems += [f"message {m['MessageId']} holds characters SQS refuses" for m in messages if _sqs_refuses(m["Body"])]
    if "stored_exactly" in expect and len(messages) == 1:
        stored = _decimal_json(messages[0]["Body"])["event"]
        original = _at(_decimal_json(sent.decode("utf-8", "surrogatepass")), expect["stored_exactly"])
        if stored != original:
            problems.append(f"stored {str(stored)[:200]}, sent {str(original)[:200]}")
    return problems


def test_the_corpus_is_large_and_covers_every_category():
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 40
    categories = {case["category"] for case in CASES}
    assert categories >= {"signature", "size", "encoding", "numbers", "structure", "content-type", "route", "crc"}
    for case in CASES:
        assert case["why"], case["name"]
        assert "expect" in case, case["name"]
        assert case["request"]["method"], case["name"]


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_a_hostile_request_gets_its_answer_and_enqueues_nothing_it_should_not(local_run, case):
    local_run.drain()
    port = int(local_run.state["gateway_url"].rsplit(":", 1)[1])
    salt = SALT + f"{CASES.index(case):03d}"
    data, sent = raw_request(case, salt, f"127.0.0.1:{port}")
    status, headers, answer = send(port, data)
    messages = local_run.drain()
    expect = case["expect"]
    options = expect.get("any_of", [expect])
    found = [problems_with(option, status, headers, answer, messages, sent) for option in options]
    assert any(not problems for problems in found), f"{case['name']}: {status} {answer[:300]!r}: {found}"
    # never a 5xx for a request X could not have sent, nor for one it will send again and again
    assert status < 500, f"{case['name']}: {status}"
