"""The X API emulator speaks X's protocol: real CRCs, real signatures, X's answers and error bodies.

Each test starts the emulator on a free port and, where X would call out, a small receiver that answers CRCs
the way the test says (right, wrong, 5xx, 3xx, slowly, not JSON) and records the signed POSTs it gets.
"""

import json
import socket
import time
from datetime import UTC, datetime

import pytest
import requests
from requests_oauthlib import OAuth1

from localdev.x_emulator import XEmulator, is_xaa_event_type
from localdev.x_emulator import errors as x_errors
from tests.conftest import all_sample_names, sample, sample_bytes
from tests.unit.localdev.x_emulator.conftest import BEARER, OTHER, OWNER, SECRET, user


def register(http, emu, url):
    return http.post(emu.base_url + "/2/webhooks", json={"url": url}, headers=BEARER)


def reason(response):
    body = response.json()
    return body.get("reason"), body.get("detail", ""), body["errors"][0]["message"]


# ---- v2 webhooks ---------------------------------------------------------------------------------------


def test_register_runs_a_real_crc_and_creates_a_valid_webhook(emu, receiver, http):
    response = register(http, emu, receiver.url)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["url"] == receiver.url
    assert data["valid"] is True
    assert data["id"].isdigit()
    datetime.strptime(data["created_at"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert len(receiver.crc_tokens) == 1
    assert len(receiver.crc_tokens[0]) >= 32
    assert emu.webhooks == {data["id"]: data}
    listed = http.get(emu.base_url + "/2/webhooks", headers=BEARER).json()
    assert listed == {"data": [data], "meta": {"result_count": 1}}


def test_each_crc_uses_a_fresh_token(emu, receiver, http):
    webhook_id = register(http, emu, receiver.url).json()["data"]["id"]
    emu.run_crc(webhook_id)
    assert len(set(receiver.crc_tokens)) == 2


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("wrong", "HTTP 200 with a wrong response_token"),
        ("notjson", "HTTP 200 without a JSON response_token"),
        (500, "HTTP 500"),
        (302, "HTTP 302"),
        ("slow", "timeout"),
    ],
)
def test_register_fails_when_the_crc_is_not_answered_correctly(emu, receiver, http, mode, said):
    receiver.crc_mode = mode

    response = register(http, emu, receiver.url)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    why, detail, message = reason(response)
    assert why == "CrcValidationFailed"
    assert detail.startswith("CrcValidationFailed:")
    assert said in detail
    assert receiver.url in detail
    assert message == detail
    assert response.json()["type"] == x_errors.INVALID_REQUEST
    assert emu.webhooks == {}


def test_register_refuses_a_url_already_registered(make_emu, receiver, http):
    emu = make_emu(webhook_limit=5)
    assert register(http, emu, receiver.url).status_code == 200

    response = register(http, emu, receiver.url)

    assert response.status_code == 400
    assert reason(response)[0] == "DuplicateUrlFailed"
    assert len(emu.webhooks) == 1
    assert len(receiver.crc_tokens) == 1


def test_register_refuses_past_the_webhook_limit(emu, receiver, http):
    assert register(http, emu, receiver.url).status_code == 200

    response = register(http, emu, receiver.url + "/second")

    assert response.status_code == 400
    assert reason(response)[0] == "WebhookLimitExceeded"
    assert len(emu.webhooks) == 1
    assert len(receiver.crc_tokens) == 1


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/webhook", "no scheme at all"])
def test_register_refuses_malformed_urls(emu, receiver, http, url):
    response = register(http, emu, url)

    assert response.status_code == 400
    assert reason(response)[0] == "UrlValidationFailed"
    assert receiver.crc_tokens == []


@pytest.mark.parametrize(
    ("url", "message"),
    [("", "$.url: '' should be non-empty"), ("http://127.0.0.1/" + "a" * 190, "$.url: 'http://127.0.0.1/aaaa")],
)
def test_register_refuses_a_url_xs_document_refuses_before_any_crc(emu, receiver, http, url, message):
    response = register(http, emu, url)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(message)
    assert receiver.crc_tokens == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/webhook", "https://127.0.0.1:8443/webhook"])
def test_strict_urls_require_https_without_a_port(make_emu, http, url):
    emu = make_emu(strict_urls=True)
    response = register(http, emu, url)
    assert response.status_code == 400
    assert reason(response)[0] == "UrlValidationFailed"


def test_strict_urls_let_a_portless_https_url_through_to_the_crc(make_emu, http):
    emu = make_emu(strict_urls=True)
    response = register(http, emu, "https://127.0.0.1/webhook")  # nothing listens on 443 here
    assert reason(response)[0] == "CrcValidationFailed"
    assert "connection failed" in reason(response)[1]


def test_an_app_without_webhooks_lists_none(emu, http):
    assert http.get(emu.base_url + "/2/webhooks", headers=BEARER).json() == {"data": [], "meta": {"result_count": 0}}


@pytest.mark.parametrize(
    ("mode", "before", "after"),
    [
        ("ok", False, True),  # a correct answer re-enables
        ("wrong", True, False),  # 2XX with a wrong token: invalid at once
        (301, True, False),  # 3XX: invalid at once
        (500, True, True),  # 5XX: transient, state kept
        (404, False, False),  # 4XX: transient, state kept
        ("slow", True, True),  # timeout: transient
    ],
)
def test_put_revalidates_by_x_v2_rules(emu, receiver, http, mode, before, after):
    webhook = emu.add_webhook(receiver.url, valid=before)
    receiver.crc_mode = mode

    response = http.put(f"{emu.base_url}/2/webhooks/{webhook['id']}", headers=BEARER)

    assert response.status_code == 200
    body = response.json()
    assert body["data"]["valid"] is after
    assert emu.webhooks[webhook["id"]]["valid"] is after
    assert len(receiver.crc_tokens) == 1
    if mode == "ok":
        assert "errors" not in body
    else:
        assert body["errors"][0]["title"] == "CrcValidationFailed"


def test_put_and_delete_of_an_unknown_webhook_are_404(emu, http):
    for method in ("PUT", "DELETE"):
        response = http.request(method, emu.base_url + "/2/webhooks/1234", headers=BEARER)
        assert response.status_code == 404
        assert reason(response)[0] == "WebhookIdInvalid"


def test_delete_removes_the_webhook_and_its_subscriptions(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    emu.add_subscription(webhook["id"], OWNER)

    response = http.delete(f"{emu.base_url}/2/webhooks/{webhook['id']}", auth=user())

    assert response.json() == {"data": {"deleted": True}}
    assert emu.webhooks == {}
    assert emu.subscriptions == {}


# ---- authentication -------------------------------------------------------------------------------------


def test_bearer_token_missing_or_wrong_is_401(emu, http):
    missing = http.get(emu.base_url + "/2/webhooks")
    wrong = http.get(emu.base_url + "/2/webhooks", headers={"Authorization": "Bearer nope"})
    legacy = http.get(emu.base_url + "/1.1/account_activity/webhooks.json", headers={"Authorization": "Bearer x"})

    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json() == {
            "title": "Unauthorized",
            "detail": "Unauthorized",
            "type": "about:blank",
            "status": 401,
        }
    assert legacy.status_code == 401
    assert legacy.json() == {"errors": [{"code": 89, "message": "Invalid or expired token."}]}


def test_oauth1_signature_is_verified_and_names_the_user(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    path = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"

    assert http.post(path, json={}, auth=user(OWNER)).json() == {"data": {"subscribed": True}}
    assert http.post(path, json={}, auth=user(OTHER)).status_code == 200

    assert emu.subscriptions[webhook["id"]] == {OWNER, OTHER}


@pytest.mark.parametrize(
    "auth",
    [
        OAuth1("test-consumer-key", "wrong-consumer-secret", "owner-token", "owner-token-secret"),
        OAuth1("test-consumer-key", SECRET, "owner-token", "wrong-token-secret"),
        OAuth1("wrong-consumer-key", SECRET, "owner-token", "owner-token-secret"),
        OAuth1("test-consumer-key", SECRET, "unknown-token", "owner-token-secret"),
        OAuth1(
            "test-consumer-key", SECRET, "owner-token", "owner-token-secret", timestamp=str(int(time.time()) - 3600)
        ),
    ],
    ids=["consumer-secret", "token-secret", "consumer-key", "token", "stale-timestamp"],
)
def test_oauth1_with_wrong_credentials_is_401(emu, receiver, http, auth):
    webhook = emu.add_webhook(receiver.url)
    response = http.post(f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all", auth=auth)
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    assert emu.subscriptions == {}


def test_oauth1_signature_covers_the_query(emu, receiver, http):
    endpoint = emu.base_url + "/1.1/account_activity/webhooks.json"
    signed = requests.Request("POST", endpoint, params={"url": receiver.url}, auth=user()).prepare()
    signed.prepare_url(endpoint, {"url": receiver.url + "/elsewhere"})  # keeps the signed header

    response = http.send(signed)

    assert response.status_code == 401
    assert response.json() == {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    assert receiver.crc_tokens == []
    assert emu.webhooks == {}


def test_oauth1_signature_covers_form_encoded_bodies(make_emu, receiver, http):
    emu = make_emu(webhook_limit=2)
    endpoint = emu.base_url + "/1.1/account_activity/webhooks.json"
    assert http.post(endpoint, data={"url": receiver.url}, auth=user()).status_code == 200

    signed = requests.Request("POST", endpoint, data={"url": receiver.url + "/a"}, auth=user()).prepare()
    signed.prepare_body({"url": receiver.url + "/b"}, None)  # keeps the signed header

    assert http.send(signed).status_code == 401
    assert [w["url"] for w in emu.webhooks.values()] == [receiver.url]


def test_oauth1_nonce_is_accepted_once(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    url = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"
    signed = requests.Request("GET", url, auth=user()).prepare()

    assert http.send(signed).status_code == 200
    assert http.send(signed).status_code == 401


def test_user_context_endpoints_refuse_bearer_and_bearer_endpoints_refuse_users(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    subscribe_v2 = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"
    subscribe_v1 = f"{emu.base_url}/1.1/account_activity/webhooks/{webhook['id']}/subscriptions/all.json"

    bearer_on_user = http.post(subscribe_v2, headers=BEARER)
    user_on_bearer = http.get(emu.base_url + "/2/webhooks", auth=user())
    legacy_bearer = http.post(subscribe_v1, headers=BEARER)
    legacy_user = http.get(emu.base_url + "/1.1/account_activity/webhooks.json", auth=user())

    assert bearer_on_user.status_code == user_on_bearer.status_code == 403
    assert bearer_on_user.json()["type"] == x_errors.UNSUPPORTED_AUTH
    assert "OAuth 2.0 Application-Only is forbidden" in bearer_on_user.json()["detail"]
    assert "OAuth 1.0a User Context is forbidden" in user_on_bearer.json()["detail"]
    assert legacy_bearer.status_code == legacy_user.status_code == 403
    assert legacy_bearer.json()["errors"][0]["code"] == 220
    assert legacy_user.json()["errors"][0]["code"] == 99
    assert emu.subscriptions == {}


def test_every_api_request_is_logged_with_its_auth_kind(emu, http):
    http.get(emu.base_url + "/2/webhooks")
    http.get(emu.base_url + "/2/webhooks", headers=BEARER)
    http.get(emu.base_url + "/2/account_activity/subscriptions/count", auth=user())
    http.get(emu.base_url + "/2/webhooks", headers={"Authorization": "Basic eDp5"})
    http.get(emu.base_url + "/_emulator/state")

    assert emu.requests == [
        ("GET", "/2/webhooks", "none"),
        ("GET", "/2/webhooks", "bearer"),
        ("GET", "/2/account_activity/subscriptions/count", "oauth1"),
        ("GET", "/2/webhooks", "basic"),
    ]


def test_unknown_paths_and_methods(emu, http):
    missing = http.get(emu.base_url + "/2/nothing-here", headers=BEARER)
    wrong_method = http.patch(emu.base_url + "/2/webhooks", headers=BEARER)
    legacy = http.get(emu.base_url + "/1.1/nothing.json", headers=BEARER)

    assert missing.status_code == 404
    assert missing.json()["title"] == "Not Found Error"
    assert wrong_method.status_code == 405
    assert legacy.status_code == 404
    assert legacy.json()["errors"][0]["code"] == 34


# ---- Account Activity v2 subscriptions ------------------------------------------------------------------


def test_subscribing_needs_a_webhook_that_exists_and_is_valid(emu, receiver, http):
    invalid = emu.add_webhook(receiver.url, valid=False)
    base = emu.base_url + "/2/account_activity/webhooks"

    not_valid = http.post(f"{base}/{invalid['id']}/subscriptions/all", json={}, auth=user())
    unknown = http.post(f"{base}/999/subscriptions/all", json={}, auth=user())

    assert not_valid.status_code == 400
    assert reason(not_valid)[0] == "WebhookNotValid"
    assert unknown.status_code == 404
    assert reason(unknown)[0] == "WebhookIdInvalid"
    assert emu.subscriptions == {}


def test_subscriptions_can_be_checked_listed_counted_and_deleted(emu, receiver, http):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    base = f"{emu.base_url}/2/account_activity/webhooks/{webhook_id}/subscriptions"
    http.post(base + "/all", json={}, auth=user(OWNER))
    http.post(base + "/all", json={}, auth=user(OTHER))

    assert http.get(base + "/all", auth=user(OWNER)).json() == {"data": {"subscribed": True}}
    listing = http.get(base + "/all/list", headers=BEARER).json()["data"]
    assert listing["application_id"] == emu.app_id
    assert listing["webhook_id"] == webhook_id
    assert listing["subscriptions"] == [{"user_id": user_id} for user_id in sorted([OWNER, OTHER])]
    count = http.get(emu.base_url + "/2/account_activity/subscriptions/count", headers=BEARER).json()["data"]
    assert count["subscriptions_count_all"] == "2"
    assert count["provisioned_count"] == "3"
    assert set(count) == {
        "account_name",
        "provisioned_count",
        "subscriptions_count_all",
        "subscriptions_count_direct_messages",
    }

    deleted = http.delete(f"{base}/{OTHER}/all", headers=BEARER)

    assert deleted.json() == {"data": {"subscribed": False}}
    assert http.get(base + "/all", auth=user(OTHER)).json() == {"data": {"subscribed": False}}
    assert emu.subscriptions[webhook_id] == {OWNER}


def test_subscription_limit(make_emu, receiver, http):
    emu = make_emu(subscription_limit=1)
    webhook_id = emu.add_webhook(receiver.url)["id"]
    path = f"{emu.base_url}/2/account_activity/webhooks/{webhook_id}/subscriptions/all"

    assert http.post(path, json={}, auth=user(OWNER)).status_code == 200
    refused = http.post(path, json={}, auth=user(OTHER))
    again = http.post(path, json={}, auth=user(OWNER))

    assert refused.status_code == 400
    assert reason(refused)[0] == "SubscriptionLimitExceeded"
    assert again.status_code == 200
    assert emu.subscriptions[webhook_id] == {OWNER}


# ---- X Activity API subscriptions ----------------------------------------------------------------------


def test_xaa_subscriptions_crud(emu, receiver, http):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    base = emu.base_url + "/2/activity/subscriptions"
    wanted = {"event_type": "profile.update.bio", "filter": {"user_id": OWNER}, "tag": "bio", "webhook_id": webhook_id}

    created = http.post(base, json=wanted, headers=BEARER).json()
    subscription = created["data"]["subscription"]  # X's document: data.subscription
    assert {k: subscription[k] for k in wanted} == wanted
    assert subscription["subscription_id"].isdigit()
    assert http.get(base, headers=BEARER).json() == {"data": [subscription], "meta": {"total_subscriptions": 1}}

    updated = http.put(f"{base}/{subscription['subscription_id']}", json={"tag": "new tag"}, headers=BEARER)
    assert updated.status_code == 200
    assert updated.json()["data"]["subscription"]["tag"] == "new tag"
    assert updated.json()["data"]["total_subscriptions"] == 1  # X's document: the update answer counts them
    assert emu.xaa_subscriptions[subscription["subscription_id"]]["tag"] == "new tag"

    deleted = http.delete(f"{base}/{subscription['subscription_id']}", headers=BEARER)
    assert deleted.json() == {"data": {"deleted": True}}
    assert http.get(base, headers=BEARER).json()["data"] == []
    assert http.delete(f"{base}/{subscription['subscription_id']}", headers=BEARER).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"event_type": "post.created", "filter": {"user_id": OWNER}},
        {"event_type": "profile.update.", "filter": {"user_id": OWNER}},
        {"event_type": "profile.update.anything_new", "filter": {"user_id": OWNER}},  # not in X's enum
        {"event_type": "oauth.revoke", "filter": {"user_id": OWNER}},  # delivered, not creatable
        {"filter": {"user_id": OWNER}},
        {"event_type": "follow.follow"},
        {"event_type": "follow.follow", "filter": {"user_id": OWNER, "keyword": "x"}},
        {"event_type": "news.new", "filter": {"user_id": OWNER}},  # news.new filters on a keyword
        {"event_type": "follow.follow", "filter": {"user_id": OWNER}, "webhook_id": "404"},
        {"event_type": "follow.follow", "filter": {"user_id": OWNER}, "webhook_id": "not-digits"},
        {"event_type": "follow.follow", "filter": {"user_id": OWNER}, "colour": "blue"},
        ["not", "an", "object"],
    ],
)
def test_xaa_refuses_bad_subscriptions(emu, http, body):
    response = http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER)
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert emu.xaa_subscriptions == {}


@pytest.mark.parametrize(
    "body",
    [
        {"event_type": "profile.update.affiliate_badge", "filter": {"user_id": OWNER}},
        {"event_type": "news.new", "filter": {"keyword": "space"}},
    ],
)
def test_xaa_takes_the_types_of_xs_enum_and_keyword_filters(emu, http, body):
    response = http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER)
    assert response.status_code == 200
    assert len(emu.xaa_subscriptions) == 1


def test_xaa_refuses_duplicates_and_event_type_changes(emu, http):
    base = emu.base_url + "/2/activity/subscriptions"
    body = {"event_type": "post.create", "filter": {"user_id": OWNER}}
    subscription_id = http.post(base, json=body, headers=BEARER).json()["data"]["subscription"]["subscription_id"]

    duplicate = http.post(base, json=body, headers=BEARER)
    changed = http.put(f"{base}/{subscription_id}", json={"event_type": "post.delete"}, headers=BEARER)
    refiltered = http.put(f"{base}/{subscription_id}", json={"filter": {"user_id": "1"}}, headers=BEARER)

    assert duplicate.status_code == 400
    assert reason(duplicate)[0] == "DuplicateSubscription"
    assert duplicate.json()["errors"][0]["id"] == subscription_id
    assert changed.status_code == 400
    assert refiltered.status_code == 400
    assert list(emu.xaa_subscriptions) == [subscription_id]
    assert emu.xaa_subscriptions[subscription_id]["event_type"] == "post.create"


def test_every_sample_xaa_event_type_is_accepted():
    names = all_sample_names("xaa")
    assert names
    for name in names:
        assert is_xaa_event_type(sample(name)["data"]["event_type"]), name


# ---- v1.1 Enterprise and Premium ------------------------------------------------------------------------


def test_enterprise_flow(emu, receiver, http):
    base = emu.base_url + "/1.1/account_activity"
    created = http.post(base + "/webhooks.json", params={"url": receiver.url}, auth=user())
    assert created.status_code == 200
    webhook = created.json()
    assert webhook["url"] == receiver.url
    assert webhook["valid"] is True
    assert {"id", "created_at", "created_timestamp"} <= webhook.keys()
    assert len(receiver.crc_tokens) == 1
    assert http.get(base + "/webhooks.json", headers=BEARER).json() == [webhook]

    revalidated = http.put(f"{base}/webhooks/{webhook['id']}.json", auth=user())
    assert revalidated.status_code == 204
    assert revalidated.content == b""
    assert len(receiver.crc_tokens) == 2

    subscriptions = f"{base}/webhooks/{webhook['id']}/subscriptions"
    assert http.post(subscriptions + "/all.json", auth=user()).status_code == 204
    assert http.get(subscriptions + "/all.json", auth=user()).status_code == 204
    listing = http.get(subscriptions + "/all/list.json", headers=BEARER).json()
    assert listing["subscriptions"] == [{"user_id": OWNER}]
    assert listing["application_id"] == emu.app_id
    assert http.get(base + "/subscriptions/count.json", headers=BEARER).json()["subscriptions_count_all"] == "1"

    # Its page: DELETE .../subscriptions/all.json signed as the subscribed user
    assert http.delete(subscriptions + "/all.json", auth=user()).status_code == 204
    gone = http.get(subscriptions + "/all.json", auth=user())
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == 34
    assert http.delete(subscriptions + "/all.json", auth=user()).status_code == 404
    # The path seen only in a rate-limit table is not served
    assert http.delete(f"{subscriptions}/{OWNER}/all.json", headers=BEARER).status_code == 404

    assert http.delete(f"{base}/webhooks/{webhook['id']}.json", auth=user()).status_code == 204
    assert http.get(base + "/webhooks.json", headers=BEARER).json() == []


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong", x_errors.V1_CRC_BAD_TOKEN),
        ("notjson", x_errors.V1_CRC_BAD_TOKEN),
        (503, x_errors.V1_CRC_NON_200),
        ("slow", x_errors.V1_CRC_LATENCY),
    ],
)
def test_enterprise_crc_failures_answer_code_214(emu, receiver, http, mode, message):
    receiver.crc_mode = mode
    response = http.post(
        emu.base_url + "/1.1/account_activity/webhooks.json", params={"url": receiver.url}, auth=user()
    )
    assert response.status_code == 403
    assert response.json() == {"errors": [{"code": 214, "message": message}]}
    assert emu.webhooks == {}


def test_enterprise_put_with_a_wrong_token_invalidates(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    receiver.crc_mode = "wrong"

    response = http.put(f"{emu.base_url}/1.1/account_activity/webhooks/{webhook['id']}.json", auth=user())

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 214
    assert emu.webhooks[webhook["id"]]["valid"] is False


def test_premium_flow(emu, receiver, http):
    base = emu.base_url + "/1.1/account_activity/all"
    created = http.post(base + "/dev/webhooks.json", params={"url": receiver.url}, auth=user())
    assert created.status_code == 200
    webhook = created.json()
    assert emu.premium_envs == {"dev": webhook["id"]}
    assert http.get(base + "/dev/webhooks.json", headers=BEARER).json() == [webhook]
    environments = http.get(base + "/webhooks.json", headers=BEARER).json()
    assert environments == {"environments": [{"environment_name": "dev", "webhooks": [webhook]}]}
    assert http.get(emu.base_url + "/2/webhooks", headers=BEARER).json()["data"] == []  # a separate pool
    assert http.put(f"{base}/dev/webhooks/{webhook['id']}.json", auth=user()).status_code == 204

    assert http.post(base + "/dev/subscriptions.json", auth=user()).status_code == 204
    assert http.get(base + "/dev/subscriptions.json", auth=user()).status_code == 204
    listing = http.get(base + "/dev/subscriptions/list.json", headers=BEARER).json()
    assert listing == {"environment": "dev", "application_id": emu.app_id, "subscriptions": [{"user_id": OWNER}]}
    count = http.get(base + "/subscriptions/count.json", headers=BEARER).json()
    assert count["subscriptions_count"] == "1"

    assert http.delete(f"{base}/dev/subscriptions/{OWNER}.json", headers=BEARER).status_code == 204
    assert http.get(base + "/dev/subscriptions.json", auth=user()).status_code == 404
    assert http.delete(f"{base}/dev/webhooks/{webhook['id']}.json", auth=user()).status_code == 204
    assert emu.premium_envs == {"dev": None}
    assert emu.webhooks == {}


def test_premium_refuses_unknown_environments_and_a_second_webhook(emu, receiver, http):
    base = emu.base_url + "/1.1/account_activity/all"
    unknown = http.post(base + "/prod/webhooks.json", params={"url": receiver.url}, auth=user())
    unknown_list = http.get(base + "/prod/subscriptions/list.json", headers=BEARER)
    assert unknown.status_code == unknown_list.status_code == 403
    assert unknown.json() == {"errors": [{"code": 200, "message": "Forbidden."}]}
    assert receiver.crc_tokens == []

    assert http.post(base + "/dev/webhooks.json", params={"url": receiver.url}, auth=user()).status_code == 200
    second = http.post(base + "/dev/webhooks.json", params={"url": receiver.url + "/2"}, auth=user())
    assert second.status_code == 403
    assert second.json() == {"errors": [{"code": 214, "message": x_errors.V1_TOO_MANY}]}


# ---- deliveries -----------------------------------------------------------------------------------------


def test_deliver_signs_the_exact_bytes_it_posts(emu, receiver):
    webhook = emu.add_webhook(receiver.url)
    payload = {"for_user_id": OWNER, "favorite_events": [{"id": "1", "text": "café ☕"}]}

    status = emu.deliver(payload)

    assert status == 200
    [post] = receiver.wait_posts(1)
    assert post["verified"]
    assert post["content_type"] == "application/json"
    assert post["body"] == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert [(d["webhook_id"], d["body"], d["status"]) for d in emu.deliveries] == [(webhook["id"], post["body"], 200)]


def test_deliver_sends_bytes_verbatim(emu, receiver):
    emu.add_webhook(receiver.url)
    body = sample_bytes("aaa/favorite")
    assert emu.deliver(body) == 200
    assert receiver.wait_posts(1)[0]["body"] == body


def test_deliver_returns_the_receivers_status_after_retries(make_emu, receiver):
    emu = make_emu(retry_delays=(0, 0))
    emu.add_webhook(receiver.url)
    receiver.post_status = 503

    assert emu.deliver({"k": "v"}) == 503
    assert len(receiver.wait_posts(3)) == 3
    assert emu.deliveries[0]["attempts"] == 3


def test_deliver_sends_nothing_without_a_valid_webhook(emu, receiver):
    assert emu.deliver({"k": "v"}) is None
    webhook = emu.add_webhook(receiver.url, valid=False)
    assert emu.deliver({"k": "v"}) is None
    assert emu.deliver({"k": "v"}, webhook_id=webhook["id"]) is None
    assert receiver.posts == []
    assert emu.deliveries == []


def test_deliver_needs_a_webhook_id_when_several_are_valid(emu, receiver):
    emu.add_webhook(receiver.url)
    second = emu.add_webhook(receiver.url + "/2")
    with pytest.raises(ValueError, match="webhook_id"):
        emu.deliver({"k": "v"})
    assert emu.deliver({"k": "v"}, webhook_id=second["id"]) == 200


def test_deliver_to_a_dead_endpoint_returns_0(emu):
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emu.add_webhook(f"http://127.0.0.1:{port}/webhook")
    assert emu.deliver({"k": "v"}) == 0
    assert emu.deliveries[0]["status"] == 0


def test_run_crc_and_invalidate(emu, receiver):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    receiver.crc_mode = 500
    assert emu.run_crc(webhook_id) is True  # transient: still valid
    receiver.crc_mode = "wrong"
    assert emu.run_crc(webhook_id) is False
    receiver.crc_mode = "ok"
    assert emu.run_crc(webhook_id) is True
    emu.invalidate(webhook_id)
    assert emu.webhooks[webhook_id]["valid"] is False
    assert [c["kind"] for c in emu.crc_log] == ["http_error", "wrong_token", "ok"]


# ---- replay ---------------------------------------------------------------------------------------------


def stamp(epoch):
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%d%H%M")


def test_replay_redelivers_the_window_then_reports_the_job(emu, receiver, http, clock):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    start = clock.now
    for minutes, name in ((0, "before"), (60, "inside-1"), (90, "inside-2"), (120, "at-the-end")):
        clock.now = start + minutes * 60
        emu.deliver({"event": name})
    clock.now = start + 180 * 60
    receiver.wait_posts(4)
    window = {"webhook_id": webhook_id, "from_date": stamp(start + 60 * 60), "to_date": stamp(start + 120 * 60)}

    response = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER)

    assert response.status_code == 200
    job_id = response.json()["data"]["job_id"]
    job = emu.wait_replay(job_id)
    # X's document: to_date is "the newest (inclusive)" timestamp: to_date's minute is replayed too
    assert job["job_state"] == "Complete"
    assert job["delivered"] == 3
    replayed = receiver.wait_posts(8)[4:]
    assert [json.loads(p["body"]) for p in replayed[:3]] == [
        {"event": "inside-1"},
        {"event": "inside-2"},
        {"event": "at-the-end"},
    ]
    assert json.loads(replayed[3]["body"]) == {
        "replay_job_status": {
            "webhook_id": webhook_id,
            "job_state": "Complete",
            "job_state_description": "Job completed successfully",
            "job_id": job_id,
        }
    }
    assert all(p["verified"] for p in replayed)


@pytest.mark.parametrize(
    ("from_offset", "to_offset"),
    [(-25 * 3600, -3600), (-3600, 600), (-3600, -7200)],
    ids=["older-than-24h", "in-the-future", "reversed"],
)
def test_replay_refuses_windows_outside_the_last_24_hours(emu, receiver, http, clock, from_offset, to_offset):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    window = {
        "webhook_id": webhook_id,
        "from_date": stamp(clock.now + from_offset),
        "to_date": stamp(clock.now + to_offset),
    }
    response = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER)
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert emu.replay_jobs == {}


def test_a_replay_of_a_single_minute_is_taken_both_dates_being_inclusive(emu, receiver, http, clock):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    minute = stamp(clock.now - 3600)
    window = {"webhook_id": webhook_id, "from_date": minute, "to_date": minute}
    assert http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).status_code == 200


def test_replay_refuses_bad_dates_and_unknown_webhooks(emu, receiver, http, clock):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    window = {"webhook_id": webhook_id, "from_date": "2026-01-01", "to_date": stamp(clock.now)}
    assert http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).status_code == 400
    window = {"webhook_id": "404", "from_date": stamp(clock.now - 3600), "to_date": stamp(clock.now)}
    assert http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).status_code == 404


def test_only_one_replay_job_per_webhook_at_a_time(emu, receiver, http, clock):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    emu.deliver({"event": 1})
    receiver.wait_posts(1)
    receiver.post_gate.clear()  # the receiver holds the replay's first POST
    window = {"webhook_id": webhook_id, "from_date": stamp(clock.now - 60), "to_date": stamp(clock.now)}
    first = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER)

    second = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER)

    receiver.post_gate.set()
    assert first.status_code == 200
    assert second.status_code == 409
    assert reason(second)[0] == "ReplayJobInProgress"
    assert emu.wait_replay(first.json()["data"]["job_id"])["job_state"] == "Complete"
    assert http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).status_code == 200


def test_replay_to_an_invalid_webhook_delivers_nothing(emu, receiver, http, clock):
    webhook_id = emu.add_webhook(receiver.url)["id"]
    emu.deliver({"event": 1})
    receiver.wait_posts(1)
    emu.invalidate(webhook_id)
    window = {"webhook_id": webhook_id, "from_date": stamp(clock.now - 60), "to_date": stamp(clock.now)}

    job_id = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).json()["data"]["job_id"]

    assert emu.wait_replay(job_id)["job_state"] == "Incomplete"
    assert len(receiver.posts) == 1


# ---- rate limits and injected faults --------------------------------------------------------------------


def test_answers_carry_rate_limit_headers_that_count_down(emu, http, clock):
    first = http.get(emu.base_url + "/2/webhooks", headers=BEARER)
    second = http.get(emu.base_url + "/2/webhooks", headers=BEARER)

    assert first.headers["x-rate-limit-limit"] == "450"
    assert int(first.headers["x-rate-limit-remaining"]) - int(second.headers["x-rate-limit-remaining"]) == 1
    assert first.headers["x-rate-limit-reset"] == str(int(clock.now + 900))
    assert "x-rate-limit-remaining" in http.get(emu.base_url + "/2/webhooks").headers  # even on a 401


def test_enforced_rate_limits_answer_429(make_emu, http):
    emu = make_emu(enforce_rate_limits=True)
    url = emu.base_url + "/1.1/account_activity/webhooks.json"  # 15 requests per 15 minutes
    statuses = [http.get(url, headers=BEARER).status_code for _ in range(16)]
    assert statuses == [200] * 15 + [429]


def test_fail_next_answers_429_with_rate_limit_headers_count_times(emu, http, clock):
    emu.fail_next("GET", "/2/webhooks", 429, count=2)

    answers = [http.get(emu.base_url + "/2/webhooks", headers=BEARER) for _ in range(3)]

    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["x-rate-limit-remaining"] == "0"
    assert answers[0].headers["x-rate-limit-reset"] == str(int(clock.now) + 60)
    assert answers[0].json()["title"] == "Too Many Requests"


def test_fail_next_in_v1_style_and_with_custom_status_headers_and_body(emu, http):
    emu.fail_next("GET", "/1.1/", 429)
    emu.fail_next("POST", "/2/webhooks", 503, headers={"retry-after": "7"}, body={"custom": True})

    legacy = http.get(emu.base_url + "/1.1/account_activity/webhooks.json", headers=BEARER)
    untouched = http.get(emu.base_url + "/2/webhooks", headers=BEARER)  # the POST fault does not match a GET
    faulted = http.post(emu.base_url + "/2/webhooks", json={"url": "http://127.0.0.1/x"}, headers=BEARER)

    assert legacy.status_code == 429
    assert legacy.json() == {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert untouched.status_code == 200
    assert faulted.status_code == 503
    assert faulted.headers["retry-after"] == "7"
    assert faulted.json() == {"custom": True}
    assert emu.webhooks == {}


# ---- control plane --------------------------------------------------------------------------------------


def test_the_control_plane_refuses_requests_without_the_per_run_token(emu, receiver, http):
    register(http, emu, receiver.url)
    control = emu.base_url + "/_emulator"

    missing = http.post(control + "/deliver", json={"payload": {"event": "x"}})
    wrong = http.get(control + "/state", headers={"X-Emulator-Token": "guessed"})

    assert missing.status_code == wrong.status_code == 401
    assert "X-Emulator-Token" in missing.json()["error"]
    assert receiver.posts == []
    assert emu.deliveries == []
    assert http.get(control + "/health").json()["ok"] is True  # the one open route


@pytest.mark.parametrize("route", ["/state", "/health", "/deliver"])
def test_the_control_plane_refuses_cross_origin_requests_even_with_the_token(emu, receiver, http, route):
    register(http, emu, receiver.url)
    headers = {**emu.control_headers(), "Origin": "https://attacker.example"}

    answer = http.post(emu.base_url + "/_emulator" + route, json={"payload": {"event": "x"}}, headers=headers)
    preflight = http.options(emu.base_url + "/_emulator" + route, headers=headers)

    assert answer.status_code == preflight.status_code == 403
    assert "access-control-allow-origin" not in {name.lower() for name in answer.headers}
    assert emu.deliveries == []


def test_each_emulator_gets_its_own_control_token():
    assert XEmulator().control_token != XEmulator().control_token
    assert XEmulator(control_token="given").control_headers() == {"X-Emulator-Token": "given"}


def test_control_plane_over_http(emu, receiver, http, clock):
    control = emu.base_url + "/_emulator"
    http.headers.update(emu.control_headers())
    webhook_id = register(http, emu, receiver.url).json()["data"]["id"]

    delivered = http.post(control + "/deliver", json={"payload": {"event": "x"}}).json()
    assert delivered == {"status": 200, "webhook_id": webhook_id}
    assert receiver.wait_posts(1)[0]["body"] == b'{"event":"x"}'

    assert http.post(f"{control}/webhooks/{webhook_id}/invalidate").json()["webhook"]["valid"] is False
    assert http.post(control + "/deliver", json={"payload": {"event": "y"}}).json()["status"] is None
    crc = http.post(f"{control}/webhooks/{webhook_id}/crc").json()
    assert crc["valid"] is True
    assert crc["crc"]["outcome"] == "ok"

    fault = {"method": "GET", "path_prefix": "/2/webhooks", "status": 429}
    assert http.post(control + "/faults", json=fault).json() == {"faults": 1}
    assert http.get(emu.base_url + "/2/webhooks", headers=BEARER).status_code == 429

    before = clock.now
    assert http.post(control + "/clock", json={"advance": 120}).json()["now"] == before + 120

    state = http.get(control + "/state").json()
    assert state["webhooks"][webhook_id]["valid"] is True
    assert [r[0:2] for r in state["requests"]] == [["POST", "/2/webhooks"], ["GET", "/2/webhooks"]]
    assert json.loads(state["deliveries"][0]["body"]) == {"event": "x"}

    missing = http.post(control + "/webhooks/404/crc")
    assert missing.status_code == 404
    assert "404" in missing.json()["error"]
    assert http.post(control + "/faults", json={"method": "GET"}).status_code == 400

    assert http.post(control + "/reset").json() == {"ok": True}
    assert emu.webhooks == {}
    assert emu.requests == []


def test_control_plane_replay_wait_and_raw_body_delivery(emu, receiver, http, clock):
    control = emu.base_url + "/_emulator"
    http.headers.update(emu.control_headers())
    seeded = http.post(control + "/webhooks", json={"url": receiver.url}).json()
    raw = sample_bytes("aaa/tweet_create").decode()
    assert http.post(control + "/deliver", json={"body": raw}).json()["status"] == 200
    window = {"webhook_id": seeded["id"], "from_date": stamp(clock.now - 60), "to_date": stamp(clock.now)}
    job_id = http.post(emu.base_url + "/2/webhooks/replay", json=window, headers=BEARER).json()["data"]["job_id"]

    job = http.post(f"{control}/replay_jobs/{job_id}/wait", json={"timeout": 5}).json()

    assert job["job_state"] == "Complete"
    assert job["delivered"] == 1
    assert receiver.wait_posts(3)[1]["body"] == raw.encode()
