"""The `xwebhook` command: thin Click commands over the modules beside this one.

Each command resolves its target (target.py), calls one piece of logic, and says what happened: a short
summary for a person (what happened, what to do next), or one JSON document for a script (`--json`, before
or after the command's name; `tail --json` prints one per line). Both come from `say(summary, document)`
(output.py). Errors are one line on stderr with what to do (a JSON object on stdout with --json) and a
documented exit code (errors.py); bad arguments exit 2, with "did you mean" where a name was mistyped.

command_line.py holds what every command shares (Options, the `command` decorator, the Group that gives
each command the global options); this module re-exports them for commands defined elsewhere.
"""

import json
import sys

import click

from xwebhook.cli import errors
from xwebhook.cli.command_line import GLOBAL_HELP, Group, Options, command
from xwebhook.cli.errors import CliError
from xwebhook.cli.output import code, console, emit_json, esc, next_step, say
from xwebhook.cli.words import did_you_mean, iso_epoch, local_time, plural

__all__ = ["EPILOG", "Options", "cli", "command", "console", "emit_json", "esc", "main", "say"]

EPILOG = "Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in errors.EXIT_CODES.items()) + "."
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


@click.group(cls=Group, context_settings=CONTEXT, epilog=EPILOG)
@click.option("--stack", envvar="XWEBHOOK_STACK", metavar="NAME", help=GLOBAL_HELP["stack"])
@click.option("--region", envvar="AWS_REGION", help=GLOBAL_HELP["region"])
@click.option("--state-file", type=click.Path(dir_okay=False), help=GLOBAL_HELP["state_file"])
@click.option("--json", "as_json", is_flag=True, help=GLOBAL_HELP["as_json"])
@click.version_option(package_name="xwebhook")
@click.pass_context
def cli(ctx, stack, region, state_file, as_json):
    """Operate an xwebhook receiver: the local one (`make run`) or a deployed stack (--stack NAME).

    \b
    First steps, on `make dev` (the local stack, X emulated, registered):
      xwebhook status                  is the webhook valid, the queue and DLQ
      xwebhook send --as-x favorite    X delivers an event
      xwebhook tail                    the events on the queue
      xwebhook doctor                  the whole chain checked, each failure's fix

    --stack, --region, --state-file and --json go before or after a command's name.
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
    """Run X's CRC against the stack's webhook (or URL), naming what is wrong.

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
    latency = f"{report.latency_ms:.0f} ms" if report.latency_ms is not None else "no answer"
    verdict = "[bold green]X would accept it[/]" if report.ok else "[bold red]X would reject it[/]"
    lines = [f"CRC {esc(url)}: {report.status or '-'} in {latency} (X waits {X_DEADLINE_SECONDS:g} s): {verdict}"]
    lines += [f"  [red]{cause}[/]: {esc(detail)}" for cause, detail in report.causes]
    lines += [f"  [dim]note: {esc(note)}[/]" for note in report.notes]
    say(lines, report.as_dict())
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
    """Sign deliveries as X does and POST them: any AAA kind or XAA type, or a file.

    \b
      xwebhook send                         an AAA favorite and an XAA post.create
      xwebhook send dm.received -n 5        five, each with new event ids
      xwebhook send ./delivery.json         a file, signed as it is
      xwebhook send --forge favorite        expect 401
      xwebhook send --as-x favorite         X (the emulator) delivers it

    Exit 0 when every answer is the expected one (200, or 401 for --forge/--unsigned), 1 otherwise.
    """
    from pathlib import Path

    from xwebhook.send import deliveries

    if list_kinds:
        names = deliveries.known_kinds()
        say("\n".join(names), names)
        return 0
    if forge and unsigned:
        raise click.UsageError("--forge and --unsigned are exclusive")
    items = []
    files = [k for k in kinds if k.endswith(".json") or Path(k).is_file()]
    named = [k for k in kinds if k not in files]
    for kind in named:
        _known_kind(deliveries, kind)
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
            raise errors.Unsupported(
                "--as-x needs X's API emulated",
                hints=["start the local stack with " + code("make run X_EMULATOR=1")],
            )
        try:
            results = deliveries.deliver_as_x(state["emulator_url"], state["emulator_control_token"], items, said_as_x)
        except deliveries.SendError as exc:
            raise errors.Unreachable(str(exc)) from None
        return _sent(options, state["emulator_url"], results, "as_x", 200)
    key = None if unsigned else deliveries.FORGING_SECRET if forge else _secret(options, secret)
    if key is None and not unsigned:
        raise errors.NoTarget("no consumer secret: pass --secret, set X_CONSUMER_SECRET, or run `make run`/--stack")
    expected = 401 if (forge or unsigned) else 200
    out = console()

    def said(result):
        if not options.json:
            colour = "green" if result.as_expected else "red"
            name, words = esc(f"{result.name:<28}"), esc(answer_words(result.answer))
            out.print(f"POST {name} [{colour}]{result.status or '-'}[/] {words} ({result.ms:.0f} ms)")

    results = deliveries.deliver(sender, items, key, expected, concurrency, said)
    return _sent(options, url, results, "forged" if forge else "unsigned" if unsigned else "signed", expected)


def _known_kind(deliveries, kind):
    """A kind `send` does not know is a bad argument, with the kinds meant."""
    from xwebhook.cli import suggest

    available = deliveries.known_kinds()
    if kind in available or any(name.split("/", 1)[1] == kind for name in available):
        return
    raise CliError(
        f"no sample or XAA type {kind!r}.{did_you_mean(suggest.kinds(kind))}",
        errors.USAGE,
        hints=["every kind: " + code("xwebhook send --list")],
    )


def answer_words(text):
    """Ingest's JSON answer in words: "1 event: 1 sent", "1 event: 1 duplicate (dropped)", "refused: why"."""
    try:
        answer = json.loads(text)
    except (TypeError, ValueError):
        return text
    if not isinstance(answer, dict):
        return text
    if "events" in answer:
        words = f"{plural(answer['events'], 'event')}: {answer.get('sent', 0)} sent"
        if answer.get("duplicates"):
            words += f", {plural(answer['duplicates'], 'duplicate')} dropped"
        return words
    return f"refused: {answer['error']}" if answer.get("error") else text


def said_as_x(result):
    options = click.get_current_context().find_object(Options)
    if not options.json:
        colour = "green" if result.as_expected else "red"
        console().print(f"X -> {esc(f'{result.name:<28}')} [{colour}]{result.status or '-'}[/] {esc(result.answer)}")


DELIVERY_WORDS = {
    "signed": ("signed delivery", "signed deliveries"),
    "forged": ("forged delivery", "forged deliveries"),
    "unsigned": ("unsigned delivery", "unsigned deliveries"),
}


def _sent(options, url, results, what, expected):
    unexpected = [r for r in results if not r.as_expected]
    good = len(results) - len(unexpected)
    if what == "as_x":
        lines = [f"X delivered {good} of {plural(len(results), 'event')} to the webhook."]
        if any("no XAA subscription covers" in r.answer for r in unexpected):
            lines.append(
                "  X delivers an XAA type only to a subscription: "
                + code("xwebhook admin xaa_create event_type=TYPE user_id=ID")
                + ", or send an AAA kind for the subscribed app owner: "
                + code("xwebhook send --as-x favorite")
            )
    else:
        one, many = DELIVERY_WORDS[what]
        answered = (
            f"[red]{good} answered {expected}, {len(unexpected)} did not[/]"
            if unexpected
            else f"answered {expected}"
            if len(results) == 1
            else f"all answered {expected}"
        )
        lines = [f"{plural(len(results), one, many)} to {esc(url)}: {answered}."]
    if not unexpected and expected == 200:
        lines.append(next_step("xwebhook tail", why="the events on the queue"))
    document = {
        "url": url,
        "sent": len(results),
        "unexpected": len(unexpected),
        "results": [r.as_dict() for r in results],
    }
    say(lines, document)
    return errors.FAILED if unexpected else 0


# --- tail ------------------------------------------------------------------------------------------------------


def _summary(document):
    body = document["body"] if isinstance(document["body"], dict) else {}
    attributes = document["attributes"]
    event_type = attributes.get("event_type") or body.get("event_type") or "?"
    user = attributes.get("for_user_id") or body.get("for_user_id") or "-"
    source = attributes.get("source") or body.get("source") or "?"
    sent = iso_epoch(document.get("sent_at"))
    when = local_time(sent) if sent is not None else ""
    return when, event_type, source, user, body.get("event_id") or document["message_id"], body.get("activity_id")


def _check_types(types):
    """A --type that is no glob and no event type xwebhook knows is most likely mistyped: say so on stderr (the
    set is open, X adds types: the filter still applies)."""
    from xwebhook.cli import suggest

    for name in types:
        if any(mark in name for mark in "*?[") or suggest.known_message_type(name):
            continue
        meant = did_you_mean(suggest.message_type_suggestions(name))
        console(stderr=True).print(f"[yellow]no event type {esc(name)!r} that xwebhook knows of.{esc(meant)}[/]")


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
    """Show the events on the queue (and with --follow those that arrive), taken from no consumer.

    It never takes a message from your consumers. On the local stack it reads the AWS endpoint's tap:
    nothing is received. On AWS, where reading means receiving, it peeks: visibility timeout 0, never
    deleted, each message shown once; each peek counts one receive towards maxReceiveCount, so it receives
    only when more messages wait than at its last look, and stops before a message could reach the
    dead-letter queue through its peeks. --consume receives and deletes instead: for a queue nobody else
    reads. --json prints one message document per line.
    """
    from xwebhook.cli import messages

    if not options.json:
        _check_types(types)
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
            line = f"{when or '--:--:--':<12}  [bold]{esc(f'{event_type:<24}')}[/] {esc(f'{source:<4}')} user "
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
        console(stderr=True).print(f"[dim]{_tail_count(shown, dlq, types or users)}[/]")
    return 0


def _tail_count(shown, dlq, filtered):
    where = "on the dead-letter queue" if dlq else "on the queue"
    if shown:
        return f"{plural(shown, 'message')} {where}" + (" (filtered)" if filtered else "")
    if filtered:
        return f"no message {where} passes the filters"
    return f"no message {where}" + ("" if dlq else " (xwebhook send puts one there)")


# --- status ----------------------------------------------------------------------------------------------------


@cli.command(epilog=EPILOG)
@click.option("--outputs", "all_outputs", is_flag=True, help="also list every output of the stack")
@click.pass_obj
@command
def status(options, all_outputs):
    """One look at the stack: the webhook, accounts, queues, the last ensure.

    The webhook's validity and subscriptions, connected accounts, the accounts per migration state, queue
    and DLQ depth and the age of their oldest message, what ensure last did; --outputs adds the stack's
    outputs. Exit 0 when healthy (a valid webhook, an empty dead-letter queue, no account stuck in the move
    to XAA), 1 when not, naming what is wrong and what to do.
    """
    from xwebhook.cli import status as status_logic

    target = options.target()
    report = status_logic.gather(target)
    say(status_logic.summary(report, target, all_outputs), report)
    return 0 if report["healthy"] else errors.FAILED


# --- redrive ---------------------------------------------------------------------------------------------------


@cli.command(epilog=EPILOG)
@click.option("--count", type=click.IntRange(1), help="move at most N messages (default: every one waiting)")
@click.pass_obj
@command
def redrive(options, count):
    """Move dead letters back to the events queue.

    SQS's message move task on AWS; receive-send-delete where the endpoint lacks it, or with --count.
    Exit 1 when messages were left behind.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from xwebhook.cli import redrive as redrive_logic

    target = options.target()
    sqs = target.client("sqs")
    if options.json:
        result = redrive_logic.redrive(sqs, target.dlq_url, target.queue_url, count)
        emit_json(result)
        return 0 if result["moved"] >= result["total"] else errors.FAILED
    if not count and not redrive_logic.waiting(sqs, target.dlq_url):
        say(["The dead-letter queue is empty: nothing to move."])
        return 0
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
    moved = f"moved {result['moved']} of {plural(result['total'], 'message')} back to {target.queue_url}"
    lines = [esc(f"{moved} ({result['method']})")]
    if result["moved"] < result["total"]:
        lines.append(f"[red]{plural(result['total'] - result['moved'], 'message')} left on the dead-letter queue[/]")
    else:
        lines.append(next_step("xwebhook tail", why="they are on the queue again, for your consumers"))
    say(lines)
    return 0 if result["moved"] >= result["total"] else errors.FAILED


# --- admin actions ---------------------------------------------------------------------------------------------


def _admin(options, action, fields):
    from xwebhook.cli import admin_calls
    from xwebhook.cli.summaries import summary

    result = admin_calls.call(options, action, fields)
    say(summary(result, options.target()), result)
    return admin_calls.admin_exit(result)


@cli.command(epilog=EPILOG)
@click.argument("action")
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]... | JSON")
@click.pass_obj
@command
def admin(options, action, fields):
    """Run an action of the admin function by name: ensure, status, subscribe and more.

    \b
      xwebhook admin ensure
      xwebhook admin subscribe user_id=783214
      xwebhook admin xaa_create event_type=post.create user_id=783214
      xwebhook admin xaa_create '{"event_type": "post.create", "user_id": "1"}'

    \b
    Actions: status, register, revalidate, ensure, delete, subscribe, unsubscribe,
    subscriptions, replay, xaa_create, xaa_list, xaa_update, xaa_delete, invite,
    accounts, disconnect, migrate, event_types (docs/operations.md).

    Prints a summary of the function's answer (--json: the answer). Exit 0 when it says ok, 1 when not,
    2 for a mistyped action or bad fields, 5 for an action this CLI knows but the deployed function does not.
    """
    return _admin(options, action, _fields(fields))


@cli.command(epilog=EPILOG)
@click.option("--from", "start", required=True, help="ISO 8601, yyyymmddhhmm, or relative: -90m, -2h (X keeps 24 h)")
@click.option("--to", "end", help="the window's end (default: now, the current minute included)")
@click.pass_obj
@command
def replay(options, start, end):
    """Ask X to deliver a window's events again; ingest drops those already queued.

    X's window is whole minutes, both ends included: `--from -10m` reaches the current minute, so an
    event delivered a moment ago is replayed (and dropped as a duplicate). Exit 2 for a window X would
    refuse (a bad time, older than 24 h, in the future).
    """
    return _admin(options, "replay", {"from": start, **({"to": end} if end else {})})


@cli.command(epilog=EPILOG)
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]...")
@click.pass_obj
@command
def accounts(options, fields):
    """The connected accounts: handle, status, subscriptions.

    Exit 5 when the admin function has no such action (deployed before it existed)."""
    return _admin(options, "accounts", _fields(fields))


@cli.command(epilog=EPILOG)
@click.argument("fields", nargs=-1, metavar="[KEY=VALUE]...")
@click.pass_obj
@command
def invite(options, fields):
    """An invite link for an account owner to connect their X account.

    \b
      xwebhook invite                          one use, 24 h
      xwebhook invite expires_in=7d uses=10    ten accounts, a week
      xwebhook invite user_id=783214           only that account may use it

    It says when this stack cannot start a sign-in yet (no X keys for it) and what to do. Exit 5 when the
    admin function has no such action (deployed before it existed)."""
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
