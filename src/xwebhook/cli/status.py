"""`xwebhook status`: one look at a stack. Stack outputs, the webhook as X sees it (admin `status`, with the
accounts per migration state: an account stuck in the move to XAA makes the stack unhealthy),
accounts (admin `accounts`, where the admin function has it), queue and DLQ depth and the age of their
oldest message, and what ensure last did (`last_ensure`, where the admin function keeps it).

Each part that cannot be read says why instead of failing the whole report. `summary(report, target)` is what a
person reads of it: one line per part, whether it is healthy, and what to do next.
"""

import time

from xwebhook.cli import messages
from xwebhook.cli.errors import CliError, Unsupported
from xwebhook.cli.output import esc, next_step, plain
from xwebhook.cli.summaries import last_ensure_words, x_not_configured, x_setup_hints
from xwebhook.cli.words import duration, listing, plural


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
    """The report: what --json prints (its keys are a script's API: add, never rename)."""
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
    if x_not_configured(webhook.get("error")):
        report["hints"] = [plain(hint) for hint in x_setup_hints(target)]
    return report


def problems(report):
    found = []
    webhook = report["webhook"]
    if x_not_configured(webhook.get("error")):
        found.append(f"X is not configured for this stack: {webhook.get('error')}")
    elif not webhook.get("ok"):
        found.append(f"admin status failed: {webhook.get('error')}")
    elif not (webhook.get("webhook") or {}).get("valid"):
        found.append("the webhook is not registered or not valid (xwebhook admin ensure)")
    dead = report["queues"]["dead_letters"]
    if dead.get("error"):
        found.append(f"the dead-letter queue could not be read: {dead['error']}")
    elif dead.get("visible") or dead.get("in_flight"):
        dead_letters = plural(dead["visible"] + dead["in_flight"], "message")
        found.append(f"{dead_letters} on the dead-letter queue (xwebhook tail --dlq, then xwebhook redrive)")
    if report["queues"]["events"].get("error"):
        found.append(f"the events queue could not be read: {report['queues']['events']['error']}")
    stuck = (webhook.get("xaa") or {}).get("stuck") or []
    if stuck:
        named = ", ".join(stuck[:10]) + (" ..." if len(stuck) > 10 else "")
        found.append(f"{plural(len(stuck), 'account')} stuck in the move to XAA: {named} (xwebhook migrate status)")
    return found


# --- what a person reads -----------------------------------------------------------------------------------------

STATE_WORDS = {
    "not_started": "not started",
    "applying": "being applied",
    "overlap": "in the overlap",
    "cut_over": "cut over",
    "rolled_back": "rolled back",
    "xaa_only": "on XAA only",
}
LABEL = 13  # the width of the labels column


def _queue_words(queue):
    if queue.get("error"):
        return f"[red]unreadable:[/] {esc(queue['error'])}"
    waiting, in_flight = queue["visible"], queue["in_flight"]
    if not waiting and not in_flight:
        return "empty"
    words = f"{waiting:,} waiting" + (f", {in_flight:,} in flight" if in_flight else "")
    if queue.get("oldest_age_seconds") is not None:
        words += f", the oldest {duration(queue['oldest_age_seconds'])} old"
    return words


def _webhook_rows(webhook):
    if x_not_configured(webhook.get("error")):
        return [("webhook", "[red]unknown: X is not configured for this stack[/]")]
    if not webhook.get("ok"):
        return [("webhook", f"[red]unknown:[/] {esc(webhook.get('error'))}")]
    hook = webhook.get("webhook") or {}
    if not hook:
        url = webhook.get("webhook_url")
        rows = [("webhook", "[red]not registered[/]" + (f" ({esc(url)})" if url else ""))]
    else:
        valid = "[green]valid[/]" if hook.get("valid") else "[red]not valid[/]"
        rows = [("webhook", f"{esc(hook.get('url', ''))}: {valid} (id {esc(hook.get('id', '?'))})")]
    subscribed = webhook.get("subscribed_user_ids") or []
    count = webhook.get("subscription_count", len(subscribed))
    names = f": {esc(listing(subscribed, limit=5))}" if subscribed else ""
    rows.append(("subscribed", f"{plural(count or 0, 'account')} on the Account Activity API{names}"))
    return rows


def _accounts_row(accounts):
    if not accounts.get("ok"):
        return ("connected", f"[dim]{esc(accounts.get('error'))}[/]")
    listed = accounts.get("accounts") or []
    if not listed:
        return ("connected", "no account yet [dim](xwebhook invite)[/]")
    names = [str((a.get("screen_name") and "@" + a["screen_name"]) or a.get("user_id")) for a in listed]
    return ("connected", f"{plural(len(listed), 'account')}: {esc(listing(names, limit=5))}")


def _migration_row(webhook):
    migration = webhook.get("xaa") or {}
    counts = {state: count for state, count in (migration.get("counts") or {}).items() if count}
    if not counts:
        return None
    if len(counts) == 1:
        ((state, count),) = counts.items()
        states = f"{plural(count, 'account')} {STATE_WORDS.get(state, state)}"
    else:
        parts = listing(f"{count:,} {STATE_WORDS.get(state, state)}" for state, count in counts.items())
        states = f"{plural(sum(counts.values()), 'account')}: {parts}"
    days = migration.get("days_left")
    ends = f"; AAA ends in {plural(days, 'day')}" if isinstance(days, int) else ""
    return ("move to XAA", f"{esc(states)}{ends} [dim](xwebhook migrate status)[/]")


def summary(report, target, all_outputs=False):
    """Lines of rich markup for a person: the parts, then healthy or what is wrong and what to do."""
    lines = [f"[bold]{esc(target.describe())}[/]"]
    if all_outputs:
        width = max((len(name) for name in report["outputs"]), default=0)
        lines += [f"  {name:<{width}}  {esc(value)}" for name, value in sorted(report["outputs"].items())]
    webhook = report["webhook"]
    rows = _webhook_rows(webhook)
    rows.append(_accounts_row(report["accounts"]))
    migration = _migration_row(webhook)
    if migration:
        rows.append(migration)
    rows.append(("events queue", _queue_words(report["queues"]["events"])))
    dead = report["queues"]["dead_letters"]
    rows.append(("dead letters", "[green]empty[/]" if _queue_words(dead) == "empty" else _queue_words(dead)))
    if webhook.get("ok"):
        rows.append(("last ensure", last_ensure_words(report["last_ensure"])))
    lines += [f"  {label:<{LABEL}} {text}" for label, text in rows]
    if report["healthy"]:
        lines.append("[bold green]Healthy.[/] " + next_step("xwebhook send", "xwebhook tail"))
    else:
        lines.append(f"[bold red]Not healthy[/] ({plural(len(report['problems']), 'problem')}):")
        lines += [f"  - {esc(problem)}" for problem in report["problems"]]
        if x_not_configured(webhook.get("error")):
            lines += ["  " + hint for hint in x_setup_hints(target)]
    extra = (
        "--json: everything"
        if all_outputs
        else f"--outputs: the stack's {plural(len(report['outputs']), 'output')}; --json: everything"
    )
    lines.append(f"[dim]{extra}[/]")
    return lines
