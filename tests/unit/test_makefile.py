"""The Makefile as a newcomer meets it: `make` alone and `make help` list the targets; installs say what
they do while they run."""

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def make(*arguments):
    return subprocess.run(
        ["make", "--no-print-directory", *arguments], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def phony_targets():
    text = (REPO / "Makefile").read_text()
    return re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split()


@pytest.mark.parametrize("arguments", [[], ["help"]])
def test_make_alone_and_make_help_list_every_target_with_what_it_does(arguments):
    result = make(*arguments)
    assert result.returncode == 0, result.stderr
    listed = dict(re.findall(r"^  make (\S+)\s+(.+)$", result.stdout, re.M))
    assert set(phony_targets()) <= set(listed), set(phony_targets()) - set(listed)
    assert all(text.strip() for text in listed.values())
    assert "$$" not in result.stdout  # make's escapes do not leak into the text


def test_the_install_announces_itself_and_shows_pip_progress():
    # -n: print what `make venv` would run were pyproject.toml newer than the stamp, run nothing.
    result = make("-n", "-W", "pyproject.toml", "venv")
    assert result.returncode == 0, result.stderr
    assert "installing the pinned dependencies" in result.stdout
    install = next(line for line in result.stdout.splitlines() if "pip install" in line)
    assert "--quiet" not in install
    assert "--progress-bar on" in install
