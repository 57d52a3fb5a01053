"""docs/threat-model.md names the test behind each mitigation: each named test and corpus case must exist."""

import fnmatch
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "docs" / "threat-model.md"


def test_every_test_the_threat_model_names_exists():
    text = MODEL.read_text()
    named = 0
    for line in text.splitlines():
        last_file = None
        for match in re.finditer(r"`(tests/[\w/]+\.py)::(test_\w+)[^`]*`|`::(test_\w+)`", line):
            path, name, short = match.groups()
            if path:
                last_file = path
            else:
                assert last_file, f"`::{short}` follows no file on its line: {line[:80]}"
                name = short
            source = (REPO / last_file).read_text()
            assert re.search(rf"^def {name}\(", source, re.M), f"{last_file}::{name} does not exist"
            named += 1
    assert named >= 40


def test_every_corpus_case_the_threat_model_names_exists():
    cases = set()
    for path in (REPO / "tests" / "corpus").glob("*.json"):
        cases |= {case["name"] for case in json.loads(path.read_text())["cases"]}
    named = []
    for line in MODEL.read_text().splitlines():
        if "corpus `" in line:
            named += [token for token in re.findall(r"`([^`]+)`", line) if re.fullmatch(r"[a-z0-9*-]+", token)]
    assert len(named) >= 20
    for name in named:
        assert fnmatch.filter(cases, name), f"no corpus case matches {name!r}"


def test_the_threat_model_keeps_a_place_for_the_connect_routes():
    assert "## Connect routes" in MODEL.read_text()
