"""The recovery's tests run the admin function against X's emulator: the admin tests' emulator and receiver."""

from tests.unit.admin.conftest import emulator, receiver  # noqa: F401 - fixtures, by name
