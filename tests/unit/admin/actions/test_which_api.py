"""One source of truth per account: its record decides which API X delivers it on, and ensure, connect,
migrate and status all follow it. Accounts connect through the real sign-in against X's emulator.

Issue 17's two findings, as an operator met them: an account connected with flow=oauth1 drifted into the
overlap on the next ensure; a rolled-back account got its 17 XAA subscriptions back from the next ensure.
And issue 14's third: status (which the console polls) made a new invite each time it was read.
"""

from urllib.parse import parse_qs, urlsplit

from tests.unit.admin.actions.wired import connect, make_admin
from tests.unit.connect.conftest import ALICE, BOB
from xwebhook.accounts.invites import reconnect_invite_id
from xwebhook.accounts.models import NEEDS_RECONNECT
from xwebhook.x_api.event_types import AAA_PARITY

PARITY = len(AAA_PARITY)  # the XAA subscriptions an applied AAA account gets


def xaa_of(emulator, user_id):
    return [s for s in emulator.xaa_subscriptions.values() if s["filter"].get("user_id") == user_id]


def migrate(admin, mode, **fields):
    result = admin.handle({"action": "migrate", "mode": mode, **fields})
    return result, {entry["user_id"]: entry for entry in result.get("accounts", [])}


def test_accounts_connected_with_oauth1_stay_on_aaa_through_ensure(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE, flow="oauth1")
    connect(world, BOB, flow="oauth1")

    ensured = admin.handle({"action": "ensure"})

    assert ensured["xaa"]["did"] == []
    assert emulator.xaa_subscriptions == {}
    assert emulator.subscriptions[emulator.webhook["id"]] >= {ALICE, BOB}
    _, plan = migrate(admin, "plan")
    assert plan[ALICE]["state"] == "not_started"
    assert plan[ALICE]["xaa_at_x"] == 0
    assert plan[ALICE]["attention"] == []


def test_a_rolled_back_account_stays_rolled_back_through_ensure(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE, flow="oauth1")
    applied, _ = migrate(admin, "apply", user_ids=[ALICE])
    assert applied["ok"] is True, applied
    assert len(xaa_of(emulator, ALICE)) == PARITY

    rolled, _ = migrate(admin, "rollback", user_ids=[ALICE])
    assert rolled["ok"] is True, rolled
    for _ in range(2):  # the hourly ensure, twice
        ensured = admin.handle({"action": "ensure"})
        assert ensured["xaa"]["did"] == []

    assert xaa_of(emulator, ALICE) == []
    assert ALICE in emulator.subscriptions[emulator.webhook["id"]]
    _, status = migrate(admin, "status", user_ids=[ALICE])
    assert status[ALICE]["state"] == "rolled_back"
    assert status[ALICE]["xaa_at_x"] == 0
    assert status[ALICE]["attention"] == []


def test_apply_without_user_ids_leaves_a_rolled_back_account_where_it_is(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE, flow="oauth1")
    connect(world, BOB, flow="oauth1")
    migrate(admin, "apply", user_ids=[ALICE])
    migrate(admin, "rollback", user_ids=[ALICE])

    _, accounts = migrate(admin, "apply")

    assert "stays on AAA until apply names it" in accounts[ALICE]["note"]
    assert xaa_of(emulator, ALICE) == []
    assert len(xaa_of(emulator, BOB)) == PARITY
    _, again = migrate(admin, "apply", user_ids=[ALICE])
    assert again[ALICE]["state_after"] == "overlap"


def test_xaa_subscriptions_an_aaa_account_never_applied_has_at_x_are_shown_and_removed_by_ensure(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE, flow="oauth1")
    for event_type in ("post.create", "post.delete"):  # what the drift of issue 17 left at X
        emulator.create_xaa(
            {
                "event_type": event_type,
                "filter": {"user_id": ALICE},
                "tag": f"xwebhook:{ALICE}",
                "webhook_id": emulator.webhook["id"],
            }
        )
    _, plan = migrate(admin, "plan")
    assert plan[ALICE]["state"] == "not_started"
    assert plan[ALICE]["xaa_at_x"] == 2
    assert "ensure removes them" in plan[ALICE]["attention"][0]

    ensured = admin.handle({"action": "ensure"})

    assert [step["step"] for step in ensured["xaa"]["did"]] == ["delete", "delete"]
    assert xaa_of(emulator, ALICE) == []


def test_an_account_connected_with_oauth2_is_on_xaa_from_the_start(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE)
    assert len(xaa_of(emulator, ALICE)) == PARITY
    ensured = admin.handle({"action": "ensure"})
    assert ensured["xaa"]["did"] == []
    assert ensured["xaa"]["present"] == PARITY
    _, status = migrate(admin, "status", user_ids=[ALICE])
    assert status[ALICE]["state"] == "xaa_only"


# reads never write; reconnect invites are bound and reused -------------------------------------------------


def needing_a_sign_in(world, emulator):
    """ALICE connected with OAuth 1.0a only, and X refuses OAuth 1.0a for private types: migrate needs her
    owner to sign in with OAuth 2.0. BOB's tokens stopped working (needs_reconnect)."""
    emulator.xaa_oauth1 = False
    connect(world, ALICE, flow="oauth1")
    bob = connect(world, BOB, flow="oauth1")
    world.accounts.put(bob.with_changes(status=NEEDS_RECONNECT, reason="X refused its tokens"))
    make_admin(world).handle({"action": "migrate", "mode": "apply", "user_ids": [ALICE]})  # X refuses OAuth 1.0a


def test_status_read_again_and_again_writes_nothing(world, emulator):
    admin = make_admin(world)
    needing_a_sign_in(world, emulator)
    invites_before = dict(world.invites.invites)
    accounts_before = {a.user_id: a.version for a in world.accounts.all()}
    xaa_before = dict(emulator.xaa_subscriptions)

    for _ in range(3):  # the console polls every 15 s
        status = admin.handle({"action": "status"})
        assert status["ok"] is True

    assert world.invites.invites == invites_before
    assert {a.user_id: a.version for a in world.accounts.all()} == accounts_before
    assert emulator.xaa_subscriptions == xaa_before
    section = status["xaa"]
    assert section["stuck"] == [ALICE]
    (first, *_) = section["attention"]
    assert first["user_id"] == ALICE
    assert "half made" in first["attention"][0]


def test_reconnect_binds_one_invite_to_each_account_and_reuses_it_until_it_is_used(world, emulator):
    admin = make_admin(world)
    needing_a_sign_in(world, emulator)

    dry, _ = migrate(admin, "reconnect", dry_run=True)
    assert dry["ok"] is True
    assert reconnect_invite_id(ALICE) not in world.invites.invites
    made, rows = migrate(admin, "reconnect")
    again, rows_again = migrate(admin, "reconnect")

    assert made["made"] == 2
    assert again["made"] == 0
    assert again["reused"] == 2
    assert rows[ALICE]["invite_url"] == rows_again[ALICE]["invite_url"]
    assert "no OAuth 2.0 token, and X refused" in rows[ALICE]["why"]
    assert rows[BOB]["why"] == "X refused its tokens"
    invite = world.invites.get(reconnect_invite_id(ALICE))
    assert invite.user_id == ALICE
    assert invite.flows == ("oauth2",)
    assert rows[ALICE]["expires_at"].endswith("Z")

    token = parse_qs(urlsplit(rows[ALICE]["invite_url"]).query)["invite"][0]
    answer, _ = world.browser().sign_in(invite=token, user_id=ALICE)
    assert answer.status == 200
    account = world.accounts.get(ALICE)
    assert account.oauth2 is not None
    assert account.aaa is True  # signing in moves no account between APIs
    _, rows_after = migrate(admin, "reconnect")
    assert ALICE not in rows_after  # signed in: no invite needed any more


def test_an_invite_bound_to_one_account_is_refused_to_another(world, emulator):
    admin = make_admin(world)
    needing_a_sign_in(world, emulator)
    _, rows = migrate(admin, "reconnect")
    token = parse_qs(urlsplit(rows[ALICE]["invite_url"]).query)["invite"][0]
    answer, _ = world.browser().sign_in(invite=token, user_id=BOB)
    assert answer.status == 403
    assert world.accounts.get(BOB).oauth2 is None


def test_reconnect_can_invite_every_account_without_an_oauth2_token_before_x_refuses_anything(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE, flow="oauth1")
    connect(world, BOB)
    plain, _ = migrate(admin, "reconnect")
    _, rows = migrate(admin, "reconnect", without_oauth2=True)
    assert plain["accounts"] == []
    assert ALICE in rows
    assert BOB not in rows  # on XAA from the start, with its OAuth 2.0 token
    assert rows[ALICE]["why"] == "no OAuth 2.0 token yet (without_oauth2)"


def test_apply_named_on_an_account_on_xaa_from_the_start_changes_nothing(world, emulator):
    admin = make_admin(world)
    connect(world, ALICE)
    before = world.accounts.get(ALICE)
    _, accounts = migrate(admin, "apply", user_ids=[ALICE])
    assert accounts[ALICE]["note"] == "on XAA from the start (it connected that way): nothing to apply"
    assert world.accounts.get(ALICE).version == before.version
