"""`cli`: the xwebhook command run in-process (Click's CliRunner) against a StackTarget (targets.py)."""

import pytest
from click.testing import CliRunner

from tests.unit.cli.targets import StackTarget
from xwebhook.cli import app


@pytest.fixture
def cli(monkeypatch):
    """cli(*words, target=StackTarget()) -> (Click's Result, the target): stdout and stderr apart."""

    def run(*words, target=None):
        target = target or StackTarget()
        monkeypatch.setattr(app.Options, "target", lambda self: target)
        result = CliRunner().invoke(app.cli, list(words), catch_exceptions=False, prog_name="xwebhook")
        return result, target

    return run
