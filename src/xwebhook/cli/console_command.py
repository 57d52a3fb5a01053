"""`xwebhook console [--stack NAME]`: the console, for a deployed stack, served from this machine.

With --stack (before or after the command's name, as every global option) it serves the page on 127.0.0.1
and reads the stack with your own AWS credentials: the deliveries from ingest's CloudWatch log, the queues
by peeking as `tail` does, admin `status` (cli/console/stack_source.py). It only reads, and no page is ever
deployed. Without a stack it prints the running local stack's console URL (`make run` serves that one, with
send buttons and resend).
"""

import re
import time

import click

from xwebhook.cli import errors
from xwebhook.cli.app import EPILOG, command, console, emit_json, esc
from xwebhook.cli.errors import CliError

DEFAULT_PORT = 3002  # `make run`'s console is on 3001
SINCE = re.compile(r"^(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_seconds(text):
    """`30m`, `2h`, `1d` -> seconds (at most CloudWatch's 30 days of a default retention); BadParameter else."""
    found = SINCE.match(text.strip().lower())
    if not found:
        raise click.BadParameter(f"{text!r}: give a duration such as 30m, 2h or 1d", param_hint="--since")
    seconds = int(found.group(1)) * UNIT_SECONDS[found.group(2)]
    if not 0 < seconds <= 30 * 86400:
        raise click.BadParameter(f"{text!r}: between 1s and 30d", param_hint="--since")
    return seconds


@click.command(
    "console", epilog=EPILOG, short_help="deliveries, events and health of a deployed stack, in your browser"
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="loopback port (0: any)"
)
@click.option("--since", default="1h", show_default=True, help="how far back to read ingest's log (30m, 2h, 1d)")
@click.option("--open", "open_page", is_flag=True, help="open the page in your web browser")
@click.pass_obj
@command
def console_command(options, port, since, open_page):
    """The console for a deployed stack, on http://127.0.0.1:PORT/ until Ctrl-C: each delivery ingest logged
    (time, status, the signature's verdict, events enqueued and duplicates, the reason of a refusal), the
    events on the queue and the DLQ (peeked at as `tail` peeks: nothing taken from your consumers), the
    webhook's validity and the last ensure (admin `status`), queue depths and accounts.

    \b
      xwebhook console --stack xwebhook   the stack deployed as `xwebhook`
      xwebhook console                    the running local stack's console URL

    It reads with your AWS credentials (logs:FilterLogEvents, sqs:ReceiveMessage and GetQueueAttributes,
    lambda:InvokeFunction of the admin function, cloudformation:DescribeStacks) and writes nothing.
    """
    from xwebhook.cli import target as targets

    seconds = since_seconds(since)
    target = options.target()
    if target.local:
        url = (target.state or {}).get("console_url")
        if not url:
            raise errors.Unsupported("this local stack serves no console; restart `make run`")
        if options.json:
            emit_json({"url": url + "/", "target": "local"})
        else:
            console().print(f"the local stack's console: {esc(url)}/  (make run serves it)")
        _open(open_page, url + "/")
        return 0
    from xwebhook.cli.console.server import ServedConsole
    from xwebhook.cli.console.stack_source import StackSource

    try:
        source = StackSource(target, since_seconds=seconds)
    except Exception as exc:
        raise targets.aws_failure(exc, f"reading stack {target.name}") from None
    try:
        served = ServedConsole(source, port=port)
    except OSError as exc:
        message = f"cannot serve on 127.0.0.1:{port}: {exc.strerror} (--port N, or 0 for any free port)"
        raise CliError(message, errors.USAGE) from None
    served.start()
    url = served.url + "/"
    if options.json:
        emit_json({"url": url, "target": "aws", "stack": target.name, "log_group": source.log_group})
    else:
        out = console()
        out.print(f"[bold]console for {esc(target.describe())}[/]: {esc(url)}")
        log = esc(source.log_group)
        out.print(f"  deliveries  ingest's log group {log} (the last {esc(since)}, then as they come)")
        out.print("  events      peeks at the events queue and the DLQ, as `xwebhook tail` peeks: nothing is taken")
        out.print("  health      admin status, queue depths, accounts (read-only)")
        out.print("[dim]Reads with your AWS credentials, serves 127.0.0.1 only. Ctrl-C stops.[/]")
    click.get_text_stream("stdout").flush()
    _open(open_page, url)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()
    return 0


def _open(wanted, url):
    if wanted:
        import webbrowser

        webbrowser.open(url)
