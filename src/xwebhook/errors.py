"""ReportedError: the base of every failure the admin function reports in a result, whichever layer raises it.

X's refusals (x_api.errors.XError), the credentials secret's (credentials.x_credentials.CredentialsError),
the accounts table's (accounts.store.AccountsUnavailable), the admin state's and the failure metric's
(recovery), and the admin actions' own (admin.errors.AdminError) all derive from it, so that the admin
function, migrate and recovery catch "every failure an action can meet" with one name from below them
instead of a table kept in the admin package (which migrate and recovery may not import).

`str(exc)` is safe to return and log: no secret value, no request header, no token. `details()` adds
result fields that help the operator (JSON-serialisable). No imports: x_api and credentials load this.
"""


class ReportedError(Exception):
    """A failure with a safe message (`str(exc)`) and `details()` for a result."""

    def details(self):
        """Extra result fields that help the operator (JSON-serialisable)."""
        return {}
