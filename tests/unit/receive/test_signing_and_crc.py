"""CRC answers and signatures: X's test vector, the token rules, and the 503 rule."""

import json

import pytest

from tests.fakes import StaticSecret
from xwebhook.credentials.cache import CachedSecret
from xwebhook.credentials.consumer_secret import consumer_secret_from_value
from xwebhook.receive.crc import FAILURES, MAX_TOKEN_LENGTH, BadToken, CrcAnswer, answer_crc, token_problem
from xwebhook.receive.signing import hmac_sha256, sign, verify_signature


def answered(token, secret):
    """What the crc handler answers (functions/crc/app.py): the answer, or the failure by FAILURES."""
    try:
        return answer_crc(token, secret)
    except Exception as exc:
        return CrcAnswer.failed(exc, FAILURES)


VECTOR = ("my_consumer_secret", "challenge_string", "sha256=xHgZcz09m35qwbyhR9BRzhnX8yXbAZpOn2dqCPp6Enw=")


def test_sign_matches_the_documented_test_vector():
    secret, token, expected = VECTOR
    assert sign(secret.encode(), token.encode()) == expected


def test_crc_answer_for_the_test_vector_is_json_with_the_prefixed_token():
    secret, token, expected = VECTOR
    answer = answer_crc(token, StaticSecret(secret.encode()))
    assert answer.status == 200
    assert json.loads(answer.body) == {"response_token": expected}


@pytest.mark.parametrize(
    "token",
    [
        "9b4507b3-9040-4669-9ca3-6b94edb50553",  # UUID, as in X's examples
        "NjQ3ZjE0YjktYzBlNy00Y2FlLWE4OTQtMGE1NjdlM2Y1ZDQ3",  # base64
        "ab+/cd==",
        "a_b-c.d~e",
        "x",
        "A" * MAX_TOKEN_LENGTH,
    ],
)
def test_well_formed_tokens_are_answered(token):
    answer = answer_crc(token, StaticSecret())
    assert answer.status == 200
    assert json.loads(answer.body)["response_token"] == sign(b"dev-consumer-secret", token.encode())


@pytest.mark.parametrize(
    ("token", "reason_fragment"),
    [
        (None, "missing"),
        ("", "missing"),
        ("A" * (MAX_TOKEN_LENGTH + 1), "longer"),
        ('{"for_user_id":"1","favorite_events":[]}', "one value"),  # would sign a forged delivery
        ("{}", "one value"),
        ("abc def", "one value"),
        ("abc,def", "one value"),  # repeated crc_token parameters arrive comma-joined
        ("tok\n", "one value"),
        ("tök", "one value"),
        ('"quoted"', "one value"),
    ],
)
def test_malformed_or_missing_tokens_get_400_with_a_json_reason(token, reason_fragment):
    secret = StaticSecret()
    with pytest.raises(BadToken):
        answer_crc(token, secret)
    answer = answered(token, secret)
    assert answer.status == 400
    assert reason_fragment in json.loads(answer.body)["error"]


def test_no_accepted_token_can_be_a_json_object_body():
    # The property the token rules exist for: the route never signs something ingest would accept.
    for candidate in ["{", " {", "\t{}", "[{}]"]:
        assert token_problem(candidate) is not None


def test_unreadable_secret_gives_503_never_a_token():
    answer = answered("challenge_string", StaticSecret(available=False))
    assert answer.status == 503
    assert "response_token" not in answer.body
    assert json.loads(answer.body)["error"] == "consumer secret unavailable"


def test_unconfigured_empty_secret_gives_503():
    answer = answered("challenge_string", CachedSecret(lambda: "  ", ttl_seconds=60, parse=consumer_secret_from_value))
    assert answer.status == 503


def test_verify_signature_accepts_only_the_exact_body():
    body = b'{"for_user_id":"1","favorite_events":[{"id":"a"}]}'
    header = sign(b"s3cret", body)
    assert verify_signature(b"s3cret", body, header)
    assert verify_signature(b"s3cret", body, header + " ")  # trailing space from a proxy
    assert not verify_signature(b"s3cret", body + b" ", header)
    assert not verify_signature(b"other", body, header)
    assert not verify_signature(b"s3cret", body, header.removeprefix("sha256="))
    assert not verify_signature(b"s3cret", body, "")
    assert not verify_signature(b"s3cret", body, None)
    assert not verify_signature(b"s3cret", body, "sha256=ünïcode")


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
@pytest.mark.parametrize("message_length", [0, 1, 55, 56, 64, 1000, 100_000])
def test_hmac_sha256_equals_the_standard_library(key_length, message_length):
    import hmac
    import os

    key, message = os.urandom(key_length), os.urandom(message_length)
    assert hmac_sha256(key, message) == hmac.digest(key, message, "sha256")


def test_hmac_sha256_rfc4231_case_2():
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert hmac_sha256(b"Jefe", b"what do ya want for nothing?").hex() == expected
