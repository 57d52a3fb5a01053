"""The stores' ports in memory: the accounts store, invites, sign-ins in progress, revoke signals, the events
seen per account, the admin state and the failure metric; and AdminServices made of them."""

import threading
from dataclasses import replace

from xwebhook.accounts.invites import InviteStore
from xwebhook.accounts.revokes import RevokeSignals
from xwebhook.accounts.store import AccountStore, InviteUsedUp, StaleAccount, StaleRefreshToken
from xwebhook.connect.state import SignInStore
from xwebhook.migrate.seen import Counts


class MemoryInviteStore(InviteStore):
    def __init__(self, invites=()):
        self.invites = {invite.invite_id: invite for invite in invites}

    def get(self, invite_id):
        return self.invites.get(invite_id)

    def put(self, invite):
        self.invites[invite.invite_id] = invite

    def delete(self, invite_id):
        self.invites.pop(invite_id, None)


class MemoryAccountStore(AccountStore):
    """The AccountStore port in memory, with the same conditional-write rules as the DynamoDB adapter.
    `invites` (a MemoryInviteStore) is where put(use_invite=...) spends uses; `clock` decides expiry."""

    def __init__(self, accounts=(), invites=None, clock=lambda: 0.0):
        self.accounts = {}
        self.claims = {}  # user id -> claim expiry
        self.invites = invites if invites is not None else MemoryInviteStore()
        self.clock = clock
        self._lock = threading.Lock()  # the table's item-level atomicity, for the concurrency tests
        for account in accounts:
            self.put(account)

    def get(self, user_id):
        return self.accounts.get(user_id)

    def all(self):
        return [self.accounts[user_id] for user_id in sorted(self.accounts)]

    def put(self, account, use_invite=None):
        with self._lock:
            stored = self.accounts.get(account.user_id)
            if (stored.version if stored else 0) != account.version:
                raise StaleAccount(f"account {account.user_id} changed since it was read")
            if use_invite is not None:
                invite = self.invites.get(use_invite)
                if invite is None or invite.used >= invite.uses or invite.expires_at <= self.clock():
                    raise InviteUsedUp(f"invite {use_invite} has no use left")
                self.invites.put(replace(invite, used=invite.used + 1))
            saved = account.with_changes(version=account.version + 1)
            self.accounts[account.user_id] = saved
            self.claims.pop(account.user_id, None)
            return saved

    def claim_refresh(self, user_id, refresh_token, now, seconds):
        with self._lock:
            stored = self.accounts.get(user_id)
            if stored is None or stored.oauth2 is None or stored.oauth2.refresh_token != refresh_token:
                return False
            if self.claims.get(user_id, float("-inf")) >= now:
                return False
            self.claims[user_id] = now + seconds
            return True

    def replace_oauth2(self, user_id, spent_refresh_token, tokens):
        with self._lock:
            stored = self.accounts.get(user_id)
            if stored is None or stored.oauth2 is None or stored.oauth2.refresh_token != spent_refresh_token:
                raise StaleRefreshToken(f"account {user_id} has a newer refresh token")
            saved = stored.with_changes(oauth2=tokens, version=stored.version + 1)
            self.accounts[user_id] = saved
            self.claims.pop(user_id, None)
            return saved

    def delete(self, user_id):
        with self._lock:
            self.accounts.pop(user_id, None)
            self.claims.pop(user_id, None)


class FakeSeen:
    """The SeenEvents port: `counts[user_id]` -> {(source, event_type): n}, or None for "unknown"."""

    def __init__(self, counts=None, unknown_reason=None):
        self.by_user = dict(counts or {})
        self.unknown_reason = unknown_reason
        self.asked = []

    def counts(self, user_id, since_epoch):
        self.asked.append((user_id, since_epoch))
        if self.unknown_reason is not None:
            return None
        return Counts(dict(self.by_user.get(user_id, {})), since_epoch)


class MemorySignInStore(SignInStore):
    def __init__(self):
        self.pending = {}

    def put(self, pending):
        self.pending[pending.key] = pending

    def take(self, key):
        return self.pending.pop(key, None)


class MemoryRevokeSignals(RevokeSignals):
    """Revokes as ingest would have recorded them: {user id: received_at}."""

    source = "memory"

    def __init__(self, revokes=None):
        self.revokes = dict(revokes or {})

    def revokes_since(self, since):
        return {user_id: when for user_id, when in self.revokes.items() if when >= since}


class MemoryStateStore:
    """The admin state port (xwebhook.recovery.state) in memory: the document goes through the same JSON
    encoding and size limit as the SSM adapter. `down` makes every call fail as SSM would."""

    def __init__(self, document=None, limit=None):
        from xwebhook.recovery import state

        self._state = state
        self.limit = limit or state.MAX_CHARS
        self.text = state.encode(dict(document), self.limit) if document else None
        self.down = False
        self.loads = 0
        self.saves = 0

    def load(self):
        self.loads += 1
        if self.down:
            raise self._state.StateUnavailable("the admin state (memory) could not be read: ServiceUnavailable")
        return self._state.decode(self.text) if self.text else self._state.empty()

    def save(self, document):
        if self.down:
            raise self._state.StateUnavailable("the admin state (memory) could not be written: ServiceUnavailable")
        self.saves += 1
        self.text = self._state.encode(document, self.limit)

    @property
    def document(self):
        return self.load()


class FakeDeliveryFailures:
    """The failure-metric port (xwebhook.recovery.delivery_failures): minutes in which ingest answered 5xx."""

    def __init__(self, minutes=(), error=None):
        self.minutes = sorted(minutes)
        self.error = error
        self.asked = []

    def failed_minutes(self, start, end):
        self.asked.append((start, end))
        if self.error is not None:
            raise self.error
        return [minute for minute in self.minutes if start <= minute < end]


def admin_services(stored=(), **fields):
    """AdminServices (xwebhook/admin/services.py) as build_admin makes them for a stack with an accounts
    store, with in-memory stand-ins: a MemoryAccountStore holding `stored`, the admin state in memory, no
    events seen (FakeSeen), and migrate's aaa_retired. `fields` replace any of them by name (state=None: no
    memory; accounts=None: no store; connected=AccountServices(...): the accounts table's services)."""
    from xwebhook.admin.actions.migrate import aaa_retired
    from xwebhook.admin.services import AdminServices
    from xwebhook.recovery.state import MemoryState

    made = {
        "accounts": MemoryAccountStore(stored),
        "state": MemoryState(),
        "seen": FakeSeen(),
        "aaa_retired": aaa_retired,
    }
    return AdminServices(**{**made, **fields})
