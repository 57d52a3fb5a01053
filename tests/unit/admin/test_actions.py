"""Every action against X's emulator, in each API flavour (v2, v1.1 Enterprise, v1.1 Premium).

The emulator checks bearer tokens and OAuth 1.0a signatures for real and runs real CRC GETs against the
receiver fixture, so these tests see the auth each endpoint takes and X's answers in each flavour's style.
"""

import pytest

from tests.unit.admin.conftest import (
    CREDENTIALS_JSON,
    OTHER_ID,
    OWNER_ID,
    STRANGER_ID,
    STRANGER_TOKENS,
    make_admin,
)

MUTATING = ("POST", "PUT", "DELETE")


def registered(emulator, admin):
    result = admin.handle({"action": "register"})
    assert result["ok"], result
    return result["webhook"]["id"]


def x_calls(emulator, method=None, fragment=""):
    return [r for r in emulator.requests if (method is None or r[0] == method) and fragment in r[1]]


# status --------------------------------------------------------------------------------------------------


def test_status_with_nothing_registered_says_what_ensure_would_do(admin, receiver):
    result = admin.handle({"action": "status"})
    assert result["ok"] is True
    assert result["webhook"] is None
    assert result["webhook_url"] == receiver.url
    assert [(step["step"], step.get("user_id")) for step in result["ensure_would"]] == [
        ("register", None),
        ("subscribe", OWNER_ID),
        ("subscribe", OTHER_ID),
    ]


def test_status_reports_our_webhook_subscriptions_and_other_webhooks(emulator, admin, flavour, receiver):
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OWNER_ID)
    if flavour == "v2":  # one more webhook of the app, for another URL (v2's limit is per app)
        emulator.webhook_limit = 2
        emulator.add_webhook("https://elsewhere.example.com/webhook", valid=False)
    result = admin.handle({"action": "status"})
    assert result["webhook"]["id"] == webhook_id
    assert result["webhook"]["valid"] is True
    assert result["webhook"]["created_at"]
    assert result["subscribed_user_ids"] == [OWNER_ID]
    assert result["subscription_count"] == 1
    assert result["ensure_would"] == [
        {"step": "subscribe", "why": f"user {OTHER_ID} is not subscribed", "user_id": OTHER_ID}
    ]
    others = [hook["url"] for hook in result["other_webhooks"]]
    assert others == (["https://elsewhere.example.com/webhook"] if flavour == "v2" else [])


# register / revalidate / delete --------------------------------------------------------------------------


def test_register_runs_a_crc_and_a_second_register_changes_nothing(emulator, admin, receiver):
    first = admin.handle({"action": "register"})
    assert first["ok"] is True
    assert first["created"] is True
    assert first["webhook"]["valid"] is True
    assert receiver.crc_count == 1
    second = admin.handle({"action": "register"})
    assert second["ok"] is True
    assert second["created"] is False
    assert second["webhook"]["id"] == first["webhook"]["id"]
    assert len(emulator.webhooks) == 1
    assert receiver.crc_count == 1


def test_register_reports_x_reason_when_the_crc_fails(emulator, admin, receiver, flavour):
    receiver.crc_mode = "wrong"
    result = admin.handle({"action": "register"})
    assert result["ok"] is False
    assert result["error"].startswith("X refused register (HTTP ")
    if flavour == "v2":
        assert "CrcValidationFailed" in result["error"]
        assert result["x_error"]["status"] == 400
    else:
        assert "214: Webhook URL does not meet the requirements" in result["error"]
        assert result["x_error"]["errors"][0]["code"] == 214
    assert emulator.webhooks == {}


def test_revalidate_brings_back_an_invalidated_webhook(emulator, admin):
    webhook_id = registered(emulator, admin)
    emulator.invalidate(webhook_id)
    result = admin.handle({"action": "revalidate"})
    assert result == {"action": "revalidate", "ok": True, "webhook_id": webhook_id, "valid": True}
    assert emulator.webhooks[webhook_id]["valid"] is True


def test_revalidate_that_fails_says_so_and_the_webhook_stays_invalid(emulator, admin, receiver, flavour):
    webhook_id = registered(emulator, admin)
    emulator.invalidate(webhook_id)
    receiver.crc_mode = "wrong"
    result = admin.handle({"action": "revalidate", "webhook_id": webhook_id})
    assert result["ok"] is False
    if flavour == "v2":  # v2 answers 200 {"data": {"valid": false}} with the CRC problem in `errors`
        assert result["valid"] is False
        assert "CrcValidationFailed" in result["error"]
    else:  # v1.1 refuses the PUT
        assert "214" in result["error"]
    assert emulator.webhooks[webhook_id]["valid"] is False


def test_revalidate_without_a_webhook_says_register_first(admin):
    result = admin.handle({"action": "revalidate"})
    assert result["ok"] is False
    assert "run register or ensure" in result["error"]


def test_delete_removes_the_webhook(emulator, admin):
    webhook_id = registered(emulator, admin)
    assert admin.handle({"action": "delete"}) == {
        "action": "delete",
        "ok": True,
        "webhook_id": webhook_id,
        "deleted": True,
    }
    assert emulator.webhooks == {}


def test_delete_of_an_unknown_id_reports_x_refusal(admin, flavour):
    result = admin.handle({"action": "delete", "webhook_id": "123"})
    assert result["ok"] is False
    assert result["x_error"]["status"] == 404
    assert ("WebhookIdInvalid" if flavour == "v2" else "34:") in result["error"]


# subscriptions -------------------------------------------------------------------------------------------


def test_subscribe_defaults_to_the_app_owner(emulator, admin):
    webhook_id = registered(emulator, admin)
    result = admin.handle({"action": "subscribe"})
    assert result == {
        "action": "subscribe",
        "ok": True,
        "webhook_id": webhook_id,
        "user_id": OWNER_ID,
        "subscribed": True,
    }
    assert emulator.subscriptions[webhook_id] == {OWNER_ID}
    # user context as the subscribing user, as X requires
    assert x_calls(emulator, "POST", "subscriptions")[-1][2] == "oauth1"


def test_subscribe_a_user_of_the_credentials_map(emulator, admin):
    webhook_id = registered(emulator, admin)
    assert admin.handle({"action": "subscribe", "user_id": OTHER_ID})["ok"] is True
    assert emulator.subscriptions[webhook_id] == {OTHER_ID}


def test_subscribe_a_user_whose_tokens_are_given_and_never_echo_them(emulator, admin):
    webhook_id = registered(emulator, admin)
    token, secret = STRANGER_TOKENS
    result = admin.handle({"action": "subscribe", "access_token": token, "access_token_secret": secret})
    assert result["ok"] is True
    assert result["user_id"] == STRANGER_ID
    assert emulator.subscriptions[webhook_id] == {STRANGER_ID}
    assert token not in str(result)
    assert secret not in str(result)


def test_subscribe_a_user_without_tokens_is_a_clear_error(emulator, admin):
    registered(emulator, admin)
    result = admin.handle({"action": "subscribe", "user_id": "555"})
    assert result["ok"] is False
    assert "no tokens for user 555" in result["error"]


def test_subscribe_refuses_an_invalid_webhook_without_asking_x(emulator, admin):
    webhook_id = registered(emulator, admin)
    emulator.invalidate(webhook_id)
    result = admin.handle({"action": "subscribe"})
    assert result["ok"] is False
    assert "is invalid: run revalidate" in result["error"]
    assert x_calls(emulator, "POST", "subscriptions") == []


def test_unsubscribe_removes_the_user(emulator, admin):
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OTHER_ID)
    result = admin.handle({"action": "unsubscribe", "user_id": OTHER_ID})
    assert result == {
        "action": "unsubscribe",
        "ok": True,
        "webhook_id": webhook_id,
        "user_id": OTHER_ID,
        "subscribed": False,
    }
    assert emulator.subscriptions[webhook_id] == set()


@pytest.mark.parametrize("flavour", ["v2", "premium"])  # v1.1 Enterprise signs it as the user (below)
def test_unsubscribe_goes_with_the_bearer_token_on_v2_and_premium(emulator, receiver, flavour):
    admin = make_admin(emulator.base_url, receiver.url, flavour, now=emulator.now)
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OTHER_ID)
    admin.handle({"action": "unsubscribe", "user_id": OTHER_ID})
    assert x_calls(emulator, "DELETE", OTHER_ID)[-1][2] == "bearer"


def test_an_enterprise_unsubscribe_is_signed_as_the_user_at_the_path_its_page_documents(emulator, receiver):
    admin = make_admin(emulator.base_url, receiver.url, "enterprise", now=emulator.now)
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OTHER_ID)
    assert admin.handle({"action": "unsubscribe", "user_id": OTHER_ID})["ok"] is True
    (call,) = x_calls(emulator, "DELETE", "subscriptions")
    assert call == ("DELETE", f"/1.1/account_activity/webhooks/{webhook_id}/subscriptions/all.json", "oauth1")


def test_unsubscribe_needs_a_user_id(admin):
    result = admin.handle({"action": "unsubscribe"})
    assert result == {"action": "unsubscribe", "ok": False, "error": "bad input: user_id: Field required"}


def test_subscriptions_lists_user_ids_and_x_counts(emulator, admin):
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OWNER_ID)
    emulator.add_subscription(webhook_id, OTHER_ID)
    result = admin.handle({"action": "subscriptions"})
    assert result["ok"] is True
    assert result["webhook_id"] == webhook_id
    assert sorted(result["user_ids"]) == sorted([OWNER_ID, OTHER_ID])
    assert result["count"] == 2
    assert result["app"]["provisioned_count"] == "10"


# ensure --------------------------------------------------------------------------------------------------


def test_ensure_from_nothing_registers_and_subscribes_then_does_nothing(emulator, admin, receiver):
    # Given a fresh app; When ensure runs
    first = admin.handle({"action": "ensure"})
    # Then the webhook is registered (through a real CRC) and every configured user subscribed
    assert first["ok"] is True
    assert first["webhook_valid"] is True
    webhook_id = first["webhook"]["id"]
    assert [(step["step"], step["ok"]) for step in first["did"]] == [
        ("register", True),
        ("subscribe", True),
        ("subscribe", True),
    ]
    assert emulator.subscriptions[webhook_id] == {OWNER_ID, OTHER_ID}
    # And running it again changes nothing at X (idempotent)
    changes = len(x_calls(emulator, "POST")) + len(x_calls(emulator, "PUT"))
    second = admin.handle({"action": "ensure"})
    assert second["ok"] is True
    assert second["did"] == []
    assert len(x_calls(emulator, "POST")) + len(x_calls(emulator, "PUT")) == changes


def test_ensure_revalidates_an_invalid_webhook_then_subscribes_the_missing_user(emulator, admin):
    webhook_id = registered(emulator, admin)
    emulator.add_subscription(webhook_id, OWNER_ID)
    emulator.invalidate(webhook_id)
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is True
    assert result["webhook_valid"] is True
    assert result["found"]["webhook"]["valid"] is False
    assert [(step["step"], step.get("user_id")) for step in result["did"]] == [
        ("revalidate", None),
        ("subscribe", OTHER_ID),
    ]
    assert emulator.webhooks[webhook_id]["valid"] is True
    assert emulator.subscriptions[webhook_id] == {OWNER_ID, OTHER_ID}


def test_ensure_reports_loudly_when_the_webhook_stays_invalid_and_subscribes_nobody(emulator, admin, receiver):
    webhook_id = registered(emulator, admin)
    emulator.invalidate(webhook_id)
    receiver.crc_mode = "wrong"
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is False
    assert result["webhook_valid"] is False
    assert result["error"].startswith(f"the webhook for {admin.settings.webhook_url} is still invalid")
    assert all(step.get("skipped") for step in result["did"] if step["step"] == "subscribe")
    assert x_calls(emulator, "POST", "subscriptions") == []


def test_ensure_when_the_crc_is_down_at_registration(emulator, admin, receiver):
    receiver.crc_mode = "down"
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is False
    assert result["webhook_valid"] is False
    assert result["webhook"] is None
    assert "is not registered" in result["error"]
    assert "CRC" in result["error"]


def test_ensure_with_subscribing_off_only_keeps_the_webhook(emulator, receiver, flavour):
    admin = make_admin(emulator.base_url, receiver.url, flavour, ensure_subscribe=False)
    result = admin.handle({"action": "ensure"})
    assert result["ok"] is True
    assert [step["step"] for step in result["did"]] == ["register"]
    assert not any(emulator.subscriptions.values())


def test_ensure_names_an_owner_whose_user_id_cannot_be_told(emulator, receiver):
    credentials = CREDENTIALS_JSON.replace(f"{OWNER_ID}-owner-token", "opaque-owner-token")
    emulator.users[OWNER_ID] = ("opaque-owner-token", "owner-token-secret")
    admin = make_admin(emulator.base_url, receiver.url, "v2", credentials_json=credentials)
    result = admin.handle({"action": "ensure"})
    assert result["webhook_valid"] is True
    assert result["ok"] is False
    assert "set owner_user_id" in result["error"]


# replay --------------------------------------------------------------------------------------------------


def test_replay_asks_x_for_the_window_and_x_delivers_again(emulator, admin, receiver, flavour):
    webhook_id = registered(emulator, admin)
    if flavour != "v2":
        result = admin.handle({"action": "replay", "from": "2026-01-01T00:00:00Z"})
        assert result == {
            "action": "replay",
            "ok": False,
            "error": f"replay uses POST /2/webhooks/replay, which exists in X API v2 only; X_API_FLAVOUR is {flavour}",
        }
        assert x_calls(emulator, fragment="replay") == []
        return
    assert emulator.deliver({"for_user_id": OWNER_ID, "favorite_events": [{"id": "f1"}]}) == 200
    emulator.advance_clock(120)  # the delivery is two minutes old
    result = admin.handle({"action": "replay", "from_date": _minutes_ago(emulator, 10)})
    assert result["ok"] is True
    assert result["webhook_id"] == webhook_id
    assert result["job_id"]
    assert result["to_date"] == _minutes_ago(emulator, 0)
    job = emulator.wait_replay(result["job_id"])
    assert job["job_state"] == "Complete"
    assert job["delivered"] == 1
    assert receiver.deliveries.count(receiver.deliveries[0]) == 2  # the original and its replay


def _minutes_ago(emulator, minutes):
    import time as _time

    return _time.strftime("%Y%m%d%H%M", _time.gmtime(emulator.now() - minutes * 60))


def test_replay_outside_the_window_is_refused_before_asking_x(emulator, v2_admin):
    registered(emulator, v2_admin)
    result = v2_admin.handle({"action": "replay", "from": "2020-01-01T00:00Z", "to": "2020-01-01T01:00Z"})
    assert result["ok"] is False
    assert "outside X's 24 h replay window" in result["error"]
    assert x_calls(emulator, fragment="replay") == []


# hostile inputs (issue 6): a clear bad input, X never called -------------------------------------------


def test_a_replay_with_far_off_dates_is_bad_input_and_logs_no_traceback(emulator, receiver):
    logged = []
    admin = make_admin(emulator.base_url, receiver.url, "v2", now=emulator.now)
    admin.logger = type("Logger", (), {"exception": lambda self, *args, **kwargs: logged.append(args)})()
    for start in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        result = admin.handle({"action": "replay", "from": start})
        assert result["ok"] is False, result
        assert result["error"].startswith("bad input: from is out of range"), result
    assert logged == []
    assert emulator.requests == []


@pytest.mark.parametrize("subscription_id", ["..", "/", "%2e%2e", ".", "1/../2"])
def test_xaa_delete_of_an_id_with_path_meaning_never_reaches_x(emulator, v2_admin, subscription_id):
    result = v2_admin.handle({"action": "xaa_delete", "subscription_id": subscription_id})
    assert result == {
        "action": "xaa_delete",
        "ok": False,
        "error": "bad input: subscription_id: must be an X id (1 to 19 digits 0-9)",
    }
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"action": "unsubscribe", "user_id": "١٢٣"}, "user_id"),
        ({"action": "delete", "webhook_id": "²"}, "webhook_id"),
        ({"action": "revalidate", "webhook_id": ".."}, "webhook_id"),
        ({"action": "xaa_update", "subscription_id": "𝟙", "tag": "t"}, "subscription_id"),
    ],
)
def test_ids_that_are_no_x_ids_are_bad_input_for_every_action(emulator, v2_admin, event, field):
    result = v2_admin.handle(event)
    assert result["ok"] is False
    assert result["error"] == f"bad input: {field}: must be an X id (1 to 19 digits 0-9)"
    assert emulator.requests == []


# XAA -----------------------------------------------------------------------------------------------------


def test_xaa_subscriptions_create_list_update_delete(emulator, admin, flavour):
    webhook_id = registered(emulator, admin)
    if flavour != "v2":
        for action in ("xaa_create", "xaa_list", "xaa_update", "xaa_delete"):
            # even with fields that would be wrong anyway: the flavour is what the operator must hear about
            fields = {"xaa_create": {"event_type": "post.create", "user_id": OWNER_ID}, "xaa_list": {}}.get(
                action, {"subscription_id": "1", "tag": "t"}
            )
            result = admin.handle({"action": action, **fields})
            assert result["ok"] is False
            assert "exist in X API v2 only" in result["error"]
        assert x_calls(emulator, fragment="/2/activity") == []
        return
    created = admin.handle({"action": "xaa-create", "event_type": "post.create", "user_id": OWNER_ID, "tag": "mine"})
    assert created["ok"] is True
    subscription = created["subscription"]
    assert subscription["event_type"] == "post.create"
    assert subscription["filter"] == {"user_id": OWNER_ID}
    assert subscription["webhook_id"] == webhook_id
    assert subscription["tag"] == "mine"
    listed = admin.handle({"action": "xaa_list"})
    assert listed["count"] == 1
    assert listed["subscriptions"][0]["subscription_id"] == subscription["subscription_id"]
    updated = admin.handle({"action": "xaa_update", "subscription_id": subscription["subscription_id"], "tag": "new"})
    assert updated["ok"] is True
    assert updated["subscription"]["tag"] == "new"
    deleted = admin.handle({"action": "xaa_delete", "subscription_id": subscription["subscription_id"]})
    assert deleted == {
        "action": "xaa_delete",
        "ok": True,
        "subscription_id": subscription["subscription_id"],
        "deleted": True,
    }
    assert emulator.xaa_subscriptions == {}


def test_xaa_create_reports_x_refusal(emulator, v2_admin):
    registered(emulator, v2_admin)
    result = v2_admin.handle({"action": "xaa_create", "event_type": "not.a.type", "keyword": "x"})
    assert result["ok"] is False
    assert result["x_error"]["status"] == 400
    assert "$.event_type: 'not.a.type' is not one of the 42 values the document allows" in result["error"]


# X's errors through the whole stack ------------------------------------------------------------------------


def test_rate_limit_tells_when_to_try_again(emulator, admin, flavour):
    path = "/2/webhooks" if flavour == "v2" else "/1.1/account_activity"
    emulator.fail_next("GET", path, 429, headers={"x-rate-limit-reset": str(int(emulator.now()) + 300)})
    result = admin.handle({"action": "status"})
    assert result["ok"] is False
    assert "rate limit reached for list webhooks" in result["error"]
    assert 295 <= result["retry_after_seconds"] <= 300
    assert result["rate_limit_reset"].endswith("Z")
    assert result["x_error"]["status"] == 429
    assert len(x_calls(emulator)) == 1  # no retry


def test_server_errors_are_retried_then_the_action_succeeds(emulator, admin):
    emulator.fail_next("*", "/", 503, count=2)
    assert admin.handle({"action": "register"})["ok"] is True


def test_server_errors_that_last_are_a_clear_error(emulator, admin):
    emulator.fail_next("*", "/", 500, count=3)
    result = admin.handle({"action": "status"})
    assert result["ok"] is False
    assert result["error"].startswith("X API unavailable for list webhooks after 3 attempt(s): HTTP 500")


def test_wrong_bearer_token_is_x_refusal(emulator, receiver, flavour):
    admin = make_admin(
        emulator.base_url, receiver.url, flavour, credentials_json=CREDENTIALS_JSON.replace("test-bearer", "nope")
    )
    result = admin.handle({"action": "status"})
    assert result["ok"] is False
    assert result["x_error"]["status"] == 401
    assert "nope" not in str(result)
