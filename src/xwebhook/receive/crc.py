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
from xwebhook.http_api import failure_answer
from xwebhook.receive.signing import sign

MAX_TOKEN_LENGTH = 1024
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=")


class BadToken(ValueError):
    """A crc_token that is not 1 to 1024 characters of TOKEN_ALPHABET; the text names the rule (never the token)."""


# What the crc function answers for each failure: its one table (functions/crc/app.py reads it; rows as in
# http_api.failure_answer). Never a 2XX without the real secret: a wrong 2XX invalidates the webhook at
# once, a 5XX is transient.
FAILURES = (
    (BadToken, 400, None),
    (SecretUnavailable, 503, "consumer secret unavailable"),
)


class CrcAnswer:
    __slots__ = ("status", "body", "reason", "detail")

    def __init__(self, status, body, reason="", detail=""):
        self.status = status
        self.body = body
        self.reason = reason  # told to the caller
        self.detail = detail  # logged only

    @classmethod
    def failed(cls, failure, table):
        """The answer to a CRC that raised `failure`, by `table` (FAILURES: the handler's)."""
        status, reason, detail = failure_answer(failure, table)
        # Reasons are fixed texts without quotes or backslashes, so they embed in JSON as they are.
        return cls(status, '{"error": "%s"}' % reason, reason, detail)


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
    """The 200 answer to a CRC with `token`, signed with the CachedSecret `secret`. Raises BadToken, or
    SecretUnavailable when the secret cannot be read (FAILURES says what each answers)."""
    problem = token_problem(token)
    if problem:
        raise BadToken(problem)
    return CrcAnswer(200, '{"response_token": "%s"}' % sign(secret.get(), token.encode("ascii")))
