"""The admin function's composition root: Admin wired to X through one XClient and the secrets
extension, with every capability's actions and ensure/status parts registered."""

import os
import time

from xwebhook.accounts.wiring import accounts_services
from xwebhook.admin import dispatch
from xwebhook.admin.actions import accounts, migrate
from xwebhook.admin.dispatch import Admin, MisconfiguredAdmin
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError
from xwebhook.migrate.holds import MemoryState
from xwebhook.migrate.seen import seen_events
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

# Every action the admin function knows: the webhook's (dispatch.ACTIONS), then each capability's table.
ACTIONS = {**dispatch.ACTIONS, **accounts.ACTIONS, **migrate.ACTIONS}
# ensure's parts after the webhook and its AAA subscriptions, in order: [(name, part(admin, result))].
# `xaa` comes after `accounts`, which refreshes OAuth 2.0 tokens and marks revoked accounts: it creates
# subscriptions with those tokens and deletes what revoked accounts had.
ENSURE_PARTS = [*accounts.ENSURE_PARTS, *migrate.ENSURE_PARTS]
# status's extra sections: [(name, part(admin))].
STATUS_PARTS = [*accounts.STATUS_PARTS, *migrate.STATUS_PARTS]
# What builds Admin.services from the environment: [factory(env, client, credentials, secret settings)
# -> {name: service}].
SERVICE_FACTORIES = [accounts_services]
# The admin state (BRIEF decision 2): X's rate-limit resets for the next run. In process memory until
# harden's SSM-backed state is wired here (it keeps them across containers).
STATE = MemoryState()


def _dynamodb():
    from xwebhook.aws import ADMIN_CALLS, client  # boto3 is imported on first use, not at the admin's init

    return client("dynamodb", ADMIN_CALLS)


def default_services(settings):
    """What the capabilities' actions need whatever the environment, by name (Admin.services)."""
    return {
        "state": STATE,
        "seen": seen_events(settings.xaa, _dynamodb),
        "aaa_retired": migrate.aaa_retired,
    }


def build_admin(settings, session=None, sleep=time.sleep, logger=None, env=None, services=None):
    """Admin wired to X through one XClient and the secrets extension. `env` (the environment) gives the
    capabilities' services (ConfigError when one of their settings is bad); `services` add to or replace
    them (tests give a MemoryAccountStore as "accounts")."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    built = {}
    for factory in SERVICE_FACTORIES if env is not None else ():
        built.update(factory(env, client, credentials, settings.secret))
    return Admin(
        settings,
        api,
        credentials,
        client=client,
        logger=logger,
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        services={**default_services(settings), **built, **(services or {})},
        actions=ACTIONS,
    )


def admin_from_env(env=None, logger=None):
    """Admin for the environment, or MisconfiguredAdmin naming the bad setting."""
    env = os.environ if env is None else env
    try:
        return build_admin(AdminSettings.from_env(env), logger=logger, env=env)
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc), ACTIONS)
