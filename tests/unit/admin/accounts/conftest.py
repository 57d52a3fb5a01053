"""The accounts actions run on the connect tests' world: X's emulator with its OAuth side, the in-memory
stores, and accounts connected through the real sign-in (tests/unit/connect/conftest.py); `admin` is the admin
function wired to it (wired.py)."""

from tests.unit.admin.accounts.wired import admin  # noqa: F401 - a fixture
from tests.unit.connect.conftest import clock, emulator, make_world, world  # noqa: F401 - fixtures
