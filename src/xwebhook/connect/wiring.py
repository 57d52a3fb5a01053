"""The connect function's composition root: ConnectFlow wired to X, the secrets extension and the table.

The table's client is made here, at init (Lambda runs init with the function's environment and a CPU
boost): every request needs it. What talks to X (requests, ~160 ms of imports on the bench machine) is made
on first use: the OAuth 2.0 start, the most common first request, never calls X. bench/connect_cold.py
measures init plus the first request, as a browser waiting on a cold start sees it.
"""

import time

from xwebhook.accounts.dynamodb import DynamoAccountStore, DynamoInviteStore, Table, dynamodb_client
from xwebhook.connect.dynamodb import DynamoSignInStore
from xwebhook.connect.flow import ConnectFlow
from xwebhook.connect.settings import ConnectSettings
from xwebhook.credentials.signing_key import signing_keys
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError


class XSide:
    """What talks to X, made on first use: one XClient (its session) under the OAuth clients, the
    subscriptions piece and the webhooks API."""

    def __init__(self, settings, credentials, session=None, clock=time.time):
        from xwebhook.x_api.account_subscriptions import AccountSubscriptions
        from xwebhook.x_api.client import XClient
        from xwebhook.x_api.endpoints import WebhooksApi
        from xwebhook.x_api.oauth1 import OAuth1Flow
        from xwebhook.x_api.oauth2 import OAuth2Client

        self.client = XClient(
            settings.x_api_base_url,
            settings.timeout_seconds,
            session=session,
            attempts=2,
            user_agent="xwebhook-connect",
        )
        self.api = WebhooksApi(self.client, settings.flavour, credentials, settings.premium_env_name)
        self.oauth2 = OAuth2Client(self.client, credentials, clock)
        self.oauth1 = OAuth1Flow(self.client, credentials)
        self.subscriptions = AccountSubscriptions(self.client, self.api, credentials)


class Later:
    """Stands in for `getattr(made(), name)`, made on the first attribute asked for."""

    def __init__(self, made, name):
        self._made, self._name, self._target = made, name, None

    def __getattr__(self, attribute):
        if self._target is None:
            self._target = getattr(self._made(), self._name)
        return getattr(self._target, attribute)


class TimeLeft:
    """The invocation's time left, for the XClient: passed on now if X's side is made, else when it is."""

    def __init__(self):
        self.time_left = None
        self.client = None

    def set_time_left(self, time_left):
        self.time_left = time_left
        if self.client is not None:
            self.client.set_time_left(time_left)


def build_flow(settings, session=None, table_client=None, clock=time.time):
    credentials = credential_source(settings).get
    side, time_left = [], TimeLeft()

    def x_side():
        if not side:
            side.append(XSide(settings, credentials, session, clock))
            time_left.client = side[0].client
            side[0].client.set_time_left(time_left.time_left)
        return side[0]

    table = Table(settings.accounts.table, table_client or dynamodb_client())
    return ConnectFlow(
        settings,
        signing_keys(settings.accounts.signing_key_secret_id, settings.secret).get,
        credentials,
        DynamoInviteStore(table),
        DynamoSignInStore(table),
        DynamoAccountStore(table, clock),
        Later(x_side, "oauth2"),
        Later(x_side, "oauth1"),
        Later(x_side, "subscriptions"),
        Later(x_side, "api"),
        clock=clock,
        client=time_left,
    )


class MisconfiguredConnect:
    """Stands in for ConnectFlow when a setting is wrong: every request gets the "not set up" page (503),
    and the log line names the variable."""

    def __init__(self, problem):
        self.problem = problem

    def _answer(self, route):
        from xwebhook.connect import pages
        from xwebhook.connect.failures import failure
        from xwebhook.connect.flow import Answer

        shown = failure("misconfigured")
        log = {"route": route, "outcome": "misconfigured", "detail": self.problem}
        return Answer(shown.status, pages.failure_page(shown), log=log)

    def start(self, query, time_left=None):
        return self._answer("start")

    def finish(self, query, cookies, time_left=None):
        return self._answer("callback")


def flow_from_env(env=None):
    try:
        settings = ConnectSettings.from_env(env) if env is not None else ConnectSettings.from_env()
    except ConfigError as exc:
        return MisconfiguredConnect(str(exc))
    return build_flow(settings)
