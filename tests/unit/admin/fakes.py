"""An in-memory WebhooksApi for the reconciler and the actions: X's state as plain data, scripted failures."""

from xwebhook.credentials.x_credentials import UserTokens, XCredentials
from xwebhook.x_api.endpoints import Revalidation
from xwebhook.x_api.errors import XApiError
from xwebhook.x_api.models import Webhook

OWNER_ID = "2244994945"
OTHER_ID = "783214"


def credentials(users=(OTHER_ID,), owner_id=OWNER_ID):
    owner = UserTokens(owner_id, f"{owner_id}-owner-token", "owner-secret") if owner_id is not None else None
    return XCredentials(
        consumer_key="ck",
        consumer_secret="cs",
        bearer_token="bt",
        owner=owner,
        users={user: UserTokens(user, f"{user}-token", f"{user}-secret") for user in users},
    )


class FakeApi:
    """`crc_passes` decides what register/revalidate find; `fail` maps a method name to an exception."""

    flavour = "v2"

    def __init__(self, webhook=None, subscribed=(), crc_passes=True, fail=None):
        self.webhooks = [webhook] if webhook else []
        self.subscribed = set(subscribed)
        self.crc_passes = crc_passes
        self.fail = dict(fail or {})
        self.calls = []

    def _maybe_fail(self, name):
        exc = self.fail.get(name)
        if exc is not None:
            raise exc

    def endpoint(self, name):
        return name

    def list_webhooks(self):
        self.calls.append(("list_webhooks",))
        self._maybe_fail("list_webhooks")
        return list(self.webhooks)

    def create_webhook(self, url):
        self.calls.append(("create_webhook", url))
        self._maybe_fail("create_webhook")
        if not self.crc_passes:
            raise XApiError("register", 400, "CrcValidationFailed: the CRC GET got HTTP 503")
        webhook = Webhook("1001", url, True, "2026-11-27T00:00:00.000Z")
        self.webhooks.append(webhook)
        return webhook

    def validate_webhook(self, webhook_id):
        self.calls.append(("validate_webhook", webhook_id))
        self._maybe_fail("validate_webhook")
        self.webhooks = [Webhook(w.id, w.url, self.crc_passes, w.created_at) for w in self.webhooks]
        return Revalidation(self.crc_passes, None if self.crc_passes else "CrcValidationFailed: got HTTP 503")

    def list_subscriptions(self, webhook_id):
        self.calls.append(("list_subscriptions", webhook_id))
        self._maybe_fail("list_subscriptions")
        return sorted(self.subscribed)

    def subscribe(self, webhook_id, tokens):
        self.calls.append(("subscribe", webhook_id, tokens.user_id))
        self._maybe_fail("subscribe")
        self.subscribed.add(tokens.user_id)
