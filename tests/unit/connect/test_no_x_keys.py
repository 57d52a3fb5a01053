"""The page an account owner sees when the stack has no X keys for the sign-in yet: it says why and who can fix
it (503: the owner may try again once the keys are set), and its log line names the missing key."""

import json

from tests.unit.connect.conftest import CONSUMER_SECRET, CREDENTIALS
from xwebhook.connect.failures import failure, raised
from xwebhook.credentials.x_credentials import CredentialsError, MissingCredential, parse_credentials


def test_a_sign_in_without_the_oauth2_client_id_is_the_no_x_keys_page(world, monkeypatch):
    document = {k: v for k, v in json.loads(CREDENTIALS).items() if k != "oauth2_client_id"}
    credentials = parse_credentials(json.dumps(document), CONSUMER_SECRET)
    monkeypatch.setattr(world.flow, "_credentials", lambda: credentials)

    answer = world.browser().start(invite=world.invite())

    assert (answer.status, answer.log["outcome"]) == (503, "no_x_keys")
    assert "This app cannot send you to X yet" in answer.body
    assert "oauth2_client_id" in answer.log["detail"]
    assert "oauth2_client_id" not in answer.body


def test_the_page_says_who_can_fix_it_and_how_locally():
    shown = failure("no_x_keys")
    assert "Tell the app's owner" in shown.advice
    assert "make run X_EMULATOR=1" in shown.advice


def test_a_key_missing_is_no_x_keys_and_a_secret_unreadable_is_still_misconfigured():
    assert raised(MissingCredential("the X credentials secret has no oauth2_client_id")) == "no_x_keys"
    assert raised(CredentialsError("cannot read the X credentials secret: timeout")) == "misconfigured"
