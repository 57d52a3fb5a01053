"""X's HMAC-SHA256 signatures: the CRC response token and the signature on every delivery.

Both are `sha256=` + base64(HMAC-SHA256(key=consumer secret, message)).

Why HMAC is spelled out here (RFC 2104) instead of `hmac.digest`: this runs in the crc function's
first call after a cold start, which X times. The `hmac` module loads OpenSSL (`_hashlib`), ~7 ms on
a 2-core machine; CPython's built-in SHA-256 (`_sha2`) loads in under 1 ms. tests/unit checks this
against `hmac.digest` for keys and messages of every length class. binascii rather than base64 for
the same reason (base64 imports re, ~12 ms).
"""

import binascii

try:
    from _sha2 import sha256  # CPython 3.12+: HACL* SHA-256, built in
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import sha256

PREFIX = "sha256="
_BLOCK = 64
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


def hmac_sha256(key, message):
    """HMAC-SHA256(key, message) as bytes, per RFC 2104."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_INNER_PAD))
    inner.update(message)
    return sha256(key.translate(_OUTER_PAD) + inner.digest()).digest()


def sign(secret, message):
    """`sha256=<base64 HMAC-SHA256(secret, message)>` for bytes `secret` and `message`."""
    return PREFIX + binascii.b2a_base64(hmac_sha256(secret, message), newline=False).decode("ascii")


def verify_signature(secret, body, header):
    """True when `header` is the signature of the raw `body` bytes; compared in constant time.

    Ingest only, off the crc cold path: OpenSSL's HMAC here is ~4x faster than hmac_sha256 on a
    4 KB body (5.6 us against 23 us), and the import is paid once per ingest container.
    """
    global _hmac
    if _hmac is None:
        import hmac as _hmac
    if not header:
        return False
    expected = b"sha256=" + binascii.b2a_base64(_hmac.digest(secret, body, "sha256"), newline=False)
    return _hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


_hmac = None  # the hmac module, loaded at ingest's first verification (crc never loads it)
