"""The upkeep runs on the connect tests' world (tests/unit/connect/conftest.py), with the admin function wired
to it (tests/unit/admin/actions/wired.py)."""

from tests.unit.admin.actions.wired import admin  # noqa: F401 - a fixture
from tests.unit.connect.conftest import clock_start, emulator, make_world, world  # noqa: F401 - fixtures
