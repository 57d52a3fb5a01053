"""What can go wrong in an admin action, as exceptions that turn into a clear `error` in the result.

Every message is safe to return and log: no secret value, no request header, no token.
"""

from xwebhook.accounts.store import AccountsUnavailable
from xwebhook.credentials.x_credentials import CredentialsError
from xwebhook.x_api.errors import XError


class AdminError(Exception):
    """An action cannot be done. `str(exc)` is the `error` of the result."""

    def details(self):
        """Extra result fields that help the operator (JSON-serialisable)."""
        return {}


class BadInput(AdminError):
    """The invocation's fields are missing, malformed or out of range."""


# Every failure an action can meet (its own, X's, the credentials', the accounts table's), each with a safe
# message and details() for the result.
FAILURES = (AdminError, XError, CredentialsError, AccountsUnavailable)
