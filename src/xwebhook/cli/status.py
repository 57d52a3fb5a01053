"""`xwebhook status`: one look at a stack. Stack outputs, the webhook as X sees it (admin `status`, with the
accounts per migration state: an account stuck in the move to XAA makes the stack unhealthy),
accounts (admin `accounts`, where the admin function has it), queue and DLQ depth and the age of their
oldest message, and what ensure last did (`last_ensure`, where the admin function keeps it).

Each part that cannot be read says why instead of failing the whole report.
"""

import time

from xwebhook.cli import messages
from xwebhook.cli.errors import CliError, Unsupported


def _oldest_age(target, queue_url):
    """Seconds since the oldest message was sent, and where the figure comes from."""
    tap = target.tap(queue_url)
    if tap is not None:
        held, _ = tap.held()
        stamps = [m["sent_timestamp"] for m in held if m.get("sent_timestamp")]
        return (round(time.time() - min(stamps) / 1000, 1) if stamps else None), "local endpoint"
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    answer = target.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": queue_url.rstrip("/").rsplit("/", 1)[-1]}],
        StartTime=now - timedelta(minutes=15),
        EndTime=now,
        Period=60,
        Statistics=["Maximum"],
    )
    points = sorted(answer.get("Datapoints", []), key=lambda p: p["Timestamp"])
    return (points[-1]["Maximum"] if points else None), "CloudWatch (1-minute maximum, a few minutes behind)"


def queue_report(target, queue_url):
    try:
        report = messages.depth(target.client("sqs"), queue_url)
        report["oldest_age_seconds"], report["age_source"] = _oldest_age(target, queue_url)
    except Exception as exc:
        return {"url": queue_url, "error": f"{exc.__class__.__name__}: {exc}"}
    return {"url": queue_url, **report}


def _admin(target, action):
    try:
        return target.invoke_admin(action)
    except Unsupported as exc:
        return {"action": action, "ok": False, "unsupported": True, "error": exc.message}
    except CliError as exc:
        return {"action": action, "ok": False, "error": exc.message}


def gather(target):
    webhook = _admin(target, "status")
    accounts = _admin(target, "accounts")
    report = {
        "target": {"kind": target.kind, "stack": target.name, "region": target.region},
        "outputs": target.outputs,
        "webhook": webhook,
        "accounts": accounts,
        "queues": {
            "events": queue_report(target, target.outputs.get("EventsQueueUrl")),
            "dead_letters": queue_report(target, target.outputs.get("DeadLetterQueueUrl")),
        },
        "last_ensure": webhook.get("last_ensure"),
    }
    report["problems"] = problems(report)
    report["healthy"] = not report["problems"]
    return report


def problems(report):
    found = []
    webhook = report["webhook"]
    if not webhook.get("ok"):
        found.append(f"admin status failed: {webhook.get('error')}")
    elif not (webhook.get("webhook") or {}).get("valid"):
        found.append("the webhook is not registered or not valid (xwebhook admin ensure)")
    dead = report["queues"]["dead_letters"]
    if dead.get("error"):
        found.append(f"the dead-letter queue could not be read: {dead['error']}")
    elif dead.get("visible") or dead.get("in_flight"):
        found.append(f"{dead['visible'] + dead['in_flight']} message(s) on the dead-letter queue (xwebhook redrive)")
    if report["queues"]["events"].get("error"):
        found.append(f"the events queue could not be read: {report['queues']['events']['error']}")
    stuck = (webhook.get("xaa") or {}).get("stuck") or []
    if stuck:
        named = ", ".join(stuck[:10]) + (" ..." if len(stuck) > 10 else "")
        found.append(f"{len(stuck)} account(s) stuck in the move to XAA: {named} (xwebhook migrate status)")
    return found
