"""What the emulator sends to a webhook: the CRC GET and signed deliveries, as X sends them.

http.client rather than urllib: X does not follow redirects on a CRC (a 3XX invalidates the webhook), and
urllib would follow them silently.
"""

import base64
import hashlib
import hmac
import http.client
import json
import secrets
import ssl
from urllib.parse import quote, urlsplit

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
USER_AGENT = "xwebhook-x-emulator/1"

OK = "ok"  # 2XX with the right response_token
INVALID = "invalid"  # 2XX with a wrong token or body, 3XX, TLS error: invalid at once (v2 rule)
TRANSIENT = "transient"  # 4XX, 5XX, timeout, refused/closed connection: state kept


def hmac_sha256_b64(secret, message):
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


class CrcResult:
    __slots__ = ("outcome", "status", "detail", "kind", "token")

    def __init__(self, outcome, status, detail, kind, token):
        self.outcome = outcome
        self.status = status  # HTTP status, or None when there was no answer
        self.detail = detail  # what the CRC got, for error messages
        self.kind = kind  # ok | wrong_token | bad_body | redirect | http_error | timeout | connection | tls
        self.token = token

    def as_dict(self):
        return {"outcome": self.outcome, "status": self.status, "detail": self.detail, "kind": self.kind}


def _connection(url, timeout):
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout), parts
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), parts


def _target(parts, extra_query=""):
    target = parts.path or "/"
    query = "&".join(q for q in (parts.query, extra_query) if q)
    return f"{target}?{query}" if query else target


def new_crc_token():
    return secrets.token_urlsafe(32)


def run_crc(url, consumer_secret, timeout, token=None):
    """GET <url>?crc_token=<token> and classify the answer by X's v2 rules."""
    token = token or new_crc_token()
    expected = hmac_sha256_b64(consumer_secret, token.encode("ascii"))
    try:
        conn, parts = _connection(url, timeout)
        try:
            conn.request(
                "GET",
                _target(parts, "crc_token=" + quote(token, safe="")),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
            response = conn.getresponse()
            status = response.status
            body = response.read(65536)
        finally:
            conn.close()
    except ssl.SSLError as exc:
        return CrcResult(INVALID, None, f"TLS error: {exc}", "tls", token)
    except TimeoutError:
        return CrcResult(TRANSIENT, None, f"no answer within {timeout:g} s (timeout)", "timeout", token)
    except (OSError, http.client.HTTPException) as exc:
        return CrcResult(TRANSIENT, None, f"connection failed: {exc.__class__.__name__}: {exc}", "connection", token)

    if 300 <= status < 400:
        return CrcResult(INVALID, status, f"HTTP {status} (redirects are not followed)", "redirect", token)
    if not 200 <= status < 300:
        return CrcResult(TRANSIENT, status, f"HTTP {status}", "http_error", token)
    try:
        answer = json.loads(body)
        got = answer.get("response_token") if isinstance(answer, dict) else None
    except ValueError:
        answer, got = None, None
    if not isinstance(got, str):
        return CrcResult(INVALID, status, f"HTTP {status} without a JSON response_token", "bad_body", token)
    if not hmac.compare_digest(got.encode(), expected.encode()):
        return CrcResult(INVALID, status, f"HTTP {status} with a wrong response_token", "wrong_token", token)
    return CrcResult(OK, status, f"HTTP {status} with the correct response_token", "ok", token)


def post_signed(url, body, consumer_secret, timeout):
    """POST the exact `body` bytes, signed; the receiver's status, or 0 when it gave no HTTP answer."""
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: hmac_sha256_b64(consumer_secret, body),
        "User-Agent": USER_AGENT,
    }
    try:
        conn, parts = _connection(url, timeout)
        try:
            conn.request("POST", _target(parts), body=body, headers=headers)
            response = conn.getresponse()
            response.read(65536)
            return response.status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        return 0
