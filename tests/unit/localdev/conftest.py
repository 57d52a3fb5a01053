"""`make admin` (test_admin.py) invokes the admin function against the admin tests' X emulator, receiver and
secrets extension (tests/unit/admin/conftest.py)."""

from tests.unit.admin.conftest import emulator, extension_secrets, receiver  # noqa: F401 - fixtures, by name
