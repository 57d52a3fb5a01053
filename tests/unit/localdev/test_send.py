"""`make send` (localdev/send.py), the parts that need no running stack (what it sends:
tests/unit/send/test_deliveries.py)."""

import io

from localdev import send as send_cli
from tests.conftest import all_sample_names
from xwebhook.send.deliveries import known_kinds


def test_list_prints_every_sample_and_xaa_type():
    out = io.StringIO()
    assert send_cli.main(["--list"], out) == 0
    assert out.getvalue().split() == known_kinds()
    assert set(all_sample_names()) <= set(known_kinds())


def test_without_a_stack_or_url_send_says_how_to_start_one(tmp_path, capsys):
    assert send_cli.main(["--state-file", str(tmp_path / "none.json")]) == 2
    assert "make run" in capsys.readouterr().err
