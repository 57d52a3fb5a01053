"""OAuth 2.0 user access tokens the emulator accepts (Authorization: Bearer <token>, as X takes them).

Shared by whoever issues them: a test registers one directly (`XEmulator.add_oauth2_token`), and the
emulator's OAuth 2.0 token endpoint (connect's) registers what it issues through the same call, so a
token from a sign-in works on every route that takes OAuth 2.0 User Context.
"""

import hmac
import threading


class OAuth2Token:
    __slots__ = ("access_token", "user_id", "scopes", "expires_at")

    def __init__(self, access_token, user_id, scopes, expires_at):
        self.access_token = access_token
        self.user_id = str(user_id)
        self.scopes = frozenset(scopes)
        self.expires_at = expires_at  # epoch seconds on the emulator's clock, or None: never


class OAuth2TokenRegistry:
    def __init__(self):
        self._tokens = {}
        self._lock = threading.Lock()

    def add(self, access_token, user_id, scopes=(), expires_at=None):
        with self._lock:
            self._tokens[access_token] = OAuth2Token(access_token, user_id, scopes, expires_at)
            return self._tokens[access_token]

    def revoke(self, access_token):
        with self._lock:
            return self._tokens.pop(access_token, None) is not None

    def revoke_user(self, user_id):
        with self._lock:
            for token in [t for t, entry in self._tokens.items() if entry.user_id == str(user_id)]:
                del self._tokens[token]

    def find(self, access_token):
        """The OAuth2Token for a presented token (compared in constant time), or None."""
        with self._lock:
            entries = list(self._tokens.values())
        for entry in entries:
            if hmac.compare_digest(entry.access_token.encode(), access_token.encode()):
                return entry
        return None

    def clear(self):
        with self._lock:
            self._tokens.clear()

    def snapshot(self):
        """What a state dump may show: users, scopes and expiry, never the tokens."""
        with self._lock:
            return [
                {"user_id": e.user_id, "scopes": sorted(e.scopes), "expires_at": e.expires_at}
                for e in self._tokens.values()
            ]
