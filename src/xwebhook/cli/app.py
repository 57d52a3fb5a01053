"""The `xwebhook` command: thin Click commands over the modules beside this one.

Each command resolves its target (target.py), calls one piece of logic, and prints the result: rich text
for a person, or one JSON document (`--json`; `tail --json` prints one per line) for a script. Errors are
one line on stderr (a JSON object on stdout with --json) and a documented exit code (errors.py).
"""

import functools
import json
import sys

import click

from xwebhook.cli import errors
from xwebhook.cli.errors import CliError

EPILOG = "Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in errors.EXIT_CODES.items()) + "."
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


class Options:
    def __init__(self, stack, region, state_file, as_json):
        self.stack = stack
        self.region = region
        self.state_file = state_file
        self.json = as_json
        self._target = None

    def target(self):
        if self._target is None:
            from xwebhook.cli import target

            self._target = target.resolve(self.stack, self.region, self.state_file)
        return self._target

    def has_target(self):
        try:
            self.target()
        except errors.NoTarget:
            return False
        return True


def console(stderr=False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def esc(value):
    """A value from the stack or X, printed as it is (never read as rich markup)."""
    from rich.markup import escape

    return escape(str(value))


def emit_json(document):
    click.echo(json.dumps(document, indent=None, ensure_ascii=False, default=str))


def command(function):
    """Run a command body: CliError -> its message and exit code; Ctrl-C -> 130."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        options = click.get_current_context().find_object(Options)
        try:
            code = function(*args, **kwargs)
        except CliError as exc:
            if options is not None and options.json:
                emit_json({"error": exc.message, "exit_code": exc.code, **exc.details})
            else:
                console(stderr=True).print(f"[bold red]xwebhook:[/] {esc(exc.message)}")
            sys.exit(exc.code)
        except KeyboardInterrupt:
            sys.exit(errors.INTERRUPTED)
        sys.exit(code or 0)

    return run


@click.group(context_settings=CONTEXT, epilog=EPILOG)
@click.option("--stack", envvar="XWEBHOOK_STACK", help="a deployed stack's name (default: the running local stack)")
@click.option("--region", envvar="AWS_REGION", help="the deployed stack's region (default: your AWS configuration's)")
@click.option("--state-file", type=click.Path(dir_okay=False), help="the local stack's state file (.local/stack.json)")
@click.option("--json", "as_json", is_flag=True, help="print JSON for scripts instead of text")
@click.version_option(package_name="xwebhook")
@click.pass_context
def cli(ctx, stack, region, state_file, as_json):
    """Operate an xwebhook receiver: the local one (`make run`) or a deployed stack (--stack NAME).

    \b
      xwebhook status                 stack outputs, webhook validity, accounts, queues, last ensure
      xwebhook send post.create       a signed delivery, as X sends it
      xwebhook tail --follow          events as they arrive (never taken from your consumers)
      xwebhook crc-check URL          X's CRC, with the cause of a failure named
      xwebhook redrive                dead letters back to the events queue
      xwebhook replay --from -2h      X delivers a window again
      xwebhook accounts / invite      connected accounts, and an invite to connect one
      xwebhook migrate ...            AAA -> XAA for many accounts: plan, apply, status, cutover, ...
      xwebhook admin ACTION [K=V]     any admin action
      xwebhook console --stack NAME   deliveries, events and health of a deployed stack, in a browser
      xwebhook doctor [--stack NAME]  the whole chain checked, each failure with its fix
      xwebhook dev                    the dev loop: the local stack, X emulated, registered (make dev)
    """
    ctx.obj = Options(stack, region, state_file, as_json)


def _fields(pairs):
    """{"key": value} from KEY=VALUE words (values that parse as JSON are taken as JSON), or one JSON object."""
    if len(pairs) == 1 and pairs[0].strip().startswith("{"):
        try:
            document = json.loads(pairs[0])
        except ValueError as exc:
            raise click.BadParameter(f"not a JSON object: {exc}") from None
        if not isinstance(document, dict):
            raise click.BadParameter("give a JSON object or KEY=VALUE pairs")
        return document
    fields = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise click.BadParameter(f"{pair!r}: give KEY=VALUE (or one JSON object)")
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


def _secret(options, given):
    """The consumer secret: --secret, $X_CONSUMER_SECRET, else the target's (None when there is no target)."""
    import os

    if given:
        return given
    if os.environ.get("X_CONSUMER_SECRET"):
        return os.environ["X_CONSUMER_SECRET"]
    if options.has_target():
        return options.target().consumer_secret()
    return None


# --- crc-check -------------------------------------------------------------------------------------------------


@cli.command("crc-check", epilog=EPILOG)
@click.argument("url", required=False)
@click.option(
    "--secret", help="the consumer secret to verify the answer with (default: X_CONSUMER_SECRET, the stack's)"
)
@click.option("--timeout", type=float, default=10.0, show_default=True, help="seconds to wait for an answer")
@click.option("--insecure", is_flag=True, help="do not verify the TLS certificate (X always does)")
@click.pass_obj
@command
def crc_check(options, url, secret, timeout, insecure):
    """Run X's Challenge-Response Check against URL (default: the stack's webhook) and name what is wrong.

    Causes: unreachable, tls, timeout, redirect, status, not-json, no-token, no-prefix, bad-format,
    wrong-secret, slow (over X's 3 s). Exit 0 when X would accept the answer, 1 when not.
    """
    import ssl

    from xwebhook.cli.crc_check import X_DEADLINE_SECONDS, check_crc

    url = url or options.target().webhook_url
    context = None
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        report = check_crc(url, _secret(options, secret), timeout=timeout, ssl_context=context)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    if options.json:
        emit_json(report.as_dict())
        return 0 if report.ok else errors.FAILED
    out = console()
    latency = f"{report.latency_ms:.0f} ms" if report.latency_ms is not None else "no answer"
    verdict = "[bold green]X would accept it[/]" if report.ok else "[bold red]X would reject it[/]"
    out.print(f"CRC {esc(url)}: {report.status or '-'} in {latency} (X waits {X_DEADLINE_SECONDS:g} s): {verdict}")
    for code, detail in report.causes:
        out.print(f"  [red]{code}[/]: {esc(detail)}")
    for note in report.notes:
        out.print(f"  [dim]note: {esc(note)}[/]")
    return 0 if report.ok else errors.FAILED


# --- send ------------------------------------------------------------------------------------------------------


@cli.command(epilog=EPILOG)
@click.argument("kinds", nargs=-1, metavar="[KIND|FILE]...")
@click.option("--url", help="the webhook URL (default: the stack's WebhookUrl)")
@click.option("--count", "-n", type=click.IntRange(1, 10000), default=1, show_default=True, help="copies of each")
@click.option("--all", "every", is_flag=True, help="every sample and XAA type")
@click.option("--family", type=click.Choice(["aaa", "xaa"]), help="every kind of one family")
@click.option("--user", "user_id", help="address the deliveries to this account (for_user_id / filter.user_id)")
@click.option("--same-ids", is_flag=True, help="keep the samples' event ids (copies are then dropped as duplicates)")
@click.option("--forge", is_flag=True, help="sign with a wrong secret (the receiver must answer 401)")
@click.option("--unsigned", is_flag=True, help="no signature header (401 too)")
@click.option("--secret", help="the consumer secret (default: X_CONSUMER_SECRET, else the stack's)")
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option(
    "--as-x",
    is_flag=True,
    help="local stack with X_EMULATOR=1: the X API emulator delivers them where its subscriptions say (replayable)",
)
@click.option("--list", "list_kinds", is_flag=True, help="list the kinds and exit")
@click.pass_obj
@command
def send(
    options, kinds, url, count, every, family, user_id, same_ids, forge, unsigned, secret, concurrency, as_x, list_kinds
):
    """Sign deliveries as X does and POST them: any AAA kind or XAA type by name, or a JSON file.

    \b
      xwebhook send                         an AAA favorite and an XAA post.create
      xwebhook send dm.received -n 5        five, each with new event ids
      xwebhook send ./delivery.json         a file, signed as it is
      xwebhook send --forge favorite        expect 401

    Exit 0 when every answer is the expected one (200, or 401 for --forge/--unsigned), 1 otherwise.
    """
    from pathlib import Path

    from xwebhook.send import deliveries

    if list_kinds:
        names = deliveries.known_kinds()
        emit_json(names) if options.json else click.echo("\n".join(names))
        return 0
    if forge and unsigned:
        raise click.UsageError("--forge and --unsigned are exclusive")
    items = []
    files = [k for k in kinds if k.endswith(".json") or Path(k).is_file()]
    named = [k for k in kinds if k not in files]
    try:
        chosen = deliveries.resolve_kinds(named, every, family) if (named or every or family or not files) else []
        sources = [(name, deliveries.delivery_bytes(name)) for name in chosen]
        sources += [(path, deliveries.file_bytes(path)) for path in files]
        for copy in range(count):
            for name, body in sources:
                items.append((name, deliveries.build(body, fresh=not same_ids, copy=copy, user_id=user_id)))
        url = url or options.target().webhook_url
        sender = deliveries.Sender(url)
    except deliveries.SendError as exc:
        raise CliError(str(exc), errors.USAGE) from None
    if as_x:
        state = options.target().state or {}
        if not state.get("emulator_url"):
            raise errors.Unsupported("--as-x needs the local stack started with X_EMULATOR=1 (make run X_EMULATOR=1)")
        try:
            results = deliveries.deliver_as_x(state["emulator_url"], state["emulator_control_token"], items, said_as_x)
        except deliveries.SendError as exc:
            raise errors.Unreachable(str(exc)) from None
        return _sent(options, state["emulator_url"], results, "X-delivered", 200)
    key = None if unsigned else deliveries.FORGING_SECRET if forge else _secret(options, secret)
    if key is None and not unsigned:
        raise errors.NoTarget("no consumer secret: pass --secret, set X_CONSUMER_SECRET, or run `make run`/--stack")
    expected = 401 if (forge or unsigned) else 200
    out = console()

    def said(result):
        if not options.json:
            colour = "green" if result.as_expected else "red"
            name, answer = esc(f"{result.name:<34}"), esc(result.answer)
            out.print(f"POST {name} [{colour}]{result.status or '-'}[/] {answer} ({result.ms:.0f} ms)")

    results = deliveries.deliver(sender, items, key, expected, concurrency, said)
    return _sent(options, url, results, "forged" if forge else "unsigned" if unsigned else "signed", expected)


def said_as_x(result):
    options = click.get_current_context().find_object(Options)
    if not options.json:
        colour = "green" if result.as_expected else "red"
        console().print(f"X -> {esc(f'{result.name:<34}')} [{colour}]{result.status or '-'}[/] {esc(result.answer)}")


def _sent(options, url, results, what, expected):
    unexpected = [r for r in results if not r.as_expected]
    if options.json:
        emit_json(
            {"url": url, "sent": len(results), "unexpected": len(unexpected), "results": [r.as_dict() for r in results]}
        )
    else:
        tail = f", [red]{len(unexpected)} did not[/]" if unexpected else ""
        good = len(results) - len(unexpected)
        console().print(f"{len(results)} {what} deliveries to {esc(url)}: {good} answered {expected}{tail}")
    return errors.FAILED if unexpected else 0


# --- tail ------------------------------------------------------------------------------------------------------


def _summary(document):
    body = document["body"] if isinstance(document["body"], dict) else {}
    attributes = document["attributes"]
    event_type = attributes.get("event_type") or body.get("event_type") or "?"
    user = attributes.get("for_user_id") or body.get("for_user_id") or "-"
    source = attributes.get("source") or body.get("source") or "?"
    when = (document.get("sent_at") or "")[11:19]
    return when, event_type, source, user, body.get("event_id") or document["message_id"], body.get("activity_id")


@cli.command(epilog=EPILOG)
@click.option("--follow", "-f", is_flag=True, help="keep showing events as they arrive, until Ctrl-C")
@click.option("--type", "types", multiple=True, metavar="T", help="only this event type (globs: 'dm.*'); repeatable")
@click.option("--user", "users", multiple=True, metavar="U", help="only this account (for_user_id); repeatable")
@click.option("--dlq", is_flag=True, help="the dead-letter queue instead")
@click.option("--consume", is_flag=True, help="delete what is shown: you are the consumer (see below)")
@click.option("--body/--no-body", "show_body", default=False, help="print each message's JSON under its line")
@click.option(
    "--activity-id",
    "show_activity",
    is_flag=True,
    help="show each message's activity_id (both families' copies of one activity share it)",
)
@click.option("--queue-url", help="another queue (with AWS_ENDPOINT_URL, any queue there)")
@click.pass_obj
@command
def tail(options, follow, types, users, dlq, consume, show_body, show_activity, queue_url):
    """Show the events on the queue, and with --follow those that arrive, filtered by type and account.

    It never takes a message from your consumers. On the local stack it reads the AWS endpoint's tap:
    nothing is received. On AWS, where reading means receiving, it peeks: visibility timeout 0, never
    deleted, each message shown once; each peek counts one receive towards maxReceiveCount, so it receives
    only when more messages wait than at its last look, and stops before a message could reach the
    dead-letter queue through its peeks. --consume receives and deletes instead: for a queue nobody else
    reads. --json prints one message document per line.
    """
    from xwebhook.cli import messages

    target = options.target()
    url = queue_url or (target.dlq_url if dlq else target.queue_url)
    out = console()
    if not options.json and sys.stderr.isatty():
        how = "consuming" if consume else "tap" if target.local else "peeking"
        console(stderr=True).print(f"[dim]{esc(url)} ({how}){'; Ctrl-C stops' if follow else ''}[/]")

    def show(document):
        if options.json:
            emit_json(document)
        else:
            when, event_type, source, user, event_id, activity_id = _summary(document)
            line = f"{when or '--:--:--'}  [bold]{esc(f'{event_type:<24}')}[/] {esc(f'{source:<4}')} user "
            line += f"{esc(f'{user:<20}')} [dim]{esc(event_id)}[/]"
            if show_activity:
                line += f"  activity {esc(activity_id or '-')}"
            out.print(line)
            if show_body:
                out.print_json(json.dumps(document["body"]))
        sys.stdout.flush()

    try:
        shown = messages.tail(target, url, show, follow, consume, types, users)
    except messages.PeekBudgetSpent as exc:
        raise CliError(str(exc)) from None
    except BrokenPipeError:
        return 0
    if not options.json and not follow:
        console(stderr=True).print(f"[dim]{shown} message(s)[/]")
    return 0


# --- status ----------------------------------------------------------------------------------------------------


def _age(seconds):
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@cli.command(epilog=EPILOG)
@click.pass_obj
@command
def status(options):
    """Stack outputs, the webhook's validity, accounts, migration states, queue and DLQ depth and age, what
    ensure last did.

    Exit 0 when healthy (a valid webhook, an empty dead-letter queue, no account stuck in the move to XAA),
    1 when not, naming what is wrong.
    """
    from xwebhook.cli import status as status_logic

    target = options.target()
    report = status_logic.gather(target)
    if options.json:
        emit_json(report)
        return 0 if report["healthy"] else errors.FAILED
    out = console()
    out.print(f"[bold]{esc(target.describe())}[/]")
    width = max((len(name) for name in report["outputs"]), default=0)
    for name, value in sorted(report["outputs"].items()):
        out.print(f"  {name:<{width}}  {esc(value)}")
    webhook = report["webhook"]
    hook = webhook.get("webhook") or {}
    if webhook.get("ok"):
        valid = "[green]valid[/]" if hook.get("valid") else "[red]not valid[/]" if hook else "[red]not registered[/]"
        subscribed = webhook.get("subscription_count")
        out.print(
            f"webhook   {valid} {esc(hook.get('id', ''))} {esc(hook.get('url', ''))}  subscribed accounts: {subscribed}"
        )
    else:
        out.print(f"webhook   [red]unknown[/]: {esc(webhook.get('error'))}")
    accounts = report["accounts"]
    if accounts.get("ok"):
        listed = accounts.get("accounts") or []
        names = ", ".join(str(a.get("user_id") or a.get("username") or a) for a in listed[:10])
        out.print(f"accounts  {len(listed)}: {esc(names)}")
    else:
        out.print(f"accounts  [dim]{esc(accounts.get('error'))}[/]")
    for label, queue in (("queue", report["queues"]["events"]), ("DLQ", report["queues"]["dead_letters"])):
        if queue.get("error"):
            out.print(f"{label:<9} [red]{esc(queue['error'])}[/]")
        else:
            oldest = _age(queue["oldest_age_seconds"])
            counts = f"{queue['visible']} waiting, {queue['in_flight']} in flight, oldest {oldest}"
            out.print(f"{label:<9} {counts} [dim]({esc(queue['age_source'])})[/]")
    migration = webhook.get("xaa") or {}
    if migration.get("counts"):
        states = ", ".join(f"{state} {count}" for state, count in migration["counts"].items() if count)
        out.print(f"migration {esc(states or 'no AAA account')} [dim](xwebhook migrate status)[/]")
    last = report["last_ensure"]
    unknown = "[dim]unknown (this admin function keeps no ensure state)[/]"
    out.print(f"ensure    last run: {esc(json.dumps(last, default=str)) if last else unknown}")
    for problem in report["problems"]:
        out.print(f"[red]problem[/]   {esc(problem)}")
    return 0 if report["healthy"] else errors.FAILED


# --- redrive ---------------------------------------------------------------------------------------------------


@cli.command(epilog=EPILOG)
@click.option("--count", type=click.IntRange(1), help="move at most N messages (default: every one waiting)")
@click.pass_obj
@command
def redrive(options, count):
    """Move dead letters back to the events queue (SQS's message move task on AWS; receive-send-delete where
    the endpoint lacks it, or with --count). Exit 1 when messages were left behind."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from xwebhook.cli import redrive as redrive_logic

    target = options.target()
    sqs = target.client("sqs")
    if options.json:
        result = redrive_logic.redrive(sqs, target.dlq_url, target.queue_url, count)
        emit_json(result)
        return 0 if result["moved"] >= result["total"] else errors.FAILED
    columns = (TextColumn("redrive"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console(stderr=True), transient=False) as progress:
        task = progress.add_task("redrive", total=None)
        result = redrive_logic.redrive(
            sqs,
            target.dlq_url,
            target.queue_url,
            count,
            lambda moved, total: progress.update(task, completed=moved, total=total),
        )
    moved = f"moved {result['moved']} of {result['total']} message(s) to {target.queue_url} ({result['method']})"
    console().print(esc(moved))
    return 0 if result["moved"] >= result["total"] else errors.FAILED


# --- admin actions ---------------------------------------------------------------------------------------------


def _admin(options, action, fields):
    result = options.target().invoke_admin(action, fields)
    if options.json:
        emit_json(result)
    else:
        console().print_json(json.dumps(result, default=str))
    return 0 if result.get("ok") else errors.FAILED


@cli.command(epilog=EPILOG)
@click.argument("action")
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]... | JSON")
@click.pass_obj
@command
def admin(options, action, fields):
    """Invoke the admin function with ACTION (status, ensure, register, subscribe, xaa_create, ...).

    \b
      xwebhook admin ensure
      xwebhook admin subscribe user_id=783214
      xwebhook admin xaa_create '{"event_type": "post.create", "user_id": "783214"}'

    Prints the function's answer once. Exit 0 when it says ok, 1 when not, 5 for an action it does not know.
    """
    return _admin(options, action, _fields(fields))


@cli.command(epilog=EPILOG)
@click.option("--from", "start", required=True, help="ISO 8601, yyyymmddhhmm, or relative: -90m, -2h (X keeps 24 h)")
@click.option("--to", "end", help="the window's end (default: now)")
@click.pass_obj
@command
def replay(options, start, end):
    """Ask X to deliver a window's events again (admin `replay`); ingest skips those already queued."""
    return _admin(options, "replay", {"from": start, **({"to": end} if end else {})})


@cli.command(epilog=EPILOG)
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]...")
@click.pass_obj
@command
def accounts(options, fields):
    """The connected accounts (admin `accounts`). Exit 5 when the admin function has no such action."""
    return _admin(options, "accounts", _fields(fields))


@cli.command(epilog=EPILOG)
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]...")
@click.pass_obj
@command
def invite(options, fields):
    """An invite link for an account owner to connect their account (admin `invite`). Exit 5 when the
    admin function has no such action."""
    return _admin(options, "invite", _fields(fields))


def main():
    cli(prog_name="xwebhook")


def _register_migrate():
    from xwebhook.cli.console_command import console_command
    from xwebhook.cli.dev import dev_command
    from xwebhook.cli.doctor_command import doctor_command
    from xwebhook.cli.migrate_commands import migrate

    cli.add_command(migrate)
    cli.add_command(console_command)
    cli.add_command(doctor_command)
    cli.add_command(dev_command)


_register_migrate()  # after everything migrate_commands and console_command take from this module is defined
