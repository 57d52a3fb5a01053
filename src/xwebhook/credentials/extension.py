"""Client of the AWS Parameters and Secrets Lambda Extension, the cache AWS runs beside the function.

The extension answers `GET http://localhost:<port>/secretsmanager/get?secretId=<id>` (header
`X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN`) with Secrets Manager's GetSecretValue JSON.

Why this is written against `_socket` and `_json` rather than boto3, urllib or http.client: it runs
inside the crc function's first call after a cold start, which X times. On a 2-core machine boto3
costs ~360 ms to import, http.client ~30 ms (it pulls in ssl and email), `socket` and `json` ~12 ms
each (enum, re); `_socket` and `_json` are the C modules those wrap and cost under 1 ms each. The
request is a one-shot HTTP/1.0 GET to localhost, so the protocol is small enough to speak directly.
bench/cold.py measures the result.
"""

import os

MAX_RESPONSE_BYTES = 1024 * 1024
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


class SecretUnavailable(Exception):
    """The secret could not be read. The message says why, and never holds a secret value."""


def _quote(text):
    return "".join(chr(b) if b in _UNRESERVED else "%%%02X" % b for b in text.encode())


class _JsonContext:
    """The attributes `_json.make_scanner` reads; the same defaults json.loads uses."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float
    memo = {}


def parse_json(text):
    """Parse a JSON document with the C scanner json itself uses, without importing json (and re)."""
    try:
        import _json

        scanner = _json.make_scanner(_JsonContext())
        value, end = scanner(text, 0)
    except ImportError:  # an interpreter without the C accelerator
        import json

        return json.loads(text)
    except StopIteration:
        raise ValueError("not a JSON document") from None
    if text[end:].strip(" \t\r\n"):
        raise ValueError("extra data after the JSON document")
    return value


def _http_get(port, path, token, timeout):
    import _socket

    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        request = f"GET {path} HTTP/1.0\r\nHost: localhost:{port}\r\nX-Aws-Parameters-Secrets-Token: {token}\r\n\r\n"
        sock.sendall(request.encode())
        chunks, size = [], 0
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise SecretUnavailable("secrets extension answered more than 1 MiB")
            chunks.append(chunk)
    except OSError as exc:  # refused, reset, timed out
        raise SecretUnavailable(f"secrets extension on port {port} not reachable ({exc.__class__.__name__})") from None
    finally:
        sock.close()
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise SecretUnavailable("secrets extension gave no HTTP status")
    return int(status_line[1]), body


def fetch_secret_string(secret_id, port=2773, token=None, timeout=2.0):
    """Return the SecretString of `secret_id` (a name or ARN) as the extension serves it."""
    if token is None:
        token = os.environ.get("AWS_SESSION_TOKEN", "")
    status, body = _http_get(port, "/secretsmanager/get?secretId=" + _quote(secret_id), token, timeout)
    if status != 200:
        # Error bodies carry the AWS error (AccessDenied, ResourceNotFound), never a secret value.
        reason = body[:200].decode("utf-8", "replace").strip()
        raise SecretUnavailable(f"secrets extension answered {status}: {reason}")
    try:
        document = parse_json(body.decode())
        value = document["SecretString"]
    except (ValueError, UnicodeDecodeError, TypeError, KeyError):
        raise SecretUnavailable("secrets extension answer holds no SecretString") from None
    if not isinstance(value, str):
        raise SecretUnavailable("secrets extension answer holds no SecretString")
    return value
