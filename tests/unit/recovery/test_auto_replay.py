"""Recovery without a person: ensure replays, once, what X could not deliver, against X's emulator.

The emulator runs the replay jobs for real (its one-job-at-a-time rule, 24 h window, 429s); the admin
state is tests/fakes/stores.py's MemoryStateStore (the SSM adapter is tested on moto in tests/integration);
the failure metric is FakeDeliveryFailures. Times move with the emulator's clock, which is admin's too.
"""

import pytest

from tests.fakes import FakeDeliveryFailures, MemoryStateStore, admin_services
from tests.unit.admin.conftest import make_admin
from xwebhook.admin.actions.ensure import last_ensure
from xwebhook.recovery import state
from xwebhook.recovery.auto_replay import (
    REACH_MINUTES,
    RETRY_LEAD_MINUTES,
    SETTLE_MINUTES,
    RecoverySettings,
    recover,
    status,
)
from xwebhook.recovery.delivery_failures import MetricUnavailable
from xwebhook.recovery.windows import minute_of_stamp, stamp

HOUR = 3600


@pytest.fixture
def store():
    return MemoryStateStore()


@pytest.fixture
def failures():
    return FakeDeliveryFailures()


def recovering(emulator, receiver, store, failures, flavour="v2", **settings):
    admin = make_admin(emulator.base_url, receiver.url, flavour, now=emulator.now)
    admin.ensure_parts = [("recovery", recover)]
    admin.status_parts = [("last_ensure", last_ensure), ("recovery", status)]
    admin.services = admin_services(
        state=store, delivery_failures=failures, recovery=RecoverySettings("/t/admin-state", **settings)
    )
    return admin


@pytest.fixture
def admin(emulator, receiver, store, failures):
    return recovering(emulator, receiver, store, failures)


def now_minute(emulator):
    return int(emulator.now() // 60)


def jobs(emulator):
    return sorted(emulator.replay_jobs.values(), key=lambda job: int(job["job_id"]))


def ensure(admin):
    result = admin.handle({"action": "ensure"})
    assert "recovery" in result, result
    return result


def test_nothing_to_recover_replays_nothing_and_remembers_the_run(emulator, admin, store):
    first = ensure(admin)
    assert first["ok"] is True, first
    assert first["recovery"]["ok"] is True, first
    assert "started" not in first["recovery"]
    assert jobs(emulator) == []
    assert first["metrics"] == {"AutoReplayJobs": 0, "AutoReplayRefused": 0, "ReplayMinutesLost": 0}
    remembered = store.document
    assert remembered["recovery"]["webhook_id"] == first["webhook"]["id"]
    assert remembered["recovery"]["webhook_seen_valid_at"] == now_minute(emulator)
    assert remembered["last_ensure"]["ok"] is True
    assert remembered["last_ensure"]["did"] == ["register: ok", "subscribe 2244994945: ok", "subscribe 783214: ok"]
    assert remembered["last_ensure"]["parts"] == {"recovery": True}


def test_a_webhook_found_invalid_is_replayed_from_when_it_was_last_seen_valid(emulator, admin, store):
    # Given an ensure that saw the webhook valid, two hours ago
    ensure(admin)
    seen_valid = now_minute(emulator)
    webhook_id = store.document["recovery"]["webhook_id"]
    emulator.advance_clock(2 * HOUR)
    # And X marked it invalid since (failed CRCs)
    emulator.invalidate(webhook_id)
    # When ensure runs: it revalidates the webhook, then replays the outage
    result = ensure(admin)
    assert [step["step"] for step in result["did"]] == ["revalidate"]
    assert result["webhook_valid"] is True
    started = result["recovery"]["started"]
    assert (started["from"], started["to"], started["why"]) == (
        stamp(seen_valid),
        stamp(now_minute(emulator)),
        "webhook invalid",
    )
    (job,) = jobs(emulator)
    # X's to_date is inclusive: the window's last minute, one before its (exclusive) end
    last_minute = stamp(now_minute(emulator) - 1)
    assert (job["webhook_id"], job["from_date"], job["to_date"]) == (webhook_id, started["from"], last_minute)
    assert started["job_id"] == job["job_id"]
    assert result["metrics"]["AutoReplayJobs"] == 1
    # Then the next ensure replays nothing more: once
    emulator.wait_replay(job["job_id"])
    again = ensure(admin)
    assert "started" not in again["recovery"]
    assert len(jobs(emulator)) == 1
    assert store.document["recovery"]["replayed"][-1]["job_id"] == job["job_id"]


def test_an_invalid_webhook_without_memory_replays_all_of_x_24_hours(emulator, receiver, admin):
    hook = emulator.add_webhook(receiver.url, valid=False)
    result = ensure(admin)
    started = result["recovery"]["started"]
    now = now_minute(emulator)
    assert minute_of_stamp(started["from"]) == now - REACH_MINUTES + 1
    assert minute_of_stamp(started["to"]) == now
    assert "not known since when" in result["recovery"]["note"]
    assert jobs(emulator)[0]["webhook_id"] == hook["id"]


def test_a_webhook_that_stays_invalid_keeps_its_outage_open_until_it_is_valid(emulator, receiver, admin, store):
    ensure(admin)
    seen_valid = now_minute(emulator)
    webhook_id = store.document["recovery"]["webhook_id"]
    emulator.advance_clock(HOUR)
    emulator.invalidate(webhook_id)
    receiver.crc_mode = "wrong"  # our CRC answers are wrong: revalidation fails
    failing = ensure(admin)
    assert failing["webhook_valid"] is False
    assert jobs(emulator) == []
    assert failing["recovery"]["outage"]["since"] == stamp(seen_valid)
    assert admin.handle({"action": "status"})["recovery"]["webhook_invalid_since"].startswith(
        f"{stamp(seen_valid)[:4]}-"
    )
    # When the CRC is fixed an hour later, the whole outage is replayed
    emulator.advance_clock(HOUR)
    receiver.crc_mode = "ok"
    fixed = ensure(admin)
    started = fixed["recovery"]["started"]
    assert (minute_of_stamp(started["from"]), minute_of_stamp(started["to"])) == (seen_valid, now_minute(emulator))


def test_a_5xx_stretch_is_replayed_once_it_has_settled(emulator, admin, failures):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 30, now - 29, now - 28]
    result = ensure(admin)
    started = result["recovery"]["started"]
    assert (minute_of_stamp(started["from"]), minute_of_stamp(started["to"])) == (
        now - 30 - RETRY_LEAD_MINUTES,
        now - 27,
    )
    assert started["why"] == "ingest 5xx"
    # the metric still shows those minutes next run: nothing is replayed twice
    emulator.wait_replay(started["job_id"])
    assert "started" not in ensure(admin)["recovery"]
    assert len(jobs(emulator)) == 1


def test_a_5xx_stretch_that_is_still_going_on_waits_for_x_retries(emulator, admin, failures):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 3, now - 2, now - 1]
    result = ensure(admin)
    assert "started" not in result["recovery"]
    assert jobs(emulator) == []
    assert result["recovery"]["ingest_failing"]["since"] == stamp(now - 3)
    emulator.advance_clock((SETTLE_MINUTES + 1) * 60)
    started = ensure(admin)["recovery"]["started"]
    assert minute_of_stamp(started["from"]) == now - 3 - RETRY_LEAD_MINUTES


def test_a_stretch_that_overlaps_a_replayed_window_replays_only_the_rest(emulator, admin, failures):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 60]
    first = ensure(admin)["recovery"]["started"]
    emulator.wait_replay(first["job_id"])
    # the same failure went on longer than the metric first showed (late data points)
    failures.minutes = [now - 60, now - 59, now - 58, now - 40]
    second = ensure(admin)["recovery"]["started"]
    assert minute_of_stamp(second["from"]) == now - 59  # the end of the first window
    assert minute_of_stamp(second["to"]) == now - 39


def test_a_window_a_person_replayed_is_not_replayed_again(emulator, admin, failures):
    ensure(admin)
    now = now_minute(emulator)
    manual = admin.handle({"action": "replay", "from": stamp(now - 90), "to": stamp(now - 10)})
    assert manual["ok"] is True
    assert "state_error" not in manual
    emulator.wait_replay(manual["job_id"])
    failures.minutes = [now - 50]
    result = ensure(admin)
    assert "started" not in result["recovery"]
    assert len(jobs(emulator)) == 1


def test_x_rate_limit_stops_replays_until_its_reset(emulator, admin, failures, store):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 30]
    emulator.fail_next("POST", "/2/webhooks/replay", 429)  # reset 60 s ahead on the emulator's clock
    limited = ensure(admin)
    assert "rate limit" in limited["recovery"]["waiting"]
    assert jobs(emulator) == []
    assert limited["recovery"]["pending"][0]["why"] == "ingest 5xx"
    calls_before = len(emulator.requests)
    # before the reset: not even asked
    assert "resets at" in ensure(admin)["recovery"]["waiting"]
    assert not [r for r in emulator.requests[calls_before:] if "replay" in r[1]]
    # after it: replayed
    emulator.advance_clock(120)
    assert ensure(admin)["recovery"]["started"]["why"] == "ingest 5xx"
    assert "rate_limited_until" not in store.document["recovery"]


def test_one_job_at_a_time_the_second_window_waits_for_the_next_run(emulator, admin, failures):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 300, now - 30]  # more than an hour apart: two windows
    first = ensure(admin)
    assert minute_of_stamp(first["recovery"]["started"]["from"]) == now - 300 - RETRY_LEAD_MINUTES
    assert len(first["recovery"]["pending"]) == 1
    emulator.fail_next("POST", "/2/webhooks/replay", 409, body={"title": "Conflict", "detail": "job in progress"})
    busy = ensure(admin)
    assert "still running a replay job" in busy["recovery"]["waiting"]
    assert busy["recovery"]["ok"] is True
    emulator.wait_replay(first["recovery"]["started"]["job_id"])
    last = ensure(admin)["recovery"]
    assert minute_of_stamp(last["started"]["from"]) == now - 30 - RETRY_LEAD_MINUTES
    assert "pending" not in last


def test_a_replay_x_refuses_is_reported_and_not_tried_again(emulator, admin, failures, store):
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now - 30]
    emulator.fail_next("POST", "/2/webhooks/replay", 403, body={"title": "Forbidden", "detail": "not entitled"})
    refused = ensure(admin)
    assert refused["ok"] is False
    assert refused["recovery"]["ok"] is False
    assert "X refused to replay" in refused["recovery"]["error"]
    assert "not entitled" in refused["recovery"]["error"]
    assert refused["metrics"]["AutoReplayRefused"] == 1
    assert ensure(admin)["recovery"]["ok"] is True
    assert jobs(emulator) == []
    assert store.document["recovery"]["refused"][0]["why"] == "ingest 5xx"


def test_what_lies_beyond_x_24_hours_is_reported_lost_and_the_rest_replayed(emulator, admin, store):
    ensure(admin)
    seen_valid = now_minute(emulator)
    emulator.advance_clock(30 * HOUR)  # ensure did not run for 30 hours
    emulator.invalidate(store.document["recovery"]["webhook_id"])
    result = ensure(admin)
    recovery = result["recovery"]
    now = now_minute(emulator)
    (lost,) = recovery["lost"]
    assert minute_of_stamp(lost["from"]) == seen_valid
    assert minute_of_stamp(lost["to"]) == now - REACH_MINUTES + 1
    assert result["metrics"]["ReplayMinutesLost"] == now - REACH_MINUTES + 1 - seen_valid
    assert recovery["ok"] is False
    assert "older than X's 24 h replay reach" in recovery["error"]
    assert minute_of_stamp(recovery["started"]["from"]) == now - REACH_MINUTES + 1
    assert store.document["recovery"]["lost"][0]["from"] == lost["from"]


@pytest.mark.parametrize(
    ("settings", "why"),
    [({"auto_replay": False}, "AUTO_REPLAY is off"), ({"replay_dedup": False}, "ReplayDedup is disabled")],
)
def test_without_auto_replay_or_dedup_windows_are_reported_not_replayed(emulator, receiver, store, settings, why):
    failures = FakeDeliveryFailures()
    admin = recovering(emulator, receiver, store, failures, **settings)
    ensure(admin)
    failures.minutes = [now_minute(emulator) - 30]
    result = ensure(admin)
    assert why in result["recovery"]["waiting"]
    assert result["recovery"]["auto_replay"] is False
    assert result["recovery"]["pending"]
    assert jobs(emulator) == []


def test_a_v1_flavour_says_it_has_no_replay(emulator, receiver, store):
    failures = FakeDeliveryFailures()
    admin = recovering(emulator, receiver, store, failures, flavour="enterprise")
    ensure(admin)
    failures.minutes = [now_minute(emulator) - 30]
    assert "has no replay (X API v2 only)" in ensure(admin)["recovery"]["waiting"]


def test_a_replaced_webhook_loses_the_windows_of_the_old_one(emulator, admin, store, failures):
    ensure(admin)
    old = store.document["recovery"]["webhook_id"]
    now = now_minute(emulator)
    failures.minutes = [now - 30]
    emulator.fail_next("POST", "/2/webhooks/replay", 429)
    assert ensure(admin)["recovery"]["pending"]  # a window waits behind X's rate limit
    admin.handle({"action": "delete"})
    emulator.advance_clock(120)
    failures.minutes = []
    result = ensure(admin)
    assert result["webhook"]["id"] != old
    assert f"webhook {old} was replaced" in result["recovery"]["lost"][0]["why"]
    assert jobs(emulator) == []


def test_an_unreadable_metric_or_state_makes_ensure_not_ok_and_says_which(emulator, admin, failures, store):
    ensure(admin)
    failures.error = MetricUnavailable("the XWebhook/DeliveriesFailed metric could not be read: AccessDenied")
    result = ensure(admin)
    assert result["ok"] is False
    assert result["recovery"]["error"].endswith("AccessDenied")
    assert result["webhook_valid"] is True  # WebhookValid stays 1: X's side is fine
    failures.error = None
    store.down = True
    down = ensure(admin)
    assert down["ok"] is False
    assert "ServiceUnavailable" in down["recovery"]["error"]
    assert "could not be written" in down["state_error"] or "could not be read" in down["state_error"]
    shown = admin.handle({"action": "status"})
    assert shown["ok"] is True
    assert "could not be read" in shown["last_ensure"]["error"]


def test_status_shows_last_ensure_and_the_recovery_memory(emulator, admin, failures):
    assert admin.handle({"action": "status"})["last_ensure"] is None  # before the first run
    ensure(admin)
    failures.minutes = [now_minute(emulator) - 30]
    ensure(admin)
    shown = admin.handle({"action": "status"})
    assert shown["last_ensure"]["ok"] is True
    assert shown["last_ensure"]["webhook_valid"] is True
    assert shown["recovery"]["auto_replay"] is True
    assert shown["recovery"]["webhook_seen_valid_at"].endswith("Z")
    assert shown["recovery"]["replayed"][0]["why"] == "ingest 5xx"
    assert shown["recovery"]["replayed"][0]["job_id"]


def test_an_ensure_that_fails_outright_is_remembered_too(emulator, admin, store):
    emulator.fail_next("GET", "/2/webhooks", 401, count=1)
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is False
    assert store.document["last_ensure"]["ok"] is False
    assert "X refused" in store.document["last_ensure"]["error"]


def test_without_a_state_parameter_the_part_says_it_keeps_no_memory(emulator, receiver):
    admin = make_admin(emulator.base_url, receiver.url, "v2", now=emulator.now)
    admin.ensure_parts = [("recovery", recover)]
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is True
    assert result["recovery"]["note"] == "no ADMIN_STATE_PARAMETER: ensure keeps no memory"


# the state document ------------------------------------------------------------------------------------------


def test_the_state_fits_ssm_standard_tier_by_dropping_the_oldest_history():
    document = {
        "v": 1,
        "recovery": {"replayed": [{"from": "202611271530", "to": "202611271600", "n": i} for i in range(200)]},
    }
    text = state.encode(document)
    assert len(text) <= state.MAX_CHARS
    kept = state.decode(text)["recovery"]["replayed"]
    assert kept[-1]["n"] == 199
    assert kept[0]["n"] > 0


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"v": 7, "x": 1}'])
def test_a_state_that_is_not_ours_starts_afresh_with_a_note(text):
    document = state.decode(text)
    assert document["v"] == 1
    assert "started afresh" in document["note"]


def test_the_template_initial_value_is_an_empty_state():
    assert state.decode("{}") == state.empty()


def test_with_no_settling_the_minutes_that_are_over_are_replayed_and_the_current_one_next_run(
    emulator, receiver, store, failures
):
    admin = recovering(emulator, receiver, store, failures, settle_minutes=0)
    ensure(admin)
    now = now_minute(emulator)
    failures.minutes = [now]
    first = ensure(admin)["recovery"]
    assert minute_of_stamp(first["started"]["to"]) == now  # X replays whole minutes only
    assert first["pending"] == [{"from": stamp(now), "to": stamp(now + 1), "why": "ingest 5xx"}]
    emulator.wait_replay(first["started"]["job_id"])
    emulator.advance_clock(60)
    second = ensure(admin)["recovery"]["started"]
    assert (minute_of_stamp(second["from"]), minute_of_stamp(second["to"])) == (now, now + 1)


def test_recovery_settings_are_read_once_and_name_a_bad_variable():
    from xwebhook.env import ConfigError

    settings = RecoverySettings.from_env(
        {"ADMIN_STATE_PARAMETER": " /s/admin-state ", "AUTO_REPLAY": "false", "REPLAY_SETTLE_MINUTES": "0"}
    )
    assert settings == RecoverySettings("/s/admin-state", auto_replay=False, replay_dedup=True, settle_minutes=0)
    assert RecoverySettings.from_env({}) == RecoverySettings()
    with pytest.raises(ConfigError, match="REPLAY_SETTLE_MINUTES must be between 0 and 180"):
        RecoverySettings.from_env({"REPLAY_SETTLE_MINUTES": "999"})
    with pytest.raises(ConfigError, match="AUTO_REPLAY must be true or false"):
        RecoverySettings.from_env({"AUTO_REPLAY": "sometimes"})
