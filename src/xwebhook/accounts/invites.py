"""Invitations to connect an X account: signed, expiring, counted.

Subscriptions cost the app's owner money and capacity, so /connect is closed by default: the admin
action `invite` makes an invite and answers its URL, `<connect url>?invite=<id>.<signature>`.

- `id`: 16 random bytes, base64url. `signature`: HMAC-SHA256 of the id with the invite key (derived
  from the connect signing secret in Secrets Manager, never from the environment), first 16 bytes,
  base64url. A forged or mistyped token is refused by the signature alone, before any table read.
- What the invite allows lives in the accounts table under `invite#<id>` (InviteStore): when it
  expires, how many accounts may connect with it (`uses`, `used`), which sign-in flows and event types
  it offers, and optionally the one X account it is for (the reconnect invites ensure makes).
  An invite's use is spent only when an account is stored with it (AccountStore.put(use_invite=...)),
  so an owner who presses Cancel on X's page has not used it up.

Reasons a browser can be refused (connect/failures.py gives each its status and words): invite_missing,
invite_invalid, invite_expired, invite_used_up, invite_for_another_account, flow_not_offered.
"""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from xwebhook.accounts.models import FLOWS, OAUTH2
from xwebhook.x_api.event_types import AAA_PARITY

ID_BYTES = 16
SIGNATURE_BYTES = 16
MAX_SECONDS = 30 * 24 * 3600  # an invite lives 30 days at most
RECONNECT_SECONDS = 7 * 24 * 3600
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class InviteRefused(Exception):
    """An invite cannot be used. `reason` is one of the names above; the message is safe to show."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Invite:
    invite_id: str
    expires_at: float  # epoch seconds
    uses: int = 1  # how many accounts may connect with it
    used: int = 0
    flows: tuple = (OAUTH2,)  # the sign-in flows it offers; the first is the default
    event_types: tuple = AAA_PARITY  # what the accounts connecting with it are subscribed to
    user_id: str | None = None  # only this X account may use it
    created_at: float = 0.0
    note: str = field(default="")

    @property
    def uses_left(self):
        return max(0, self.uses - self.used)

    def public(self):
        return {
            "invite_id": self.invite_id,
            "expires_at": self.expires_at,
            "uses": self.uses,
            "used": self.used,
            "flows": list(self.flows),
            "event_types": list(self.event_types),
            "user_id": self.user_id,
            "note": self.note,
        }


class InviteStore:
    """The port invites are kept through (accounts/dynamodb.py DynamoInviteStore; tests/fakes/stores.py)."""

    def get(self, invite_id):
        """The Invite, or None."""
        raise NotImplementedError

    def put(self, invite):
        """Store `invite` (a new id, or a reconnect invite renewed under its fixed id)."""
        raise NotImplementedError

    def delete(self, invite_id):
        raise NotImplementedError


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(key, invite_id):
    return _b64(hmac.new(key, b"invite:" + invite_id.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES])


def new_invite_id():
    return _b64(secrets.token_bytes(ID_BYTES))


def reconnect_invite_id(user_id):
    """The fixed id of the invite ensure keeps for an account that must sign in again."""
    return f"reconnect-{user_id}"


def bound_invite(store, user_id, now, flows, event_types, seconds=RECONNECT_SECONDS, renew_within=0.0):
    """(the invite for `user_id` alone to sign in again, whether it was made now). The one the account has
    is reused while it is unexpired, unused, offers the first of `flows` and every one of `event_types`,
    with more than `renew_within` seconds left; otherwise a fresh one is put under the same fixed id, so
    the URL already sent to the owner keeps working. Reads never call this: it writes."""
    invite_id = reconnect_invite_id(user_id)
    current = store.get(invite_id)
    if (
        current is not None
        and current.user_id == user_id
        and current.uses_left > 0
        and current.expires_at - now > renew_within
        and flows[0] in current.flows
        and set(event_types) <= set(current.event_types)
    ):
        return current, False
    made = Invite(invite_id, now + seconds, 1, 0, tuple(flows), tuple(event_types), user_id, now, "reconnect")
    store.put(made)
    return made, True


def usable_bound_invite(store, user_id, now):
    """The account's reconnect invite when it can still be used (read only), else None."""
    current = store.get(reconnect_invite_id(user_id))
    if current is None or current.user_id != user_id or current.expires_at <= now or not current.uses_left:
        return None
    return current


def token_for(key, invite_id):
    return f"{invite_id}.{_signature(key, invite_id)}"


def invite_id_from(key, token):
    """The invite id of a token whose signature is right; InviteRefused otherwise."""
    if not token:
        raise InviteRefused("invite_missing", "no invite")
    found = _TOKEN.match(token.strip())
    if not found or not hmac.compare_digest(found.group(2), _signature(key, found.group(1))):
        raise InviteRefused("invite_invalid", "the invite is not one of ours (a wrong or mistyped link)")
    return found.group(1)


def check(invite, now, flow=None, user_id=None):
    """Raise InviteRefused when `invite` (or None: not found) cannot be used now, for `flow`, by `user_id`."""
    if invite is None:
        raise InviteRefused("invite_invalid", "the invite was withdrawn or never existed")
    if invite.expires_at <= now:
        raise InviteRefused("invite_expired", "the invite has expired")
    if invite.uses_left <= 0:
        raise InviteRefused("invite_used_up", "the invite has been used as many times as it allows")
    if flow is not None and flow not in invite.flows:
        raise InviteRefused("flow_not_offered", f"the invite does not offer the {flow} sign-in")
    if user_id is not None and invite.user_id is not None and invite.user_id != user_id:
        raise InviteRefused("invite_for_another_account", "the invite is for another X account")


def parse_duration(text):
    """ "90m", "24h", "7d", "3600s" -> seconds, within (0, 30 days]; ValueError otherwise."""
    found = _DURATION.match(str(text))
    if not found:
        raise ValueError("must be a number and a unit: s, m, h or d (e.g. 24h, 7d)")
    seconds = int(found.group(1)) * _UNITS[found.group(2)]
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError("must be more than 0 and at most 30d")
    return seconds


def checked_flows(flows):
    flows = tuple(dict.fromkeys(flows))
    unknown = [flow for flow in flows if flow not in FLOWS]
    if unknown or not flows:
        raise ValueError(f"flows must be some of {', '.join(FLOWS)}")
    return flows


def url_for(connect_url, key, invite_id):
    return f"{connect_url}?invite={token_for(key, invite_id)}"
