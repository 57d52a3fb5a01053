"""The admin function's composition root: Admin wired to X through one XClient and the secrets
extension, with every capability's actions and ensure/status parts registered."""

import os
import time

from xwebhook.accounts.wiring import accounts_services
from xwebhook.admin import dispatch
from xwebhook.admin.actions import accounts
from xwebhook.admin.dispatch import Admin, MisconfiguredAdmin
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

# Every action the admin function knows: the webhook's (dispatch.ACTIONS), then each capability's table.
ACTIONS = {**dispatch.ACTIONS, **accounts.ACTIONS}
# ensure's parts after the webhook and its AAA subscriptions, in order: [(name, part(admin, result))].
ENSURE_PARTS = [*accounts.ENSURE_PARTS]
# status's extra sections: [(name, part(admin))].
STATUS_PARTS = [*accounts.STATUS_PARTS]
# What builds Admin.services: [factory(env, client, credentials, secret settings) -> {name: service}].
SERVICE_FACTORIES = [accounts_services]


def build_admin(settings, session=None, sleep=time.sleep, logger=None, env=None):
    """Admin wired to X through one XClient and the secrets extension; `env` (the environment) gives the
    capabilities' services (ConfigError when one of their settings is bad)."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    services = {}
    for factory in SERVICE_FACTORIES if env is not None else ():
        services.update(factory(env, client, credentials, settings.secret))
    return Admin(
        settings,
        api,
        credentials,
        client=client,
        logger=logger,
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        services=services,
        actions=ACTIONS,
    )


def admin_from_env(env=None, logger=None):
    """Admin for the environment, or MisconfiguredAdmin naming the bad setting."""
    env = os.environ if env is None else env
    try:
        return build_admin(AdminSettings.from_env(env), logger=logger, env=env)
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc), ACTIONS)
