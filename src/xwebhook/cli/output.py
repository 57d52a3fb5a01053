"""How a command prints: one short summary for a person, or one JSON document for a script (--json).

    say(summary, document)   the one helper a command needs: with --json it prints `document` (one line of
                             JSON on stdout), otherwise `summary`: a line of rich markup, a rich renderable
                             (a Table), or a list of those, printed in order. Either may be None.
    next_step(...)           the "next:" line a summary ends with (the commands to run, as code)
    console(), esc(), emit_json()   the parts, for commands that print as they go (send, tail, redrive)

Values from the stack or X go through esc() so that a "[" in them is never read as markup. The console
never wraps a long word (soft_wrap): an invite URL or a queue URL stays whole and copyable on one line.
"""

import json
import re

import click


def console(stderr=False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def esc(value):
    """A value from the stack or X, printed as it is (never read as rich markup)."""
    from rich.markup import escape

    return escape(str(value))


def emit_json(document):
    click.echo(json.dumps(document, indent=None, ensure_ascii=False, default=str))


def wants_json():
    """Whether the running command was given --json (before or after its name)."""
    context = click.get_current_context(silent=True)
    options = context.find_object(_options_class()) if context is not None else None
    return bool(options is not None and options.json)


def _options_class():
    from xwebhook.cli.command_line import Options

    return Options


def say(summary, document=None):
    """Print `summary` for a person, or `document` as JSON with --json (see the module's docstring)."""
    if wants_json():
        if document is not None:
            emit_json(document)
        return
    if summary is None:
        return
    out = console()
    for part in summary if isinstance(summary, list | tuple) else [summary]:
        show(out, part)


# Where a wrapped line's continuation starts: after a bullet ("  - "), or a label and two spaces ("  events
# queue  12 waiting": under the value).
_HANG = re.compile(r" *- (?=\S)| *\S.{0,18}?  +(?=\S)")


def show(out, part):
    """One part of a summary on `out`. A line of markup is wrapped at the terminal's width, its continuation
    lines under its value (after a label and two spaces) or as indented as the line; a line holding a word
    too long to wrap (a URL, an ARN) is printed whole, never folded, so that it can be copied (and without
    its indentation when that makes it fit)."""
    if not isinstance(part, str):
        out.print(part)
        return
    from rich.text import Text

    text = Text.from_markup(part, emoji=False)
    label = _HANG.match(text.plain)
    hang = label.end() if label else len(text.plain) - len(text.plain.lstrip(" "))
    head, body = text[:hang], text[hang:]
    longest = max((len(word) for word in body.plain.split()), default=0)
    if hang + longest >= out.width or not body.plain:
        if hang and not label and len(body.plain) < out.width:  # a URL that fits once unindented
            text = body
        out.print(text, soft_wrap=True)
        return
    for number, line in enumerate(body.wrap(out, out.width - hang)):
        line.rstrip()
        out.print((head if number == 0 else Text(" " * hang)) + line, soft_wrap=True)


def plain(markup):
    """A line of markup as plain text (for a JSON document): styles dropped, `:secret:` in an ARN kept."""
    from rich.text import Text

    return Text.from_markup(markup, emoji=False).plain


def code(command):
    """A command as a person types it, marked as code: `xwebhook ...` (in bold on a terminal)."""
    return f"[bold]`{esc(command)}`[/]"


def next_step(*commands, why=""):
    """ "next: `a` (why)" or "next: `a`, then `b`": the line a summary ends with."""
    steps = ", then ".join(code(command) for command in commands)
    return f"[dim]next:[/] {steps}" + (f" [dim]({esc(why)})[/]" if why else "")
