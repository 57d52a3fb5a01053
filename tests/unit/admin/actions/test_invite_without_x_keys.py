"""An invite made while the stack lacks the X keys a sign-in needs (`make run` without the emulator, a deployed
stack whose credentials secret is not filled yet): it is made, and its answer says why its link cannot start a
sign-in yet, so the operator hears it before an account owner opens a 503 page (cli/summaries.py says what to do)."""

import json

from tests.unit.connect.conftest import CONSUMER_SECRET, CREDENTIALS
from xwebhook.credentials.x_credentials import CredentialsError, parse_credentials


def without(*keys):
    document = {key: value for key, value in json.loads(CREDENTIALS).items() if key not in keys}
    credentials = parse_credentials(json.dumps(document), CONSUMER_SECRET)
    return lambda: credentials


def test_an_invite_with_every_key_in_place_names_no_problem(admin):
    result = admin.handle({"action": "invite"})
    assert result["ok"] is True
    assert "sign_in_problem" not in result


def test_an_invite_without_the_oauth2_client_names_the_keys_and_the_sign_in_they_are_for(admin):
    admin.credentials = without("oauth2_client_id", "oauth2_client_secret")
    result = admin.handle({"action": "invite"})
    assert result["ok"] is True  # made all the same: the keys may be set before the link is opened
    assert result["sign_in_problem"] == (
        "the X credentials secret has no oauth2_client_id, oauth2_client_secret (OAuth 2.0 sign-in)"
    )


def test_each_offered_flow_missing_a_key_is_named(admin):
    admin.credentials = without("oauth2_client_id", "consumer_key")
    result = admin.handle({"action": "invite"})
    assert result["sign_in_problem"] == (
        "the X credentials secret has no oauth2_client_id (OAuth 2.0 sign-in); no consumer_key (OAuth 1.0a sign-in)"
    )


def test_a_flow_the_invite_does_not_offer_needs_no_key(admin):
    admin.credentials = without("consumer_key")
    assert "sign_in_problem" not in admin.handle({"action": "invite", "flows": ["oauth2"]})


def test_an_unreadable_credentials_secret_is_the_problem_named(admin):
    def unreadable():
        raise CredentialsError("cannot read the X credentials secret: secrets extension answered 400: no value")

    admin.credentials = unreadable
    result = admin.handle({"action": "invite"})
    assert result["sign_in_problem"] == "cannot read the X credentials secret: secrets extension answered 400: no value"
