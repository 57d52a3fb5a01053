"""An account that connected to the app: its tokens, the event types it wants, what X has for it.

Desired state and observed state side by side: `event_types` / `aaa` say what the account should be
subscribed to; `xaa_subscriptions` / `aaa_subscribed` what X was last seen or made to have. ensure and
migrate move the second towards the first.

Tokens never leave through a repr, an error or `public()` (what `accounts`, `status` and pages show). Their
types (OAuth1Tokens, OAuth2Tokens) are x_api/tokens.py's: X issues them and x_api signs with them.
"""

from dataclasses import dataclass, field, replace

from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens

ACTIVE = "active"
NEEDS_RECONNECT = "needs_reconnect"  # a token stopped working (invalid_grant, 401): the owner must sign in again
REVOKED = "revoked"  # the owner revoked the app (X's oauth.revoke / user_event.revoke): tokens never used again
# the operator ran `disconnect` and X refused or could not do a step: what is left (tokens X did not revoke,
# subscriptions X did not delete) is kept for the next `disconnect`, and nothing uses or renews it meanwhile
DISCONNECTING = "disconnecting"
STATUSES = (ACTIVE, NEEDS_RECONNECT, REVOKED, DISCONNECTING)

OAUTH1 = "oauth1"
OAUTH2 = "oauth2"
FLOWS = (OAUTH2, OAUTH1)


@dataclass(frozen=True)
class Account:
    user_id: str
    screen_name: str | None = None
    status: str = ACTIVE
    reason: str = ""  # why the status is not active, in plain words (no token)
    oauth1: OAuth1Tokens | None = None
    oauth2: OAuth2Tokens | None = None
    event_types: tuple = ()  # XAA event types this account is to be subscribed to
    aaa: bool = False  # to be subscribed on the Account Activity API (until it ends on 2027-01-01)
    aaa_subscribed: bool = False
    xaa_subscriptions: dict = field(default_factory=dict)  # event type -> X's subscription id
    xaa_auth: dict = field(default_factory=dict)  # event type -> the credential X accepted (bearer|oauth2|oauth1)
    migration: dict = field(default_factory=dict)  # migrate's record for this account (JSON-serialisable)
    connected_at: str | None = None  # ISO 8601 UTC
    updated_at: str | None = None
    version: int = 0  # the store's optimistic-concurrency counter; 0 = not stored yet

    @property
    def flows(self):
        """The flows this account has tokens of, OAuth 2.0 first."""
        return tuple(flow for flow, tokens in ((OAUTH2, self.oauth2), (OAUTH1, self.oauth1)) if tokens is not None)

    @property
    def aaa_by_oauth2(self):
        """It is to be subscribed to the Account Activity API with its OAuth 2.0 token: it stays on AAA and has
        no OAuth 1.0a tokens to subscribe with (a revoked account's are gone). Its sign-in must then ask the
        scopes X's AAA subscribe requires (x_api/event_types.AAA_SUBSCRIBE_SCOPES)."""
        return self.aaa and (self.oauth1 is None or self.status == REVOKED)

    @property
    def usable(self):
        """Tokens may be used: only an active account's."""
        return self.status == ACTIVE

    def with_changes(self, **changes):
        return replace(self, **changes)

    def public(self):
        """What may be shown (results, pages, logs): everything but the tokens."""
        return {
            "user_id": self.user_id,
            "screen_name": self.screen_name,
            "status": self.status,
            "reason": self.reason,
            "flows": list(self.flows),
            "oauth2_expires_at": self.oauth2.expires_at if self.oauth2 else None,
            "oauth2_scopes": list(self.oauth2.scopes) if self.oauth2 else [],
            "event_types": list(self.event_types),
            "aaa": self.aaa,
            "aaa_subscribed": self.aaa_subscribed,
            "xaa_subscriptions": dict(self.xaa_subscriptions),
            "xaa_auth": dict(self.xaa_auth),
            "migration": dict(self.migration),
            "connected_at": self.connected_at,
            "updated_at": self.updated_at,
        }
