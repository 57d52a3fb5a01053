"""The endpoint tables: every flavour has the same operations (but replay and XAA, v2 only), with the
auth X requires for each (x-webhooks.md), and paths that name the premium environment where needed."""

import pytest

from xwebhook.x_api.client import BEARER, USER
from xwebhook.x_api.endpoints import ENDPOINTS, V2_ONLY, WebhooksApi
from xwebhook.x_api.errors import Unsupported

AAA_OPERATIONS = {
    "list_webhooks",
    "create_webhook",
    "validate_webhook",
    "delete_webhook",
    "subscribe",
    "list_subscriptions",
    "count_subscriptions",
    "unsubscribe",
}


def test_every_flavour_has_the_account_activity_operations_and_only_v2_the_rest():
    assert set(ENDPOINTS["v2"]) == AAA_OPERATIONS | set(V2_ONLY)
    assert set(ENDPOINTS["enterprise"]) == AAA_OPERATIONS
    assert set(ENDPOINTS["premium"]) == AAA_OPERATIONS


@pytest.mark.parametrize("flavour", ["v2", "enterprise", "premium"])
def test_subscribing_is_user_context_and_listing_is_app_only(flavour):
    table = ENDPOINTS[flavour]
    assert table["subscribe"].auth == USER  # as the subscribing user: X needs that user's consent
    for name in ("list_webhooks", "list_subscriptions", "count_subscriptions"):
        assert table[name].auth == BEARER


@pytest.mark.parametrize(("flavour", "auth"), [("v2", BEARER), ("enterprise", USER), ("premium", BEARER)])
def test_unsubscribing_takes_the_auth_each_flavours_page_documents(flavour, auth):
    # Enterprise: DELETE .../subscriptions/all.json signed as the subscribed user (its page)
    assert ENDPOINTS[flavour]["unsubscribe"].auth == auth


def test_v2_manages_webhooks_app_only_and_v1_as_the_owner():
    for name in ("create_webhook", "validate_webhook", "delete_webhook", "replay", "xaa_create"):
        assert ENDPOINTS["v2"][name].auth == BEARER
    for flavour in ("enterprise", "premium"):
        for name in ("create_webhook", "validate_webhook", "delete_webhook"):
            assert ENDPOINTS[flavour][name].auth == USER


def test_only_register_and_revalidate_wait_for_a_crc():
    for table in ENDPOINTS.values():
        assert {name for name, endpoint in table.items() if endpoint.triggers_crc} == {
            "create_webhook",
            "validate_webhook",
        }


def test_premium_paths_name_the_environment_and_v1_paths_end_in_json():
    for name, endpoint in ENDPOINTS["premium"].items():
        assert endpoint.path.endswith(".json")
        assert ("{env_name}" in endpoint.path) != (name == "count_subscriptions")
    assert all(endpoint.path.endswith(".json") for endpoint in ENDPOINTS["enterprise"].values())
    assert all(endpoint.path.startswith("/2/") for endpoint in ENDPOINTS["v2"].values())


@pytest.mark.parametrize("flavour", ["enterprise", "premium"])
def test_v2_only_operations_say_so_on_v1(flavour):
    api = WebhooksApi(client=None, flavour=flavour, credentials=None)
    for name in V2_ONLY:
        with pytest.raises(Unsupported, match=f"v2 only; X_API_FLAVOUR is {flavour}"):
            api.endpoint(name)


def test_every_flavour_the_settings_accept_has_an_endpoint_table():
    from xwebhook.x_api.models import FLAVOURS

    assert tuple(ENDPOINTS) == FLAVOURS
