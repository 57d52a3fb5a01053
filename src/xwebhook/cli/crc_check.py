"""`xwebhook crc-check URL`: X's Challenge-Response Check, run as X runs it, with the cause of a failure named.

X sends `GET <url>?crc_token=<random>` and wants, within 3 seconds, a 200 whose JSON body is
`{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, token)>"}`. X does not follow redirects
and needs a valid TLS certificate. Each failure is reported as a cause with a code scripts can match:

  unreachable   no HTTP answer (connection refused, DNS, reset)
  tls           the TLS handshake or the certificate failed
  timeout       no answer within the check's timeout
  redirect      a 3xx: X does not follow it
  status        another status than 200
  not-json      the body is not a JSON object
  no-token      the JSON has no response_token string
  no-prefix     the token lacks the `sha256=` prefix (the HMAC itself may be right: said so)
  bad-format    after the prefix, not the base64 of a 32-byte digest (e.g. a hex digest: said so)
  wrong-secret  well formed, but not the HMAC of the token with the consumer secret given
  slow          answered, but later than X's 3 s
"""

import base64
import binascii
import http.client
import json
import secrets
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field

from xwebhook.receive.signing import sign

X_DEADLINE_SECONDS = 3.0
PREFIX = "sha256="


@dataclass
class CrcReport:
    url: str
    token: str
    status: int | None = None
    latency_ms: float | None = None
    answer: str = ""
    verified: bool = False  # the token was checked against a secret
    causes: list = field(default_factory=list)  # [(code, detail)]
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.causes

    def cause(self, code, detail):
        self.causes.append((code, detail))

    def as_dict(self):
        return {
            "url": self.url,
            "ok": self.ok,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "deadline_ms": X_DEADLINE_SECONDS * 1000,
            "verified_against_secret": self.verified,
            "causes": [{"code": code, "detail": detail} for code, detail in self.causes],
            "notes": list(self.notes),
            "answer": self.answer,
        }


def _request(url, token, timeout, context):
    parsed = urllib.parse.urlsplit(url)
    query = parsed.query + ("&" if parsed.query else "") + "crc_token=" + urllib.parse.quote(token, safe="")
    target = (parsed.path or "/") + "?" + query
    if parsed.scheme == "https":
        connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        connection.request("GET", target, headers={"User-Agent": "xwebhook-crc-check"})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location"), answer.read(65536).decode("utf-8", "replace")
    finally:
        connection.close()


def check_crc(url, secret=None, timeout=10.0, ssl_context=None, token=None, deadline=X_DEADLINE_SECONDS):
    """Run one CRC against `url`; `secret` (str) lets the answer be verified. Returns a CrcReport.

    `deadline` is X's (3 s); tests shorten it."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    report = CrcReport(url, token or secrets.token_urlsafe(32))
    if parsed.scheme != "https" or parsed.port:
        report.notes.append("X registers only https URLs without a port; fine for a local check")
    context = ssl_context or ssl.create_default_context()
    started = time.perf_counter()
    try:
        status, location, body = _request(url, report.token, timeout, context)
    except ssl.SSLError as exc:
        report.cause("tls", f"TLS failed: {getattr(exc, 'verify_message', None) or exc.reason or exc}")
        return report
    except TimeoutError:
        report.cause("timeout", f"no answer within {timeout:g} s; X gives up after {X_DEADLINE_SECONDS:g} s")
        return report
    except (OSError, http.client.HTTPException) as exc:
        report.cause("unreachable", f"no HTTP answer: {exc.__class__.__name__}: {exc}")
        return report
    report.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    report.status, report.answer = status, body[:500]
    _check_answer(report, status, location, body, secret)
    if report.latency_ms > deadline * 1000:
        report.cause("slow", f"answered in {report.latency_ms:.0f} ms; X gives up after {deadline:g} s")
    return report


def _check_answer(report, status, location, body, secret):
    if 300 <= status < 400:
        report.cause("redirect", f"answered {status} to {location or '(no Location)'}; X does not follow redirects")
        return
    if status != 200:
        report.cause("status", f"answered {status}; X needs 200")
        return
    try:
        document = json.loads(body)
    except ValueError:
        report.cause("not-json", f"the body is not JSON: {body[:80]!r}")
        return
    value = document.get("response_token") if isinstance(document, dict) else None
    if not isinstance(value, str):
        report.cause("no-token", 'the JSON has no "response_token" string')
        return
    expected = sign(secret.encode(), report.token.encode()) if secret else None
    report.verified = expected is not None
    if not value.startswith(PREFIX):
        right = expected is not None and PREFIX + value == expected
        report.cause(
            "no-prefix", "the token lacks the sha256= prefix" + (" (the HMAC itself is right)" if right else "")
        )
        return
    digest = value[len(PREFIX) :]
    try:
        raw = base64.b64decode(digest, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        hex_right = expected is not None and digest.lower() == base64.b64decode(expected[len(PREFIX) :]).hex()
        detail = "a hex digest where X wants base64" if hex_right else "not the base64 of a 32-byte HMAC-SHA256"
        report.cause("bad-format", f"after sha256=: {detail}")
        return
    if expected is not None and value != expected:
        report.cause("wrong-secret", "well formed, but not the HMAC of the token with the consumer secret given")
    if expected is None:
        report.notes.append("not verified: no consumer secret (give --secret, X_CONSUMER_SECRET or a stack)")
