"""X's API as its ports (x_api/endpoints.py's WebhooksApi and x_api/xaa.py's XaaApi) in memory, for ensure, the
actions and migrate: X's state as plain data, scripted failures; and an X credentials secret."""

from dataclasses import replace

from xwebhook.credentials.x_credentials import XCredentials
from xwebhook.x_api.endpoints import Revalidation
from xwebhook.x_api.errors import RateLimited, XApiError
from xwebhook.x_api.models import Webhook
from xwebhook.x_api.tokens import UserTokens
from xwebhook.x_api.xaa import (
    BEARER_CREDENTIAL,
    CredentialRefused,
    DuplicateSubscription,
    Listing,
    Subscription,
    SubscriptionCapReached,
)

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

    def __init__(self, webhook=None, subscribed=(), crc_passes=True, fail=None, xaa=None):
        self.xaa = xaa if xaa is not None else FakeXaa()
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

    def unsubscribe(self, webhook_id, user_id):
        self.calls.append(("unsubscribe", webhook_id, user_id))
        self._maybe_fail("unsubscribe")
        self.subscribed.discard(user_id)


class FakeXaa:
    """An in-memory XaaApi: X's XAA subscriptions as Subscription objects, and X's ways of refusing.

    `refuse`: {(event_type | "*", credential kind): HTTP status} -> CredentialRefused;
    `duplicates`: {event_type: existing id or None} -> DuplicateSubscription on create;
    `cap`: most subscriptions X takes; `limit_after`: {operation name: calls before a 429};
    `page_size`: X's page size (list_all counts the pages it would take)."""

    flavour = "v2"

    def __init__(self, subscriptions=(), refuse=None, duplicates=None, cap=None, limit_after=None, page_size=1000):
        self.subscriptions = {s.id: s for s in subscriptions}
        self.refuse = dict(refuse or {})
        self.duplicates = dict(duplicates or {})
        self.cap = cap
        self.limit_after = dict(limit_after or {})
        self.page_size = page_size
        self.calls = []
        self._ids = iter(range(5000, 100000))

    def endpoint(self, name):
        return name

    def _count(self, operation):
        left = self.limit_after.get(operation)
        if left is not None:
            if left <= 0:
                raise RateLimited(operation, reset_epoch=RESET_EPOCH)
            self.limit_after[operation] = left - 1

    def list_all(self, max_results=1000, max_pages=200):
        self.calls.append(("list",))
        self._count("list XAA subscriptions")
        items = tuple(self.subscriptions.values())
        pages = max(1, -(-len(items) // self.page_size))
        return Listing(items, len(items), pages, ("meta.next_token",) if pages > 1 else ())

    def create(self, webhook_id, event_type, filter_, tag=None, credential=BEARER_CREDENTIAL):
        self.calls.append(("create", event_type, filter_.get("user_id"), credential.kind))
        self._count("create XAA subscription")
        status = self.refuse.get((event_type, credential.kind), self.refuse.get(("*", credential.kind)))
        if status:
            raise CredentialRefused(XApiError("create XAA subscription", status, "Forbidden"), credential.kind)
        if event_type in self.duplicates:
            existing = self.duplicates.pop(event_type)
            error = XApiError("create XAA subscription", 400, "DuplicateSubscription: exists")
            raise DuplicateSubscription(error, existing)
        if self.cap is not None and len(self.subscriptions) >= self.cap:
            raise SubscriptionCapReached(XApiError("create XAA subscription", 400, "SubscriptionLimitExceeded"))
        subscription = Subscription(str(next(self._ids)), event_type, dict(filter_), tag, webhook_id)
        self.subscriptions[subscription.id] = subscription
        return subscription

    def update(self, subscription_id, tag=None, webhook_id=None):
        self.calls.append(("update", subscription_id, tag, webhook_id))
        self._count("update XAA subscription")
        current = self.subscriptions[subscription_id]
        changed = replace(current, tag=tag or current.tag, webhook_id=webhook_id or current.webhook_id)
        self.subscriptions[subscription_id] = changed
        return changed

    def delete(self, subscription_id):
        self.calls.append(("delete", subscription_id))
        self._count("delete XAA subscription")
        return self.subscriptions.pop(subscription_id, None) is not None

    def of(self, user_id):
        return sorted(s.event_type for s in self.subscriptions.values() if s.user_id == user_id)


RESET_EPOCH = 1_796_127_000  # 2026-12-01T12:10Z: ten minutes after the migrate tests' clock
