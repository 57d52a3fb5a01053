"""The shape every `xwebhook` command shares: its options object, its error handling, and the global options.

    Options          what the global options say (--stack, --region, --state-file, --json) and the target
    command          runs a command body: CliError -> its message (JSON with --json) and exit code
    Group            a click.Group whose commands, at any depth, also take the global options after their
                     name (`xwebhook tail --json` as `xwebhook --json tail`), whose command list shows each
                     summary whole, and which prints a usage error as JSON too when --json was given

A command added with `@cli.command(...)`, `cli.add_command(...)`, or to a group made with `cls=Group`
gets the global options; one that defines an option of the same name keeps its own.
"""

import functools
import inspect
import re
import sys

import click
from click.core import ParameterSource

from xwebhook.cli import errors
from xwebhook.cli.errors import CliError
from xwebhook.cli.output import console, emit_json, esc, show

ARGV = "xwebhook.argv"  # ctx.meta key: the words the command line was given (for --json on a usage error)


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
                err = console(stderr=True)
                for line in [f"[bold red]xwebhook:[/] {esc(exc.message)}", *(f"  {hint}" for hint in exc.hints)]:
                    show(err, line)
            sys.exit(exc.code)
        except KeyboardInterrupt:
            sys.exit(errors.INTERRUPTED)
        sys.exit(code or 0)

    return run


# --- the global options ----------------------------------------------------------------------------------------

GLOBAL_HELP = {
    "stack": "a deployed stack's name (default: the running local stack)",
    "region": "the deployed stack's region (default: your AWS configuration's)",
    "state_file": "the local stack's state file (.local/stack.json)",
    "as_json": "print JSON for scripts instead of text",
}
ATTRIBUTE = {"stack": "stack", "region": "region", "state_file": "state_file", "as_json": "json"}


def _lift(ctx, param, value):
    """A global option given after a command's name: into the Options the root made."""
    if ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        options = ctx.find_object(Options)
        if options is not None:
            setattr(options, ATTRIBUTE[param.name], value)
    return value


def global_options():
    """Fresh copies of the global options for one command (values go to Options, not to its function).
    No environment variables here: the root reads those, and a command's copy must not override what was
    given before the command's name."""
    return [
        click.Option(["--stack"], metavar="NAME", expose_value=False, callback=_lift, help=GLOBAL_HELP["stack"]),
        click.Option(["--region"], expose_value=False, callback=_lift, help=GLOBAL_HELP["region"]),
        click.Option(
            ["--state-file"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_lift,
            help=GLOBAL_HELP["state_file"],
        ),
        click.Option(
            ["--json", "as_json"], is_flag=True, expose_value=False, callback=_lift, help=GLOBAL_HELP["as_json"]
        ),
    ]


def lift_global_options(cmd):
    """Give `cmd` (and, for a group, every command in it) the global options it does not define itself."""
    taken = {opt for param in cmd.params for opt in getattr(param, "opts", ())}
    for option in global_options():
        if not taken.intersection(option.opts):
            cmd.params.append(option)
    for sub in getattr(cmd, "commands", {}).values():
        lift_global_options(sub)


# --- help that is never cut ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def summary_line(cmd):
    """A command's one-line summary, whole: its short_help, else its help's first sentence (Click's own would
    cut it at the command list's width with "...")."""
    if cmd.short_help:
        return inspect.cleandoc(cmd.short_help).strip()
    first = inspect.cleandoc(cmd.help or "").split("\n\n", 1)[0].replace("\b", "")
    first = " ".join(first.split())
    return _SENTENCE_END.split(first, 1)[0].strip()


class Group(click.Group):
    """A click.Group for xwebhook's commands (see the module's docstring)."""

    def add_command(self, cmd, name=None):
        lift_global_options(cmd)
        super().add_command(cmd, name)

    def format_commands(self, ctx, formatter):
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, summary_line(cmd)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(self, info_name, args, parent=None, **extra):
        given = list(args)  # parsing consumes `args`
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            if parent is None:
                _usage_error_as_json(exc, given)
            raise
        ctx.meta.setdefault(ARGV, given)
        return ctx

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            if ctx.parent is None:
                _usage_error_as_json(exc, ctx.meta.get(ARGV, ()))
            raise


def _usage_error_as_json(exc, args):
    """With --json among the words (before a `--`), a usage error is also one JSON object on stdout, as every
    other error is; Click then prints its usual message on stderr."""
    words = list(args)
    words = words[: words.index("--")] if "--" in words else words
    if "--json" in words:
        emit_json({"error": exc.format_message(), "exit_code": exc.exit_code})


def parse(group, words, prog_name="xwebhook"):
    """The innermost Context of `words` as `group` would run them, with nothing run: Click's own parsing of
    every level, so a UsageError (exit 2: no such option, a missing argument, a bad value) is raised here.
    `--help` and `--version` are not for this: they print and exit while parsing."""
    ctx = group.make_context(prog_name, list(words))
    while isinstance(ctx.command, click.Group):
        # Click 8 keeps the subcommand's name apart; Click 9 leaves every remaining word in `args`.
        rest = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        if not rest:
            break
        name, cmd, rest = ctx.command.resolve_command(ctx, rest)
        ctx = cmd.make_context(name, rest, parent=ctx)
    return ctx
