"""GET /connect: who may start a sign-in, and where the browser is sent (only ever X's authorize page)."""

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.unit.connect.conftest import CALLBACK, CLIENT_ID, KEYS, connect_settings
from xwebhook.accounts.invites import token_for
from xwebhook.accounts.store import AccountsUnavailable
from xwebhook.connect.state import COOKIE, key_of
from xwebhook.x_api.event_types import AAA_PARITY, scopes_for
from xwebhook.x_api.oauth2 import challenge_for


def query_of(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def cookie_state(answer):
    (header,) = answer.cookies
    return header.split(";", 1)[0].split("=", 1)[1].split(".", 1)[0]


def test_an_invite_starts_an_oauth2_sign_in_with_pkce_and_the_scopes_of_its_event_types(world, emulator):
    answer = world.browser().start(invite=world.invite())
    assert answer.status == 302
    assert answer.log["outcome"] == "redirected"
    assert answer.location.startswith(emulator.base_url + "/i/oauth2/authorize?")
    query = query_of(answer.location)
    state = cookie_state(answer)
    pending = world.sign_ins.pending[key_of(state)]
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": " ".join(scopes_for(AAA_PARITY)),
        "state": state,
        "code_challenge": challenge_for(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    assert {"offline.access", "users.read", "dm.read", "like.read"} <= set(query["scope"].split())
    assert pending.flow == "oauth2"
    assert pending.event_types == AAA_PARITY


def test_the_sign_in_cookie_is_short_lived_signed_httponly_secure_and_lax(world):
    answer = world.browser().start(invite=world.invite())
    (header,) = answer.cookies
    name_value, *attributes = [part.strip() for part in header.split(";")]
    assert name_value.startswith(COOKIE + "=")
    assert set(attributes) == {"Max-Age=600", "Path=/connect", "HttpOnly", "Secure", "SameSite=Lax"}
    state, expires, signature = name_value.split("=", 1)[1].split(".")
    assert len(state) == 43
    assert len(signature) == 43
    assert int(expires) == int(world.clock() + 600)


def test_the_scopes_follow_the_invites_event_types(world):
    answer = world.browser().start(invite=world.invite(event_types=("post.create", "mute.mute")))
    assert query_of(answer.location)["scope"] == "mute.read offline.access tweet.read users.read"


def test_oauth1_gets_a_request_token_for_our_callback_and_sends_the_browser_to_authorize(world, emulator):
    answer = world.browser().start(invite=world.invite(), flow="oauth1")
    assert answer.status == 302
    assert answer.location.startswith(emulator.base_url + "/oauth/authorize?oauth_token=")
    (token,) = parse_qs(urlsplit(answer.location).query)["oauth_token"]
    assert emulator.oauth.request_tokens[token]["callback"] == CALLBACK
    (pending,) = world.sign_ins.pending.values()
    assert pending.flow == "oauth1"
    assert pending.request_token == token
    assert pending.request_token_secret == emulator.oauth.request_tokens[token]["secret"]


@pytest.mark.parametrize(
    "reading, path, base",
    [
        ({}, "/i/oauth2/authorize", "web"),
        ({"oauth2_authorize_page": "api"}, "/2/oauth2/authorize", "api"),
    ],
)
def test_the_oauth2_authorize_page_follows_its_setting(make_world, emulator, reading, path, base):
    world = make_world(x_web_base_url="https://x.example", **reading)
    answer = world.browser().start(invite=world.invite())
    expected = "https://x.example" if base == "web" else emulator.base_url
    assert answer.location.startswith(expected + path + "?")
    assert answer.log["authorize"] == f"oauth2={reading.get('oauth2_authorize_page', 'web')} oauth1=api"


def test_the_oauth1_authorize_host_follows_its_setting(make_world):
    world = make_world(x_web_base_url="https://x.example", oauth1_authorize_host="web")
    answer = world.browser().start(invite=world.invite(), flow="oauth1")
    assert answer.location.startswith("https://x.example/oauth/authorize?oauth_token=")


def test_nothing_in_the_request_decides_where_the_browser_goes(world, emulator):
    answer = world.browser().start(
        invite=world.invite(),
        redirect_uri="https://evil.example/steal",
        next="https://evil.example/",
        return_to="//evil.example",
        state="attacker-state",
    )
    assert answer.status == 302
    assert answer.location.startswith(emulator.base_url + "/i/oauth2/authorize?")
    query = query_of(answer.location)
    assert query["redirect_uri"] == CALLBACK
    assert query["state"] != "attacker-state"
    assert "evil" not in answer.location


def refused(answer, reason, status):
    assert (answer.status, answer.log["outcome"]) == (status, reason), answer.log
    assert answer.location is None
    assert answer.cookies == []
    assert "<h1>" in answer.body
    return answer


def test_no_invite_is_403_and_starts_nothing(world):
    refused(world.browser().start(), "invite_missing", 403)
    assert world.sign_ins.pending == {}


def test_a_forged_or_mistyped_invite_is_403(world):
    token = world.invite()
    invite_id = token.split(".")[0]
    refused(world.browser().start(invite=f"{invite_id}.{'A' * 22}"), "invite_invalid", 403)
    refused(world.browser().start(invite=invite_id), "invite_invalid", 403)
    refused(world.browser().start(invite=token + "x"), "invite_invalid", 403)


def test_a_withdrawn_invite_with_a_right_signature_is_403(world):
    refused(world.browser().start(invite=token_for(KEYS.invite, "never-made")), "invite_invalid", 403)


def test_an_expired_invite_is_403(world):
    token = world.invite(expires_in=60)
    world.clock.advance(61)
    refused(world.browser().start(invite=token), "invite_expired", 403)


def test_a_used_up_invite_is_403(world):
    token = world.invite(uses=2)
    (invite,) = world.invites.invites.values()
    world.invites.put(replace(invite, used=2))
    answer = refused(world.browser().start(invite=token), "invite_used_up", 403)
    assert "already been used" in answer.body


def test_a_flow_the_invite_does_not_offer_is_403_and_an_unknown_one_400(world):
    token = world.invite(flows=("oauth2",))
    refused(world.browser().start(invite=token, flow="oauth1"), "flow_not_offered", 403)
    refused(world.browser().start(invite=token, flow="saml"), "unknown_flow", 400)


def test_an_invite_offering_only_oauth1_starts_it_by_default(world, emulator):
    answer = world.browser().start(invite=world.invite(flows=("oauth1",)))
    assert answer.location.startswith(emulator.base_url + "/oauth/authorize?")


def test_open_mode_needs_no_invite_but_still_checks_one_that_is_given(make_world):
    world = make_world(mode="open")
    assert world.browser().start().status == 302
    refused(world.browser().start(invite="nonsense.token"), "invite_invalid", 403)


def test_off_mode_answers_404(make_world):
    world = make_world(mode="off")
    refused(world.browser().start(invite=world.invite()), "off", 404)


def test_a_callback_x_does_not_confirm_is_502_and_starts_nothing(emulator, clock):
    from tests.unit.connect.conftest import World

    emulator.oauth.callbacks = {"https://somewhere.else/connect/callback"}
    world = World(emulator, connect_settings(emulator), clock)
    answer = refused(world.browser().start(invite=world.invite(), flow="oauth1"), "callback_not_confirmed", 502)
    assert "callback URL exactly" in answer.body
    assert world.sign_ins.pending == {}


def test_x_down_when_asked_for_a_request_token_is_502(world, emulator):
    emulator.fail_next("POST", "/oauth/request_token", 503, count=5)
    refused(world.browser().start(invite=world.invite(), flow="oauth1"), "x_unavailable", 502)
    assert world.sign_ins.pending == {}


def test_an_unreachable_table_is_503(world):
    def down(_pending):
        raise AccountsUnavailable("the accounts table could not be reached for put_item (EndpointConnectionError)")

    world.sign_ins.put = down
    answer = refused(world.browser().start(invite=world.invite()), "store_unavailable", 503)
    assert "EndpointConnectionError" in answer.log["detail"]
    assert "EndpointConnectionError" not in answer.body
