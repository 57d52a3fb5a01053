"""`xwebhook migrate plan|status|apply|cutover|rollback|fit|reconnect`: the AAA -> XAA move of many accounts.

Human first: a table of accounts per state and the accounts that need attention; the whole JSON with
--json. Every run that writes leaves a report (JSON and CSV) in --report-dir. The logic is the admin
function's `migrate` action (on AWS the deployed function, locally the stack's): cli/migrate.py decides
the waves; this module reads the options and prints.
"""

import csv
from pathlib import Path

import click

from xwebhook.cli import errors
from xwebhook.cli.admin_calls import check_event_types
from xwebhook.cli.app import EPILOG, command, console, emit_json, esc
from xwebhook.cli.command_line import Group
from xwebhook.cli.errors import CliError
from xwebhook.cli.migrate import DEFAULT_MAX_CALLS, Driver, DriverError, Quiet
from xwebhook.cli.migrate_report import RunReport, directory
from xwebhook.cli.words import local_time, plural

STATES = ("not_started", "applying", "overlap", "cut_over", "rolled_back", "xaa_only")
SHOWN = 20  # accounts listed one by one in a person's output (--json and the report hold every one)
PLAN_FIELDS = (
    "user_id",
    "screen_name",
    "state",
    "needed",
    "to_create",
    "does_not_fit",
    "fit",
    "reconnect",
    "attention",
)


def _ids(values, users_file):
    """User ids from --user (repeatable, commas allowed) and --users-file (one per line, or a CSV's first
    column; a header line and blank lines are skipped)."""
    found = [part for value in values for part in value.replace(",", " ").split()]
    if users_file:
        for row in csv.reader(Path(users_file).read_text().splitlines()):
            if row and row[0].strip().isdigit():
                found.append(row[0].strip())
    bad = [value for value in found if not value.isdigit()]
    if bad:
        raise click.BadParameter(f"not X user ids: {', '.join(bad[:5])}", param_hint="--user")
    return list(dict.fromkeys(found)) or None


def _invoke(options):
    target = options.target()

    def invoke(fields):
        return target.invoke_admin("migrate", fields)

    return invoke


def _report(options, report_dir, mode, asked, resume=True):
    target = options.target()
    return RunReport.start(directory(report_dir), target.name, mode, asked, resume=resume)


def users_options(function):
    function = click.option("--users-file", type=click.Path(exists=True, dir_okay=False), help="user ids, one a line")(
        function
    )
    return click.option("--user", "users", multiple=True, metavar="ID[,ID]", help="only these accounts; repeatable")(
        function
    )


def report_option(function):
    return click.option(
        "--report-dir", type=click.Path(file_okay=False), help="where reports go (default ./xwebhook-reports)"
    )(function)


@click.group(cls=Group, epilog=EPILOG)
def migrate():
    """Move accounts from the Account Activity API (ends 2027-01-01) to the X Activity API, in waves.

    \b
    In this order (the runbook: docs/migrate.md):
      xwebhook migrate plan            changes nothing; says if fit or reconnect
      xwebhook migrate apply --wait    is needed first
      xwebhook migrate status          exit 1 while accounts are stuck
      xwebhook migrate cutover
      xwebhook migrate rollback --user ID    the way back for one account
    """


# --- a person's view ---------------------------------------------------------------------------------------


def _counts_table(before, after=None, title="accounts by state"):
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("state")
    table.add_column("before" if after is not None else "accounts", justify="right")
    if after is not None:
        table.add_column("after", justify="right")
    for state in STATES:
        row = [state, str(before.get(state, 0))]
        if after is not None:
            row.append(str(after.get(state, 0)))
        if any(value != "0" for value in row[1:]):
            table.add_row(*row)
    return table


def _attention_table(entries, title, limit=SHOWN):
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for name in ("user id", "handle", "state", "what needs doing"):
        table.add_column(name, overflow="fold")
    for entry in entries[:limit]:
        notes = entry.get("attention") or [entry.get("error") or entry.get("note") or ""]
        state = entry.get("state") or entry.get("state_after") or entry.get("state_before") or ""
        colour = "red" if entry.get("stuck") else "yellow"
        table.add_row(
            esc(entry["user_id"]), esc(entry.get("screen_name") or "-"), f"[{colour}]{esc(state)}[/]", esc(notes[0])
        )
    return table


def _more(entries, limit=SHOWN):
    if len(entries) > limit:
        console().print(
            f"[dim]... and {plural(len(entries) - limit, 'more account')} (--json, or the report, has every one)[/]"
        )


def _header(options, document):
    days = document.get("days_left")
    ends = document.get("aaa_ends", "2027-01-01")
    target = options.target()
    console().print(f"[bold]{esc(target.describe())}[/]  AAA ends {esc(ends)}: {plural(days, 'day')} left")


# --- plan and status -----------------------------------------------------------------------------------------


@migrate.command(epilog=EPILOG)
@users_options
@click.option("--floor", multiple=True, metavar="TYPE", help="fit keeps these types for every account; repeatable")
@click.option("--fit-out", type=click.Path(dir_okay=False), help="write each account's fit set to this CSV (to edit)")
@report_option
@click.pass_obj
@command
def plan(options, users, users_file, floor, fit_out, report_dir):
    """What the move needs: per account, the cap, the time, the cost. Changes nothing.

    What each AAA account needs at X, whether it fits under the cap (and the `fit` way out), how long X's
    rate limit makes it take, what XAA would cost. Exit 0."""
    user_ids = _ids(users, users_file)
    check_event_types({"floor": floor}, {"floor": "--floor"})
    fields = {
        "mode": "plan",
        **({"user_ids": user_ids} if user_ids else {}),
        **({"floor": list(floor)} if floor else {}),
    }
    result = _invoke(options)(fields)
    if not result.get("ok"):
        raise CliError(f"migrate plan failed: {result.get('error')}", result=result)
    report = _report(options, report_dir, "plan", fields, resume=False)
    report.document.update(plan=result, csv_fields=list(PLAN_FIELDS))
    report.record_accounts([_plan_row(entry) for entry in result["accounts"]])
    report.finish(before=result["counts"])
    if fit_out:
        _write_fit(fit_out, result["accounts"])
    if options.json:
        emit_json(result)
        return 0
    _header(options, result)
    out = console()
    out.print(_counts_table(result["counts"]))
    _print_cap(result)
    attention = [entry for entry in result["accounts"] if entry["attention"]]
    if attention:
        out.print(_attention_table(attention, f"needs attention ({len(attention)})"))
        _more(attention)
    out.print(f"next: {esc(result['next'])}")
    out.print(f"[dim]report: {esc(report.path)} (and .csv)[/]" + (f"; fit sets: {esc(fit_out)}" if fit_out else ""))
    return 0


def _plan_row(entry):
    subscriptions = entry["subscriptions"]
    fit = entry.get("fit") or {}
    return {
        "user_id": entry["user_id"],
        "screen_name": entry.get("screen_name"),
        "state": entry["state"],
        "state_before": entry["state"],
        "needed": subscriptions["needed"],
        "to_create": subscriptions["to_create"],
        "does_not_fit": subscriptions.get("does_not_fit", 0),
        "fit": " ".join(fit.get("event_types", [])),
        "reconnect": entry["reconnect"].get("why", ""),
        "attention": "; ".join(entry["attention"]),
    }


def _write_fit(path, accounts):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "screen_name", "event_types", "from", "needed"])
        for entry in accounts:
            fit = entry.get("fit")
            if fit:
                writer.writerow(
                    [
                        entry["user_id"],
                        entry.get("screen_name") or "",
                        " ".join(fit["event_types"]),
                        fit["from"],
                        fit["needed"],
                    ]
                )


def _print_cap(result):
    out = console()
    cap, rate, total = result["cap"], result["rate"], result["estimate_total"]
    colour = {"fits": "green", "fit_fits": "yellow"}.get(cap["verdict"], "red")
    out.print(
        f"cap       {cap['cap']:,} subscriptions (used {cap['used']:,}, room {cap['room']:,}); "
        f"{cap['needed']:,} to make, {plural(cap['accounts_fitting'], 'account')} fit as they are"
    )
    out.print(f"          [{colour}]{esc(cap['advice'])}[/]")
    if cap.get("fit"):
        fit = cap["fit"]
        quiet = f"; {fit['quiet_accounts']} quiet (no event: the floor only)" if fit["quiet_accounts"] else ""
        out.print(
            f"fit       {plural(fit['needed'], 'subscription')} from the types each produced in "
            f"{fit['window_hours']} h{quiet}"
        )
    if rate["calls"]:
        hours, minutes = divmod(rate["at_least_minutes"], 60)
        out.print(
            f"X's limit {rate['limit']}: the {rate['calls']:,} creates apply would make now take "
            f"{plural(rate['windows'], 'window')}, at least {hours} h {minutes} min "
            f"(about {rate['accounts_per_window']} accounts a window)"
        )
    if total["accounts_estimated"]:
        out.print(
            f"cost      ${total['low_usd']:,.2f}-${total['high_usd']:,.2f} a month at X's prices "
            f"({plural(total['accounts_estimated'], 'account')} estimated, {total['accounts_unknown']} unknown)"
        )


@migrate.command(epilog=EPILOG)
@users_options
@click.option("--all", "show_all", is_flag=True, help="list every account needing attention, not the first 20")
@click.pass_obj
@command
def status(options, users, users_file, show_all):
    """Accounts per state, and those needing attention. Changes nothing.

    The accounts per state as X has them, and those needing attention (the stuck ones first). Exit 1 while
    any account is stuck (half made, or cut over with subscriptions missing)."""
    user_ids = _ids(users, users_file)
    result = _invoke(options)({"mode": "status", **({"user_ids": user_ids} if user_ids else {})})
    if not result.get("ok"):
        raise CliError(f"migrate status failed: {result.get('error')}", result=result)
    code = errors.FAILED if result["stuck"] else 0
    if options.json:
        emit_json(result)
        return code
    _header(options, result)
    out = console()
    out.print(_counts_table(result["counts"]))
    attention = sorted((e for e in result["accounts"] if e["attention"]), key=lambda e: not e["stuck"])
    if attention:
        limit = len(attention) if show_all else SHOWN
        out.print(_attention_table(attention, f"needs attention ({len(attention)})", limit))
        _more(attention, limit)
    if result["stuck"]:
        named = ", ".join(result["stuck"][:10]) + (" ..." if len(result["stuck"]) > 10 else "")
        out.print(f"[bold red]{plural(len(result['stuck']), 'account')} stuck:[/] {esc(named)}")
    out.print(f"next: {esc(result['next'])}")
    return code


# --- the modes that write ----------------------------------------------------------------------------------


class Shown(Quiet):
    """What a person sees of a run: a progress bar on a terminal, one line per wave otherwise (stderr)."""

    def __init__(self):
        self.err = console(stderr=True)
        self.progress = None
        self.task = None
        self.done = 0

    def planned(self, mode, total, calls):
        self.err.print(f"migrate {mode}: {plural(total, 'account')} to do, about {plural(calls, 'X call')}")
        if self.err.is_terminal and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.err,
            )
            self.task = self.progress.add_task(mode, total=total)
            self.progress.start()

    def wave(self, number, accounts, calls):
        text = f"wave {number}: {plural(accounts, 'account')}, up to {plural(calls, 'X call')}"
        if self.progress is not None:
            self.progress.update(self.task, description=text)
        else:
            self.err.print(text)

    def waved(self, number, entries, seconds):
        finished = sum(
            1 for entry in entries if entry.get("ok") or not (entry.get("pending") or entry.get("not_started"))
        )
        self.done += finished
        ok = sum(1 for entry in entries if entry.get("ok"))
        text = f"wave {number}: {ok} of {len(entries)} done ({seconds:.1f} s)"
        if self.progress is not None:
            self.progress.update(self.task, completed=self.done, description=text)
        else:
            self.err.print(text)

    def waiting(self, until, why):
        when = esc(local_time(until))
        self.err.print(f"[yellow]{esc(why)}: waiting for X's reset at {when}[/] (Ctrl-C stops; run again to resume)")

    def close(self):
        if self.progress is not None:
            self.progress.stop()


def _drive(
    options,
    mode,
    users,
    users_file,
    report_dir,
    dry_run,
    wait,
    max_calls=DEFAULT_MAX_CALLS,
    wave=None,
    force=False,
    new_run=False,
):
    user_ids = _ids(users, users_file)
    asked = {"user_ids": user_ids, "dry_run": dry_run, "wait": wait, "force": force, "max_calls": max_calls}
    report = _report(options, report_dir, mode, asked, resume=not (new_run or dry_run))
    if report.resumed and not options.json:
        console(stderr=True).print(f"[dim]resuming the unfinished run {esc(report.path.name)}[/]")
    shown = Shown()
    driver = Driver(_invoke(options), report, mode, user_ids, force, dry_run, wait, max_calls, wave, listener=shown)
    try:
        outcome = driver.run()
    except DriverError as exc:
        raise CliError(str(exc)) from None
    finally:
        shown.close()
    if options.json:
        emit_json({**report.document, "report": str(report.path)})
    else:
        _print_outcome(options, outcome, report, dry_run)
    if not outcome.complete:
        return errors.INCOMPLETE
    return errors.FAILED if outcome.failed or outcome.stuck else 0


def _print_outcome(options, outcome, report, dry_run):
    out = console()
    out.print(
        _counts_table(
            outcome.before, outcome.after, "accounts by state" + (" (dry run: nothing changed)" if dry_run else "")
        )
    )
    verb = "would be done" if dry_run else "done"
    out.print(
        f"{plural(len(outcome.done), 'account')} {verb}, {len(outcome.failed)} failed or refused, "
        f"{len(outcome.skipped)} left as they are, in {plural(outcome.waves, 'wave')}"
    )
    if outcome.failed:
        out.print(_attention_table(outcome.failed, "not done"))
        _more(outcome.failed)
    if outcome.stuck:
        out.print(f"[bold red]stuck:[/] {esc(', '.join(outcome.stuck[:10]))} (xwebhook migrate status)")
    if outcome.stopped:
        out.print(f"[yellow]stopped:[/] {esc(outcome.stopped)} ({plural(len(outcome.left), 'account')} left)")
    out.print(f"[dim]report: {esc(report.path)} (and .csv)[/]")


def _writing(function):
    function = report_option(function)
    function = click.option("--dry-run", is_flag=True, help="say what would be done; change nothing")(function)
    return users_options(function)


def _waiting(function):
    function = click.option("--wait", is_flag=True, help="wait for X's rate-limit reset and go on (else stop there)")(
        function
    )
    return click.option("--new-run", is_flag=True, help="start a new report rather than resume an unfinished one")(
        function
    )


@migrate.command(epilog=EPILOG)
@_writing
@_waiting
@click.option(
    "--max-calls",
    type=click.IntRange(1, 5000),
    default=DEFAULT_MAX_CALLS,
    show_default=True,
    help="X calls one wave may take (X allows 500 creates per 15 min)",
)
@click.pass_obj
@command
def apply(options, users, users_file, report_dir, dry_run, wait, new_run, max_calls):
    """XAA on for every AAA account, AAA kept (the overlap), in waves.

    Every AAA account, or the --user ones. Waves sized to X's rate limit and the cap; accounts whole or not
    at all. Exit 0 when every account is in the overlap, 1 when some failed or were refused, 6 when the run
    stopped at X's rate limit (run it again, or --wait)."""
    return _drive(options, "apply", users, users_file, report_dir, dry_run, wait, max_calls, new_run=new_run)


@migrate.command(epilog=EPILOG)
@_writing
@_waiting
@click.option("--force", is_flag=True, help="cut over accounts whose XAA events were not seen yet")
@click.option("--wave", type=click.IntRange(1, 1000), default=100, show_default=True, help="accounts per wave")
@click.pass_obj
@command
def cutover(options, users, users_file, report_dir, dry_run, wait, new_run, force, wave):
    """AAA off for each account whose XAA events were seen.

    Each account in the overlap whose XAA events were seen (or whose grace period passed).
    Exit 0 when each was cut over, 1 when some were refused (not verified: wait, or --force)."""
    return _drive(
        options, "cutover", users, users_file, report_dir, dry_run, wait, wave=wave, force=force, new_run=new_run
    )


@migrate.command(epilog=EPILOG)
@_writing
@_waiting
@click.option("--all", "every", is_flag=True, help="every applied or cut-over account (else name them with --user)")
@click.option("--wave", type=click.IntRange(1, 1000), default=100, show_default=True, help="accounts per wave")
@click.pass_obj
@command
def rollback(options, users, users_file, report_dir, dry_run, wait, new_run, every, wave):
    """Back to AAA for the accounts named (or --all).

    The XAA subscriptions this stack made go, a cut-over account is subscribed to AAA again
    first. It stays so (ensure follows it) until apply names the account again."""
    if not (users or users_file or every):
        raise click.UsageError("name the accounts to roll back (--user, --users-file), or --all")
    return _drive(options, "rollback", users, users_file, report_dir, dry_run, wait, wave=wave, new_run=new_run)


@migrate.command(epilog=EPILOG)
@_writing
@click.option("--floor", multiple=True, metavar="TYPE", help="types every account keeps whatever it produced")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False), help="a CSV of sets (plan --fit-out)")
@click.pass_obj
@command
def fit(options, users, users_file, report_dir, dry_run, floor, source):
    """Smaller event-type sets, from what each account produced.

    Stores each account's event-type set: the types it produced in the count window (plus --floor), or
    the sets of a CSV you edited (user_id, event_types space-separated; `plan --fit-out` writes one)."""
    user_ids = _ids(users, users_file)
    check_event_types({"floor": floor}, {"floor": "--floor"})
    fields = {"mode": "fit", "dry_run": dry_run}
    if source:
        fields["sets"] = _sets_from(source)
    else:
        fields.update({**({"user_ids": user_ids} if user_ids else {}), **({"floor": list(floor)} if floor else {})})
    result = _invoke(options)(fields)
    report = _report(options, report_dir, "fit", {k: v for k, v in fields.items() if k != "sets"}, resume=False)
    report.record_accounts(result.get("accounts") or [])
    report.finish(dry_run=dry_run)
    if options.json:
        emit_json({**result, "report": str(report.path)})
    elif not result.get("accounts") and not result.get("ok"):
        raise CliError(f"migrate fit failed: {result.get('error')}", result=result)
    else:
        out = console()
        accounts = result["accounts"]
        kept = sum(len(entry["event_types"]) for entry in accounts if entry.get("ok"))
        before = sum(len(entry["before"]) for entry in accounts if entry.get("ok"))
        verb = "would get" if dry_run else "got"
        out.print(
            f"{plural(sum(1 for e in accounts if e.get('ok')), 'account')} {verb} a set: {kept:,} types, "
            f"{before:,} before"
        )
        refused = [entry for entry in accounts if not entry.get("ok")]
        if refused:
            out.print(_attention_table(refused, f"no set ({len(refused)})"))
            _more(refused)
        out.print(f"[dim]report: {esc(report.path)} (and .csv)[/]")
    return 0 if result.get("ok") else errors.FAILED


def _sets_from(path):
    sets = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            user_id = (row.get("user_id") or "").strip()
            types = (row.get("event_types") or "").replace(",", " ").split()
            if not user_id:
                continue
            if not user_id.isdigit():
                raise click.BadParameter(f"{user_id!r} is not an X user id", param_hint="--from")
            sets[user_id] = "default" if types == ["default"] else types
    if not sets:
        raise click.BadParameter("no row with a user_id and event_types", param_hint="--from")
    return sets


@migrate.command(epilog=EPILOG)
@_writing
@click.option("--without-oauth2", is_flag=True, help="also every account without an OAuth 2.0 token yet")
@click.option("--expires-in", default="7d", show_default=True, help="how long a new invite lives (30d at most)")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="also write the CSV here")
@click.pass_obj
@command
def reconnect(options, users, users_file, report_dir, dry_run, without_oauth2, expires_in, out_path):
    """Invite URLs (a CSV) for owners who must sign in with OAuth 2.0.

    An invite bound to each account whose owner must sign in with OAuth 2.0 (X refused its OAuth 1.0a
    tokens, a scope is missing, its tokens stopped working), reused until used or expired, as a CSV to send:
    user id, handle, invite URL, expiry. The URLs let an X account connect: keep the file private."""
    user_ids = _ids(users, users_file)
    fields = {"mode": "reconnect", "dry_run": dry_run, "expires_in": expires_in, "without_oauth2": without_oauth2}
    if user_ids:
        fields["user_ids"] = user_ids
    result = _invoke(options)(fields)
    if not result.get("ok") and not result.get("accounts"):
        raise CliError(f"migrate reconnect failed: {result.get('error')}", result=result)
    report = _report(options, report_dir, "reconnect", {k: v for k, v in fields.items()}, resume=False)
    report.record_accounts(result["accounts"])
    report.finish(dry_run=dry_run)
    if out_path:
        Path(out_path).write_text(report.csv_text())
        Path(out_path).chmod(0o600)
    if options.json:
        emit_json({**result, "report": str(report.path)})
    else:
        out = console()
        need = "needs" if len(result["accounts"]) == 1 else "need"
        if dry_run:
            would = sum(1 for row in result["accounts"] if row.get("would") == "make")
            out.print(
                f"{plural(len(result['accounts']), 'account')} {need} a sign-in: "
                f"{plural(would, 'invite')} would be made, the rest reused"
            )
        else:
            out.print(
                f"{plural(len(result['accounts']), 'account')} {need} a sign-in: "
                f"{plural(result['made'], 'invite')} made, "
                f"{result['reused']} reused"
            )
            out.print(f"CSV (user id, handle, invite URL, expiry): {esc(out_path or report.csv_path)}")
    return 0 if result.get("ok") else errors.FAILED
