"""ensure's `xaa` part against fakes: the runner's fallback, adoption, cap, 429s and what it stores."""

from dataclasses import replace

from tests.fakes import RESET_EPOCH, FakeXaa
from tests.unit.migrate.conftest import ALICE, HOOK, NOW, OTHER, SETTINGS, account, oauth1, oauth2, ours
from xwebhook.accounts.models import REVOKED
from xwebhook.migrate.holds import STATE_KEY
from xwebhook.migrate.xaa_runner import ensure_xaa
from xwebhook.recovery.state import MemoryState
from xwebhook.x_api.xaa import Subscription

VALID = {"webhook_valid": True, "webhook": HOOK.as_dict()}


def alice(**changes):
    return account(
        ALICE, **{"oauth2": oauth2(), "oauth1": oauth1(), "event_types": ("post.create", "dm.received"), **changes}
    )


def test_ensure_creates_what_an_account_lacks_with_our_tag_webhook_and_the_right_credential(world):
    admin = world([alice()])
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is True, report
    made = {s.event_type: s for s in admin.api.xaa.subscriptions.values()}
    assert set(made) == {"post.create", "dm.received"}
    assert {(s.tag, s.webhook_id) for s in made.values()} == {(f"xw:{ALICE}", HOOK.id)}
    assert [c[1:] for c in admin.api.xaa.calls if c[0] == "create"] == [
        ("post.create", ALICE, "bearer"),
        ("dm.received", ALICE, "oauth2"),
    ]
    stored = admin.services.accounts.get(ALICE)
    assert stored.xaa_subscriptions == {t: s.id for t, s in made.items()}
    assert stored.xaa_auth == {"post.create": "bearer", "dm.received": "oauth2"}


def test_running_ensure_again_changes_nothing(world):
    admin = world([alice()])
    ensure_xaa(admin, VALID)
    before = len(admin.api.xaa.calls)
    again = ensure_xaa(admin, VALID)
    assert again["ok"] is True
    assert again["did"] == []
    assert again["present"] == 2
    assert admin.api.xaa.calls[before:] == [("list",)]


def test_x_refusing_the_oauth2_token_falls_back_to_oauth1_and_remembers_it(world):
    admin = world([alice()], xaa=FakeXaa(refuse={("dm.received", "oauth2"): 403}))
    report = ensure_xaa(admin, VALID)
    (created,) = [d for d in report["did"] if d["event_type"] == "dm.received"]
    assert created["ok"] is True
    assert created["credential"] == "oauth1"
    assert created["refused"] == [{"credential": "oauth2", "status": 403, "reason": "Forbidden"}]
    assert admin.services.accounts.get(ALICE).xaa_auth["dm.received"] == "oauth1"
    # the next subscription of that type starts with what worked
    admin.api.xaa.subscriptions.clear()
    ensure_xaa(admin, VALID)
    assert [c for c in admin.api.xaa.calls if c[:2] == ("create", "dm.received")][-1][3] == "oauth1"


def test_every_credential_refused_is_reported_and_recorded_for_status(world):
    admin = world([alice()], xaa=FakeXaa(refuse={("dm.received", "oauth2"): 403, ("dm.received", "oauth1"): 401}))
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert "X refused every credential tried (oauth2, oauth1)" in report["error"]
    refused = admin.services.accounts.get(ALICE).migration["refused"]["dm.received"]
    assert [item["credential"] for item in refused] == ["oauth2", "oauth1"]


def test_a_duplicate_adopts_the_subscription_x_names_and_tags_it(world):
    untagged = ours("77", "post.create", ALICE, tag="")  # on our webhook, made by hand before
    xaa = FakeXaa([untagged], duplicates={"post.create": "77"})
    admin = world([alice(event_types=("post.create",))], xaa=xaa)
    report = ensure_xaa(admin, VALID)  # not ours (no tag): planned as a create, X says duplicate
    (step,) = report["did"]
    assert step["adopted"] is True, step
    assert step["subscription_id"] == "77", step
    assert xaa.subscriptions["77"].tag == f"xw:{ALICE}"
    assert xaa.subscriptions["77"].webhook_id == HOOK.id
    assert admin.services.accounts.get(ALICE).xaa_subscriptions == {"post.create": "77"}


def test_a_duplicate_without_an_id_is_found_by_listing_again_and_others_on_other_webhooks_are_left_alone(world):
    foreign = Subscription("78", "post.create", {"user_id": ALICE}, "theirs", "111")
    xaa = FakeXaa(duplicates={"post.create": None})
    admin = world([alice(event_types=("post.create",))], xaa=xaa)
    original = xaa.list_all

    def list_all(*args, **kwargs):  # the foreign one shows up only on the second listing
        listing = original(*args, **kwargs)
        xaa.subscriptions["78"] = foreign
        return listing

    xaa.list_all = list_all
    report = ensure_xaa(admin, VALID)
    (step,) = report["did"]
    assert step["ok"] is False
    assert "not ours, so it is left alone" in step["error"]
    assert xaa.subscriptions["78"] == foreign


def test_x_saying_the_cap_is_reached_stops_every_further_create(world):
    admin = world([alice(), account(OTHER, oauth1=oauth1(), event_types=("post.create",))], xaa=FakeXaa(cap=1))
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert "cap" in report["error"]
    assert [d["ok"] for d in report["did"]] == [True, False, False]
    assert [c[0] for c in admin.api.xaa.calls].count("create") == 2  # the third was never tried


def test_a_429_stops_the_run_lists_the_rest_as_pending_and_the_next_run_waits_for_the_reset(world, clock):
    state = MemoryState()
    admin = world([alice()], xaa=FakeXaa(limit_after={"create XAA subscription": 1}), state=state)
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert report["rate_limit_reset_epoch"] == RESET_EPOCH
    assert [(d["event_type"], d["ok"], d.get("pending")) for d in report["did"]] == [
        ("post.create", True, None),
        ("dm.received", False, True),
    ]
    assert state.get(STATE_KEY) == {"create XAA subscription": RESET_EPOCH}
    calls = len(admin.api.xaa.calls)
    held = ensure_xaa(admin, VALID)  # still before the reset: create is not called at all
    assert held["did"][0]["pending"] is True
    assert "not called before then" in held["error"]
    assert [c[0] for c in admin.api.xaa.calls[calls:]] == ["list"]
    admin.api.xaa.limit_after.clear()
    clock.now = clock.now.fromtimestamp(RESET_EPOCH + 1, NOW.tzinfo)
    resumed = ensure_xaa(admin, VALID)
    assert resumed["ok"] is True
    assert [d["event_type"] for d in resumed["did"]] == ["dm.received"]


def test_a_429_on_the_list_is_reported_and_remembered(world):
    state = MemoryState()
    admin = world([alice()], xaa=FakeXaa(limit_after={"list XAA subscriptions": 0}), state=state)
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert report["rate_limit_reset_epoch"] == RESET_EPOCH
    assert state.get(STATE_KEY) == {"list XAA subscriptions": RESET_EPOCH}


def test_revoking_an_account_deletes_its_subscriptions_and_forgets_them(world):
    admin = world([alice()])
    ensure_xaa(admin, VALID)
    store = admin.services.accounts
    store.put(store.get(ALICE).with_changes(status=REVOKED))
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is True
    assert [d["step"] for d in report["did"]] == ["delete", "delete"]
    assert admin.api.xaa.subscriptions == {}
    assert store.get(ALICE).xaa_subscriptions == {}
    assert not any(c[0] == "create" for c in admin.api.xaa.calls[-3:])


def test_ensure_skips_xaa_without_a_store_or_a_valid_webhook(world):
    assert "no accounts store" in ensure_xaa(world(store=False), VALID)["skipped"]
    assert "not valid" in ensure_xaa(world([alice()]), {"webhook_valid": False, "webhook": None})["skipped"]


def test_unfit_accounts_make_ensure_not_ok(world):
    admin = world([alice()], settings=replace(SETTINGS, subscription_cap=1))
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert report["unfit"][0]["user_id"] == ALICE
    assert admin.api.xaa.subscriptions == {}


def test_holds_live_in_the_admin_state_beside_what_other_parts_keep_there(world):
    state = MemoryState({"v": 1, "last_ensure": {"ok": True}})
    admin = world([alice()], xaa=FakeXaa(limit_after={"create XAA subscription": 0}), state=state)
    ensure_xaa(admin, VALID)
    assert state.load() == {"v": 1, "last_ensure": {"ok": True}, STATE_KEY: {"create XAA subscription": RESET_EPOCH}}


def test_an_admin_state_that_cannot_be_read_or_written_is_said_not_fatal(world):
    class Down:
        def load(self):
            raise RuntimeError("the admin state (xw-state) could not be read: ServiceUnavailable")

        def save(self, document):
            raise AssertionError("not reached")

    admin = world([alice()], xaa=FakeXaa(limit_after={"create XAA subscription": 1}), state=Down())
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert report["rate_limit_reset_epoch"] == RESET_EPOCH
    assert "ServiceUnavailable" in report["rate_limits"]["state_problem"]


def test_a_run_stops_before_the_invocation_runs_out_of_time_and_the_next_one_resumes(world):
    admin = world([alice(), account(OTHER, oauth1=oauth1(), event_types=("post.create",))])
    left = iter([100.0, 100.0, 9.0, 8.0])
    admin.seconds_left = lambda: next(left)
    report = ensure_xaa(admin, VALID)
    assert report["ok"] is False
    assert "left in this invocation" in report["error"]
    assert [d.get("pending", False) for d in report["did"]] == [False, False, True]
    assert len(admin.api.xaa.subscriptions) == 2
    admin.seconds_left = lambda: None  # no deadline known (a local run)
    assert ensure_xaa(admin, VALID)["ok"] is True
    assert len(admin.api.xaa.subscriptions) == 3


def test_the_deadline_the_runner_sees_is_the_invocations_through_admin_and_its_client(world):
    from xwebhook.admin.dispatch import Admin
    from xwebhook.x_api.client import XClient

    client = XClient("https://api.x.com")
    admin = Admin(world().settings, None, lambda: None, client=client)
    assert admin.seconds_left() is None
    client.set_time_left(lambda: 42.0)
    assert admin.seconds_left() == 42.0
    assert Admin(world().settings, None, lambda: None).seconds_left() is None


# several steps at once -------------------------------------------------------------------------------------


def runner_with(xaa, settings=SETTINGS):
    from xwebhook.migrate.holds import RateHolds
    from xwebhook.migrate.xaa_runner import XaaRunner

    return XaaRunner(xaa, settings, RateHolds(MemoryState(), NOW.timestamp()), NOW.timestamp())


def test_steps_run_four_at_a_time_keep_their_order_in_the_record():
    runner = runner_with(FakeXaa())
    steps = [({"step": "step", "n": n}, lambda n=n: {"ok": True, "value": n * n}) for n in range(12)]
    records = runner.run(steps, workers=4)
    assert [record["value"] for record in records] == [n * n for n in range(12)]


def test_a_429_met_by_one_of_the_steps_running_at_once_leaves_the_rest_pending():
    from xwebhook.x_api.errors import RateLimited

    calls = []

    def step(n):
        calls.append(n)
        if n == 2:
            raise RateLimited("create XAA subscription", reset_epoch=RESET_EPOCH)
        return {"ok": True}

    runner = runner_with(FakeXaa())
    records = runner.run([({"n": n}, lambda n=n: step(n)) for n in range(40)], workers=4)
    assert runner.stopped["rate_limit_reset_epoch"] == RESET_EPOCH
    assert sum(1 for record in records if record.get("pending")) >= 40 - len(calls)
    assert len(calls) < 40  # steps after the 429 were not sent to X


def test_the_time_check_counts_steps_running_at_once():
    runner = runner_with(FakeXaa())
    runner.seconds_left = lambda: 17.0  # 2 s beyond the reserve; a step is assumed to take 0.5 s
    assert runner.time_for(4, workers=1) is True
    assert runner.time_for(16, workers=1) is False
    assert runner.time_for(16, workers=4) is True
