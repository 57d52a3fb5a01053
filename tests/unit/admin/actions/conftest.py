"""The tests of the admin actions that need connected accounts (the accounts actions of admin/actions/accounts.py,
and the API each account's record puts it on) run on the connect tests' world: X's emulator with its OAuth
side, the in-memory stores, and accounts connected through the real sign-in (tests/unit/connect/conftest.py);
`admin` is the admin function wired to it (wired.py). Every action in each API flavour: ../test_actions.py."""

from tests.unit.admin.actions.wired import admin  # noqa: F401 - a fixture
from tests.unit.connect.conftest import clock_start, emulator, make_world, world  # noqa: F401 - fixtures
