"""What can go wrong in an admin action, as exceptions that turn into a clear `error` in the result.

Every message is safe to return and log: no secret value, no request header, no token. Every failure an
action can meet derives from xwebhook.errors.ReportedError: these, X's (XError), the credentials'
(CredentialsError), the accounts table's (AccountsUnavailable), the admin state's and the failure
metric's (recovery); the dispatcher, ensure's parts, migrate and recovery catch that one name.
"""

from xwebhook.errors import ReportedError


class AdminError(ReportedError):
    """An action cannot be done. `str(exc)` is the `error` of the result."""


class BadInput(AdminError):
    """The invocation's fields are missing, malformed or out of range."""
