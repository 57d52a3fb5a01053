"""OAuth 2.0 access tokens kept fresh, with X's rotating, single-use refresh tokens.

X's access tokens live 2 h; each refresh answers a new access token *and* a new refresh token, and
the spent one is dead. So a refresh must never be lost and never run twice on the same token:

1. claim the refresh token in the store (AccountStore.claim_refresh): only one refresher at a time may
   spend it. A refresher that finds it claimed waits for the other's result and re-reads instead of
   spending the token too (⚠ some report that reusing a spent refresh token invalidates the whole chain);
2. spend it at X (one attempt, never retried);
3. store the new pair with the store's conditional write *before* the new access token is used
   (replace_oauth2: only over the pair whose refresh token was spent). If that write loses a race, the
   stored pair is the newest: re-read and use it.

`invalid_grant` from X means the token is dead (expired, spent, or the owner revoked the app), unless the
store shows another refresher already replaced it: then that newer pair is used. Otherwise the caller
(ensure) marks the account needs_reconnect.
"""

import time
from dataclasses import dataclass

from xwebhook.accounts.store import StaleRefreshToken
from xwebhook.x_api.oauth2 import InvalidGrant

CLAIM_SECONDS = 60.0  # longer than one token call can take (XClient's timeout) with room to store
WAIT_SECONDS = 15.0  # how long a refresher waits for another one's result
POLL_SECONDS = 0.25


class RefreshBusy(Exception):
    """Another refresher holds the claim and has not stored a result yet; try again later."""


class AccountGone(Exception):
    """The account was disconnected (or lost its OAuth 2.0 tokens) while being refreshed."""


@dataclass(frozen=True)
class Refreshed:
    account: object  # the Account with its newest tokens
    how: str  # "refreshed" (by this call) or "refreshed_elsewhere" (another refresher's pair)


class TokenRefresher:
    def __init__(self, store, oauth2, clock=time.time, sleep=time.sleep, wait_seconds=WAIT_SECONDS):
        self._store = store
        self._oauth2 = oauth2
        self._clock = clock
        self._sleep = sleep
        self._wait = wait_seconds

    def due(self, account, within_seconds):
        """True when `account`'s access token expires within `within_seconds` (and it can be refreshed)."""
        tokens = account.oauth2
        return account.usable and tokens is not None and tokens.expires_within(within_seconds, self._clock())

    def fresh(self, account, within_seconds=300.0):
        """`account` with an access token valid for at least `within_seconds` (refreshed when needed)."""
        if not self.due(account, within_seconds):
            return account
        return self.refresh(account).account

    def refresh(self, account):
        """Refreshed for `account`; raises InvalidGrant (dead token), RefreshBusy, AccountGone, XError."""
        spent = account.oauth2.refresh_token if account.oauth2 else None
        if not spent:
            raise InvalidGrant("OAuth 2.0 token refresh", 400, "the account has no refresh token (no offline.access)")
        if not self._store.claim_refresh(account.user_id, spent, self._clock(), CLAIM_SECONDS):
            return Refreshed(self._await_other(account.user_id, spent), "refreshed_elsewhere")
        try:
            tokens = self._oauth2.refresh(account.oauth2)
        except InvalidGrant:
            newer = self._newer(account.user_id, spent)
            if newer is not None:  # someone stored a newer pair after all (a claim that had expired)
                return Refreshed(newer, "refreshed_elsewhere")
            raise
        try:
            return Refreshed(self._store.replace_oauth2(account.user_id, spent, tokens), "refreshed")
        except StaleRefreshToken:
            newer = self._newer(account.user_id, spent)
            if newer is None:
                raise AccountGone(f"account {account.user_id} was disconnected during the refresh") from None
            return Refreshed(newer, "refreshed_elsewhere")

    def _newer(self, user_id, spent):
        current = self._store.get(user_id)
        if current is not None and current.oauth2 is not None and current.oauth2.refresh_token != spent:
            return current
        return None

    def _await_other(self, user_id, spent):
        for attempt in range(int(self._wait / POLL_SECONDS) + 1):
            if attempt:
                self._sleep(POLL_SECONDS)
            current = self._store.get(user_id)
            if current is None or current.oauth2 is None:
                raise AccountGone(f"account {user_id} was disconnected during the refresh")
            if current.oauth2.refresh_token != spent:
                return current
        raise RefreshBusy(f"another refresh of account {user_id}'s token has not finished; try again later")
