"""The emulator's X Activity API subscriptions, over HTTP: pages, the three answer shapes, the cap, the
per-app rate limit, duplicates, who may create what, and one activity delivered in both families."""

import json

import pytest
from requests_oauthlib import OAuth1

from localdev.x_emulator import XEmulator
from tests.unit.localdev.x_emulator.conftest import OTHER, OWNER, SUBS, USERS

SECRET = "xaa-emulator-secret"
APP = {"Authorization": "Bearer app-bearer"}


@pytest.fixture
def emu():
    with XEmulator(consumer_key="ck", consumer_secret=SECRET, bearer_token="app-bearer", users=USERS) as emulator:
        yield emulator


def oauth1(user_id=OWNER):
    token, secret = USERS[user_id]
    return OAuth1("ck", SECRET, token, secret)


def user_token(emu, user_id=OWNER, scopes=("tweet.read", "users.read", "dm.read", "like.read"), **options):
    token = f"oauth2-{user_id}-{len(emu.oauth2_tokens.snapshot())}"
    emu.add_oauth2_token(user_id, token, scopes, **options)
    return {"Authorization": f"Bearer {token}"}


def create(http, emu, event_type="post.create", user_id=OWNER, headers=APP, auth=None, **extra):
    body = {"event_type": event_type, "filter": {"user_id": user_id}, **extra}
    return http.post(emu.base_url + SUBS, json=body, headers=headers if auth is None else None, auth=auth)


def fill(emu, count):
    for index in range(count):
        emu.create_xaa({"event_type": "post.create", "filter": {"user_id": str(1000 + index)}})


# ---- pages and shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token_at", ["meta.next_token", "meta.pagination_token", "next_token"])
def test_a_list_longer_than_a_page_comes_in_pages_with_the_token_where_the_emulator_is_told(emu, http, token_at):
    emu.xaa_page_size, emu.xaa_token_at = 3, token_at
    fill(emu, 7)
    seen, token, pages = [], None, 0
    while True:
        params = {"max_results": 1000, **({"pagination_token": token} if token else {})}
        body = http.get(emu.base_url + SUBS, params=params, headers=APP).json()
        pages += 1
        seen += [item["subscription_id"] for item in body["data"]]
        assert body["meta"]["total_subscriptions"] == 7
        place = body if token_at == "next_token" else body["meta"]
        token = place.get(token_at.rsplit(".", 1)[-1])
        if token is None:
            break
    assert pages == 3
    assert seen == list(emu.xaa_subscriptions)


def test_a_next_page_token_is_base32hex_of_at_least_16_characters_as_xs_document_says(emu, http):
    emu.xaa_page_size = 3
    fill(emu, 4)
    token = http.get(emu.base_url + SUBS, headers=APP).json()["meta"]["next_token"]
    assert len(token) >= 16
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUV")


def test_with_the_token_nowhere_the_list_is_one_full_page_and_nothing_says_more(emu, http):
    emu.xaa_page_size, emu.xaa_token_at = 3, "none"
    fill(emu, 7)
    body = http.get(emu.base_url + SUBS, headers=APP).json()
    assert len(body["data"]) == 3
    assert set(body) == {"data", "meta"}
    assert set(body["meta"]) == {"total_subscriptions"}


def test_the_list_answer_can_leave_out_the_total_too(emu, http):
    emu.xaa_total_at = "none"
    fill(emu, 2)
    assert set(http.get(emu.base_url + SUBS, headers=APP).json()) == {"data"}


@pytest.mark.parametrize(
    "params",
    [
        {"max_results": 0},
        {"max_results": 1001},
        {"pagination_token": "nope"},  # X's document: 16 characters at least
        {"pagination_token": "0123456789ABCDEFGHIJ"},  # long enough, but no token this list gave
    ],
)
def test_a_page_size_out_of_range_or_a_made_up_token_is_refused(emu, http, params):
    response = http.get(emu.base_url + SUBS, params=params, headers=APP)
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"


def test_a_refusal_names_the_parameter_as_x_does(emu, http):
    response = http.get(emu.base_url + SUBS, params={"max_results": 0}, headers=APP)
    (item,) = response.json()["errors"]
    assert item["parameters"] == {"max_results": ["0"]}
    assert item["message"].startswith("The `max_results` query parameter value ['0'] is not valid")


@pytest.mark.parametrize(
    ("shape", "read"),
    [
        ("document", lambda body: body["data"]["subscription"]),
        ("flat", lambda body: body["data"]),
        ("list", lambda body: body["data"][0]),
    ],
)
def test_a_create_answers_in_the_shape_the_emulator_is_switched_to(emu, http, hook, shape, read):
    emu.xaa_shape = shape
    response = create(http, emu, webhook_id=hook.webhook_id, tag="t")
    assert response.status_code == 200
    subscription = read(response.json())
    assert subscription == emu.xaa_subscriptions[subscription["subscription_id"]]


def test_the_default_create_answer_is_xs_documented_shape_and_nothing_else(emu, http, hook):
    body = create(http, emu, webhook_id=hook.webhook_id).json()
    assert set(body) == {"data"}
    assert set(body["data"]) == {"subscription"}


# ---- the cap, the rate limit, duplicates ---------------------------------------------------------------


def test_the_cap_refuses_one_subscription_more_until_one_is_deleted(emu, http):
    emu.xaa_subscription_limit = 2
    fill(emu, 2)
    refused = create(http, emu)
    assert refused.status_code == 400
    assert refused.json()["reason"] == "SubscriptionLimitExceeded"
    first = next(iter(emu.xaa_subscriptions))
    assert http.delete(f"{emu.base_url}{SUBS}/{first}", headers=APP).status_code == 200
    assert create(http, emu).status_code == 200


def test_the_rate_limit_is_per_app_and_endpoint_and_answers_429_with_the_reset(emu, http):
    emu.enforce_rate_limits = True
    emu.rate_limits["xaa create"] = 2
    assert create(http, emu).status_code == 200
    assert create(http, emu, "dm.received", auth=oauth1()).status_code == 200  # a user's call counts for the app
    limited = create(http, emu, "post.delete")
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert int(limited.headers["x-rate-limit-reset"]) > emu.now()
    assert http.get(emu.base_url + SUBS, headers=APP).status_code == 200  # the list endpoint has its own count
    emu.advance_clock(15 * 60)
    assert create(http, emu, "post.delete").status_code == 200


@pytest.mark.parametrize(
    ("cap", "status", "problem"),
    [
        ("invalid-request", 400, "https://api.x.com/2/problems/invalid-request"),
        ("usage-capped", 429, "https://api.x.com/2/problems/usage-capped"),
        ("forbidden", 403, "https://api.x.com/2/problems/client-forbidden"),
    ],
)
def test_the_cap_error_takes_the_reading_the_emulator_is_switched_to(emu, http, cap, status, problem):
    emu.xaa_subscription_limit, emu.xaa_cap = 1, cap
    fill(emu, 1)
    refused = create(http, emu)
    assert (refused.status_code, refused.json()["type"]) == (status, problem)


@pytest.mark.parametrize(("reading", "status"), [("invalid-request", 400), ("conflict", 409)])
def test_the_duplicate_error_takes_the_reading_the_emulator_is_switched_to(emu, http, hook, reading, status):
    emu.xaa_duplicate = reading
    create(http, emu, webhook_id=hook.webhook_id)
    again = create(http, emu, webhook_id=hook.webhook_id)
    assert again.status_code == status
    assert again.json()["reason"] == "DuplicateSubscription"


@pytest.mark.parametrize(("reading", "status", "body"), [("not-found", 404, None), ("not-deleted", 200, False)])
def test_deleting_an_unknown_id_takes_the_reading_the_emulator_is_switched_to(emu, http, reading, status, body):
    emu.xaa_delete_unknown = reading
    answer = http.delete(f"{emu.base_url}{SUBS}/1234567", headers=APP)
    assert answer.status_code == status
    if body is not None:
        assert answer.json() == {"data": {"deleted": body}}
    else:
        assert answer.json()["resource_type"] == "subscription"


@pytest.mark.parametrize("names_it", [True, False])
def test_a_duplicate_is_refused_and_names_the_existing_one_only_when_switched_to(emu, http, hook, names_it):
    emu.xaa_duplicate_id = names_it
    first = create(http, emu, webhook_id=hook.webhook_id).json()["data"]["subscription"]["subscription_id"]
    again = create(http, emu, webhook_id=hook.webhook_id)
    assert again.status_code == 400
    assert again.json()["reason"] == "DuplicateSubscription"
    assert ("id" in again.json()["errors"][0]) is names_it
    if names_it:
        assert again.json()["errors"][0]["id"] == first
    assert create(http, emu).status_code == 200  # same type and filter to the stream only: another subscription


# ---- who may create what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["dm.received", "like.create", "post.mention.create", "follow.follow"])
def test_the_apps_bearer_token_is_refused_for_private_types(emu, http, event_type):
    refused = create(http, emu, event_type)
    assert refused.status_code == 403
    assert refused.json()["title"] == "Unsupported Authentication"
    emu.xaa_bearer_private = True
    assert create(http, emu, event_type).status_code == 200


@pytest.mark.parametrize("event_type", ["post.create", "post.delete", "profile.update.bio", "spaces.start"])
def test_the_apps_bearer_token_creates_public_types(emu, http, event_type):
    assert create(http, emu, event_type).status_code == 200


def test_an_oauth2_user_token_creates_private_types_of_its_own_user_with_the_scope(emu, http):
    headers = user_token(emu)
    assert create(http, emu, "dm.received", headers=headers).status_code == 200
    assert create(http, emu, "like.create", headers=headers).status_code == 200
    someone_else = create(http, emu, "dm.sent", OTHER, headers=headers)
    assert someone_else.status_code == 403
    assert "authenticating user" in someone_else.json()["detail"]
    no_scope = create(http, emu, "mute.mute", headers=headers)
    assert no_scope.status_code == 403
    assert "mute.read" in no_scope.json()["detail"]
    assert create(http, emu, "post.create", OTHER, headers=headers).status_code == 200  # public: anyone's


def test_an_expired_or_unknown_oauth2_token_is_unauthorised(emu, http):
    expiring = user_token(emu, expires_in=60)
    emu.advance_clock(61)
    assert create(http, emu, "dm.received", headers=expiring).status_code == 401
    assert create(http, emu, "dm.received", headers={"Authorization": "Bearer made-up"}).status_code == 401


@pytest.mark.parametrize("accepted", [True, False])
def test_oauth1_user_context_creates_private_types_only_when_switched_to(emu, http, accepted):
    emu.xaa_oauth1 = accepted
    answer = create(http, emu, "dm.received", auth=oauth1())
    assert answer.status_code == (200 if accepted else 403)
    assert create(http, emu, "post.create", auth=oauth1()).status_code == 200  # public types take any context


def test_a_direction_is_optional_and_refused_for_actor_only_types(emu, http):
    headers = user_token(emu, scopes=("like.read", "mute.read"))
    for direction in ("inbound", "outbound"):
        body = {"event_type": "like.create", "filter": {"user_id": OWNER, "direction": direction}}
        assert http.post(emu.base_url + SUBS, json=body, headers=headers).status_code == 200
    body = {"event_type": "mute.mute", "filter": {"user_id": OWNER, "direction": "inbound"}}
    assert http.post(emu.base_url + SUBS, json=body, headers=headers).status_code == 400
    body = {"event_type": "like.create", "filter": {"user_id": OWNER, "direction": "sideways"}}
    assert http.post(emu.base_url + SUBS, json=body, headers=headers).status_code == 400


def test_an_update_changes_only_tag_and_webhook(emu, http, hook):
    subscription_id = create(http, emu).json()["data"]["subscription"]["subscription_id"]
    moved = http.put(
        f"{emu.base_url}{SUBS}/{subscription_id}", json={"webhook_id": hook.webhook_id, "tag": "x"}, headers=APP
    )
    assert moved.status_code == 200
    assert moved.json()["data"]["subscription"]["webhook_id"] == hook.webhook_id
    retyped = http.put(f"{emu.base_url}{SUBS}/{subscription_id}", json={"event_type": "post.delete"}, headers=APP)
    assert retyped.status_code == 400  # X's document: an update body holds tag and webhook_id only
    as_user = http.put(f"{emu.base_url}{SUBS}/{subscription_id}", json={"tag": "y"}, auth=oauth1())
    assert as_user.status_code == 403  # update and delete take the app's bearer token only


# ---- one activity, both families -------------------------------------------------------------------------


def _subscribe_both(emu, hook, event_type, user_id=OWNER, **filter_extra):
    emu.add_subscription(hook.webhook_id, user_id)
    return emu.create_xaa(
        {
            "event_type": event_type,
            "filter": {"user_id": user_id, **filter_extra},
            "webhook_id": hook.webhook_id,
            "tag": f"xwebhook:{user_id}",
        }
    )


def test_a_post_arrives_as_tweet_create_and_post_create_with_the_same_post_id(emu, hook):
    _subscribe_both(emu, hook, "post.create")
    outcomes = emu.activity("post", OWNER, post_id="1900000000000000001", text="hi")
    assert [(o["family"], o["status"]) for o in outcomes] == [("aaa", 200), ("xaa", 200)]
    aaa, xaa = hook.posts
    assert aaa["for_user_id"] == OWNER
    assert aaa["tweet_create_events"][0]["id_str"] == "1900000000000000001"
    assert xaa["data"]["event_type"] == "post.create"
    assert xaa["data"]["payload"]["id"] == "1900000000000000001"
    assert xaa["data"]["filter"] == {"user_id": OWNER}
    assert xaa["data"]["tag"] == f"xwebhook:{OWNER}"
    assert xaa["data"]["event_uuid"].lstrip("-").isdigit()


@pytest.mark.parametrize(
    ("kind", "event_type", "details", "aaa_id", "xaa_id"),
    [
        (
            "like",
            "like.create",
            {"favorite_id": "f" * 32, "post_id": "77"},
            lambda d: (d["favorite_events"][0]["id"], d["favorite_events"][0]["favorited_status"]["id_str"]),
            lambda p: (p["id"], p["liked_tweet_id"]),
        ),
        (
            "dm",
            "dm.received",
            {"dm_id": "555", "sender_id": OTHER},
            lambda d: (
                d["direct_message_events"][0]["id"],
                d["direct_message_events"][0]["message_create"]["sender_id"],
            ),
            lambda p: (
                p["direct_message_events"][0]["id"],
                p["direct_message_events"][0]["message_create"]["sender_id"],
            ),
        ),
        (
            "follow",
            "follow.follow",
            {"source_id": OTHER},
            lambda d: (d["follow_events"][0]["source"]["id_str"], d["follow_events"][0]["target"]["id_str"]),
            lambda p: (p["source"]["data"]["id"], p["target"]["data"]["id"]),
        ),
        (
            "delete",
            "post.delete",
            {"post_id": "88"},
            lambda d: (d["tweet_delete_events"][0]["status"]["id"], d["tweet_delete_events"][0]["status"]["user_id"]),
            lambda p: (p["id"], p["author_id"]),
        ),
        (
            "mention",
            "post.mention.create",
            {"post_id": "99", "author_id": OTHER},
            lambda d: (d["tweet_create_events"][0]["id_str"], d["tweet_create_events"][0]["user"]["id_str"]),
            lambda p: (p["id"], p["author_id"]),
        ),
    ],
)
def test_each_kind_of_activity_carries_the_same_natural_ids_in_both_families(
    emu, hook, kind, event_type, details, aaa_id, xaa_id
):
    _subscribe_both(emu, hook, event_type)
    outcomes = emu.activity(kind, OWNER, order="xaa_first", **details)
    assert [o["family"] for o in outcomes] == ["xaa", "aaa"]
    xaa, aaa = hook.posts
    assert xaa["data"]["event_type"] == event_type
    assert aaa_id(aaa) == xaa_id(xaa["data"]["payload"])


def test_an_activity_reaches_only_subscriptions_of_its_type_user_and_direction(emu, hook):
    inbound = _subscribe_both(emu, hook, "like.create", direction="inbound")
    emu.create_xaa({"event_type": "like.create", "filter": {"user_id": OTHER}, "webhook_id": hook.webhook_id})
    emu.create_xaa({"event_type": "post.create", "filter": {"user_id": OWNER}, "webhook_id": hook.webhook_id})
    liked_by_me = emu.activity("like", OWNER, liker_id=OWNER)  # outbound: the inbound subscription misses it
    liked_by_other = emu.activity("like", OWNER, liker_id=OTHER)
    assert [o["family"] for o in liked_by_me] == ["aaa"]
    assert [(o["family"], o.get("subscription_id")) for o in liked_by_other] == [
        ("aaa", None),
        ("xaa", inbound["subscription_id"]),
    ]


def test_an_activity_for_an_unsubscribed_account_is_delivered_nowhere(emu, hook):
    assert emu.activity("post", OTHER) == []
    assert hook.posts == []


# ---- the control plane -----------------------------------------------------------------------------------


def test_the_control_plane_switches_xaa_readings_and_refuses_unknown_ones(emu, control):
    http = control
    url = emu.base_url + "/_emulator/xaa"
    switched = http.post(
        url,
        json={
            "shape": "flat",
            "page_size": 2,
            "oauth1": False,
            "rate_limits": {"xaa list": 1},
            "token_at": "none",
            "cap": "usage-capped",
            "duplicate": "conflict",
            "delete_unknown": "not-deleted",
            "broadcast_chat_scope": "tweet.read",
        },
    )
    assert switched.status_code == 200
    assert (emu.xaa_shape, emu.xaa_page_size, emu.xaa_oauth1) == ("flat", 2, False)
    assert (emu.xaa_token_at, emu.xaa_cap, emu.xaa_duplicate) == ("none", "usage-capped", "conflict")
    assert (emu.xaa_delete_unknown, emu.xaa_broadcast_chat_scope) == ("not-deleted", "tweet.read")
    assert emu.rate_limits == {"xaa list": 1}
    assert http.post(url, json={"shape": "round"}).status_code == 400
    assert http.post(url, json={"cap": "whenever"}).status_code == 400
    assert http.post(url, json={"colour": "blue"}).status_code == 400
    assert emu.xaa_shape == "flat"


def test_the_control_plane_registers_oauth2_tokens_and_delivers_activities(emu, control, hook):
    http = control
    assert (
        http.post(
            emu.base_url + "/_emulator/oauth2_tokens",
            json={"user_id": OWNER, "access_token": "t-1", "scopes": ["dm.read"]},
        ).status_code
        == 200
    )
    made = create(http, emu, "dm.received", headers={"Authorization": "Bearer t-1"}, webhook_id=hook.webhook_id)
    assert made.status_code == 200
    answer = http.post(emu.base_url + "/_emulator/activity", json={"kind": "dm", "for_user_id": OWNER}).json()
    assert [(d["family"], d["status"]) for d in answer["deliveries"]] == [("xaa", 200)]
    assert (
        http.post(emu.base_url + "/_emulator/activity", json={"kind": "nap", "for_user_id": OWNER}).status_code == 400
    )
    assert "t-1" not in json.dumps(emu.state())  # the state dump shows users and scopes, never tokens
