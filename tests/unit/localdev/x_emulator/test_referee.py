"""The emulator refereed by X's published document (our extract of it): what it refuses, who may call
each operation, and every route's answers against the document's response schemas."""

import pytest

from localdev.x_contract import OPERATIONS
from localdev.x_contract.extract import load
from localdev.x_emulator import api_v2, oauth, referee
from localdev.x_emulator.routing import DOCUMENT
from tests.unit.localdev.x_emulator.conftest import BEARER, OTHER, OWNER, user

ALL_SCOPES = ("tweet.read", "users.read", "dm.read", "dm.write", "like.read", "offline.access")
# X's v2 routes the emulator serves that X's document does not describe: the OAuth 2.0 endpoints and pages.
OUTSIDE_DOCUMENT = {
    ("POST", "/2/oauth2/token"),
    ("POST", "/2/oauth2/revoke"),
    ("GET", "/2/oauth2/authorize"),
}


@pytest.fixture
def emu(make_emu):
    emulator = make_emu()
    emulator.add_oauth2_token(OWNER, "owner-oauth2", ALL_SCOPES)
    return emulator


def oauth2(token="owner-oauth2"):  # noqa: S107 - a test token
    return {"Authorization": f"Bearer {token}"}


def v2_routes():
    return [route for route in (*api_v2.ROUTES.routes, *oauth.ROUTES.routes) if route.pattern.startswith("/2/")]


# ---- which routes X's document referees --------------------------------------------------------------------


def test_every_v2_route_the_emulator_serves_is_an_operation_of_xs_document_or_a_known_exception():
    served = {(route.method, route.pattern) for route in v2_routes() if route.auth == DOCUMENT}
    documented = {(method.upper(), referee.doc_path(pattern)) for method, pattern in served}
    assert documented == {(method.upper(), path) for method, path, _ in OPERATIONS}


def test_the_v2_routes_outside_xs_document_are_only_the_oauth_endpoints():
    outside = {(route.method, route.pattern) for route in v2_routes() if route.auth != DOCUMENT}
    assert outside == OUTSIDE_DOCUMENT


# ---- what the document refuses --------------------------------------------------------------------------------


def test_an_aaa_subscribe_without_the_json_body_xs_document_requires_is_refused(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    response = http.post(f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all", auth=user())
    assert response.status_code == 400
    assert response.json()["errors"] == [{"message": "$: a JSON request body is required"}]
    assert emu.subscriptions == {}


def test_the_refusal_is_xs_invalid_request_problem(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    response = http.post(f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all", auth=user())
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"]) == ("https://api.x.com/2/problems/invalid-request", "Invalid Request")


def test_an_event_type_outside_xs_enum_is_refused(emu, http):
    body = {"event_type": "oauth.revoke", "filter": {"user_id": OWNER}}
    response = http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER)
    assert response.status_code == 400
    assert "'oauth.revoke' is not one of the 42 values" in response.json()["errors"][0]["message"]


def test_a_tag_longer_than_xs_document_allows_is_refused(emu, http):
    body = {"event_type": "post.create", "filter": {"user_id": OWNER}, "tag": "t" * 201}
    response = http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("$.tag:")


def test_a_webhook_id_breaking_xs_pattern_is_refused(emu, http):
    response = http.put(emu.base_url + "/2/webhooks/not-a-number", headers=BEARER)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameters"] == {"webhook_id": ["not-a-number"]}


def test_a_replay_date_breaking_xs_pattern_is_refused(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    body = {"webhook_id": webhook["id"], "from_date": "2026-12-01", "to_date": "202612010000"}
    response = http.post(emu.base_url + "/2/webhooks/replay", json=body, headers=BEARER)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("$.from_date:")


def test_each_problem_of_a_request_is_its_own_error_item(emu, http):
    body = {"event_type": "post.create", "filter": {"user_id": OWNER}, "tag": "", "colour": "blue"}
    response = http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER)
    assert len(response.json()["errors"]) == 2


# ---- who may call: the document's security requirements ------------------------------------------------------


def test_the_apps_bearer_token_is_refused_where_the_document_wants_a_user(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    url = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"
    response = http.post(url, json={}, headers=BEARER)
    assert response.status_code == 403
    assert response.json()["title"] == "Unsupported Authentication"


def test_an_oauth2_token_without_dm_write_cannot_subscribe_to_aaa(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    emu.add_oauth2_token(OTHER, "no-dm-write", ("tweet.read", "users.read", "dm.read", "offline.access"))
    url = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"
    response = http.post(url, json={}, headers=oauth2("no-dm-write"))
    assert response.status_code == 403
    assert "lacks the scope(s) dm.write" in response.json()["detail"]
    assert emu.subscriptions.get(webhook["id"], set()) == set()


def test_an_oauth2_token_with_the_documents_scopes_subscribes_to_aaa(emu, receiver, http):
    webhook = emu.add_webhook(receiver.url)
    url = f"{emu.base_url}/2/account_activity/webhooks/{webhook['id']}/subscriptions/all"
    assert http.post(url, json={}, headers=oauth2()).json() == {"data": {"subscribed": True}}


def test_users_me_wants_tweet_read_as_well_as_users_read(emu, http):
    emu.add_oauth2_token(OTHER, "users-read-only", ("users.read", "offline.access"))
    refused = http.get(emu.base_url + "/2/users/me", headers=oauth2("users-read-only"))
    assert refused.status_code == 403
    assert "tweet.read" in refused.json()["detail"]


def test_users_me_takes_oauth1_user_context_as_the_document_allows(emu, http):
    assert http.get(emu.base_url + "/2/users/me", auth=user()).json()["data"]["id"] == OWNER


def test_a_user_cannot_delete_an_xaa_subscription_the_document_wants_the_apps_token(emu, http):
    response = http.delete(emu.base_url + "/2/activity/subscriptions/123", auth=user())
    assert response.status_code == 403
    assert response.json()["type"] == "https://api.x.com/2/problems/unsupported-authentication"


# ---- every route's answers against the document -------------------------------------------------------------


def _each_operation(emu, receiver, http):
    """One successful call of each operation of the extract; (method, document path, response) each."""
    base = emu.base_url
    calls = []

    def call(method, path, response):
        calls.append((method, path, response))
        return response

    webhook = call("post", "/2/webhooks", http.post(base + "/2/webhooks", json={"url": receiver.url}, headers=BEARER))
    webhook_id = webhook.json()["data"]["id"]
    call("get", "/2/webhooks", http.get(base + "/2/webhooks", headers=BEARER))
    call("put", "/2/webhooks/{webhook_id}", http.put(f"{base}/2/webhooks/{webhook_id}", headers=BEARER))
    aaa = f"{base}/2/account_activity/webhooks/{webhook_id}/subscriptions"
    call(
        "post",
        "/2/account_activity/webhooks/{webhook_id}/subscriptions/all",
        http.post(aaa + "/all", json={}, auth=user()),
    )
    call("get", "/2/account_activity/webhooks/{webhook_id}/subscriptions/all", http.get(aaa + "/all", auth=user()))
    call(
        "get",
        "/2/account_activity/webhooks/{webhook_id}/subscriptions/all/list",
        http.get(aaa + "/all/list", headers=BEARER),
    )
    call(
        "get",
        "/2/account_activity/subscriptions/count",
        http.get(base + "/2/account_activity/subscriptions/count", headers=BEARER),
    )
    call(
        "delete",
        "/2/account_activity/webhooks/{webhook_id}/subscriptions/{user_id}/all",
        http.delete(f"{aaa}/{OWNER}/all", headers=BEARER),
    )
    subs = base + "/2/activity/subscriptions"
    body = {"event_type": "dm.received", "filter": {"user_id": OWNER}, "tag": "t", "webhook_id": webhook_id}
    created = call("post", "/2/activity/subscriptions", http.post(subs, json=body, headers=oauth2()))
    subscription_id = created.json()["data"]["subscription"]["subscription_id"]
    call("get", "/2/activity/subscriptions", http.get(subs, params={"max_results": 10}, headers=BEARER))
    call(
        "put",
        "/2/activity/subscriptions/{subscription_id}",
        http.put(f"{subs}/{subscription_id}", json={"tag": "moved"}, headers=BEARER),
    )
    call(
        "delete",
        "/2/activity/subscriptions/{subscription_id}",
        http.delete(f"{subs}/{subscription_id}", headers=BEARER),
    )
    call("get", "/2/users/me", http.get(base + "/2/users/me", headers=oauth2()))
    minute = emu.now() // 60 * 60
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(minute - 600, UTC).strftime("%Y%m%d%H%M")
    replay = {"webhook_id": webhook_id, "from_date": stamp, "to_date": stamp}
    job = call("post", "/2/webhooks/replay", http.post(base + "/2/webhooks/replay", json=replay, headers=BEARER))
    emu.wait_replay(job.json()["data"]["job_id"])
    call("delete", "/2/webhooks/{webhook_id}", http.delete(f"{base}/2/webhooks/{webhook_id}", headers=BEARER))
    return calls


def _problems(method, path, response):
    return referee.default().answer_problems(
        method,
        path,
        {},
        "",
        {},
        b"",
        response.status_code,
        response.headers.get("Content-Type", ""),
        response.content,
    )


def test_every_operation_is_called_once_by_the_route_walk(emu, receiver, http):
    called = {(method, path) for method, path, _ in _each_operation(emu, receiver, http)}
    assert called == {(method, path) for method, path, _ in OPERATIONS}


def test_every_routes_successful_answer_validates_against_the_documents_response_schema(emu, receiver, http):
    for method, path, response in _each_operation(emu, receiver, http):
        assert response.status_code == 200, (method, path, response.text)
        assert _problems(method, path, response) == [], (method, path)


def test_every_routes_not_found_answer_is_xs_resource_not_found_problem(emu, http):
    for method, url, path in [
        ("put", "/2/webhooks/123", "/2/webhooks/{webhook_id}"),
        ("delete", "/2/activity/subscriptions/123", "/2/activity/subscriptions/{subscription_id}"),
        (
            "get",
            "/2/account_activity/webhooks/123/subscriptions/all/list",
            "/2/account_activity/webhooks/{webhook_id}/subscriptions/all/list",
        ),
    ]:
        response = http.request(method, emu.base_url + url, headers=BEARER)
        assert response.status_code == 404
        assert _problems(method, path, response) == []


def test_an_answer_that_breaks_the_document_is_caught(emu, receiver, http, monkeypatch):
    from localdev.x_emulator.routing import Response

    def broken(emu, request):
        return Response(200, {"data": [{"subscription_id": "1", "filter": {"user_id": OWNER, "colour": "blue"}}]})

    route = next(r for r in api_v2.ROUTES.routes if r.method == "GET" and r.pattern == "/2/activity/subscriptions")
    monkeypatch.setattr(route, "handler", broken)
    http.get(emu.base_url + "/2/activity/subscriptions", headers=BEARER)
    found, referee.VIOLATIONS[:] = list(referee.VIOLATIONS), []
    assert [(method, path, status) for method, path, status, _ in found] == [("GET", "/2/activity/subscriptions", 200)]
    assert "Additional properties are not allowed ('colour' was unexpected)" in found[0][3]


def test_an_answer_in_a_reading_outside_the_document_is_not_counted_against_it(emu, http):
    emu.xaa_shape = "list"
    body = {"event_type": "post.create", "filter": {"user_id": OWNER}}
    assert http.post(emu.base_url + "/2/activity/subscriptions", json=body, headers=BEARER).status_code == 200
    assert referee.VIOLATIONS == []


def test_the_extract_the_referee_holds_is_the_committed_one():
    assert referee.default().document == load()
