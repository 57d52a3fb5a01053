"""X's challenge-response check: answer `GET ?crc_token=T` with the HMAC of T under the consumer secret.

What a well-formed token is, and why it matters: this route is public, so whatever it signs, anyone
can have signed. The consumer secret also keys the signature on event deliveries, which is
HMAC-SHA256 over the raw body, a JSON object. A token that could be such a body would make this route
an oracle for forged deliveries. So a token is 1 to 1024 characters from the URL-safe and base64
alphabets (A-Z a-z 0-9 - _ . ~ + / =), which covers what X sends (UUIDs, base64 and base64url text)
and can never be a JSON object: no braces, quotes, colons or whitespace. OAuth 1.0a signatures,
the other use of the secret, are HMAC-SHA1 keyed with `secret&token_secret`, which this route cannot
produce. Anything else is a 400 with a reason; X treats a 4XX as a transient failure, never as a
wrong answer.
"""

from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.receive.signing import sign

MAX_TOKEN_LENGTH = 1024
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=")


class CrcAnswer:
    __slots__ = ("status", "body", "reason")

    def __init__(self, status, body, reason=""):
        self.status = status
        self.body = body
        self.reason = reason


def _error(status, reason):
    # Reasons are fixed texts without quotes or backslashes, so they embed in JSON as they are.
    return CrcAnswer(status, '{"error": "%s"}' % reason, reason)


def token_problem(token):
    """Why `token` is not a well-formed crc_token, or None when it is."""
    if token is None or token == "":
        return "crc_token query parameter is missing"
    if len(token) > MAX_TOKEN_LENGTH:
        return "crc_token is longer than 1024 characters"
    if not TOKEN_ALPHABET.issuperset(token):
        return "crc_token must be one value of letters, digits and - _ . ~ + / ="
    return None


def answer_crc(token, secret):
    """The HTTP answer to a CRC with `token`, signing with the CachedSecret `secret`."""
    problem = token_problem(token)
    if problem:
        return _error(400, problem)
    try:
        key = secret.get()
    except SecretUnavailable:
        # Never a 2XX without the real secret: a wrong 2XX invalidates the webhook at once,
        # a 5XX is transient.
        return _error(503, "consumer secret unavailable")
    return CrcAnswer(200, '{"response_token": "%s"}' % sign(key, token.encode("ascii")))
