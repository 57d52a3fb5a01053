"""Synthetic deliveries: signed test deliveries (`xwebhook doctor` sends one) that take ingest's whole path and
whose messages are marked, so consumers can skip them (docs/messages.md "Synthetic messages").

The marker is a header, `x-xwebhook-synthetic: sha256=<base64 HMAC-SHA256(consumer secret, DOMAIN + body)>`,
beside X's signature of the same body. X never sends it. Only a holder of the consumer secret can make it,
and it is bound to the body, so nobody can turn one of X's deliveries into a "synthetic" one that consumers
would skip: a marker that does not match is a 401 and nothing is enqueued (a real event is never hidden).
DOMAIN keeps the marker of a body from ever being X's signature of another: X signs JSON objects, which
start with `{`, never with DOMAIN.

Each message of a marked delivery gets
  - the message attribute `synthetic` = "true" (SNS-style filters, EventBridge Pipes, your code), and
  - the body field `"synthetic": true` (Lambda's SQS event filtering reads only the body:
    `{"body": {"synthetic": [{"exists": false}]}}` drops them before your function sees them).
Messages of X's deliveries have neither.

Imported only when a delivery carries the header: ingest's cold start and hot path do not load this module.
"""

import binascii

from xwebhook.receive.settings import SYNTHETIC_HEADER as HEADER  # noqa: F401 - the senders' name for it
from xwebhook.receive.signing import PREFIX, hmac_sha256

DOMAIN = b"xwebhook-synthetic\n"
ATTRIBUTE = "synthetic"
ATTRIBUTE_VALUE = {"DataType": "String", "StringValue": "true"}
# What SQS counts for the attribute towards a message's size: its name, data type and value.
ATTRIBUTE_BYTES = len(ATTRIBUTE) + len("String") + len("true")
_BODY_TAIL = ',"synthetic":true}'


def marker(secret, body):
    """The header's value for `body` (bytes) under the consumer secret (bytes or text)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return PREFIX + binascii.b2a_base64(hmac_sha256(key, DOMAIN + body), newline=False).decode("ascii")


def marker_matches(secret, body, header):
    """True when `header` is the marker of the raw `body` bytes under `secret`; compared in constant time."""
    import hmac

    if not header:
        return False
    expected = b"sha256=" + binascii.b2a_base64(hmac.digest(secret, DOMAIN + body, "sha256"), newline=False)
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def mark(messages):
    """Add the body field to each message (a JSON object's text: its closing brace is the last character) and
    count the field and the attribute in its size, so that the publisher's size check covers both."""
    for message in messages:
        message.body = message.body[:-1] + _BODY_TAIL
        message.size += len(_BODY_TAIL) - 1 + ATTRIBUTE_BYTES


def mark_entries(batches):
    """The `synthetic` attribute on each SendMessageBatch entry (each gets its own attributes: the publisher
    shares one dict between the messages of a type and account)."""
    for batch in batches:
        for entry in batch:
            entry["MessageAttributes"] = {**entry["MessageAttributes"], ATTRIBUTE: ATTRIBUTE_VALUE}
