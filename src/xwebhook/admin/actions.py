"""The admin actions, and `Admin.handle(event)`: one invocation in, one JSON result out, never a raise.

Invocation: {"action": "<name>", ...fields}. An EventBridge rule's "Scheduled Event" (source
aws.events) means `ensure`; EventBridge Scheduler passes its Input ({"action": "ensure"}) verbatim.
Action names are case-insensitive and `-` equals `_` (xaa-create = xaa_create).

Actions that work on "the webhook" use `webhook_id` when given, else the one X lists for WEBHOOK_URL.
"""

import time
from datetime import UTC, datetime

from xwebhook.admin.errors import FAILURES, AdminError, BadInput
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
from xwebhook.admin.reconcile import Observed, apply_plan, find_webhook, plan_ensure
from xwebhook.admin.replay_window import replay_window
from xwebhook.admin.result import failed, succeeded
from xwebhook.admin.settings import AdminSettings
from xwebhook.credentials.x_credentials import UserTokens, credential_source, user_id_from_access_token
from xwebhook.env import ConfigError
from xwebhook.x_api.client import XClient
from xwebhook.x_api.endpoints import V2_ONLY, WebhooksApi

# action name -> (input model, what it does: the README's and the error message's one-liner)
ACTIONS = {
    "status": (NoInput, "the webhook(s) for WEBHOOK_URL, subscriptions, and what ensure would do"),
    "register": (NoInput, "register WEBHOOK_URL with X (X runs a CRC against the crc function)"),
    "revalidate": (WebhookInput, "trigger a CRC (PUT) and report whether the webhook is valid"),
    "ensure": (NoInput, "register / revalidate / subscribe whatever is missing; emits WebhookValid"),
    "delete": (WebhookInput, "delete the webhook"),
    "subscribe": (SubscribeInput, "subscribe the app owner, a user of the credentials, or given tokens"),
    "unsubscribe": (UnsubscribeInput, "remove a user's subscription"),
    "subscriptions": (WebhookInput, "list subscribed user ids and X's subscription counts"),
    "replay": (ReplayInput, "ask X to deliver again the events of a window within the last 24 h (v2)"),
    "xaa_create": (XaaCreateInput, "create an X Activity API subscription (event type, filter, tag)"),
    "xaa_list": (NoInput, "list X Activity API subscriptions"),
    "xaa_update": (XaaUpdateInput, "change an XAA subscription's tag or webhook"),
    "xaa_delete": (XaaDeleteInput, "delete an XAA subscription"),
}
SCHEDULED_SOURCES = frozenset({"aws.events", "aws.scheduler"})


def requested_action(event):
    """(action name, fields) of an invocation; BadInput when it names no known action."""
    if not isinstance(event, dict):
        raise BadInput('bad input: the event must be a JSON object like {"action": "status"}')
    if "action" not in event and event.get("source") in SCHEDULED_SOURCES:
        return "ensure", {}  # an EventBridge rule's Scheduled Event: the reconciler's schedule
    action = event.get("action")
    known = ", ".join(ACTIONS)
    if not isinstance(action, str) or not action.strip():
        raise BadInput(f"bad input: the event has no action; one of: {known}")
    name = action.strip().lower().replace("-", "_")
    if name not in ACTIONS:
        raise BadInput(f"bad input: unknown action {action.strip()[:50]!r}; one of: {known}")
    return name, {key: value for key, value in event.items() if key != "action"}


class Admin:
    """The actions, bound to one WebhooksApi and the configured WEBHOOK_URL."""

    def __init__(self, settings, api, credentials, client=None, now=lambda: datetime.now(UTC), logger=None):
        self.settings = settings
        self.api = api
        self._credentials = credentials  # () -> XCredentials
        self._client = client
        self._now = now
        self._logger = logger

    def handle(self, event, time_left=None):
        """The result of one invocation. `time_left()` -> seconds left (stops retries in time)."""
        raw = event.get("action") if isinstance(event, dict) else None
        action = raw.strip()[:50] if isinstance(raw, str) and raw.strip() else "?"
        if self._client is not None:
            self._client.set_time_left(time_left)
        try:
            action, fields = requested_action(event)
            if action in V2_ONLY:
                self.api.endpoint(action)  # Unsupported on v1.1 flavours, whatever the fields say
            request = parse_input(ACTIONS[action][0], fields)
            return getattr(self, action)(request)
        except FAILURES as exc:
            result = failed(action, exc)
            if action == "ensure":
                result["webhook_valid"] = False  # could not be confirmed: the metric says 0
            return result
        except Exception as exc:  # a bug: never a traceback as the answer, but the log has it
            if self._logger is not None:
                self._logger.exception("admin action failed unexpectedly", extra={"action": action})
            result = {"action": action, "ok": False, "error": f"internal error ({exc.__class__.__name__}); see the log"}
            if action == "ensure":
                result["webhook_valid"] = False
            return result
        finally:
            if self._client is not None:
                self._client.set_time_left(None)

    # Helpers --------------------------------------------------------------------------------------

    def _our_webhook(self):
        """(our webhook or None, every webhook of the app)."""
        webhooks = self.api.list_webhooks()
        return find_webhook(webhooks, self.settings.webhook_url), webhooks

    def _webhook_id(self, request):
        if request.webhook_id:
            return request.webhook_id
        webhook, _ = self._our_webhook()
        if webhook is None:
            raise AdminError(f"no webhook is registered for {self.settings.webhook_url}; run register or ensure")
        return webhook.id

    def _observe(self):
        """What X says now: our webhook, who is subscribed to it, and whom ensure must subscribe."""
        credentials = self._credentials()
        webhook, webhooks = self._our_webhook()
        wanted = tuple(credentials.configured_user_ids())
        subscribed = frozenset()
        problems = []
        if webhook is not None:
            try:
                subscribed = frozenset(self.api.list_subscriptions(webhook.id))
            except FAILURES as exc:
                subscribed = None
                problems.append(f"subscriptions could not be listed: {exc}")
        if self.settings.ensure_subscribe and credentials.owner is not None and not credentials.owner.user_id:
            problems.append(
                "the app owner's user id is unknown (the access token has no '<user id>-' prefix): "
                "set owner_user_id in the X credentials secret"
            )
        observed = Observed(self.settings.webhook_url, webhook, subscribed, wanted, self.settings.ensure_subscribe)
        return observed, webhooks, problems

    def _found(self, observed, others):
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

    # Actions --------------------------------------------------------------------------------------

    def status(self, _request):
        observed, webhooks, problems = self._observe()
        others = [hook for hook in webhooks if hook is not observed.webhook]
        return succeeded(
            "status",
            flavour=self.settings.flavour,
            webhook_url=self.settings.webhook_url,
            **self._found(observed, others),
            ensure_would=[step.as_dict() for step in plan_ensure(observed)],
            problems=problems,
        )

    def register(self, _request):
        webhook, _ = self._our_webhook()
        if webhook is not None:
            return succeeded(
                "register",
                created=False,
                webhook=webhook.as_dict(),
                note="already registered" + ("" if webhook.valid else "; it is invalid: run revalidate"),
            )
        try:
            webhook = self.api.create_webhook(self.settings.webhook_url)
        except FAILURES as exc:
            # A retried POST may have gone through the first time (or a concurrent ensure registered
            # it): look before reporting a refusal.
            existing, _ = self._our_webhook()
            if existing is None:
                raise
            return succeeded(
                "register",
                created=False,
                webhook=existing.as_dict(),
                note=f"already registered ({exc})",
                **exc.details(),
            )
        return succeeded("register", created=True, webhook=webhook.as_dict())

    def revalidate(self, request):
        webhook_id = self._webhook_id(request)
        check = self.api.validate_webhook(webhook_id)
        if check.valid:
            result = succeeded("revalidate", webhook_id=webhook_id, valid=True)
            if check.reason:  # a transient CRC failure leaves a valid webhook valid; still worth saying
                result["note"] = check.reason
            return result
        result = {"action": "revalidate", "ok": False, "webhook_id": webhook_id, "valid": False}
        result["error"] = (
            "X's CRC against the webhook URL failed: the webhook stays invalid "
            "(check the crc function's log and the consumer secret)"
            + (f"; X says: {check.reason}" if check.reason else "")
        )
        return result

    def ensure(self, _request):
        observed, webhooks, problems = self._observe()
        steps = plan_ensure(observed)
        credentials = self._credentials()
        outcome = apply_plan(self.api, observed, steps, credentials.user_tokens)
        others = [hook for hook in webhooks if hook is not observed.webhook]
        result = {
            "action": "ensure",
            "ok": outcome.valid and not outcome.failed_steps and not problems,
            "webhook_valid": outcome.valid,
            "webhook": outcome.webhook.as_dict() if outcome.webhook else None,
            "found": self._found(observed, others),
            "did": outcome.did,
        }
        if problems:
            result["problems"] = problems
        if not outcome.valid:
            reasons = [step["error"] for step in outcome.failed_steps if "error" in step]
            state = "is still invalid" if outcome.webhook else "is not registered"
            result["error"] = f"the webhook for {self.settings.webhook_url} {state}" + (
                f": {reasons[0]}" if reasons else ""
            )
        elif outcome.failed_steps:
            result["error"] = f"{len(outcome.failed_steps)} step(s) failed: {outcome.failed_steps[0]['error']}"
        elif problems:
            result["error"] = problems[0]
        return result

    def delete(self, request):
        webhook_id = self._webhook_id(request)
        self.api.delete_webhook(webhook_id)
        return succeeded("delete", webhook_id=webhook_id, deleted=True)

    def subscribe(self, request):
        credentials = self._credentials()
        if request.access_token is not None:
            token = request.access_token.get_secret_value()
            user_id = request.user_id or user_id_from_access_token(token)
            tokens = UserTokens(user_id, token, request.access_token_secret.get_secret_value())
        elif request.user_id:
            tokens = credentials.user_tokens(request.user_id)
        else:
            tokens = credentials.owner_tokens()
        webhook, webhooks = self._our_webhook()
        if request.webhook_id:
            webhook = next((hook for hook in webhooks if hook.id == request.webhook_id), None)
            if webhook is None:
                raise AdminError(f"X lists no webhook {request.webhook_id} for this app")
        if webhook is None:
            raise AdminError(f"no webhook is registered for {self.settings.webhook_url}; run register or ensure")
        if not webhook.valid:
            raise AdminError(f"webhook {webhook.id} is invalid: run revalidate (or ensure) before subscribing")
        self.api.subscribe(webhook.id, tokens)
        return succeeded("subscribe", webhook_id=webhook.id, user_id=tokens.user_id, subscribed=True)

    def unsubscribe(self, request):
        webhook_id = self._webhook_id(request)
        self.api.unsubscribe(webhook_id, request.user_id)
        return succeeded("unsubscribe", webhook_id=webhook_id, user_id=request.user_id, subscribed=False)

    def subscriptions(self, request):
        webhook_id = self._webhook_id(request)
        user_ids = self.api.list_subscriptions(webhook_id)
        counts = self.api.count_subscriptions()
        return succeeded("subscriptions", webhook_id=webhook_id, user_ids=user_ids, count=len(user_ids), app=counts)

    def replay(self, request):
        window = replay_window(request.from_time, request.to_time, self._now())
        webhook_id = self._webhook_id(request)
        job = self.api.replay(webhook_id, window)
        return succeeded(
            "replay",
            webhook_id=webhook_id,
            from_date=window.from_date,
            to_date=window.to_date,
            job_id=job.get("job_id"),
            created_at=job.get("created_at"),
            note="X delivers the window's events again; ingest skips those it already queued (DEDUP_TABLE)",
        )

    def xaa_create(self, request):
        webhook_id = self._webhook_id(request)
        filter_ = {"user_id": request.user_id} if request.user_id else {"keyword": request.keyword}
        subscription = self.api.xaa_create(webhook_id, request.event_type, filter_, request.tag)
        return succeeded("xaa_create", subscription=subscription)

    def xaa_list(self, _request):
        subscriptions = self.api.xaa_list()
        return succeeded("xaa_list", subscriptions=subscriptions, count=len(subscriptions))

    def xaa_update(self, request):
        subscription = self.api.xaa_update(request.subscription_id, request.tag, request.webhook_id)
        return succeeded("xaa_update", subscription_id=request.subscription_id, subscription=subscription)

    def xaa_delete(self, request):
        self.api.xaa_delete(request.subscription_id)
        return succeeded("xaa_delete", subscription_id=request.subscription_id, deleted=True)


class MisconfiguredAdmin:
    """Stands in for Admin when a setting is wrong: every invocation says which one."""

    def __init__(self, problem):
        self.problem = problem

    def handle(self, event, time_left=None):
        try:
            action, _ = requested_action(event)
        except FAILURES:
            action = "?"
        result = {"action": action, "ok": False, "error": f"configuration: {self.problem}"}
        if action == "ensure":
            result["webhook_valid"] = False
        return result


def build_admin(settings, session=None, sleep=time.sleep, logger=None):
    """Admin wired to X through one XClient and the secrets extension."""
    client = XClient(settings.x_api_base_url, settings.timeout_seconds, session=session, sleep=sleep)
    credentials = credential_source(settings).get
    api = WebhooksApi(client, settings.flavour, credentials, settings.premium_env_name)
    return Admin(settings, api, credentials, client=client, logger=logger)


def admin_from_env(env=None, logger=None):
    """Admin for the environment, or MisconfiguredAdmin naming the bad setting."""
    try:
        settings = AdminSettings.from_env(env) if env is not None else AdminSettings.from_env()
    except ConfigError as exc:
        return MisconfiguredAdmin(str(exc))
    return build_admin(settings, logger=logger)
