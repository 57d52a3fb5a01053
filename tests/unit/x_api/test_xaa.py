"""XaaApi against a scripted HTTP server: every answer shape X's sources show, every next-token place,
X's refusals told apart, and the credential each call carries."""

import pytest

from tests.unit.x_api.scripted_server import ScriptedServer
from xwebhook.credentials.x_credentials import XCredentials
from xwebhook.x_api.client import XClient
from xwebhook.x_api.errors import UnexpectedAnswer, Unsupported, XApiError
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens
from xwebhook.x_api.xaa import (
    APP,
    OAUTH1,
    OAUTH2,
    Credential,
    CredentialRefused,
    DuplicateSubscription,
    SubscriptionCapReached,
    XaaApi,
)

CREDENTIALS = XCredentials("ck", "cs", "app-bearer")
SUB = {"subscription_id": "11", "event_type": "post.create", "filter": {"user_id": "42"}, "tag": "t", "webhook_id": "9"}


def api(server, flavour="v2"):
    return XaaApi(XClient(server.base_url, 5.0, sleep=lambda _s: None), flavour, lambda: CREDENTIALS)


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"subscription": SUB}},
        {"data": SUB},
        {"data": [SUB], "meta": {"total_subscriptions": 1}},
        {"data": {**{k: v for k, v in SUB.items() if k != "subscription_id"}, "id": "11"}},
    ],
    ids=["data.subscription", "flat data", "data list with meta", "id instead of subscription_id"],
)
def test_a_created_subscription_is_read_from_each_shape_x_documents(body):
    with ScriptedServer([(200, {}, body)]) as server:
        made = api(server).create("9", "post.create", {"user_id": "42"}, "t")
    assert (made.id, made.event_type, made.user_id, made.tag, made.webhook_id) == ("11", "post.create", "42", "t", "9")
    request = server.requests[0]
    assert request["method"] == "POST"
    assert request["path"] == "/2/activity/subscriptions"
    assert request["headers"]["Authorization"] == "Bearer app-bearer"


def test_a_create_answer_without_a_subscription_is_an_unexpected_answer():
    with ScriptedServer([(200, {}, {"data": {"deleted": True}})]) as server, pytest.raises(UnexpectedAnswer):
        api(server).create("9", "post.create", {"user_id": "42"})


def _page(ids, token=None, place=("meta", "next_token"), total=None, wrap=None):
    items = [{**SUB, "subscription_id": i} for i in ids]
    body = {"data": {"subscriptions": items}} if wrap else {"data": items}
    body["meta"] = {"total_subscriptions": total} if total is not None else {}
    if token:
        if len(place) == 1:
            body[place[0]] = token
        else:
            body.setdefault(place[0], {})[place[1]] = token
    return (200, {}, body)


@pytest.mark.parametrize(
    "place",
    [
        ("meta", "next_token"),
        ("meta", "pagination_token"),
        ("meta", "next_pagination_token"),
        ("next_token",),
        ("pagination_token",),
    ],
)
def test_the_list_follows_the_next_page_token_wherever_x_puts_it(place):
    script = [_page(["1", "2"], "p2", place, 5), _page(["3", "4"], "p4", place, 5), _page(["5"], None, place, 5)]
    with ScriptedServer(script) as server:
        listing = api(server).list_all(max_results=2)
    assert [s.id for s in listing.subscriptions] == ["1", "2", "3", "4", "5"]
    assert listing.pages == 3
    assert listing.total == 5
    assert listing.token_places == (".".join(place),)
    assert [r["path"] for r in server.requests] == [
        "/2/activity/subscriptions?max_results=2",
        "/2/activity/subscriptions?max_results=2&pagination_token=p2",
        "/2/activity/subscriptions?max_results=2&pagination_token=p4",
    ]


def test_a_list_in_data_subscriptions_and_an_empty_answer_are_read_too():
    with ScriptedServer([_page(["1"], wrap=True), (200, {}, {"meta": {"total_subscriptions": 0}})]) as server:
        assert [s.id for s in api(server).list_all().subscriptions] == ["1"]
        assert api(server).list_all().subscriptions == ()


def test_the_cap_counts_what_x_says_the_app_holds_when_it_says_more_than_it_listed():
    with ScriptedServer([_page(["1", "2"], total=40)]) as server:
        listing = api(server).list_all()
    assert listing.used == 40
    assert listing.report()["x_total"] == 40


def test_the_same_next_token_twice_is_an_unexpected_answer_not_an_endless_loop():
    with ScriptedServer([_page(["1"], "same"), _page(["2"], "same")]) as server, pytest.raises(UnexpectedAnswer):
        api(server).list_all()


def test_unreadable_items_are_counted_not_fatal():
    body = {"data": [SUB, {"event_type": "post.create"}, "junk"]}
    with ScriptedServer([(200, {}, body)]) as server:
        listing = api(server).list_all()
    assert [s.id for s in listing.subscriptions] == ["11"]
    assert listing.skipped == 2


def _error(status, title, detail, **item):
    return (status, {}, {"title": title, "detail": detail, "errors": [{"message": detail, **item}]})


def test_x_refusals_of_a_create_are_told_apart():
    script = [
        _error(400, "Invalid Request", "DuplicateSubscription: exists", id="77"),
        _error(409, "Conflict", "Duplicate subscription"),
        _error(400, "Invalid Request", "SubscriptionLimitExceeded: the app already has 1500 subscriptions"),
        _error(403, "Unsupported Authentication", "Authenticating with OAuth 2.0 Application-Only is forbidden"),
        _error(401, "Unauthorized", "Unauthorized"),
        _error(400, "Invalid Request", "$.event_type: 'x' is not a supported event type"),
    ]
    with ScriptedServer(script) as server:
        xaa = api(server)

        def attempt():
            with pytest.raises(XApiError) as caught:
                xaa.create("9", "dm.received", {"user_id": "42"})
            return caught.value

        first, second, cap, forbidden, unauthorised, other = (attempt() for _ in range(6))
    assert isinstance(first, DuplicateSubscription)
    assert first.existing_id == "77"
    assert isinstance(second, DuplicateSubscription)
    assert second.existing_id is None
    assert isinstance(cap, SubscriptionCapReached)
    assert isinstance(forbidden, CredentialRefused)
    assert forbidden.credential_kind == APP
    assert isinstance(unauthorised, CredentialRefused)
    assert unauthorised.details()["credential"] == APP
    assert type(other) is XApiError
    assert other.status == 400


def test_each_credential_authenticates_the_create_its_own_way():
    oauth2 = Credential(OAUTH2, "42", OAuth2Tokens("user-access-token", "refresh", 0.0, ("dm.read",)))
    oauth1 = Credential(OAUTH1, "42", OAuth1Tokens("42-token", "token-secret"))
    with ScriptedServer([(200, {}, {"data": SUB})] * 2) as server:
        xaa = api(server)
        xaa.create("9", "dm.received", {"user_id": "42"}, credential=oauth2)
        xaa.create("9", "dm.received", {"user_id": "42"}, credential=oauth1)
    first, second = (r["headers"]["Authorization"] for r in server.requests)
    assert first == "Bearer user-access-token"
    assert second.startswith("OAuth ")
    assert 'oauth_token="42-token"' in second
    assert 'oauth_consumer_key="ck"' in second
    assert "user-access-token" not in repr(oauth2)
    assert "token-secret" not in repr(oauth1)


def test_delete_is_idempotent_and_update_sends_only_tag_and_webhook():
    script = [
        (200, {}, {"data": {"deleted": True}}),
        _error(404, "Not Found Error", "not found"),
        (200, {}, {"data": {**SUB, "tag": "new"}}),
    ]
    with ScriptedServer(script) as server:
        xaa = api(server)
        assert xaa.delete("11") is True
        assert xaa.delete("11") is False
        assert xaa.update("11", tag="new").tag == "new"
    assert server.requests[2]["method"] == "PUT"
    assert server.requests[2]["body"] == b'{"tag": "new"}'


def test_xaa_is_refused_on_v1_flavours_before_any_call():
    with ScriptedServer() as server, pytest.raises(Unsupported, match="exist in X API v2 only"):
        api(server, "enterprise").list_all()
    assert server.requests == []


def test_webhooks_api_keeps_its_dict_answers_for_xaa_over_the_new_module():
    from xwebhook.x_api.endpoints import WebhooksApi

    script = [
        (200, {}, {"data": {"subscription": SUB}}),
        (200, {}, {"data": [SUB]}),
        (200, {}, {"data": {**SUB, "tag": "n"}}),
        _error(404, "Not Found Error", "gone"),
    ]
    with ScriptedServer(script) as server:
        webhooks = WebhooksApi(XClient(server.base_url, 5.0, sleep=lambda _s: None), "v2", lambda: CREDENTIALS)
        assert webhooks.xaa_create("9", "post.create", {"user_id": "42"}, "t") == SUB
        assert webhooks.xaa_list() == [SUB]
        assert webhooks.xaa_update("11", tag="n")["tag"] == "n"
        assert webhooks.xaa_delete("11") == {"deleted": False}
