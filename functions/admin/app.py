"""admin function: one Lambda, many actions. Invoke with {"action": "<name>", ...}; returns a JSON result.

Called by the EnsureSchedule ({"action": "ensure"}), from the console, or with `aws lambda invoke`.
Thin: settings at import (a bad one is reported by every invocation rather than failing init), then
parse -> one action -> result, one log line, and for `ensure` the WebhookValid metric (1/0) that the
alarm watches. It never raises: errors come back as {"ok": false, "error": "..."}.
See src/xwebhook/admin/ for the actions.
"""

from xwebhook.admin.result import loggable
from xwebhook.admin.wiring import admin_from_env
from xwebhook.lambda_context import time_left
from xwebhook.observability import MetricUnit, logger, metrics

admin = admin_from_env(logger=logger)


def handler(event, context):
    result = admin.handle(event, time_left(context))
    if result["action"] == "ensure":
        # 0 whenever a valid webhook could not be confirmed (invalid, missing, or X/secrets unreachable).
        metrics.add_metric(name="WebhookValid", unit=MetricUnit.Count, value=1 if result.get("webhook_valid") else 0)
        # The ensure parts' own figures (AccountsNeedingReconnect, AutoReplayJobs, ...), which their alarms watch.
        for name, value in (result.get("metrics") or {}).items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        metrics.flush_metrics()
    logged = loggable(result)  # invite URLs go to the caller, not to the log
    if result["action"] == "ensure" and not result.get("webhook_valid"):
        logger.error("admin ensure: the webhook is not valid", result=logged)
    elif not result["ok"]:
        logger.warning(f"admin {result['action']} failed", result=logged)
    else:
        logger.info(f"admin {result['action']}", result=logged)
    return result
