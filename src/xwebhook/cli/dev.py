"""`xwebhook dev`: `make dev` from the CLI: the local stack with X's API emulated, registered and subscribed,
serving until Ctrl-C (localdev/dev.py). It runs from a clone of the repository (the local stack is its
localdev/ package, never installed), with this interpreter."""

import os
import sys

import click

from xwebhook.cli import errors
from xwebhook.cli.app import EPILOG, command
from xwebhook.cli.local_state import REPO


@click.command(
    "dev",
    epilog=EPILOG,
    context_settings={"ignore_unknown_options": True},
    short_help="the dev loop: the local stack with X emulated, registered and subscribed (make dev)",
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED, metavar="[make run's options]...")
@click.pass_obj
@command
def dev_command(options, arguments):
    """Start the local stack with X's API emulated, register the webhook (a real CRC) and subscribe the app
    owner, print what is ready and the next commands, and serve until Ctrl-C: `make dev`. A restart says what
    it reset and registers again. Options are `make run`'s (--parameter NAME=VALUE, --function-logs, ...).
    """
    if not (REPO / "localdev" / "dev.py").is_file():
        raise errors.Unsupported("xwebhook dev runs from a clone of the repository (git clone, then make dev)")
    argv = [sys.executable, "-m", "localdev.dev", *arguments]
    if options.state_file and "--state-file" not in arguments:
        argv += ["--state-file", options.state_file]
    os.chdir(REPO)
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), environment.get("PYTHONPATH")) if p)
    os.execve(sys.executable, argv, environment)  # noqa: S606 - this interpreter, the repository's module
