"""ensure, the scheduled reconciler: the webhook registered and valid, its AAA subscriptions, then each
registered ensure part (admin.parts: token refresh, recovery, XAA desired state, ...) in order.

A part is `part(admin, result) -> dict`: it sees the result so far (the webhook, whether it is valid)
and answers its own report, with `"ok": false` and an `error` when it could not do its job. A part that
raises a ReportedError (xwebhook/errors.py) is reported the same way; the parts after it still run. ensure's `ok` is the
webhook's and every part's. A report's `metrics` ({name: count}) are gathered into the result's
`metrics`, which the handler emits. The run's summary is stored as `last_ensure` (admin.recovery).
"""

from xwebhook.admin.reconcile import apply_plan, plan_ensure
from xwebhook.admin.recovery import remember_ensure
from xwebhook.admin.result import failed
from xwebhook.errors import ReportedError


def ensure(admin, _request):
    """The reconciler's result; what it found and did is remembered as `last_ensure` (admin.state)."""
    try:
        result = _reconcile(admin)
    except ReportedError as exc:
        remember_ensure(admin, failed("ensure", exc, webhook_valid=False))
        raise
    return remember_ensure(admin, run_parts(admin, admin.ensure_parts, result))


def _reconcile(admin):
    observed, webhooks, problems = admin.observe()
    steps = plan_ensure(observed)
    credentials = admin.credentials()
    outcome = apply_plan(admin.api, observed, steps, credentials.user_tokens)
    others = [hook for hook in webhooks if hook is not observed.webhook]
    result = {
        "action": "ensure",
        "ok": outcome.valid and not outcome.failed_steps and not problems,
        "webhook_valid": outcome.valid,
        "webhook": outcome.webhook.as_dict() if outcome.webhook else None,
        "found": admin.found(observed, others),
        "did": outcome.did,
    }
    if problems:
        result["problems"] = problems
    if not outcome.valid:
        reasons = [step["error"] for step in outcome.failed_steps if "error" in step]
        state = "is still invalid" if outcome.webhook else "is not registered"
        result["error"] = f"the webhook for {admin.settings.webhook_url} {state}" + (
            f": {reasons[0]}" if reasons else ""
        )
    elif outcome.failed_steps:
        result["error"] = f"{len(outcome.failed_steps)} step(s) failed: {outcome.failed_steps[0]['error']}"
    elif problems:
        result["error"] = problems[0]
    return result


def run_parts(admin, parts, result):
    """Run each (name, part) of `parts` into `result[name]`; a failed part makes the result not ok."""
    for name, part in parts:
        try:
            report = part(admin, result)
        except ReportedError as exc:
            report = {"ok": False, "error": str(exc), **exc.details()}
        result[name] = report
        if report.get("metrics"):  # a part's counts, emitted by the handler as metrics of their names
            result.setdefault("metrics", {}).update(report["metrics"])
        if not report.get("ok", True):
            result["ok"] = False
            result.setdefault("error", f"{name}: {report.get('error', 'failed')}")
    return result
