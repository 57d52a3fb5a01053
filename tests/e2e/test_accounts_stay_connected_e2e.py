"""Connected accounts stay connected (issue 14), tried as an attacker and as an unlucky operator would, on
`make run` with X_EMULATOR=1: a real Chromium on X's (the emulator's) authorize pages, `make admin`, X's
deliveries through the gateway, and the stored tokens tried against X afterwards.

  1. an invite bound to another account, sent to a connected owner: one click on X's Authorize page must
     not end the owner's connection (OAuth 1.0a: X hands back the same pair; OAuth 2.0: ⚠ a revoke may end
     the whole grant, the emulator's revoke_ends_grant reading)
  2. a revoke dated before a reconnect but delivered after it (X's retry, a replay, the other family's
     copy) leaves the reconnected account alone; a revoke dated after it still revokes
  4. a revoke X refuses (401 invalid_client) is a failed disconnect that keeps the account to run again
"""

import calendar
import json
import time
from urllib.request import Request, urlopen

import pytest
import requests
from requests_oauthlib import OAuth1

from localdev.testing import DEV_SECRET
from tests.e2e.test_connect_browser_e2e import connect_stack, make_admin, on_x_page, stored_items

ALICE, BOB = "1500000001", "1500000002"
CONSUMER_KEY = "e2e-consumer-key"
INVALID_CLIENT = {"error": "invalid_client", "error_description": "Missing valid authorization header"}


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with connect_stack(tmp_path_factory.mktemp("stay-connected-run"), X_CONSUMER_KEY=CONSUMER_KEY) as stack:
        yield stack


@pytest.fixture
def chromium_page(running, chromium):
    contexts = []

    def fresh():
        """A page in a fresh browser profile (its own cookies), as a different visit would have."""
        contexts.append(chromium.new_context())
        return contexts[-1].new_page()

    yield fresh
    for context in contexts:
        context.close()


def control(running, path, body):
    """POST to the emulator's control plane (X's side of the world, with the run's control token)."""
    request = Request(  # noqa: S310 - the local emulator, over http
        running.state["emulator_url"] + "/_emulator" + path,
        data=json.dumps(body).encode(),
        headers={"X-Emulator-Token": running.state["emulator_control_token"], "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - local
        return json.loads(answer.read())


def stored(running, user_id):
    """The account's item in the accounts table (moto), tokens included: what the attacker tries to break."""
    (item,) = [item for item in stored_items(running) if item["pk"]["S"] == f"account#{user_id}"]
    return item


def tokens_of(item, flow):
    return {name: value["S"] for name, value in item.get(flow, {}).get("M", {}).items() if "S" in value}


def x_says_who(running, flow, tokens):
    """GET /2/users/me at X with the stored tokens: the user id X answers, or X's HTTP status."""
    url = running.state["emulator_url"] + "/2/users/me"
    if flow == "oauth1":
        auth = OAuth1(CONSUMER_KEY, DEV_SECRET, tokens["access_token"], tokens["access_token_secret"])
        answer = requests.get(url, auth=auth, timeout=10)
    else:
        answer = requests.get(url, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
    return answer.json()["data"]["id"] if answer.status_code == 200 else answer.status_code


def sign_in(page, invite_url, user_id):
    page.goto(invite_url)
    return on_x_page(page, user_id)


def account(running, user_id):
    return next(a for a in make_admin(running, "accounts")["accounts"] if a["user_id"] == user_id)


# --- 1. a refused sign-in gives back nothing an account still uses --------------------------------------------


@pytest.mark.parametrize("flow", ["oauth1", "oauth2"])
def test_an_invite_for_another_account_clicked_by_a_connected_owner_leaves_their_tokens_working(
    running, chromium_page, flow
):
    control(running, "/oauth", {"revoke_ends_grant": True})  # ⚠ the reading where a revoke ends the grant
    try:
        invite = make_admin(running, "invite", {"flows": [flow], "event_types": ["post.create"]})
        assert sign_in(chromium_page(), invite["invite_url"], ALICE).status == 200
        tokens = tokens_of(stored(running, ALICE), flow)
        assert x_says_who(running, flow, tokens) == ALICE
        # Someone holding an invite bound to Bob sends it to Alice; she signs in on X's real page.
        trap = make_admin(running, "invite", {"flows": [flow], "user_id": BOB})
        page = chromium_page()
        answer = sign_in(page, trap["invite_url"], ALICE)
        assert answer.status == 403
        assert page.title() == "This invitation is for another X account"
        assert x_says_who(running, flow, tokens) == ALICE  # her connection still works at X
        assert tokens_of(stored(running, ALICE), flow) == tokens
        assert account(running, ALICE)["status"] == "active"
    finally:
        control(running, "/oauth", {"revoke_ends_grant": False})


# --- 2. revokes are compared by when they were made -----------------------------------------------------------


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def _epoch(iso):
    return float(calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))


def deliver_revoke(running, user_id, when, family):
    """X delivers a revoke of the app by `user_id`, dated `when`, in one family's shape (signed by X)."""
    app_id = "29820954"
    if family == "aaa":
        payload = {
            "user_event": {
                "revoke": {"date_time": _iso(when), "target": {"app_id": app_id}, "source": {"user_id": user_id}}
            }
        }
    else:
        revoke = {"date_time": _iso(when), "user_id": user_id, "app_id": app_id}
        payload = {"data": {"event_uuid": "-41", "filter": {}, "event_type": "oauth.revoke", "payload": revoke}}
    assert control(running, "/deliver", {"payload": payload})["status"] == 200


def wait_past(epoch):
    while time.time() < epoch:
        time.sleep(0.1)


def test_a_revoke_from_before_a_reconnect_delivered_after_it_leaves_the_account_and_a_later_one_revokes(
    running, chromium_page
):
    invite = make_admin(running, "invite", {"uses": 2, "event_types": ["post.create"]})
    assert sign_in(chromium_page(), invite["invite_url"], BOB).status == 200
    first = _epoch(account(running, BOB)["connected_at"])
    revoked_at = first + 1  # Bob revokes the app at X; X's delivery of it fails (5xx) ...
    wait_past(revoked_at + 1.1)
    assert sign_in(chromium_page(), invite["invite_url"], BOB).status == 200  # ... he connects again
    again = account(running, BOB)
    assert _epoch(again["connected_at"]) > revoked_at
    tokens = tokens_of(stored(running, BOB), "oauth2")
    # Now the old revoke arrives: X's retry, and the other family's copy during a migration's overlap.
    deliver_revoke(running, BOB, revoked_at, "aaa")
    deliver_revoke(running, BOB, revoked_at, "xaa")
    result = make_admin(running, "ensure")
    assert result["accounts"]["ok"], result["accounts"]
    after = account(running, BOB)
    assert after["status"] == "active"
    assert after["xaa_subscriptions"] == again["xaa_subscriptions"]
    assert tokens_of(stored(running, BOB), "oauth2") == tokens
    assert x_says_who(running, "oauth2", tokens) == BOB
    # A revoke made after the reconnect still revokes.
    wait_past(_epoch(again["connected_at"]) + 1.1)
    deliver_revoke(running, BOB, time.time(), "xaa")
    make_admin(running, "ensure")
    revoked = account(running, BOB)
    assert revoked["status"] == "revoked"
    assert revoked["flows"] == []
    assert revoked["xaa_subscriptions"] == {}


# --- 4. a refused revoke is a failed disconnect -----------------------------------------------------------------


def test_a_disconnect_x_refuses_fails_with_xs_reason_and_keeps_the_account_to_run_again(running, chromium_page):
    invite = make_admin(running, "invite", {"event_types": ["post.create"]})
    assert sign_in(chromium_page(), invite["invite_url"], ALICE).status == 200
    tokens = tokens_of(stored(running, ALICE), "oauth2")
    # The app's client secret was rotated at X but not in the stack: X refuses every revoke.
    control(
        running,
        "/faults",
        {"method": "POST", "path_prefix": "/2/oauth2/revoke", "status": 401, "count": 2, "body": INVALID_CLIENT},
    )
    result = make_admin(running, "disconnect", {"user_id": ALICE})
    assert result["ok"] is False
    assert "run disconnect again" in result["error"]
    step = result["did"]["oauth2_access_token"]
    assert (step["outcome"], step["x_status"]) == ("failed", 401)
    assert "invalid_client" in step["reason"]
    kept = account(running, ALICE)
    assert kept["status"] == "disconnecting"
    assert "invalid_client" in kept["reason"]
    assert x_says_who(running, "oauth2", tokens) == ALICE  # the grant is alive at X, and the table says so
    assert "disconnecting" in json.dumps(make_admin(running, "status")["accounts"]["attention"])
    again = make_admin(running, "disconnect", {"user_id": ALICE})  # the secret fixed: run it again
    assert again["ok"]
    assert again["deleted"]
    assert again["did"]["oauth2_access_token"] == {"outcome": "revoked"}
    assert x_says_who(running, "oauth2", tokens) == 401
    assert ALICE not in [a["user_id"] for a in make_admin(running, "accounts")["accounts"]]
