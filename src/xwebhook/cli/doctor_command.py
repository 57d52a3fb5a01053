"""`xwebhook doctor [--stack NAME]`: the receive chain checked end to end (cli/doctor.py), each check ✓ or ✗
with the fix for a failure; `--json` for the whole document. Exit 0 only when every check holds."""

import os

import click

from xwebhook.cli import errors
from xwebhook.cli.app import EPILOG, command, console, emit_json, esc
from xwebhook.cli.output import show as show_line

MARKS = {"ok": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[yellow]-[/]"}


@click.command(
    "doctor",
    epilog=EPILOG,
    short_help="check a stack end to end (outputs, CRC, webhook, subscriptions, delivery, DLQ, alarms)",
)
@click.option(
    "--secret",
    help="your X app's consumer secret, to check the stack holds it (default: X_CONSUMER_SECRET; else the stack's own)",
)
@click.option(
    "--revalidate",
    is_flag=True,
    help="have X run its CRC against the webhook now (admin revalidate): X marks it by the result",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(1, 120),
    default=10.0,
    show_default=True,
    help="seconds to look for the synthetic delivery on the queue",
)
@click.pass_obj
@command
def doctor_command(options, secret, revalidate, wait_seconds):
    """Check a stack end to end and name the fix for each failure: its outputs, X's CRC from outside, the
    webhook valid at X, the subscriptions of the app owner and each account, a signed synthetic delivery
    reaching the queue (marked synthetic: consumers skip it), the dead-letter queue empty, the alarms.

    \b
      xwebhook doctor                   the running local stack (make dev)
      xwebhook doctor --stack xwebhook  a deployed stack (your AWS credentials)
      X_CONSUMER_SECRET=... xwebhook doctor
                                        also: the stack holds your consumer secret

    Exit 0 when every check holds, 1 when one does not (each failure is printed with its fix).
    """
    from xwebhook.cli.doctor import Doctor

    target = options.target()
    given = secret or os.environ.get("X_CONSUMER_SECRET") or None
    report = Doctor(target, secret=given, revalidate=revalidate, wait_seconds=wait_seconds).run()
    if options.json:
        emit_json(report)
    else:
        show(report, target)
    return 0 if report["ok"] else errors.FAILED


def show(report, target):
    """Each check on a line of its own, wrapped at the terminal's width under its summary (cli/output.py)."""
    out = console()
    lines = [f"[bold]xwebhook doctor[/]: {esc(target.describe())}"]
    width = max(len(check["title"]) for check in report["checks"])
    for check in report["checks"]:
        lines.append(f"  {MARKS[check['status']]} {check['title']:<{width}}  {esc(check['summary'])}")
        if check.get("fix"):
            lines.append(f"      [bold]fix:[/]  {esc(check['fix'])}")
        lines += [f"      [dim]note:[/]  [dim]{esc(note)}[/]" for note in check.get("notes", [])]
    if report["ok"]:
        lines.append(f"[bold green]all {len(report['checks'])} checks hold[/]")
    else:
        problems = report["problems"]
        lines.append(f"[bold red]{problems} check{'s' if problems != 1 else ''} of {len(report['checks'])} failed[/]")
    for line in lines:
        show_line(out, line)
