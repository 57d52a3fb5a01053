"""X's rate-limit headers, remembered per operation by the X client: migrate sizes its waves with them."""

import pytest

from tests.unit.x_api.scripted_server import ScriptedServer
from xwebhook.x_api.client import BEARER, BearerAuth, Endpoint, XClient
from xwebhook.x_api.errors import RateLimited

CREATE = Endpoint("create XAA subscription", "POST", "/2/activity/subscriptions", BEARER)
LIST = Endpoint("list XAA subscriptions", "GET", "/2/activity/subscriptions", BEARER)
HEADERS = {"x-rate-limit-limit": "500", "x-rate-limit-remaining": "488", "x-rate-limit-reset": "1800000900"}


def test_the_last_answers_rate_limit_headers_are_kept_per_operation():
    with ScriptedServer([(200, HEADERS, {"data": {}}), (200, {}, {"data": []})]) as server:
        client = XClient(server.base_url, timeout_seconds=2)
        client.call(CREATE, BearerAuth("b"))
        client.call(LIST, BearerAuth("b"))
    assert client.rate_limits == {
        "create XAA subscription": {"limit": 500, "remaining": 488, "reset": 1800000900}
    }  # the list answer carried none: nothing is made up for it


def test_a_429_leaves_its_headers_too():
    headers = {**HEADERS, "x-rate-limit-remaining": "0"}
    with ScriptedServer([(429, headers, {"title": "Too Many Requests"})]) as server:
        client = XClient(server.base_url, timeout_seconds=2)
        with pytest.raises(RateLimited):
            client.call(CREATE, BearerAuth("b"))
    assert client.rate_limits["create XAA subscription"]["remaining"] == 0
