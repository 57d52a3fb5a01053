"""What every command shares: the global options before or after its name, at any depth; a usage error as JSON
with --json; help whose command lists show each summary whole."""

import json

import click
import pytest
from click.testing import CliRunner

from xwebhook.cli import app
from xwebhook.cli.command_line import Group, Options, parse, summary_line


def command_paths(group=app.cli, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


PATHS = list(command_paths())
NEEDS = {("admin",): ["status"], ("replay",): ["--from", "-1h"]}  # what a command cannot be parsed without


def test_the_tree_has_every_command_and_the_migrate_ones():
    assert {"status", "send", "tail", "admin", "replay", "invite", "accounts", "console", "crc-check"} <= {
        path[0] for path in PATHS
    }
    assert ("migrate", "apply") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_takes_json_after_its_name(path):
    ctx = parse(app.cli, [*path, *NEEDS.get(path, []), "--json"])
    assert ctx.command_path == "xwebhook " + " ".join(path)


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_takes_stack_region_and_state_file_after_its_name(path):
    words = [*path, *NEEDS.get(path, []), "--stack", "s", "--region", "eu-west-1", "--state-file", "x.json"]
    assert parse(app.cli, words).command_path == "xwebhook " + " ".join(path)


def recorder():
    """A group like xwebhook's with one command that records the Options it ran with."""
    seen = {}

    @click.group(cls=Group)
    @click.option("--stack", envvar="XWEBHOOK_STACK")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def root(ctx, stack, as_json):
        ctx.obj = Options(stack, None, None, as_json)

    @root.command()
    @click.pass_obj
    def look(options):
        seen.update(stack=options.stack, json=options.json)

    @root.group(cls=Group)
    def deep():
        pass

    @deep.command()
    @click.pass_obj
    def inner(options):
        seen.update(stack=options.stack, json=options.json)

    return root, seen


@pytest.mark.parametrize(
    "words",
    [["--json", "look"], ["look", "--json"], ["deep", "inner", "--json"], ["deep", "--json", "inner"]],
)
def test_json_given_before_or_after_a_command_reaches_its_options(words):
    root, seen = recorder()
    assert CliRunner().invoke(root, words).exit_code == 0
    assert seen["json"] is True


def test_a_stack_given_after_the_command_wins_over_none_before_it():
    root, seen = recorder()
    CliRunner().invoke(root, ["look", "--stack", "after"])
    assert seen["stack"] == "after"


def test_the_environment_does_not_override_a_stack_given_before_the_command():
    root, seen = recorder()
    CliRunner().invoke(root, ["--stack", "given", "look"], env={"XWEBHOOK_STACK": "from-env"})
    assert seen["stack"] == "given"


def test_a_command_with_its_own_option_of_a_global_name_keeps_it():
    @click.group(cls=Group)
    def root():
        pass

    @root.command()
    @click.option("--region", "where", help="its own")
    def own(where):
        click.echo(where)

    regions = [p for p in root.commands["own"].params if "--region" in getattr(p, "opts", ())]
    assert [p.name for p in regions] == ["where"]
    assert CliRunner().invoke(root, ["own", "--region", "x"]).output == "x\n"


def test_a_usage_error_with_json_is_also_a_json_object_on_stdout():
    result = CliRunner().invoke(app.cli, ["tail", "--bogus", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "No such option '--bogus'. (Did you mean one of: '--body', '--user'?)",
        "exit_code": 2,
    }


def test_a_usage_error_without_json_is_clicks_message_on_stderr_only():
    result = CliRunner().invoke(app.cli, ["stauts"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Did you mean 'status'?" in result.stderr


def help_text(path):
    result = CliRunner().invoke(app.cli, [*path, "--help"], prog_name="xwebhook", terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("group_path", [(), ("migrate",)], ids=["xwebhook", "migrate"])
def test_a_groups_command_list_shows_every_summary_whole_at_80_columns(group_path):
    text = help_text(group_path)
    group = app.cli if not group_path else app.cli.commands[group_path[0]]
    listed = " ".join(text.split("Commands:")[1].split())
    for name, command in group.commands.items():
        assert " ".join(summary_line(command).split()) in listed, name
    assert "..." not in text.split("Commands:")[1].split("Exit codes")[0]


@pytest.mark.parametrize("path", [(), *PATHS], ids=lambda p: " ".join(p) or "xwebhook")
def test_help_fits_in_80_columns_and_lists_the_exit_codes(path):
    text = help_text(path)
    assert "Exit codes:" in text
    assert [line for line in text.splitlines() if len(line) > 80] == []
