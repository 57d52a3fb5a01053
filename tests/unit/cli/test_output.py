"""How a summary is printed: wrapped at the terminal's width under its value, never folding a URL, and
replaced by the document with --json."""

import io
import json

import click
from rich.console import Console

from xwebhook.cli.command_line import Options
from xwebhook.cli.output import say, show

URL = "https://abcdefghij.execute-api.eu-west-1.amazonaws.com/connect?invite=7GFBbnQO1kThLla9HzDvsA.nkODwMet7"


def shown(part, width=80):
    buffer = io.StringIO()
    show(Console(file=buffer, width=width, soft_wrap=True, highlight=False), part)
    return buffer.getvalue().splitlines()


def test_a_long_line_wraps_at_the_width_under_its_value():
    lines = shown("  move to XAA   " + "word " * 30)
    assert max(len(line) for line in lines) <= 80
    assert all(line.startswith(" " * 16) for line in lines[1:])


def test_a_bullet_wraps_under_its_text():
    lines = shown("  - " + "word " * 30)
    assert all(line.startswith("    word") for line in lines[1:])


def test_a_line_holding_a_url_longer_than_the_width_is_printed_whole():
    lines = shown(f"  {URL} and some words after it")
    assert lines == [f"  {URL} and some words after it"]


def test_an_indented_url_that_fits_once_unindented_loses_its_indentation():
    url = "http://127.0.0.1:3000/connect?invite=zOwAt-Qgh9bdFmjwJQackA.cqb_VuFrR7DGVWt2J-I"  # 79 characters
    assert shown(f"  {url}") == [url]


def test_an_arn_is_printed_as_it_is_never_as_an_emoji():
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-api-credentials-Ab12"
    assert shown(f"  {arn}") == [f"  {arn}"]


def test_markup_styles_the_text_and_is_not_printed():
    assert shown("[bold]Healthy.[/] next") == ["Healthy. next"]


def test_say_prints_the_summary_for_a_person_and_only_the_document_with_json():
    @click.command()
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def command(ctx, as_json):
        ctx.obj = Options(None, None, None, as_json)
        say(["a summary"], {"a": "document"})

    from click.testing import CliRunner

    assert CliRunner().invoke(command, []).output == "a summary\n"
    assert json.loads(CliRunner().invoke(command, ["--json"]).output) == {"a": "document"}
