"""The admin function's composition root: Admin wired to X through one XClient and the secrets
extension, with every capability's actions and ensure/status parts registered."""

import time

from xwebhook.admin import dispatch
from xwebhook.admin.actions import migrate
from xwebhook.admin.dispatch import Admin, MisconfiguredAdmin
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError
from xwebhook.migrate.holds import MemoryState
from xwebhook.migrate.seen import seen_events
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

# Every action the admin function knows: the webhook's (dispatch.ACTIONS), then each capability's table.
ACTIONS = {**dispatch.ACTIONS, **migrate.ACTIONS}
# ensure's parts after the webhook and its AAA subscriptions, in order: [(name, part(admin, result))].
# `xaa` must come after any part that refreshes OAuth 2.0 tokens (connect's): it creates with them.
ENSURE_PARTS = [*migrate.ENSURE_PARTS]
# status's extra sections: [(name, part(admin))].
STATUS_PARTS = [*migrate.STATUS_PARTS]
# The admin state (BRIEF decision 2): X's rate-limit resets for the next run. In process memory until
# harden's SSM-backed state is wired here (it keeps them across containers).
STATE = MemoryState()


def _dynamodb():
    from xwebhook.aws import ADMIN_CALLS, client  # boto3 is imported on first use, not at the admin's init

    return client("dynamodb", ADMIN_CALLS)


def default_services(settings):
    """What the capabilities' actions need, by name (Admin.services)."""
    return {
        "state": STATE,
        "seen": seen_events(settings.xaa, _dynamodb),
        "aaa_retired": migrate.aaa_retired,
        # "accounts": the AccountStore; connect's DynamoDB adapter (accounts/dynamodb.py) goes here.
    }


def build_admin(settings, session=None, sleep=time.sleep, logger=None, services=None):
    """Admin wired to X through one XClient and the secrets extension. `services` add to / replace the
    defaults (tests give a MemoryAccountStore as "accounts")."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    return Admin(
        settings,
        api,
        credentials,
        client=client,
        logger=logger,
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        services={**default_services(settings), **(services or {})},
        actions=ACTIONS,
    )


def admin_from_env(env=None, logger=None):
    """Admin for the environment, or MisconfiguredAdmin naming the bad setting."""
    try:
        settings = AdminSettings.from_env(env) if env is not None else AdminSettings.from_env()
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc), ACTIONS)
    return build_admin(settings, logger=logger)
