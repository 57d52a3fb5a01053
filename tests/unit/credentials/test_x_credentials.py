"""The X credentials secret (credentials/x_credentials.py): parsing, owner id, caching, no leaks."""

import pytest

from tests.fakes import Clock
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.credentials.x_credentials import (
    CredentialsError,
    CredentialSource,
    parse_credentials,
    user_id_from_access_token,
)

FULL = """{"consumer_key": "ck", "bearer_token": "bt", "access_token": "2244994945-abc",
 "access_token_secret": "ats", "users": {"783214": {"access_token": "783214-t", "access_token_secret": "s"}}}"""


def test_credentials_parse_with_owner_id_from_the_token_prefix():
    credentials = parse_credentials(FULL, "cs")
    assert credentials.owner.user_id == "2244994945"
    assert credentials.configured_user_ids() == ["2244994945", "783214"]
    assert credentials.user_tokens("783214").access_token == "783214-t"
    assert credentials.user_tokens("2244994945") is credentials.owner


def test_explicit_owner_user_id_wins():
    text = FULL.replace('"consumer_key"', '"owner_user_id": "42", "consumer_key"')
    assert parse_credentials(text, "cs").owner.user_id == "42"


@pytest.mark.parametrize(
    ("token", "user_id"),
    [("12-abc", "12"), ("abc-12", None), ("1234", None), ("", None), ("١٢-abc", None), ("²-abc", None)],
)
def test_user_id_from_access_token(token, user_id):
    assert user_id_from_access_token(token) == user_id


def test_an_owner_user_id_that_is_no_x_id_is_refused_by_key():
    text = FULL.replace('"consumer_key"', '"owner_user_id": "../42", "consumer_key"')
    with pytest.raises(CredentialsError) as caught:
        parse_credentials(text, "cs")
    assert str(caught.value) == "the X credentials secret's owner_user_id must be an X user id (1 to 19 digits 0-9)"


def test_reprs_hold_no_secret_values():
    text = repr(parse_credentials(FULL, "the-consumer-secret"))
    for secret in ("the-consumer-secret", "bt", "2244994945-abc", "ats", "783214-t"):
        assert f"'{secret}'" not in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "the X credentials secret is not valid JSON"),
        ("[1]", "must be a JSON object"),
        ('{"access_token": "1-a"}', "needs both access_token and access_token_secret"),
        ('{"bearer_token": 5}', "bearer_token must be a string"),
        ('{"users": {"abc": {}}}', "users keys must be X user ids (1 to 19 digits 0-9)"),
        ('{"users": {"12": {"access_token": "12-a"}}}', "users.12 must hold access_token and access_token_secret"),
        ('{"users": []}', "users must be an object"),
    ],
)
def test_bad_credentials_name_the_key_not_the_value(text, message):
    with pytest.raises(CredentialsError) as caught:
        parse_credentials(text, "cs")
    assert message in str(caught.value)
    assert "1-a" not in str(caught.value)


def test_missing_values_are_named_when_an_endpoint_needs_them():
    credentials = parse_credentials('{"consumer_key": "ck"}', "cs")
    with pytest.raises(CredentialsError, match="has no bearer_token"):
        credentials.require("bearer_token")
    with pytest.raises(CredentialsError, match="the app owner's tokens"):
        credentials.owner_tokens()
    assert credentials.configured_user_ids() == []


def test_source_reads_both_secrets_once_per_ttl():
    clock = Clock(0.0)
    reads = []

    def fetch(name, value):
        def read():
            reads.append(name)
            return value

        return read

    source = CredentialSource(
        fetch("credentials", FULL), fetch("consumer", '{"consumer_secret": "cs"}'), 300, clock=clock
    )
    assert source.get().consumer_secret == "cs"
    assert source.get() is source.get()
    assert reads == ["consumer", "credentials"]
    clock.now = 301.0
    source.get()
    assert reads == ["consumer", "credentials", "consumer", "credentials"]


def test_source_reports_unreadable_secrets_and_caches_no_failure():
    def down():
        raise SecretUnavailable("secrets extension on port 2773 not reachable (ConnectionRefusedError)")

    source = CredentialSource(lambda: FULL, down)
    with pytest.raises(CredentialsError, match="cannot read the consumer secret: secrets extension on port 2773"):
        source.get()
    source = CredentialSource(down, lambda: "cs")
    with pytest.raises(CredentialsError, match="cannot read the X credentials secret"):
        source.get()
    source = CredentialSource(lambda: FULL, lambda: "")
    with pytest.raises(CredentialsError, match="not configured"):
        source.get()
