"""AccountStore: the port the connect and admin functions keep accounts through.

A plain class (no abc/typing: habit 6 of shared/style.md); adapters subclass it (dynamodb.py) and tests
use tests/fakes.py's MemoryAccountStore. Every write is conditional, and a lost race is an exception the
caller handles, never a silent overwrite:
- `put` writes only if the stored version is still `account.version` (0 = there must be none yet);
- `replace_oauth2` writes a rotated token pair only if the stored refresh token is still the one that
  was spent. X's refresh tokens are single use: two concurrent refreshes both spend the same token, X
  answers only one of them with a working pair, and whichever stores second must not overwrite the
  newest token (StaleRefreshToken tells it to re-read instead).
"""


class StaleAccount(Exception):
    """The stored account changed since it was read (its version moved on): re-read and retry."""


class StaleRefreshToken(Exception):
    """Another refresh stored a newer token pair first: re-read the account and use that one."""


class AccountStore:
    def get(self, user_id):
        """The Account for `user_id`, or None."""
        raise NotImplementedError

    def all(self):
        """Every stored Account, in user id order."""
        raise NotImplementedError

    def put(self, account):
        """Store `account` if the stored version is `account.version`; returns it with the new version.
        Raises StaleAccount otherwise."""
        raise NotImplementedError

    def replace_oauth2(self, user_id, spent_refresh_token, tokens):
        """Store OAuth2Tokens `tokens` if the stored refresh token is still `spent_refresh_token`; returns
        the updated Account. Raises StaleRefreshToken otherwise."""
        raise NotImplementedError

    def delete(self, user_id):
        """Remove the account (no error when it is not there)."""
        raise NotImplementedError
