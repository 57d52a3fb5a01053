"""Every `xwebhook` command of the README and the docs site's pages (docs/) still runs: each one in a ```sh block
parses as written (Click accepts its words: no "No such option", no exit 2), and the README's first five minutes
run for real, in order, on a local stack with X's API emulated, saying what the README says they say."""

import collections
import re
import shlex
from pathlib import Path

import pytest

from localdev.testing import DEV_SECRET, run_local_stack
from tests.e2e.conftest import xwebhook
from tests.e2e.test_cli_e2e import replayed_job
from tests.e2e.test_dev_e2e import READY as DEV_READY
from xwebhook.cli.app import cli
from xwebhook.cli.command_line import parse

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"```sh\n(.*?)```", re.S)
COMMAND = re.compile(r"^\s*(?:\.venv/bin/)?xwebhook\s")
PLACEHOLDER = re.compile(r"<[^<>\n]+>")  # <stack name>, <AdminFunctionName>: any value parses the same
SHELL = {"|", "||", "&&", ";", ">", ">>", "2>&1"}  # where the xwebhook command's own words end
# The `xwebhook` commands each page's sh blocks hold. A page that gains or loses one says so here: a change to
# a page or to the extraction below can then never leave this test checking fewer commands than it should.
EXPECTED = {
    "README.md": 9,  # the first five minutes
    "docs/cli.md": 14,  # what the commands say: the first five minutes, without X, mistakes, --json
    "docs/deploy.md": 2,  # the stack's outputs, doctor after a deploy
    "docs/local.md": 2,  # send, tail --follow
    "docs/migrate.md": 14,  # the runbook, and the local try-out
}
FIRST_FIVE_MINUTES = re.compile(r"<!-- --8<-- \[start:first-five-minutes\] -->(.*?)<!-- --8<-- \[end:", re.S)


def commands_in(text):
    """The words of each `xwebhook` command in the text's sh blocks (continuation lines joined, comments and
    the .venv/bin/ path dropped, placeholders given a value)."""
    found = []
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if COMMAND.match(line):
                words = shlex.split(PLACEHOLDER.sub("placeholder", line), comments=True)
                ends = [index for index, word in enumerate(words) if word in SHELL]
                found.append(words[1 : ends[0] if ends else None])
    return found


def doc_commands():
    return [(str(page.relative_to(REPO)), words) for page in PAGES for words in commands_in(page.read_text())]


def test_each_page_holds_the_xwebhook_commands_this_test_checks():
    assert dict(collections.Counter(page for page, _ in doc_commands())) == EXPECTED


@pytest.mark.parametrize(("page", "words"), doc_commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_each_xwebhook_command_of_the_docs_parses_as_written(page, words):
    ctx = parse(cli, words)  # a UsageError (exit 2) fails the test with Click's own message
    assert ctx.command_path.startswith("xwebhook "), f"{page}: {words} names no command"


def test_a_word_click_refuses_fails_the_parse():
    import click

    with pytest.raises(click.UsageError, match="No such option '--folow'"):
        parse(cli, ["tail", "--folow"])


# --- the README's first five minutes, for real -----------------------------------------------------------------


def first_five_minutes():
    """(the sh blocks' commands to start the stack, the xwebhook commands) of the README's first five minutes."""
    section = FIRST_FIVE_MINUTES.search((REPO / "README.md").read_text()).group(1)
    blocks = FENCE.findall(section)
    starts = [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.startswith("make")]
    return starts, commands_in(section)


def said(result):
    return " ".join((result.stdout + result.stderr).split())


# What each command of the README says (its exit code, and words of its summary), in the README's order.
SAYS = {
    "status": (0, ["valid (id", "subscribed 1 account", "Healthy."]),
    "send --as-x favorite": (0, ["X delivered it once: 200", "X delivered 1 of 1 event to the webhook."]),
    "send dm.received -n 3": (0, ["3 signed deliveries to ", "all answered 200.", "1 event: 1 sent"]),
    "tail": (0, ["favorite", "dm.received", "4 messages on the queue"]),
    "replay --from -10m": (0, ["X is replaying", "(11 whole minutes, the current one included): job "]),
    "tail --type favorite": (0, ["1 message on the queue (filtered)"]),
    "crc-check": (0, [": 200 in ", "X would accept it"]),
    "doctor": (0, ["checks hold"]),
    "invite": (0, ["Invite: 1 use, expires ", "/connect?invite=", "Send it to the account's owner"]),
}


@pytest.fixture(scope="module")
def fresh_emulated_run(tmp_path_factory):
    """A stack of its own, as `make dev` starts it: X emulated, the webhook registered, the app owner subscribed."""
    env = {"X_CONSUMER_SECRET": DEV_SECRET}
    directory = tmp_path_factory.mktemp("first-five-minutes")
    with run_local_stack(directory, env=env, module="localdev.dev", ready_text=DEV_READY) as running:
        yield running


def test_the_first_five_minutes_start_the_stack_with_x_emulated():
    starts, _ = first_five_minutes()
    assert starts == ["make dev"]  # what fresh_emulated_run starts


def test_the_readmes_first_five_minutes_run_in_order_and_say_what_the_readme_says(fresh_emulated_run):
    _, sequence = first_five_minutes()
    assert [" ".join(words) for words in sequence] == list(SAYS)
    for words in sequence:
        result = xwebhook(fresh_emulated_run, *words)
        code, phrases = SAYS[" ".join(words)]
        assert result.returncode == code, f"xwebhook {' '.join(words)}: {result.stdout}{result.stderr}"
        for phrase in phrases:
            assert phrase in said(result), f"xwebhook {' '.join(words)}: {phrase!r} not in {said(result)!r}"
        if words[0] == "replay":  # a person waits a few seconds before looking: X re-delivers in the background
            replayed_job(fresh_emulated_run, said(result).split(": job ")[1].split(".")[0])
    favorites = xwebhook(fresh_emulated_run, "tail", "--type", "favorite")
    assert len(favorites.stdout.splitlines()) == 1  # X delivered the like twice; the queue holds it once
