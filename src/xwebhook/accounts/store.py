"""AccountStore: the port the connect and admin functions keep accounts through.

A plain class (no abc/typing: habit 6 of shared/style.md); adapters subclass it (dynamodb.py) and tests
use tests/fakes/stores.py's MemoryAccountStore. Every write is conditional, and a lost race is an exception the
caller handles, never a silent overwrite:
- `put` writes only if the stored version is still `account.version` (0 = there must be none yet);
- `replace_oauth2` writes a rotated token pair only if the stored refresh token is still the one that
  was spent. X's refresh tokens are single use: two concurrent refreshes both spend the same token, X
  answers only one of them with a working pair, and whichever stores second must not overwrite the
  newest token (StaleRefreshToken tells it to re-read instead);
- `claim_refresh` lets one refresher at a time spend a refresh token (⚠ reusing a spent one may
  invalidate the whole chain at X, so the loser of a race should not even try: it waits and re-reads);
- `put(account, use_invite=id)` stores a connected account and spends one use of its invite in one
  atomic write, so that an invite is never used up by an account that was not stored, nor the reverse.
Storage that cannot be reached raises AccountsUnavailable (never a silent miss).

`put_changed` is the one retry of a lost race that every writer of a stored account uses (ensure, disconnect,
connect's subscriptions, migrate): re-read, apply the same change to what is stored now, write again.
"""

from xwebhook.errors import ReportedError


class StaleAccount(Exception):
    """The stored account changed since it was read (its version moved on): re-read and retry."""


class StaleRefreshToken(Exception):
    """Another refresh stored a newer token pair first: re-read the account and use that one."""


class InviteUsedUp(Exception):
    """The invite has no use left (or expired, or was withdrawn) at the moment of the write."""


class AccountsUnavailable(ReportedError):
    """The accounts table could not be read or written. The message names the operation, never a value;
    `code` is DynamoDB's error code when it answered one."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code

    def details(self):
        """For an admin result: DynamoDB's error code, when it answered one."""
        return {"dynamodb_error": self.code} if self.code else {}


class AccountStore:
    def get(self, user_id):
        """The Account for `user_id`, or None."""
        raise NotImplementedError

    def all(self):
        """Every stored Account, in user id order."""
        raise NotImplementedError

    def get_many(self, user_ids):
        """The stored Accounts of `user_ids` (those there are), in user id order: what a migrate wave reads
        rather than every account. Adapters read them in batches."""
        found = (self.get(user_id) for user_id in dict.fromkeys(user_ids))
        return sorted((account for account in found if account is not None), key=lambda account: account.user_id)

    def put(self, account, use_invite=None):
        """Store `account` if the stored version is `account.version`; returns it with the new version.
        Raises StaleAccount otherwise. With `use_invite` (an invite id), one use of that invite is spent
        in the same atomic write; InviteUsedUp (and nothing written) when it has none left."""
        raise NotImplementedError

    def claim_refresh(self, user_id, refresh_token, now, seconds):
        """Claim the right to spend `refresh_token` for `seconds`: True if this caller has it (the token is
        still the stored one and no unexpired claim is held), False otherwise. replace_oauth2 ends it."""
        raise NotImplementedError

    def replace_oauth2(self, user_id, spent_refresh_token, tokens):
        """Store OAuth2Tokens `tokens` if the stored refresh token is still `spent_refresh_token`; returns
        the updated Account. Raises StaleRefreshToken otherwise."""
        raise NotImplementedError

    def delete(self, user_id):
        """Remove the account (no error when it is not there)."""
        raise NotImplementedError


class ListedOnce:
    """`store` whose `all()` is read once: for one read-only action (status), whose parts (AAA's retired
    accounts, the accounts section, the move to XAA) each list every account; at 8,500 accounts a scan is
    seconds. Every other call goes to `store`. Never for an action that writes: it would read its own
    writes stale."""

    def __init__(self, store):
        self._store = store
        self._all = None

    def all(self):
        if self._all is None:
            self._all = self._store.all()
        return list(self._all)

    def __getattr__(self, name):
        return getattr(self._store, name)


STORE_ATTEMPTS = 3  # a concurrent write (ensure refreshing a token, connect, a migrate run) moves the version on


def put_changed(store, account, change, attempts=STORE_ATTEMPTS):
    """Store `change(account)` with the store's conditional write; on a lost race (StaleAccount) re-read and
    apply `change` to what is stored now, so that a concurrent change is never overwritten. Returns the
    stored account, or None when it was deleted meanwhile (disconnect: it stays deleted). AccountsUnavailable
    when it kept changing for `attempts` writes."""
    current = account
    for _ in range(attempts):
        try:
            return store.put(change(current))
        except StaleAccount:
            current = store.get(account.user_id)
            if current is None:
                return None
    raise AccountsUnavailable(f"account {account.user_id} kept changing while it was stored; try again")
