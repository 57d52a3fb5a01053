"""The emulator's accounts control routes, over HTTP: many users at once (their tokens work on X's API right
away), and deliveries that go only where X's subscriptions send them (what `xwebhook send --as-x` uses)."""

import json

import pytest
import requests
from requests_oauthlib import OAuth1

from localdev.x_emulator import XEmulator
from tests.unit.localdev.x_emulator.conftest import SUBS, USERS

SECRET = "accounts-emulator-secret"
NEW = "1700000001"


@pytest.fixture
def emu():
    with XEmulator(consumer_key="ck", consumer_secret=SECRET, bearer_token="app-bearer", users=dict(USERS)) as e:
        yield e


def add_users(emu, control, **extra):
    users = [{"user_id": NEW, "access_token": "new-token", "access_token_secret": "new-secret"}]
    return control.post(emu.base_url + "/_emulator/users", json={"users": users, **extra})


def test_users_added_in_bulk_can_sign_their_own_calls_at_once(emu, control, hook):
    answer = add_users(emu, control, aaa_webhook_id=hook.webhook_id, aaa_subscription_limit=5000)
    assert answer.json() == {"users": 1, "aaa_subscribed": 1}
    assert emu.subscriptions[hook.webhook_id] == {NEW}
    assert emu.subscription_limit == 5000
    created = requests.post(
        emu.base_url + SUBS,
        json={"event_type": "dm.received", "filter": {"user_id": NEW}, "webhook_id": hook.webhook_id},
        auth=OAuth1("ck", SECRET, "new-token", "new-secret"),
        timeout=5,
    )
    assert created.status_code == 200


def test_bad_users_are_refused_and_none_is_added(emu, control):
    answer = control.post(emu.base_url + "/_emulator/users", json={"users": [{"user_id": "x1"}]})
    assert answer.status_code == 400
    assert "numeric" in answer.json()["error"]
    assert NEW not in emu.users


def test_the_accounts_routes_need_the_control_token(emu):
    answer = requests.post(emu.base_url + "/_emulator/users", json={"users": []}, timeout=5)
    assert answer.status_code == 401


def xaa_body(event_type, user_id):
    return json.dumps(
        {"data": {"event_uuid": "-1", "event_type": event_type, "filter": {"user_id": user_id}, "payload": {"id": "9"}}}
    )


def deliver(emu, control, body):
    return control.post(emu.base_url + "/_emulator/deliver_subscribed", json={"body": body}).json()


def test_an_xaa_event_goes_to_each_subscription_that_covers_it_with_its_tag(emu, control, hook):
    emu.create_xaa(
        {"event_type": "post.create", "filter": {"user_id": NEW}, "tag": "ours:1", "webhook_id": hook.webhook_id}
    )
    answer = deliver(emu, control, xaa_body("post.create", NEW))
    assert answer["skipped"] is None
    assert [d["status"] for d in answer["deliveries"]] == [200]
    assert hook.posts[-1]["data"]["tag"] == "ours:1"


def test_an_xaa_event_no_subscription_covers_is_not_delivered(emu, control, hook):
    answer = deliver(emu, control, xaa_body("post.create", NEW))
    assert answer == {"deliveries": [], "skipped": f"no XAA subscription covers post.create for user {NEW}"}
    assert hook.posts == []


def test_an_aaa_delivery_goes_only_to_webhooks_its_account_is_subscribed_on(emu, control, hook):
    body = json.dumps({"for_user_id": NEW, "favorite_events": [{"id": "f1"}]})
    assert "not subscribed on the Account Activity API" in deliver(emu, control, body)["skipped"]
    emu.add_subscription(hook.webhook_id, NEW)
    answer = deliver(emu, control, body)
    assert [d["webhook_id"] for d in answer["deliveries"]] == [hook.webhook_id]
    assert hook.posts == [json.loads(body)]
