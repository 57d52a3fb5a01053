"""The X emulator's sign-in side (localdev/x_emulator/oauth.py), over HTTP as a client sees it: the other
tests trust it to refuse what X refuses."""

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1

from localdev.x_emulator import XEmulator
from xwebhook.x_api.authorize import new_pkce, oauth2_url


class _Http(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", 5)
        return super().request(*args, **kwargs)


HTTP = _Http()
CLIENT = ("emu-client", "emu-client-secret")
CALLBACK = "https://app.example/connect/callback"
ALICE = "1500000001"


@pytest.fixture
def emu():
    options = {"client_id": CLIENT[0], "client_secret": CLIENT[1], "callbacks": {CALLBACK}}
    with XEmulator(consumer_key="ck", consumer_secret="cs", bearer_token="bt", oauth_options=options) as emulator:
        yield emulator


def basic(client=CLIENT):
    return {"Authorization": "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()}


def authorize2(emu, scopes=("tweet.read", "users.read", "offline.access"), decision="authorize", **changes):
    """Through the OAuth 2.0 authorize page: the redirect's query, and the PKCE verifier."""
    verifier, challenge = new_pkce()
    url = oauth2_url(emu.base_url, CLIENT[0], CALLBACK, scopes, "st-1", challenge)
    for name, value in changes.items():
        url = re.sub(rf"{name}=[^&]*", f"{name}={value}", url)
    page = HTTP.get(url, allow_redirects=False, timeout=5)
    if page.status_code != 200:
        return page, verifier
    request_id = re.search(r"name='request' value='([^']+)'", page.text).group(1)
    answer = HTTP.post(
        emu.base_url + "/i/oauth2/authorize/decide",
        data={"request": request_id, "user_id": ALICE, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    return answer, verifier


def query(answer):
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def exchange(emu, code, verifier, redirect_uri=CALLBACK, client=CLIENT):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    return HTTP.post(emu.base_url + "/2/oauth2/token", data=form, headers=basic(client), timeout=5)


def tokens(emu, scopes=("tweet.read", "users.read", "offline.access")):
    answer, verifier = authorize2(emu, scopes)
    return exchange(emu, query(answer)["code"], verifier).json()


def refresh(emu, refresh_token):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return HTTP.post(emu.base_url + "/2/oauth2/token", data=form, headers=basic(), timeout=5)


def test_authorize_then_exchange_with_pkce_gives_a_working_pair(emu):
    answer, verifier = authorize2(emu)
    assert answer.status_code == 302
    assert query(answer)["state"] == "st-1"
    got = exchange(emu, query(answer)["code"], verifier).json()
    assert got["token_type"] == "bearer"
    assert got["expires_in"] == 7200
    assert got["refresh_token"]
    me = HTTP.get(emu.base_url + "/2/users/me", headers={"Authorization": f"Bearer {got['access_token']}"})
    assert me.json()["data"] == {"id": ALICE, "name": "Alice Dev", "username": "alice_dev"}


def test_cancel_redirects_with_access_denied_and_the_state(emu):
    answer, _ = authorize2(emu, decision="cancel")
    assert query(answer) == {"error": "access_denied", "state": "st-1"}


def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(emu):
    answer, _ = authorize2(emu, redirect_uri="https%3A%2F%2Fevil.example%2Fcb")
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_a_wrong_verifier_a_reused_code_an_expired_code_and_a_bad_client_are_refused(emu):
    answer, verifier = authorize2(emu)
    code = query(answer)["code"]
    assert exchange(emu, code, "x" * 64).json()["error"] == "invalid_grant"
    assert exchange(emu, code, verifier).json()["error"] == "invalid_grant"  # a code works once, answered or not
    answer, verifier = authorize2(emu)
    emu.advance_clock(31)
    assert exchange(emu, query(answer)["code"], verifier).json()["error"] == "invalid_grant"
    answer, verifier = authorize2(emu)
    refused = exchange(emu, query(answer)["code"], verifier, client=(CLIENT[0], "wrong"))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_a_plain_pkce_method_or_an_unknown_scope_is_invalid_request(emu):
    answer, _ = authorize2(emu, code_challenge_method="plain")
    assert query(answer)["error"] == "invalid_request"
    answer, _ = authorize2(emu, scopes=("tweet.read", "telepathy.read"))
    assert query(answer)["error"] == "invalid_request"
    assert "telepathy.read" in query(answer)["error_description"]


def test_refresh_rotates_and_a_spent_token_is_dead(emu):
    first = tokens(emu)
    second = refresh(emu, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    again = refresh(emu, first["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert refresh(emu, second["refresh_token"]).status_code == 200  # the chain lives on


def test_with_reuse_killing_the_chain_a_spent_token_ends_every_token_of_it(emu):
    emu.oauth.reuse_revokes_chain = True
    first = tokens(emu)
    second = refresh(emu, first["refresh_token"]).json()
    refresh(emu, first["refresh_token"])
    assert refresh(emu, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert emu.oauth.user_bearer(second["access_token"]) is None


def test_without_offline_access_there_is_no_refresh_token(emu):
    assert "refresh_token" not in tokens(emu, scopes=("tweet.read", "users.read"))


def test_revoke_ends_a_token(emu):
    got = tokens(emu)
    answer = HTTP.post(emu.base_url + "/2/oauth2/revoke", data={"token": got["access_token"]}, headers=basic())
    assert answer.json() == {"revoked": True}
    me = HTTP.get(emu.base_url + "/2/users/me", headers={"Authorization": f"Bearer {got['access_token']}"})
    assert me.status_code == 401


def test_user_tokens_need_their_scope_their_own_user_and_no_bearer_for_private_types_in_strict_mode(emu):
    webhook = emu.add_webhook("https://app.example/webhook")
    got = tokens(emu, scopes=("tweet.read", "users.read", "offline.access"))
    user = {"Authorization": f"Bearer {got['access_token']}"}

    def create(event_type, user_id, headers):
        body = {"event_type": event_type, "filter": {"user_id": user_id}, "webhook_id": webhook["id"]}
        return HTTP.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=headers, timeout=5)

    assert create("post.mention.create", ALICE, user).status_code == 200
    assert create("dm.received", ALICE, user).status_code == 403  # no dm.read in the token
    assert create("post.reply.create", "999", user).status_code == 403  # someone else's events
    # the app's bearer token is refused for private types (the emulator's default, as X's docs say)
    bearer = {"Authorization": "Bearer bt"}
    assert create("post.quote.create", ALICE, bearer).status_code == 403
    assert create("post.create", ALICE, bearer).status_code == 200  # public: the app's bearer token will do
    assert [r[2] for r in emu.requests if r[1] == "/2/activity/subscriptions"][:2] == ["oauth2", "oauth2"]


def test_oauth1_three_legs_with_a_confirmed_callback(emu):
    answer = HTTP.post(emu.base_url + "/oauth/request_token", auth=OAuth1("ck", "cs", callback_uri=CALLBACK))
    form = parse_qs(answer.text)
    assert form["oauth_callback_confirmed"] == ["true"]
    token, secret = form["oauth_token"][0], form["oauth_token_secret"][0]
    page = HTTP.get(emu.base_url + "/oauth/authorize", params={"oauth_token": token})
    assert page.status_code == 200
    assert "@alice_dev" in page.text
    back = HTTP.post(
        emu.base_url + "/oauth/authorize/decide",
        data={"request": token, "user_id": ALICE, "decision": "authorize"},
        allow_redirects=False,
    )
    callback = query(back)
    assert callback["oauth_token"] == token
    auth = OAuth1(
        "ck", "cs", resource_owner_key=token, resource_owner_secret=secret, verifier=callback["oauth_verifier"]
    )
    access = parse_qs(HTTP.post(emu.base_url + "/oauth/access_token", auth=auth).text)
    assert access["user_id"] == [ALICE]
    assert access["screen_name"] == ["alice_dev"]
    assert HTTP.post(emu.base_url + "/oauth/access_token", auth=auth).status_code == 401  # works once
    user = OAuth1(
        "ck", "cs", resource_owner_key=access["oauth_token"][0], resource_owner_secret=access["oauth_token_secret"][0]
    )
    assert HTTP.post(emu.base_url + "/1.1/oauth/invalidate_token", auth=user).status_code == 200
    assert ALICE not in emu.users


def test_oauth1_refuses_an_unregistered_callback_and_an_unsigned_request(emu):
    wrong = HTTP.post(emu.base_url + "/oauth/request_token", auth=OAuth1("ck", "cs", callback_uri="https://evil/cb"))
    assert wrong.status_code == 403
    assert wrong.json()["errors"][0]["code"] == 415
    assert HTTP.post(emu.base_url + "/oauth/request_token").status_code == 401
    forged = HTTP.post(emu.base_url + "/oauth/request_token", auth=OAuth1("ck", "not-cs", callback_uri=CALLBACK))
    assert forged.status_code == 401
