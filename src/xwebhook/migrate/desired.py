"""XAA subscriptions as desired state: what each account should have, what X has, and the steps between.

Pure (no I/O), so ensure, `migrate plan` and `status` all say the same thing and tests cover every state.

Desired: an account on XAA (accounts/apis.py: applied, cut over, or connected for XAA from the start)
wants one subscription per event type of its set (Account.event_types), with the filter
`{"user_id": <account>}` (like.create once per direction with XAA_DIRECTIONS=each), our webhook_id and
the tag "<XAA_TAG_PREFIX>:<user id>". An account on AAA only (not applied, or rolled back) wants none,
but keeps what a past apply found at X and adopted. An account that needs reconnecting keeps what it has
(X still delivers it) but gets nothing new; a revoked account, or a user no account stands for, wants
nothing.

Observed: X's list. A subscription is *ours* by XAA_OWNERSHIP (our webhook_id, our tag, either, both);
ours are the only ones ever changed or deleted, and never one with a keyword filter (those belong to no
account). Others' subscriptions still count against X's cap.

Steps: keep what matches; repoint (PUT: X changes only tag and webhook_id) an ours that matches but
points elsewhere or lacks our tag; delete ours that nothing wants (a changed event type or filter is a
delete and a create); create what is missing, account by account, only where the whole account fits
under the cap: an account half subscribed would look migrated while missing event types. What cannot be
created for want of a usable credential is `blocked`, what does not fit is `unfit`; both say why.
"""

from dataclasses import dataclass, field

from xwebhook.accounts import apis
from xwebhook.accounts.models import ACTIVE, NEEDS_RECONNECT
from xwebhook.migrate import auth
from xwebhook.x_api import event_types
from xwebhook.x_api.xaa import subscription_key

KEEPS_EXISTING = (ACTIVE, NEEDS_RECONNECT)


@dataclass(frozen=True)
class Want:
    user_id: str
    event_type: str
    direction: str | None = None

    @property
    def name(self):
        """The Account.xaa_subscriptions key: the event type, with the direction when there is one."""
        return self.event_type if self.direction is None else f"{self.event_type}:{self.direction}"

    @property
    def filter(self):
        found = {"user_id": self.user_id}
        if self.direction is not None:
            found["direction"] = self.direction
        return found

    @property
    def key(self):
        return subscription_key(self.event_type, self.filter)


def wants_for(user_id, types, settings):
    wants = []
    for name in dict.fromkeys(map(event_types.canonical, types)):  # X answers with canonical names only
        known = event_types.xaa_type(name)
        if settings.directions == "each" and known is not None and known.directions and not known.actor_only:
            wants.extend(Want(user_id, name, direction) for direction in known.directions)
        else:
            wants.append(Want(user_id, name))
    return wants


def is_ours(subscription, webhook_id, settings):
    by_tag = subscription.tag is not None and subscription.tag.startswith(settings.tag_prefix + ":")
    by_webhook = webhook_id is not None and subscription.webhook_id == webhook_id
    return {
        "either": by_tag or by_webhook,
        "tag": by_tag,
        "webhook": by_webhook,
        "both": by_tag and by_webhook,
    }[settings.ownership]


@dataclass(frozen=True)
class Create:
    view: object  # AccountView
    want: Want
    options: tuple  # auth.Option, usable ones first in the order to try


@dataclass
class XaaPlan:
    webhook_id: str | None
    keep: list = field(default_factory=list)  # (Want, Subscription)
    repoint: list = field(default_factory=list)  # (Want, Subscription)
    delete: list = field(default_factory=list)  # (Subscription, why)
    create: list = field(default_factory=list)  # Create
    blocked: list = field(default_factory=list)  # {"user_id", "event_type", "why"}
    unfit: list = field(default_factory=list)  # {"user_id", "event_types", "why"}
    cap: int = 0
    used: int = 0
    room: int = 0  # what is left under the cap once the plan is applied

    @property
    def changes(self):
        return len(self.repoint) + len(self.delete) + len(self.create)

    def per_user(self):
        """user id -> {"keep": [names], "create": [names], "repoint": [...], "delete": [...], "blocked": [...]}"""
        found = {}

        def add(user_id, what, name):
            found.setdefault(user_id, {}).setdefault(what, []).append(name)

        for want, _ in self.keep:
            add(want.user_id, "present", want.name)
        for want, _ in self.repoint:
            add(want.user_id, "repoint", want.name)
        for step in self.create:
            add(step.want.user_id, "create", step.want.name)
        for item in self.blocked:
            add(item["user_id"], "blocked", item["event_type"])
        for subscription, _ in self.delete:
            add(subscription.user_id or "-", "delete", subscription.event_type)
        return found

    def report(self):
        return {
            "webhook_id": self.webhook_id,
            "present": len(self.keep),
            "repoint": [
                {"subscription_id": s.id, "event_type": s.event_type, "user_id": w.user_id} for w, s in self.repoint
            ],
            "delete": [
                {"subscription_id": s.id, "event_type": s.event_type, "user_id": s.user_id, "why": why}
                for s, why in self.delete
            ],
            "create": [{"user_id": c.want.user_id, "event_type": c.want.name} for c in self.create],
            "blocked": list(self.blocked),
            "unfit": list(self.unfit),
            "cap": {"cap": self.cap, "used": self.used, "room_after": self.room},
        }


def plan_xaa(views, subscriptions, used, webhook_id, settings, now, wanted=None, deletions=True):
    """The steps from X's `subscriptions` (Subscription, every page; `used` = the app's count at X) to
    what `views` (AccountView) want. `wanted`: user id -> event types, instead of the accounts' own sets
    (migrate apply, before the sets are stored). `deletions=False` plans no delete (migrate apply: the
    overlap adds, it never takes away)."""
    plan = XaaPlan(webhook_id, cap=settings.subscription_cap, used=used)
    ours = [s for s in subscriptions if is_ours(s, webhook_id, settings)]
    by_key = {}
    for subscription in ours:
        by_key.setdefault(subscription.key, []).append(subscription)
    for matches in by_key.values():  # ours on our webhook first: the one to keep
        matches.sort(key=lambda s: (s.webhook_id != webhook_id, s.created_at or "", s.id))

    wanted_keys, kept_ids = set(), set()
    pending = []  # (view, [Create]) in account order
    for view in views:
        if view.account.status not in KEEPS_EXISTING:
            continue
        if wanted is not None and view.user_id in wanted:
            types = wanted[view.user_id]  # migrate apply: the set it is putting the account on XAA with
        elif apis.on_xaa(view.account):
            types = view.account.event_types
        else:  # on AAA only: nothing is made, what an apply adopted stays (rollback holds)
            kept_ids.update(_keep_adopted(plan, view, subscriptions))
            continue
        creates = []
        for want in wants_for(view.user_id, types, settings):
            why = event_types.not_for_accounts(want.event_type)
            if why is not None:  # news.new filters on a keyword: no account's user_id filter for it
                plan.blocked.append({"user_id": view.user_id, "event_type": want.name, "why": why})
                continue
            wanted_keys.add(want.key)
            matches = by_key.get(want.key, [])
            if matches:
                first = matches[0]
                if first.webhook_id != webhook_id or first.tag != settings.tag_for(view.user_id):
                    plan.repoint.append((want, first))
                else:
                    plan.keep.append((want, first))
                continue
            if not view.active:
                continue  # needs reconnecting: keeps what it has, gets nothing new
            found = auth.options(view, want.event_type, settings, now)
            if not auth.usable(found):
                plan.blocked.append({"user_id": view.user_id, "event_type": want.name, "why": auth.refusal(found)})
                continue
            creates.append(Create(view, want, tuple(auth.usable(found))))
        if creates:
            pending.append((view, creates))

    if deletions:
        for key, matches in by_key.items():
            extra = matches[1:] if key in wanted_keys else matches
            for subscription in extra:
                if "keyword" in subscription.filter or not subscription.user_id or subscription.id in kept_ids:
                    continue
                why = (
                    "a second subscription for the same event type and filter"
                    if key in wanted_keys
                    else _why_unwanted(subscription, views)
                )
                plan.delete.append((subscription, why))

    room = settings.subscription_cap - used + len(plan.delete)
    for view, creates in pending:
        if len(creates) <= room:
            plan.create.extend(creates)
            room -= len(creates)
        else:
            plan.unfit.append(
                {
                    "user_id": view.user_id,
                    "event_types": [step.want.name for step in creates],
                    "why": f"needs {len(creates)} subscription(s), {max(room, 0)} left under the cap of "
                    f"{settings.subscription_cap} (XAA_SUBSCRIPTION_CAP)",
                }
            )
    plan.room = room
    return plan


def _keep_adopted(plan, view, subscriptions):
    """The ids of what an AAA-only account keeps (apis.kept_without_xaa), added to the plan's `keep`."""
    kept = set(apis.kept_without_xaa(view.account).values())
    for subscription in subscriptions:
        if subscription.id in kept and subscription.user_id == view.user_id:
            want = Want(view.user_id, subscription.event_type, subscription.filter.get("direction"))
            plan.keep.append((want, subscription))
    return kept


def _why_unwanted(subscription, views):
    view = next((v for v in views if v.user_id == subscription.user_id), None)
    if view is None:
        return "belongs to no account"
    if view.account.status not in KEEPS_EXISTING:
        return f"the account is {view.account.status}"
    if not apis.on_xaa(view.account):
        state = apis.migration_state(view.account)
        where = "rolled back to AAA" if state == apis.ROLLED_BACK else "on AAA, not applied (migrate apply moves it)"
        return f"the account is {where}: it has no XAA subscriptions"
    return "its event type or filter is not in the account's set"
