"""X's HMAC-SHA256 signatures: the CRC response token and the signature on every delivery.

Both are `sha256=` + base64(HMAC-SHA256(key=consumer secret, message)). binascii rather than base64:
the base64 module imports re, ~12 ms on a cold start of the crc function.
"""

import binascii
import hmac

PREFIX = "sha256="


def sign(secret, message):
    """`sha256=<base64 HMAC-SHA256(secret, message)>` for bytes `secret` and `message`."""
    digest = hmac.digest(secret, message, "sha256")
    return PREFIX + binascii.b2a_base64(digest, newline=False).decode("ascii")


def verify_signature(secret, body, header):
    """True when `header` is the signature of the raw `body` bytes; compared in constant time."""
    if not header:
        return False
    expected = sign(secret, body).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))
