"""ensure's XAA desired state and migrate against X's emulator over real HTTP: pages in every shape and token
place, the cap, 429s and their reset, duplicates adopted, and the credential fallback X's rules force."""

from dataclasses import replace

import pytest

from tests.fakes import admin_services
from tests.unit.admin import conftest as admin_fixtures
from tests.unit.admin.conftest import OTHER_ID, OWNER_ID, make_admin
from xwebhook.accounts.models import Account
from xwebhook.admin.wiring import ACTIONS, ENSURE_PARTS, STATUS_PARTS
from xwebhook.migrate.holds import STATE_KEY
from xwebhook.migrate.settings import XaaSettings
from xwebhook.x_api import event_types
from xwebhook.x_api.tokens import OAuth2Tokens

ALICE = "1500000001"  # connected with OAuth 2.0 only
# The admin tests' emulator (the owner and another user with OAuth 1.0a tokens) and CRC-answering receiver.
emulator = admin_fixtures.emulator
receiver = admin_fixtures.receiver
TYPES = ("post.create", "dm.received", "like.create")


def wired(emulator, receiver, accounts=(), **xaa):
    """Admin as wiring builds it (the capabilities' parts and actions) over HTTP to the emulator, with a
    MemoryAccountStore and in-memory admin state."""
    emulator.xaa_page_size = 4  # X's lists in pages
    admin = make_admin(emulator.base_url, receiver.url, now=emulator.now)
    admin.settings = replace(admin.settings, xaa=replace(XaaSettings(), **xaa))
    admin.ensure_parts, admin.status_parts, admin.actions = ENSURE_PARTS, STATUS_PARTS, ACTIONS
    admin.services = admin_services(accounts)
    return admin


def stored(user_id, types=TYPES, **changes):
    return Account(user_id, event_types=tuple(types), **changes)


def alice_tokens(emulator, scopes=("tweet.read", "users.read", "dm.read", "like.read", "offline.access")):
    emulator.add_oauth2_token(ALICE, "alice-access-token", scopes, expires_in=7200)
    return OAuth2Tokens("alice-access-token", "alice-refresh", emulator.now() + 7200, tuple(scopes))


def ours_at_x(emulator, user_id=None):
    return sorted(
        (s["event_type"], s["filter"]["user_id"])
        for s in emulator.xaa_subscriptions.values()
        if user_id is None or s["filter"].get("user_id") == user_id
    )


def xaa_requests(emulator, method=None):
    return [r for r in emulator.requests if r[1].startswith("/2/activity") and method in (None, r[0])]


@pytest.mark.parametrize("token_at", ["meta.next_token", "meta.pagination_token", "next_token"])
@pytest.mark.parametrize("shape", ["document", "flat", "list"])
def test_ensure_reaches_the_desired_state_through_pages_in_every_shape_and_then_does_nothing(
    emulator, receiver, shape, token_at
):
    emulator.xaa_shape, emulator.xaa_token_at = shape, token_at
    admin = wired(
        emulator, receiver, [stored(OWNER_ID), stored(OTHER_ID), stored("42", ("post.create",))], page_size=1000
    )
    first = admin.handle({"action": "ensure"})
    assert first["ok"] is True, first
    # 42 has no tokens: its public type is created with the app's bearer token, nothing else is asked of it
    made = len(TYPES) + len(TYPES) + 1  # OWNER's, OTHER's and 42's post.create: in two of X's pages of 4
    assert len(emulator.xaa_subscriptions) == made
    again = admin.handle({"action": "ensure"})
    assert again["ok"] is True
    assert again["xaa"]["did"] == []
    assert again["xaa"]["present"] == made
    listing = again["xaa"]["listing"]
    assert listing["pages"] == 2
    assert listing["listed"] == made
    assert listing["next_token_at"] == [token_at]
    assert listing["x_total"] == made


def test_subscriptions_of_an_account_that_leaves_are_deleted_across_pages_and_others_are_left(emulator, receiver):
    webhook_id = emulator.add_webhook(receiver.url)["id"]
    theirs = emulator.create_xaa({"event_type": "post.create", "filter": {"user_id": "77"}, "tag": "other-app"})
    admin = wired(emulator, receiver, [stored(OWNER_ID), stored(OTHER_ID)])
    assert admin.handle({"action": "ensure"})["ok"] is True
    admin.services.accounts.delete(OTHER_ID)  # disconnected by hand, its subscriptions left behind
    report = admin.handle({"action": "ensure"})["xaa"]
    assert sorted(d["step"] for d in report["did"]) == ["delete"] * 3
    assert ours_at_x(emulator) == sorted([(t, OWNER_ID) for t in TYPES] + [("post.create", "77")])
    assert theirs["subscription_id"] in emulator.xaa_subscriptions
    assert webhook_id


def test_the_cap_setting_fits_whole_accounts_and_says_which_did_not_fit(emulator, receiver):
    admin = wired(emulator, receiver, [stored(OWNER_ID), stored(OTHER_ID)], subscription_cap=5)
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is False
    assert "do not fit under the XAA subscription cap" in result["error"]
    assert result["xaa"]["unfit"][0]["user_id"] == OWNER_ID  # OTHER (783214) sorts first and fits whole
    assert ours_at_x(emulator) == sorted((t, OTHER_ID) for t in TYPES)


def test_x_refusing_at_its_own_cap_stops_the_creates(emulator, receiver):
    emulator.xaa_subscription_limit = 2
    admin = wired(emulator, receiver, [stored(OWNER_ID)])
    report = admin.handle({"action": "ensure"})["xaa"]
    assert report["ok"] is False
    assert "cap" in report["error"]
    assert len(emulator.xaa_subscriptions) == 2
    assert len(xaa_requests(emulator, "POST")) == 3


def test_a_429_stops_ensure_and_the_next_run_waits_for_xs_reset_then_resumes(emulator, receiver):
    emulator.enforce_rate_limits = True
    emulator.rate_limits["xaa create"] = 4
    admin = wired(emulator, receiver, [stored(OWNER_ID), stored(OTHER_ID)])
    stopped = admin.handle({"action": "ensure"})
    report = stopped["xaa"]
    assert report["ok"] is False
    assert "rate limit reached for create XAA subscription" in report["error"]
    assert [d.get("pending", False) for d in report["did"]] == [False] * 4 + [True] * 2
    reset = report["rate_limit_reset_epoch"]
    assert admin.services.state.load()[STATE_KEY] == {"create XAA subscription": reset}
    posts = len(xaa_requests(emulator, "POST"))
    held = admin.handle({"action": "ensure"})["xaa"]
    assert "not called before then" in held["error"]
    assert len(xaa_requests(emulator, "POST")) == posts
    emulator.advance_clock(reset - emulator.now() + 1)
    resumed = admin.handle({"action": "ensure"})["xaa"]
    assert resumed["ok"] is True
    assert len(emulator.xaa_subscriptions) == 6


@pytest.mark.parametrize("names_it", [True, False])
def test_a_subscription_x_already_has_is_adopted_on_its_duplicate_error(emulator, receiver, names_it):
    emulator.xaa_duplicate_id = names_it
    webhook = emulator.add_webhook(receiver.url)
    handmade = emulator.create_xaa(
        {"event_type": "post.create", "filter": {"user_id": OWNER_ID}, "webhook_id": webhook["id"]}
    )
    admin = wired(emulator, receiver, [stored(OWNER_ID, ("post.create",))])
    report = admin.handle({"action": "ensure"})["xaa"]
    (step,) = report["did"]
    assert step["adopted"] is True, step
    assert step["subscription_id"] == handmade["subscription_id"], step
    assert emulator.xaa_subscriptions[handmade["subscription_id"]]["tag"] == f"xwebhook:{OWNER_ID}"
    assert len(emulator.xaa_subscriptions) == 1
    assert admin.services.accounts.get(OWNER_ID).xaa_subscriptions == {"post.create": handmade["subscription_id"]}


def test_private_types_go_with_the_oauth2_token_and_public_ones_with_the_apps(emulator, receiver):
    admin = wired(emulator, receiver, [stored(ALICE, oauth2=alice_tokens(emulator))])
    assert admin.handle({"action": "ensure"})["ok"] is True
    assert ours_at_x(emulator, ALICE) == sorted((t, ALICE) for t in TYPES)
    assert admin.services.accounts.get(ALICE).xaa_auth == {
        "post.create": "bearer",
        "dm.received": "oauth2",
        "like.create": "oauth2",
    }


def test_an_oauth1_only_account_migrates_where_x_takes_oauth1_and_needs_a_reconnect_where_it_does_not(
    emulator, receiver
):
    admin = wired(emulator, receiver)
    assert admin.handle({"action": "ensure"})["webhook_valid"] is True  # registered, both on AAA
    applied = admin.handle({"action": "migrate", "mode": "apply", "user_ids": [OWNER_ID]})
    assert applied["ok"] is True, applied
    assert len(ours_at_x(emulator, OWNER_ID)) == len(event_types.AAA_PARITY)
    kinds = {
        kind for method, path, kind in emulator.requests if method == "POST" and path == "/2/activity/subscriptions"
    }
    assert kinds == {"bearer", "oauth1"}
    assert admin.services.accounts.get(OWNER_ID).xaa_auth["dm.received"] == "oauth1"

    emulator.xaa_oauth1 = False  # X as its docs say: private types only with OAuth 2.0
    refused = admin.handle({"action": "migrate", "mode": "apply", "user_ids": [OTHER_ID]})
    entry = refused["accounts"][0]
    private = {n for n in event_types.AAA_PARITY if event_types.CATALOGUE[n].privacy == "private"}
    assert {f["event_type"] for f in entry["failed"]} == private
    assert all(f["refused"][0]["status"] == 403 for f in entry["failed"])
    attention = {entry["user_id"]: entry for entry in admin.handle({"action": "status"})["xaa"]["attention"]}
    assert any("must sign in with OAuth 2.0" in note for note in attention[OTHER_ID]["attention"])
    plan = admin.handle({"action": "migrate", "mode": "plan", "user_ids": [OTHER_ID]})
    assert plan["accounts"][0]["reconnect"]["needed"] is True


def test_a_refused_oauth2_token_falls_back_to_the_accounts_oauth1_tokens(emulator, receiver):
    tokens = alice_tokens(emulator)
    emulator.oauth2_tokens.revoke("alice-access-token")  # X no longer takes it (revoked, or X's rules)
    owner = stored(OWNER_ID, ("dm.received",), oauth2=replace(tokens, access_token="not-at-x"))
    admin = wired(emulator, receiver, [owner])
    report = admin.handle({"action": "ensure"})["xaa"]
    (step,) = report["did"]
    assert step["ok"] is True
    assert step["credential"] == "oauth1"
    assert step["refused"] == [{"credential": "oauth2", "status": 401, "reason": "Unauthorized"}]
    assert admin.services.accounts.get(OWNER_ID).xaa_auth == {"dm.received": "oauth1"}


def test_a_full_page_with_no_token_is_said_in_ensure_and_status_never_taken_silently_for_the_end(emulator, receiver):
    emulator.xaa_token_at = "none"  # X's document: the list answer has data and errors, no token
    admin = wired(emulator, receiver, [stored(OWNER_ID)], page_size=2)
    ensured = admin.handle({"action": "ensure"})
    assert ensured["xaa"]["listing"]["full_page_without_token"] is False  # nothing at X yet: not a full page
    again = admin.handle({"action": "ensure"})["xaa"]["listing"]
    assert again["full_page_without_token"] is True
    assert "the list may go on" in again["warning"]
    status = admin.handle({"action": "status"})["xaa"]["listing"]
    assert status["full_page_without_token"] is True
    assert "no next-page token" in status["warning"]
