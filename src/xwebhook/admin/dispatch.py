"""The admin actions, and `Admin.handle(event)`: one invocation in, one JSON result out, never a raise.

Invocation: {"action": "<name>", ...fields}. An EventBridge rule's "Scheduled Event" (source
aws.events) means `ensure`; EventBridge Scheduler passes its Input ({"action": "ensure"}) verbatim.
Action names are case-insensitive and `-` equals `_` (xaa-create = xaa_create).

Actions that work on "the webhook" use `webhook_id` when given, else the one X lists for WEBHOOK_URL.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from xwebhook.accounts.store import ListedOnce
from xwebhook.admin.actions import ensure, subscriptions, webhook
from xwebhook.admin.ensure_webhook import Observed, find_webhook
from xwebhook.admin.errors import AdminError, BadInput
from xwebhook.admin.models import (
    NoInput,
    ReplayInput,
    SubscribeInput,
    UnsubscribeInput,
    WebhookInput,
    XaaCreateInput,
    XaaDeleteInput,
    XaaUpdateInput,
    parse_input,
)
from xwebhook.admin.result import failed, refused
from xwebhook.admin.services import AdminServices
from xwebhook.errors import ReportedError
from xwebhook.x_api.endpoints import V2_ONLY

# action name -> (input model, the function, what it does: the docs' (operations.md) and the error message's one-liner).
# These are the webhook's; wiring.ACTIONS adds every other capability's table (accounts, migrate, ...).
ACTIONS = {
    "status": (NoInput, webhook.status, "the webhook(s) for WEBHOOK_URL, subscriptions, and what ensure would do"),
    "register": (NoInput, webhook.register, "register WEBHOOK_URL with X (X runs a CRC against the crc function)"),
    "revalidate": (WebhookInput, webhook.revalidate, "trigger a CRC (PUT) and report whether the webhook is valid"),
    "ensure": (NoInput, ensure.ensure, "register / revalidate / subscribe whatever is missing; emits WebhookValid"),
    "delete": (WebhookInput, webhook.delete, "delete the webhook"),
    "subscribe": (
        SubscribeInput,
        subscriptions.subscribe,
        "subscribe the app owner, a user of the credentials, or given tokens",
    ),
    "unsubscribe": (UnsubscribeInput, subscriptions.unsubscribe, "remove a user's subscription"),
    "subscriptions": (
        WebhookInput,
        subscriptions.subscriptions,
        "list subscribed user ids and X's subscription counts",
    ),
    "replay": (ReplayInput, webhook.replay, "ask X to deliver again the events of a window within the last 24 h (v2)"),
    "xaa_create": (
        XaaCreateInput,
        subscriptions.xaa_create,
        "create an X Activity API subscription (event type, filter, tag)",
    ),
    "xaa_list": (NoInput, subscriptions.xaa_list, "list X Activity API subscriptions"),
    "xaa_update": (XaaUpdateInput, subscriptions.xaa_update, "change an XAA subscription's tag or webhook"),
    "xaa_delete": (XaaDeleteInput, subscriptions.xaa_delete, "delete an XAA subscription"),
}


SCHEDULED_SOURCES = frozenset({"aws.events", "aws.scheduler"})


def requested_action(event, actions=None):
    """(action name, fields) of an invocation; BadInput when it names no known action."""
    actions = ACTIONS if actions is None else actions
    if not isinstance(event, dict):
        raise BadInput('bad input: the event must be a JSON object like {"action": "status"}')
    if "action" not in event and event.get("source") in SCHEDULED_SOURCES:
        return "ensure", {}  # an EventBridge rule's Scheduled Event: the reconciler's schedule
    action = event.get("action")
    known = ", ".join(actions)
    if not isinstance(action, str) or not action.strip():
        raise BadInput(f"bad input: the event has no action; one of: {known}")
    name = action.strip().lower().replace("-", "_")
    if name not in actions:
        raise BadInput(f"bad input: unknown action {action.strip()[:50]!r}; one of: {known}")
    return name, {key: value for key, value in event.items() if key != "action"}


class Admin:
    """What every action works with: the settings, X's API, the credentials, the clock, and the parts
    other capabilities plug into ensure and status (see actions/ensure.py).

    `services` (AdminServices, admin/services.py) holds whatever else a capability's actions need.
    """

    def __init__(
        self,
        settings,
        api,
        credentials,
        client=None,
        now=lambda: datetime.now(UTC),
        logger=None,
        ensure_parts=(),
        status_parts=(),
        services=None,
        actions=None,
    ):
        self.settings = settings
        self.api = api
        self.credentials = credentials  # () -> XCredentials
        self.now = now
        self.logger = logger
        self.ensure_parts = list(ensure_parts)  # [(name, part(admin, result) -> report)]
        self.status_parts = list(status_parts)  # [(name, part(admin) -> report)]
        self.services = services if services is not None else AdminServices()
        self.actions = ACTIONS if actions is None else actions
        self._client = client

    def handle(self, event, time_left=None):
        """The result of one invocation. `time_left()` -> seconds left (stops retries in time)."""
        raw = event.get("action") if isinstance(event, dict) else None
        action = raw.strip()[:50] if isinstance(raw, str) and raw.strip() else "?"
        if self._client is not None:
            self._client.set_time_left(time_left)
        try:
            action, fields = requested_action(event, self.actions)
            if action in V2_ONLY:
                self.api.endpoint(action)  # Unsupported on v1.1 flavours, whatever the fields say
            model, function, _ = self.actions[action]
            return function(self, parse_input(model, fields))
        except ReportedError as exc:
            return failed(action, exc)
        except Exception as exc:  # a bug: never a traceback as the answer, but the log has it
            if self.logger is not None:
                self.logger.exception("admin action failed unexpectedly", extra={"action": action})
            return refused(action, f"internal error ({exc.__class__.__name__}); see the log")
        finally:
            if self._client is not None:
                self._client.set_time_left(None)

    # What several actions need --------------------------------------------------------------------------------------

    def seconds_left(self):
        """Seconds this invocation has left (Lambda's deadline), or None when none is known."""
        return self._client.seconds_left() if self._client is not None else None

    def x_rate_limits(self):
        """X's rate-limit headers of the last answer per operation ({} before any call, or without a client)."""
        return dict(self._client.rate_limits) if self._client is not None else {}

    def our_webhook(self):
        """(our webhook or None, every webhook of the app)."""
        webhooks = self.api.list_webhooks()
        return find_webhook(webhooks, self.settings.webhook_url), webhooks

    @contextmanager
    def accounts_listed_once(self):
        """For one read-only action: every part that lists the accounts gets the same listing, read once."""
        saved = self.services
        if saved.accounts is not None:
            once = ListedOnce(saved.accounts)
            connected = saved.connected
            self.services = replace(
                saved, accounts=once, connected=replace(connected, store=once) if connected is not None else None
            )
        try:
            yield
        finally:
            self.services = saved

    def webhook_id(self, request):
        if request.webhook_id:
            return request.webhook_id
        webhook, _ = self.our_webhook()
        if webhook is None:
            raise AdminError(f"no webhook is registered for {self.settings.webhook_url}; run register or ensure")
        return webhook.id

    def observe(self):
        """What X says now: our webhook, who is subscribed to it, and whom ensure must subscribe."""
        credentials = self.credentials()
        webhook, webhooks = self.our_webhook()
        # Accounts moved to XAA (migrate cutover) are no longer subscribed to AAA.
        retired = self.services.aaa_retired
        gone = retired(self) if retired is not None else set()
        wanted = tuple(user_id for user_id in credentials.configured_user_ids() if user_id not in gone)
        subscribed = frozenset()
        problems = []
        if webhook is not None:
            try:
                subscribed = frozenset(self.api.list_subscriptions(webhook.id))
            except ReportedError as exc:
                subscribed = None
                problems.append(f"subscriptions could not be listed: {exc}")
        if self.settings.ensure_subscribe and credentials.owner is not None and not credentials.owner.user_id:
            problems.append(
                "the app owner's user id is unknown (the access token has no '<user id>-' prefix): "
                "set owner_user_id in the X credentials secret"
            )
        observed = Observed(self.settings.webhook_url, webhook, subscribed, wanted, self.settings.ensure_subscribe)
        return observed, webhooks, problems

    def found(self, observed, others):
        found = {
            "webhook": observed.webhook.as_dict() if observed.webhook else None,
            "other_webhooks": [hook.as_dict() for hook in others],
        }
        if observed.subscribed is not None:
            found["subscribed_user_ids"] = sorted(observed.subscribed)
            found["subscription_count"] = len(observed.subscribed)
        if observed.subscribe:
            found["wanted_user_ids"] = list(observed.wanted_users)
        return found


class MisconfiguredAdmin:
    """Stands in for Admin when a setting is wrong: every invocation says which one."""

    def __init__(self, problem, actions=None):
        self.problem = problem
        self.actions = ACTIONS if actions is None else actions

    def handle(self, event, time_left=None):
        try:
            action, _ = requested_action(event, self.actions)
        except ReportedError:
            action = "?"
        return refused(action, f"configuration: {self.problem}")
