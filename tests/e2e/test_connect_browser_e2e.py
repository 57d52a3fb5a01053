"""Connecting accounts end to end: `make run` with X_EMULATOR=1, `make admin ACTION=invite`, and a real
headless Chromium from the invite through X's (the emulator's) authorize page to our page.

  make admin ACTION=ensure  -> the webhook registered (X's CRC through the gateway to the crc function)
  make admin ACTION=invite  -> an invite URL on the local gateway
  Chromium: the invite -> 302 to X's authorize page -> pick an account, Authorize -> X's redirect to
  /connect/callback -> "Connected as @..." -> the account is in the accounts table (moto), its XAA
  subscriptions are at X with our webhook id, and no token is in any log line
then the same with OAuth 1.0a (AAA), Cancel, a bad invite, a replayed callback, and disconnect.
"""

import contextlib
import json
import os
import subprocess
import sys
from urllib.request import Request, urlopen

import pytest

from localdev.testing import DEV_SECRET, run_local_stack

ALICE, BOB = "1500000001", "1500000002"


def make_admin(running, action, fields=None):
    """`make admin ACTION=<action> ARGS=<fields>` against the running stack: its JSON result."""
    command = [sys.executable, "-m", "localdev.admin", action, json.dumps(fields or {})]
    env = {**os.environ, "XWEBHOOK_STATE_FILE": str(running.state_file)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def x_state(running):
    request = Request(  # noqa: S310 - the local emulator, over http
        running.state["emulator_url"] + "/_emulator/state",
        headers={"X-Emulator-Token": running.state["emulator_control_token"]},  # the per-run control token
    )
    with urlopen(request, timeout=10) as answer:  # noqa: S310 - local
        return json.loads(answer.read())


@contextlib.contextmanager
def connect_stack(directory, **env):
    """`make run` with X's emulator (and `env`), its webhook registered by `make admin ACTION=ensure`."""
    with run_local_stack(directory, env={"X_EMULATOR": "1", "X_CONSUMER_SECRET": DEV_SECRET, **env}) as stack:
        result = make_admin(stack, "ensure")
        assert result["webhook_valid"], result
        yield stack


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with connect_stack(tmp_path_factory.mktemp("connect-run")) as stack:
        yield stack


@pytest.fixture
def page(running, chromium):
    context = chromium.new_context()  # a fresh browser profile: its own cookies
    yield context.new_page()
    context.close()


def on_x_page(page, user_id, decision="authorize"):
    """On X's authorize page: pick the account, press Authorize (or Cancel), land back on our callback."""
    page.check(f"input[value='{user_id}']")
    with page.expect_navigation(url="**/connect/callback**", timeout=30_000) as navigation:
        page.click(f"button[value={decision}]")
    return navigation.value


def stored_items(running):
    client = running.client("dynamodb")
    return client.scan(TableName=running.state["resources"]["AccountsTable"])["Items"]


def every_token(running):
    """Every token value X issued or we stored, as strings (none may be in a log)."""
    state = x_state(running)["oauth"]
    values = set(state["access_tokens"]) | set(state["refresh_tokens"]) | set(state["revoked"])
    for item in stored_items(running):
        for kind in ("oauth1", "oauth2"):
            for value in item.get(kind, {}).get("M", {}).values():
                if "S" in value:
                    values.add(value["S"])
    return {value for value in values if len(value) > 10}


def logs(running):
    return running.output() + open(running.state["logs"]["functions"]).read()


def test_an_invite_from_make_admin_connects_an_account_in_a_real_browser(running, page):
    invite = make_admin(running, "invite", {"expires_in": "1h"})
    assert invite["ok"]
    assert invite["invite_url"].startswith(running.state["gateway_url"] + "/connect?invite=")
    assert invite["callback_url"] == running.state["outputs"]["ConnectCallbackUrl"]
    page.goto(invite["invite_url"])
    assert page.url.startswith(running.state["emulator_url"] + "/i/oauth2/authorize?")  # X's page, not ours
    answer = on_x_page(page, ALICE)
    assert answer.status == 200
    assert page.title() == "Connected as @alice_dev"
    assert "subscribed to 17 event types" in page.inner_text("body")

    accounts = make_admin(running, "accounts")
    (alice,) = [a for a in accounts["accounts"] if a["user_id"] == ALICE]
    assert alice["status"] == "active"
    assert alice["flows"] == ["oauth2"]
    assert len(alice["xaa_subscriptions"]) == 17
    webhook_id = make_admin(running, "status")["webhook"]["id"]
    at_x = x_state(running)["xaa_subscriptions"]
    assert set(alice["xaa_subscriptions"].values()) <= set(at_x)
    for subscription_id in alice["xaa_subscriptions"].values():
        assert at_x[subscription_id]["webhook_id"] == webhook_id
        assert at_x[subscription_id]["filter"] == {"user_id": ALICE}

    tokens = every_token(running)
    assert tokens
    assert not [token for token in tokens if token in logs(running)]
    assert not [token for token in tokens if token in json.dumps(accounts) + page.content()]


SCREENSHOTS = os.environ.get("XWEBHOOK_SCREENSHOTS")  # a directory: the tests leave their pages' PNGs there


@pytest.mark.parametrize("width", [1280, 400])
def test_the_success_page_names_the_app_says_what_it_receives_in_words_and_looks_like_the_console(
    running, chromium, width
):
    from xwebhook.x_api.event_types import AAA_PARITY

    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(make_admin(running, "invite")["invite_url"])
        on_x_page(page, ALICE)
        shown = page.inner_text("body")
        assert page.inner_text("header.bar").startswith("xwebhook")  # ConnectAppName's default
        assert "Your X account @alice_dev is connected to xwebhook." in shown
        assert "posts that mention you, reply to you, quote or repost your posts" in shown
        assert [name for name in AAA_PARITY if name in shown] == []  # X's ids stay folded away
        # The shared stylesheet applies (its hash is in the page's CSP): the console's dark bar.
        bar = page.evaluate("getComputedStyle(document.querySelector('header.bar')).backgroundColor")
        assert bar == "rgb(21, 32, 43)"
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the window
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"connect-success-{width}.png"), full_page=True)
        page.click("summary:has-text('The event types, as X names them')")
        assert "post.create" in page.inner_text("details")
        assert page.evaluate("document.scripts.length") == 0
    finally:
        context.close()


def test_oauth1_connects_an_account_on_the_account_activity_api(running, page):
    invite = make_admin(running, "invite", {"flows": ["oauth1"]})
    page.goto(invite["invite_url"])
    assert "/oauth/authorize?oauth_token=" in page.url
    on_x_page(page, BOB)
    assert page.title() == "Connected as @bob_dev"
    assert "Account Activity API: subscribed" in page.inner_text("body")
    webhook_id = make_admin(running, "status")["webhook"]["id"]
    assert BOB in x_state(running)["subscriptions"][webhook_id]
    assert not [token for token in every_token(running) if token in logs(running)]


def test_cancel_on_x_page_says_so_and_keeps_nothing(running, page):
    before = make_admin(running, "accounts")["count"]
    invite = make_admin(running, "invite", {"user_id": "2244994945"})
    page.goto(invite["invite_url"])
    answer = on_x_page(page, "2244994945", decision="cancel")
    assert answer.status == 200
    assert page.title() == "You cancelled the sign-in"
    assert make_admin(running, "accounts")["count"] == before


def test_a_wrong_invite_is_a_403_page(running, page):
    invite = make_admin(running, "invite")
    answer = page.goto(invite["invite_url"][:-3] + "AAA")
    assert answer.status == 403
    assert page.title() == "This invitation link is not valid"
    answer = page.goto(running.state["gateway_url"] + "/connect")
    assert answer.status == 403
    assert page.title() == "An invitation is needed"


def test_a_replayed_callback_stores_no_second_account(running, page):
    invite = make_admin(running, "invite", {"uses": 5, "event_types": ["post.create"]})
    page.goto(invite["invite_url"])
    callback = on_x_page(page, ALICE).url
    subscriptions = len(x_state(running)["xaa_subscriptions"])
    answer = page.goto(callback)  # the same callback again (the cookie went with the first)
    assert answer.status == 400
    assert len(x_state(running)["xaa_subscriptions"]) == subscriptions
    assert len([item for item in stored_items(running) if item["pk"]["S"] == f"account#{ALICE}"]) == 1


def test_disconnect_removes_the_account_its_subscriptions_and_its_tokens(running):
    alice = next(a for a in make_admin(running, "accounts")["accounts"] if a["user_id"] == ALICE)
    (item,) = [item for item in stored_items(running) if item["pk"]["S"] == f"account#{ALICE}"]
    stored = {name: value["S"] for name, value in item["oauth2"]["M"].items() if name.endswith("_token")}
    result = make_admin(running, "disconnect", {"user_id": ALICE})
    assert result["ok"]
    assert result["deleted"]
    at_x = x_state(running)
    assert not set(alice["xaa_subscriptions"].values()) & set(at_x["xaa_subscriptions"])
    assert stored["access_token"] not in at_x["oauth"]["access_tokens"]
    assert stored["refresh_token"] not in at_x["oauth"]["refresh_tokens"]
    assert ALICE not in [a["user_id"] for a in make_admin(running, "accounts")["accounts"]]
