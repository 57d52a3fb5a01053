"""The admin function's composition root: Admin wired to X through one XClient and the secrets
extension, with every capability's actions and ensure/status parts registered."""

import time

from xwebhook.admin import dispatch, recovery
from xwebhook.admin.dispatch import Admin, MisconfiguredAdmin
from xwebhook.admin.recovery import RecoverySettings
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.x_credentials import credential_source
from xwebhook.env import ConfigError
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import WebhooksApi

# Every action the admin function knows: the webhook's (dispatch.ACTIONS), then each capability's table.
ACTIONS = {**dispatch.ACTIONS}
# ensure's parts after the webhook and its AAA subscriptions, in order: [(name, part(admin, result))].
ENSURE_PARTS = [("recovery", recovery.recover)]  # replays what X could not deliver (admin.recovery)
# status's extra sections: [(name, part(admin))].
STATUS_PARTS = [("last_ensure", recovery.last_ensure), ("recovery", recovery.status)]


def _aws_client(service):
    def make():
        from xwebhook.aws import ADMIN_CALLS, client  # boto3 is imported on first use, not at init

        return client(service, ADMIN_CALLS)

    return make


def build_admin(settings, session=None, sleep=time.sleep, logger=None, recovery_settings=None):
    """Admin wired to X through one XClient and the secrets extension (and, with an ADMIN_STATE_PARAMETER,
    to its state in SSM and the failure metric in CloudWatch)."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    services = recovery.services(recovery_settings or RecoverySettings(), _aws_client("ssm"), _aws_client("cloudwatch"))
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
    try:
        settings = AdminSettings.from_env(env) if env is not None else AdminSettings.from_env()
        recovery_settings = RecoverySettings.from_env(env) if env is not None else RecoverySettings.from_env()
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc), ACTIONS)
    return build_admin(settings, logger=logger, recovery_settings=recovery_settings)
