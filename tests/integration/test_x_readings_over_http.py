"""Our X client against the emulator refereed by X's document, over HTTP, in each reading X's document
leaves open (the emulator's named settings; README "The choices where X's documentation is ambiguous"):
where the list's next-page token is (or that there is none), the cap and duplicate errors, a delete of an
unknown id, the create/update answer shapes, broadcast.chat's scope. And the fixed mismatches: the AAA
subscribe's body and its OAuth 2.0 scopes, GET /2/users/me's scopes."""

import pytest

from localdev.x_emulator import XEmulator
from xwebhook.accounts.models import Account
from xwebhook.credentials.x_credentials import XCredentials
from xwebhook.x_api import event_types
from xwebhook.x_api.account_subscriptions import AccountSubscriptions
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi
from xwebhook.x_api.errors import XApiError
from xwebhook.x_api.oauth2 import OAuth2Client
from xwebhook.x_api.tokens import OAuth2Tokens, UserTokens
from xwebhook.x_api.xaa import Credential, DuplicateSubscription, SubscriptionCapReached

OWNER = "2244994945"
USERS = {OWNER: ("owner-token", "owner-token-secret")}
CREDENTIALS = XCredentials("ck", "cs", "app-bearer", owner=UserTokens(OWNER, *USERS[OWNER]))


@pytest.fixture
def emulator():
    with XEmulator(consumer_key="ck", consumer_secret="cs", bearer_token="app-bearer", users=USERS) as emu:
        emu.webhook_id = emu.add_webhook("https://hooks.example.com/webhook")["id"]
        yield emu


def webhooks(emulator):
    client = XClient(emulator.base_url, 5.0, sleep=lambda _s: None)
    return WebhooksApi(client, "v2", lambda: CREDENTIALS)


def fill(emulator, count):
    for index in range(count):
        emulator.create_xaa({"event_type": "post.create", "filter": {"user_id": str(1000 + index)}})


# ---- the list's next-page token -----------------------------------------------------------------------------


@pytest.mark.parametrize("token_at", ["meta.next_token", "meta.pagination_token", "next_token"])
def test_the_list_follows_the_token_wherever_the_emulator_puts_it_and_says_where(emulator, token_at):
    emulator.xaa_page_size, emulator.xaa_token_at = 4, token_at
    fill(emulator, 9)
    listing = webhooks(emulator).xaa.list_all(max_results=4)
    assert (len(listing.subscriptions), listing.pages, listing.token_places) == (9, 3, (token_at,))
    assert listing.full_page_without_token is False


def test_with_no_token_anywhere_a_full_page_is_said_not_taken_for_the_end(emulator):
    emulator.xaa_page_size, emulator.xaa_token_at = 4, "none"
    fill(emulator, 9)
    listing = webhooks(emulator).xaa.list_all(max_results=4)
    assert (len(listing.subscriptions), listing.pages) == (4, 1)
    assert listing.full_page_without_token is True
    assert "no next-page token" in listing.report()["warning"]


def test_with_no_token_and_no_total_a_full_page_is_still_said(emulator):
    emulator.xaa_page_size, emulator.xaa_token_at, emulator.xaa_total_at = 4, "none", "none"
    fill(emulator, 9)
    assert webhooks(emulator).xaa.list_all(max_results=4).full_page_without_token is True


def test_a_last_page_that_is_not_full_is_the_end(emulator):
    emulator.xaa_token_at = "none"
    fill(emulator, 3)
    listing = webhooks(emulator).xaa.list_all(max_results=4)
    assert listing.full_page_without_token is False
    assert "warning" not in listing.report()


def test_a_full_page_whose_total_says_it_is_all_is_the_end(emulator):
    emulator.xaa_token_at = "none"
    fill(emulator, 4)
    assert webhooks(emulator).xaa.list_all(max_results=4).full_page_without_token is False


# ---- create, update, delete in each reading -------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["document", "flat", "list"])
def test_create_and_update_read_each_answer_shape(emulator, shape):
    emulator.xaa_shape = shape
    xaa = webhooks(emulator).xaa
    made = xaa.create(emulator.webhook_id, "post.create", {"user_id": OWNER}, "xwebhook:" + OWNER)
    assert made.id in emulator.xaa_subscriptions
    assert xaa.update(made.id, tag="moved").tag == "moved"


@pytest.mark.parametrize("reading", ["invalid-request", "usage-capped", "forbidden"])
def test_each_reading_of_the_cap_error_is_told_apart_as_the_cap(emulator, reading):
    emulator.xaa_subscription_limit, emulator.xaa_cap = 1, reading
    fill(emulator, 1)
    with pytest.raises(SubscriptionCapReached):
        webhooks(emulator).xaa.create(emulator.webhook_id, "post.create", {"user_id": OWNER})


@pytest.mark.parametrize("reading", ["invalid-request", "conflict"])
@pytest.mark.parametrize("names_it", [True, False])
def test_each_reading_of_the_duplicate_error_is_told_apart_as_a_duplicate(emulator, reading, names_it):
    emulator.xaa_duplicate, emulator.xaa_duplicate_id = reading, names_it
    xaa = webhooks(emulator).xaa
    first = xaa.create(emulator.webhook_id, "post.create", {"user_id": OWNER})
    with pytest.raises(DuplicateSubscription) as caught:
        xaa.create(emulator.webhook_id, "post.create", {"user_id": OWNER})
    assert caught.value.existing_id == (first.id if names_it else None)


@pytest.mark.parametrize("reading", ["not-found", "not-deleted"])
def test_deleting_an_id_x_does_not_have_reads_as_already_gone_in_each_reading(emulator, reading):
    emulator.xaa_delete_unknown = reading
    assert webhooks(emulator).xaa.delete("123456") is False


def test_deleting_one_x_has_reads_data_deleted(emulator):
    fill(emulator, 1)
    assert webhooks(emulator).xaa.delete(next(iter(emulator.xaa_subscriptions))) is True


def test_the_admin_delete_action_says_when_x_had_no_such_subscription(emulator):
    emulator.xaa_delete_unknown = "not-deleted"
    assert webhooks(emulator).xaa_delete("123456") == {"deleted": False}


# ---- scopes: what connect asks for is what X's document requires ------------------------------------------------


def _oauth2_account(emulator, scopes):
    emulator.add_oauth2_token(OWNER, "owner-oauth2", scopes)
    return Account(OWNER, oauth2=OAuth2Tokens("owner-oauth2", None, emulator.now() + 7200, tuple(scopes)))


def test_an_aaa_subscribe_with_oauth2_works_with_the_scopes_connect_asks_for_it(emulator):
    account = _oauth2_account(emulator, event_types.scopes_for(event_types.AAA_PARITY, aaa_oauth2=True))
    api = webhooks(emulator)
    subscriptions = AccountSubscriptions(api._client, api, lambda: CREDENTIALS)
    assert subscriptions.subscribe_aaa(emulator.webhook_id, account) == "oauth2"
    assert OWNER in emulator.subscriptions[emulator.webhook_id]


def test_an_aaa_subscribe_with_oauth2_is_refused_without_dm_write(emulator):
    account = _oauth2_account(emulator, event_types.scopes_for(event_types.AAA_PARITY))
    api = webhooks(emulator)
    subscriptions = AccountSubscriptions(api._client, api, lambda: CREDENTIALS)
    with pytest.raises(XApiError) as caught:
        subscriptions.subscribe_aaa(emulator.webhook_id, account)
    assert caught.value.status == 403
    assert "dm.write" in caught.value.reason


def test_an_aaa_subscribe_with_oauth1_sends_the_body_xs_document_requires(emulator):
    webhooks(emulator).subscribe(emulator.webhook_id, CREDENTIALS.owner)
    assert OWNER in emulator.subscriptions[emulator.webhook_id]


@pytest.mark.parametrize("types", [("dm.received", "like.create"), ("post.create",), ("broadcast.chat",)])
def test_who_signed_in_works_with_the_scopes_connect_asks_whatever_the_types(emulator, types):
    _oauth2_account(emulator, event_types.scopes_for(types))
    client = XClient(emulator.base_url, 5.0, sleep=lambda _s: None)
    assert OAuth2Client(client, lambda: CREDENTIALS).me("owner-oauth2").user_id == OWNER


@pytest.mark.parametrize("reading", ["broadcast.read", "tweet.read"])
def test_broadcast_chat_is_created_with_connects_scopes_whichever_scope_x_applies(emulator, reading):
    emulator.xaa_broadcast_chat_scope = reading
    account = _oauth2_account(emulator, event_types.scopes_for(["broadcast.chat"]))
    credential = Credential("oauth2", OWNER, account.oauth2)
    made = webhooks(emulator).xaa.create(emulator.webhook_id, "broadcast.chat", {"user_id": OWNER}, None, credential)
    assert made.event_type == "broadcast.chat"


def test_the_deprecated_alias_is_answered_under_its_canonical_name(emulator):
    account = _oauth2_account(emulator, event_types.scopes_for(["chat.conversation.join"]))
    credential = Credential("oauth2", OWNER, account.oauth2)
    made = webhooks(emulator).xaa.create(
        emulator.webhook_id, "chat.conversation_join", {"user_id": OWNER}, None, credential
    )
    assert made.event_type == "chat.conversation.join"


def test_each_new_chat_type_is_created_with_the_dm_read_scope(emulator):
    account = _oauth2_account(emulator, event_types.scopes_for(event_types.CHAT_CONVERSATION))
    credential = Credential("oauth2", OWNER, account.oauth2)
    xaa = webhooks(emulator).xaa
    made = [
        xaa.create(emulator.webhook_id, name, {"user_id": OWNER}, None, credential)
        for name in event_types.CHAT_CONVERSATION
    ]
    assert [m.event_type for m in made] == list(event_types.CHAT_CONVERSATION)


def test_news_new_is_created_with_a_keyword_filter(emulator):
    made = webhooks(emulator).xaa.create(emulator.webhook_id, "news.new", {"keyword": "aurora"})
    assert made.filter == {"keyword": "aurora"}
