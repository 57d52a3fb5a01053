"""The connect function's composition root: ConnectFlow wired to X, the secrets extension and the table.

Everything is made here, at init: Lambda runs init with the function's environment and a CPU boost, and
every request needs the table (boto3, ~0.6 s of import and client on the bench machine) and most need X
(requests). bench/connect_cold.py measures init plus the first request, as a browser waiting on a cold
start sees it.
"""

import time

from xwebhook.accounts.dynamodb import DynamoAccountStore, DynamoInviteStore, Table, dynamodb_client
from xwebhook.connect.dynamodb import DynamoSignInStore
from xwebhook.connect.flow import ConnectFlow
from xwebhook.connect.settings import ConnectSettings
from xwebhook.credentials.signing_key import signing_keys
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError


def build_flow(settings, session=None, table_client=None, clock=time.time):
    from xwebhook.x_api.account_subscriptions import AccountSubscriptions
    from xwebhook.x_api.client import XClient
    from xwebhook.x_api.endpoints import WebhooksApi
    from xwebhook.x_api.oauth1 import OAuth1Flow
    from xwebhook.x_api.oauth2 import OAuth2Client

    client = XClient(
        settings.x_api_base_url, settings.timeout_seconds, session=session, attempts=2, user_agent="xwebhook-connect"
    )
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    table = Table(settings.accounts.table, table_client or dynamodb_client())
    return ConnectFlow(
        settings,
        signing_keys(settings.accounts.signing_key_secret_id, settings.secret).get,
        DynamoInviteStore(table),
        DynamoSignInStore(table),
        DynamoAccountStore(table, clock),
        OAuth2Client(client, credentials, clock),
        OAuth1Flow(client, credentials),
        AccountSubscriptions(client, api, credentials),
        api,
        clock=clock,
        client=client,
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
