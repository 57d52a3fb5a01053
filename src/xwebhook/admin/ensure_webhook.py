"""`ensure`, the scheduled reconciler: observed state -> plan -> steps applied -> what it found and did.

Desired state: a webhook for WEBHOOK_URL exists and is valid, and (when ENSURE_SUBSCRIBE) every
configured user (the app owner, then each user of the credentials' `users` map) is subscribed to it.

`plan_ensure` is pure, so `status` can say what `ensure` would do and tests cover every state without
HTTP. `apply_plan` runs the steps in order and never subscribes to a webhook that is not valid: a
subscription on an invalid webhook receives nothing, and X refuses or silently drops it (subscribing
before the webhook is valid is a known bug of other receivers). Running `ensure` again is always safe:
a step is planned only for what is missing.
"""

from dataclasses import dataclass, field, replace

from xwebhook.errors import ReportedError
from xwebhook.x_api.models import find_webhook

REGISTER = "register"
REVALIDATE = "revalidate"
SUBSCRIBE = "subscribe"


@dataclass(frozen=True)
class Observed:
    webhook_url: str
    webhook: object | None  # Webhook registered for webhook_url, or None
    subscribed: frozenset | None  # user ids subscribed to it; None when they could not be listed
    wanted_users: tuple = ()  # user ids ensure keeps subscribed, app owner first
    subscribe: bool = True  # ENSURE_SUBSCRIBE


@dataclass(frozen=True)
class Step:
    kind: str  # REGISTER, REVALIDATE or SUBSCRIBE
    why: str
    user_id: str | None = None

    def as_dict(self):
        step = {"step": self.kind, "why": self.why}
        if self.user_id is not None:
            step["user_id"] = self.user_id
        return step


def plan_ensure(observed):
    """The steps that bring the observed state to the desired one, in the order they must run."""
    steps = []
    webhook = observed.webhook
    if webhook is None:
        steps.append(Step(REGISTER, f"no webhook is registered for {observed.webhook_url}"))
    elif not webhook.valid:
        steps.append(Step(REVALIDATE, f"webhook {webhook.id} is invalid (X sends it no events)"))
    if observed.subscribe and observed.subscribed is not None:
        for user_id in observed.wanted_users:
            if user_id not in observed.subscribed:
                when = "" if webhook is not None and webhook.valid else ", once the webhook is valid"
                steps.append(Step(SUBSCRIBE, f"user {user_id} is not subscribed{when}", user_id))
    return steps


@dataclass
class EnsureOutcome:
    webhook: object | None  # the webhook after the steps
    did: list = field(default_factory=list)  # one dict per step: step, ok, and what happened

    @property
    def valid(self):
        return self.webhook is not None and self.webhook.valid

    @property
    def failed_steps(self):
        return [step for step in self.did if not step["ok"]]


def _failure(record, exc):
    record.update(ok=False, error=str(exc), **exc.details())
    return record


def apply_plan(api, observed, steps, tokens_for):
    """Run `steps` against `api` (a WebhooksApi). `tokens_for(user_id)` -> UserTokens.

    Each step's failure is recorded and the rest go on where they still make sense: a failed register
    or revalidation leaves the webhook invalid, and every subscribe step after it is skipped.
    """
    outcome = EnsureOutcome(observed.webhook)
    for step in steps:
        record = step.as_dict()
        if step.kind == REGISTER:
            try:
                outcome.webhook = api.create_webhook(observed.webhook_url)
                record.update(ok=True, webhook_id=outcome.webhook.id, valid=outcome.webhook.valid)
            except ReportedError as exc:
                _failure(record, exc)
                # A retried POST may have registered it after all; X's list says what is there.
                outcome.webhook = _look_again(api, observed.webhook_url, record)
        elif step.kind == REVALIDATE:
            webhook = outcome.webhook
            try:
                check = api.validate_webhook(webhook.id)
                outcome.webhook = replace(webhook, valid=check.valid)
                record.update(ok=check.valid, webhook_id=webhook.id, valid=check.valid)
                if not check.valid:
                    record["error"] = "X's CRC against the webhook URL failed again" + (
                        f": {check.reason}" if check.reason else ""
                    )
            except ReportedError as exc:
                _failure(record, exc)
        elif step.kind == SUBSCRIBE:
            if not outcome.valid:
                record.update(ok=False, skipped=True, error="not subscribed: the webhook is not valid")
            else:
                try:
                    api.subscribe(outcome.webhook.id, tokens_for(step.user_id))
                    record.update(ok=True, webhook_id=outcome.webhook.id)
                except ReportedError as exc:
                    _failure(record, exc)
        outcome.did.append(record)
    return outcome


def _look_again(api, url, record):
    try:
        webhook = find_webhook(api.list_webhooks(), url)
    except ReportedError:
        return None
    if webhook is not None:
        # X refused the call, yet the webhook is there: a retried POST (the first went through) or a
        # concurrent run registered it. The state is what ensure wanted; X's answer stays as x_error.
        record.pop("error", None)
        record.update(ok=True, webhook_id=webhook.id, valid=webhook.valid, note="already registered")
    return webhook
