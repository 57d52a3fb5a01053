"""ensure, the scheduled reconciler: the webhook registered and valid, its AAA subscriptions, then each
registered ensure part (admin.parts: token refresh, recovery, XAA desired state, ...) in order.

A part is `part(admin, result) -> dict`: it sees the result so far (the webhook, whether it is valid)
and answers its own report, with `"ok": false` and an `error` when it could not do its job. A part that
raises a ReportedError (xwebhook/errors.py) is reported the same way; the parts after it still run. ensure's `ok` is the
webhook's and every part's. A report's `metrics` ({name: count}) are gathered into the result's
`metrics`, which the handler emits. The run's summary is kept in the admin state as `last_ensure`
(recovery/state.py), which status shows.
"""

from xwebhook.admin.ensure_webhook import apply_plan, plan_ensure
from xwebhook.admin.result import failed, part_failed
from xwebhook.errors import ReportedError
from xwebhook.recovery.state import StateUnavailable, cut, read
from xwebhook.utc import iso


def ensure(admin, _request):
    """The reconciler's result; what it found and did is remembered as `last_ensure` (the admin state)."""
    try:
        result = _reconcile(admin)
    except ReportedError as exc:
        remember_ensure(admin, failed("ensure", exc))
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
            report = part_failed(exc)
        result[name] = report
        if report.get("metrics"):  # a part's counts, emitted by the handler as metrics of their names
            result.setdefault("metrics", {}).update(report["metrics"])
        if not report.get("ok", True):
            result["ok"] = False
            result.setdefault("error", f"{name}: {report.get('error', 'failed')}")
    return result


# ensure's own record, and what status shows of it -------------------------------------------------------------


def ensure_summary(result, at):
    """What `last_ensure` keeps of an ensure result: when, whether ok, the webhook, the steps, each part."""
    summary = {
        "at": at,
        "ok": bool(result.get("ok")),
        "webhook_valid": bool(result.get("webhook_valid")),
        "webhook_id": (result.get("webhook") or {}).get("id"),
        "did": [_step_summary(step) for step in result.get("did", [])],
        "parts": {name: report["ok"] for name, report in result.items() if isinstance(report, dict) and "ok" in report},
    }
    if result.get("error"):
        summary["error"] = cut(result["error"])
    return summary


def _step_summary(step):
    who = f" {step['user_id']}" if step.get("user_id") else ""
    return f"{step.get('step')}{who}: {'ok' if step.get('ok') else 'failed'}"


def remember_ensure(admin, result):
    """Store `last_ensure`; a state that cannot be written makes the run not ok, saying so. Returns result."""
    store = admin.services.state
    if store is None:
        return result
    try:
        document = store.load()
        document["last_ensure"] = ensure_summary(result, iso(admin.now().timestamp()))
        store.save(document)
    except StateUnavailable as exc:
        result["ok"] = False
        result.setdefault("error", str(exc))
        result["state_error"] = str(exc)
    return result


def last_ensure(admin):
    """status's `last_ensure`: the summary the last ensure run stored (None before the first)."""
    document, problem = read(admin.services.state)
    if problem:
        return {"error": problem}
    return document.get("last_ensure")
