"""Settings of the XAA desired state and of the migration, read once with the admin function's settings.

Every ⚠ reading of X's documentation that changes what is sent to X is one of these, so an operator
who learns what X really does changes a variable, not the code (docs/settings.md).
"""

import os
from dataclasses import dataclass, field
from datetime import date

from xwebhook.accounts.apis import AAA_ENDS
from xwebhook.env import ConfigError, choice, number
from xwebhook.x_api import event_types
from xwebhook.x_api.xaa import APP, CREDENTIAL_KINDS, MAX_RESULTS, OAUTH1, OAUTH2

OWNERSHIP = ("either", "tag", "webhook", "both")  # which XAA subscriptions ensure may change or delete
DIRECTIONS = ("omit", "each")  # like.create: one subscription without direction, or one per direction
BY_USER_INDEX = "by_user"  # the dedup table's GSI (infra/template.yaml): for_user_id + received_at
TAG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
MAX_TAG_PREFIX = 150  # X takes tags of 1-200 characters; the tag is "<prefix>:<user id>"


def _kinds(env, name, default):
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    kinds = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not kinds or any(kind not in CREDENTIAL_KINDS for kind in kinds) or len(set(kinds)) != len(kinds):
        raise ConfigError(f"{name} must list credentials from {', '.join(CREDENTIAL_KINDS)} once each, got {raw!r}")
    return kinds


def _event_types(env, name):
    raw = env.get(name, "").strip()
    if not raw or raw.lower() == "parity":
        return event_types.AAA_PARITY
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    problems = [why for why in map(event_types.not_for_accounts, names) if why]
    if problems or not names:
        raise ConfigError(f"{name}: {'; '.join(problems) or 'no event type in ' + repr(raw)}")
    return tuple(dict.fromkeys(event_types.canonical(item) for item in names))


def _floor(env, name):
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    unknown = [item for item in names if not event_types.is_known(item)]
    if unknown:
        raise ConfigError(f"{name} names event types X does not document: {', '.join(unknown)}")
    return names


def _tag_prefix(env, name, default):
    value = env.get(name, "").strip() or default
    if len(value) > MAX_TAG_PREFIX or not set(value) <= TAG_CHARACTERS:
        raise ConfigError(f"{name} must be 1-{MAX_TAG_PREFIX} characters of A-Z a-z 0-9 - _ ., got {value!r}")
    return value


@dataclass(frozen=True)
class XaaSettings:
    # The event-type set an account gets when nothing else says: AAA's deliveries as XAA types.
    default_event_types: tuple = event_types.AAA_PARITY
    # X's cap on the app's XAA subscriptions (1,500 self-serve; 75,000 Enterprise; 150,000 Partner).
    subscription_cap: int = 1500
    # Our subscriptions carry the tag "<tag_prefix>:<user id>" (the template sets the stack name).
    tag_prefix: str = "xwebhook"
    # Which subscriptions are ours to change or delete: our tag (default: we or connect made it), our
    # webhook_id (any subscription delivering to us, hand-made ones too), either, or both. A duplicate on
    # our webhook is adopted (and tagged) whichever this is.
    ownership: str = "tag"
    # The credentials tried, in order, to create a subscription of a public / private event type.
    public_auth: tuple = (APP, OAUTH2, OAUTH1)
    private_auth: tuple = (OAUTH2, OAUTH1)
    directions: str = "omit"
    page_size: int = MAX_RESULTS
    # migrate: hours after apply when an account with no XAA event seen may be cut over anyway (a quiet
    # account), and the window of the event counts the cost estimate is made from.
    grace_hours: int = 48
    count_hours: int = 24
    dedup_table: str = ""  # the dedup table (its by_user index): "" = event counts unknown
    dedup_ttl_hours: int = 30  # how far back the dedup table remembers: the count window's limit
    by_user_index: str = BY_USER_INDEX
    aaa_ends: date = field(default=AAA_ENDS)
    # migrate fit: the types every account keeps whatever it produced in the count window (a quiet account
    # gets only these; empty: a quiet account gets no set, and apply refuses it until it is given one).
    fit_floor: tuple = ()
    # migrate apply: one account's creates sent to X at once (X counts calls per 15 minutes, not their pace)
    create_concurrency: int = 4

    @classmethod
    def from_env(cls, env=os.environ):
        return cls(
            default_event_types=_event_types(env, "XAA_DEFAULT_EVENT_TYPES"),
            subscription_cap=number(env, "XAA_SUBSCRIPTION_CAP", 1500, 1, 1_000_000),
            tag_prefix=_tag_prefix(env, "XAA_TAG_PREFIX", "xwebhook"),
            ownership=choice(env, "XAA_OWNERSHIP", OWNERSHIP, "tag"),
            public_auth=_kinds(env, "XAA_PUBLIC_AUTH", (APP, OAUTH2, OAUTH1)),
            private_auth=_kinds(env, "XAA_PRIVATE_AUTH", (OAUTH2, OAUTH1)),
            directions=choice(env, "XAA_DIRECTIONS", DIRECTIONS, "omit"),
            page_size=number(env, "XAA_PAGE_SIZE", MAX_RESULTS, 1, MAX_RESULTS),
            grace_hours=number(env, "MIGRATE_GRACE_HOURS", 48, 0, 24 * 30),
            count_hours=number(env, "MIGRATE_COUNT_HOURS", 24, 1, 24 * 14),
            dedup_table=env.get("DEDUP_TABLE", "").strip(),
            dedup_ttl_hours=number(env, "DEDUP_TTL_HOURS", 30, 25, 24 * 14),
            fit_floor=_floor(env, "MIGRATE_FIT_FLOOR"),
            create_concurrency=number(env, "MIGRATE_CREATE_CONCURRENCY", 4, 1, 16),
        )

    @property
    def count_window_hours(self):
        """The count window actually usable: the dedup table forgets events after its TTL."""
        return min(self.count_hours, self.dedup_ttl_hours)

    def auth_order(self, event_type):
        known = event_types.xaa_type(event_type)
        return self.private_auth if known is None or known.privacy == event_types.PRIVATE else self.public_auth

    def tag_for(self, user_id):
        return f"{self.tag_prefix}:{user_id}"
