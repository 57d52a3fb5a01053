"""The admin function's composition root: Admin wired to X through one XClient and the secrets
extension, with every capability's actions and ensure/status parts registered."""

import os
import time
from dataclasses import replace

from xwebhook.accounts.wiring import accounts_services
from xwebhook.admin import dispatch
from xwebhook.admin.actions import accounts, ensure, migrate
from xwebhook.admin.dispatch import Admin, MisconfiguredAdmin
from xwebhook.admin.services import AdminServices
from xwebhook.admin.settings import AdminSettings
from xwebhook.aws import client_on_first_use
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError
from xwebhook.migrate.seen import seen_events
from xwebhook.recovery import auto_replay
from xwebhook.recovery.auto_replay import RecoverySettings
from xwebhook.recovery.state import MemoryState
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

# Every action the admin function knows: the webhook's (dispatch.ACTIONS), then each capability's table.
ACTIONS = {**dispatch.ACTIONS, **accounts.ACTIONS, **migrate.ACTIONS}
# ensure's parts after the webhook and its AAA subscriptions, in order: [(name, part(admin, result))].
# recovery first (replays what X could not deliver: X keeps 24 h, so it must not wait on the others);
# `xaa` after `accounts`, which refreshes OAuth 2.0 tokens and marks revoked accounts: it creates
# subscriptions with those tokens and deletes what revoked accounts had.
ENSURE_PARTS = [("recovery", auto_replay.recover), *accounts.ENSURE_PARTS, *migrate.ENSURE_PARTS]
# status's extra sections: [(name, part(admin))].
STATUS_PARTS = [
    ("last_ensure", ensure.last_ensure),
    ("recovery", auto_replay.status),
    *accounts.STATUS_PARTS,
    *migrate.STATUS_PARTS,
]
# The admin state when the environment names no SSM parameter (a bare local run): in process memory, which a
# warm container keeps between invocations. With ADMIN_STATE_PARAMETER, the recovery's services put the SSM
# store in its place.
STATE = MemoryState()


def build_services(settings, recovery_settings, env, client, credentials):
    """AdminServices from the settings and (when `env` is given) the accounts table's environment."""
    recovery = auto_replay.services(recovery_settings, client_on_first_use("ssm"), client_on_first_use("cloudwatch"))
    connected = accounts_services(env, client, credentials, settings.secret) if env is not None else None
    return AdminServices(
        state=recovery.get("state", STATE),
        recovery=recovery_settings,
        delivery_failures=recovery.get("delivery_failures"),
        seen=seen_events(settings.xaa, client_on_first_use("dynamodb")),
        accounts=connected.store if connected is not None else None,
        connected=connected,
        aaa_retired=migrate.aaa_retired,
    )


def build_admin(settings, session=None, sleep=time.sleep, logger=None, env=None, recovery_settings=None, **services):
    """Admin wired to X through one XClient and the secrets extension (and, with an ADMIN_STATE_PARAMETER,
    to its state in SSM and the failure metric in CloudWatch). `env` (the environment) gives the accounts
    services (ConfigError when one of their settings is bad); `services` replace AdminServices fields by
    name (tests give a MemoryAccountStore as `accounts`)."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    built = build_services(settings, recovery_settings or RecoverySettings(), env, client, credentials)
    return Admin(
        settings,
        api,
        credentials,
        client=client,
        logger=logger,
        ensure_parts=ENSURE_PARTS,
        status_parts=STATUS_PARTS,
        services=replace(built, **services),
        actions=ACTIONS,
    )


def admin_from_env(env=None, logger=None):
    """Admin for the environment, or MisconfiguredAdmin naming the bad setting."""
    env = os.environ if env is None else env
    try:
        settings = AdminSettings.from_env(env)
        recovery_settings = RecoverySettings.from_env(env)
        return build_admin(settings, logger=logger, env=env, recovery_settings=recovery_settings)
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc), ACTIONS)
