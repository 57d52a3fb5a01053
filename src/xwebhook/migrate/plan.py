"""`migrate plan`, pure: for each AAA account, what its move to XAA needs, what X would refuse, what it
would cost, whether it fits under X's subscription cap (and a smaller `fit` set when it does not), and the
state of each account's move as X has it (shared with steps, status and the CLI). No I/O: the caller
gathers X's lists and the event counts.

States of an account's move (accounts/apis.py's record, checked against X's list):
  not_started  on AAA, never applied (or nothing recorded)
  applying     apply ran, but some of the account's subscriptions are not at X yet (429, refusal, cap):
               half made, and said so; the next apply or ensure makes the rest
  overlap      every subscription is at X; AAA still on: both families arrive (one message each, by
               receive's activity_id)
  cut_over     the AAA subscription is gone; XAA only
  rolled_back  the subscriptions this stack made are gone; AAA only (and it stays so: ensure follows the
               record)
  xaa_only     connected for XAA from the start: not part of the move
Verified (cutover may go ahead): an XAA event of the account was seen since apply; or the grace period
(MIGRATE_GRACE_HOURS after apply) passed for a quiet account, unless AAA events kept arriving for it
while no XAA one did (XAA is then not reaching us, and cutting AAA would lose events).

What needs the operator (`attention`): `stuck` accounts (half made, or cut over with subscriptions
missing: events are lost or doubled until someone acts) and the rest (X has what the record does not
want, AAA lost at X, a sign-in needed); `status` exits non-zero while any account is stuck.
"""

from collections import Counter
from datetime import UTC, datetime

from xwebhook.accounts import apis
from xwebhook.accounts.models import ACTIVE
from xwebhook.migrate.desired import is_ours, plan_xaa, wants_for
from xwebhook.utc import iso
from xwebhook.x_api import event_types

NOT_STARTED, APPLYING, OVERLAP, CUT_OVER, ROLLED_BACK, XAA_ONLY = (
    "not_started",
    "applying",
    "overlap",
    "cut_over",
    "rolled_back",
    "xaa_only",
)
STATES = (NOT_STARTED, APPLYING, OVERLAP, CUT_OVER, ROLLED_BACK, XAA_ONLY)
DAYS_PER_MONTH = 30
# X's subscription caps per plan (x-oauth.md "Dates", raised 2026-07-06): what `plan` names when only X
# can make room.
X_CAPS = {"self-serve": 1_500, "Enterprise": 75_000, "Partner": 150_000}
# X's rate limit on each XAA subscription endpoint: calls per app per 15 minutes (x-oauth.md).
X_RATE_LIMIT = 500
X_RATE_WINDOW_MINUTES = 15


def days_left(settings, now):
    ends = datetime(settings.aaa_ends.year, settings.aaa_ends.month, settings.aaa_ends.day, tzinfo=UTC)
    return max(0, (ends - now).days)


def event_types_for(view, settings):
    """The account's event-type set, or the default one (XAA_DEFAULT_EVENT_TYPES) when it has none yet."""
    return tuple(view.account.event_types) or tuple(settings.default_event_types)


SMALL = 100  # fewer subscriptions than this: their keys are made on the spot, not cached
_KEYS = [None, frozenset()]  # the last listing asked about, and its keys (held: its id cannot be reused)


def listed_keys(subscriptions):
    """The keys (event type and filter) of X's listing, made once per listing: per account it took 15 s
    over 8,500 subscriptions and 500 accounts."""
    if _KEYS[0] is not subscriptions:
        _KEYS[:] = [subscriptions, frozenset(subscription.key for subscription in subscriptions)]
    return _KEYS[1]


def present_names(view, subscriptions, settings):
    """The names (event type[:direction]) of the account's wanted subscriptions that X lists (`subscriptions`:
    X's whole listing, whose keys are made once; or the account's own few)."""
    keys = listed_keys(subscriptions) if len(subscriptions) > SMALL else {s.key for s in subscriptions}
    return [
        want.name for want in wants_for(view.user_id, event_types_for(view, settings), settings) if want.key in keys
    ]


def state_of(view, subscriptions, settings):
    recorded = apis.migration_state(view.account)
    if recorded in (CUT_OVER, ROLLED_BACK):
        return recorded
    if recorded == apis.APPLIED:
        wanted = wants_for(view.user_id, event_types_for(view, settings), settings)
        present = set(present_names(view, subscriptions, settings))
        return OVERLAP if all(want.name in present for want in wanted) else APPLYING
    if view.stored and not view.account.aaa:
        return XAA_ONLY
    return NOT_STARTED


def ours_by_user(subscriptions, webhook_id, settings):
    """user id -> [our Subscription] at X."""
    found = {}
    for subscription in subscriptions:
        if subscription.user_id and is_ours(subscription, webhook_id, settings):
            found.setdefault(subscription.user_id, []).append(subscription)
    return found


def attention(view, state, ours_at_x, settings):
    """(stuck: bool, [what needs the operator, in words]) for one account, from its state and what X has."""
    account, stuck, notes = view.account, False, []
    wanted = len(wants_for(view.user_id, event_types_for(view, settings), settings))
    present = len(present_names(view, ours_at_x, settings))
    if account.status != ACTIVE:
        notes.append(f"the account is {account.status}" + (f": {account.reason}" if account.reason else ""))
    if state == APPLYING:
        stuck = True
        notes.append(f"half made: {present} of its {wanted} XAA subscriptions are at X (migrate apply finishes it)")
    elif state == CUT_OVER and present < wanted:
        stuck = True
        notes.append(
            f"cut over, but {wanted - present} of its {wanted} XAA subscriptions are missing at X: their events "
            "are lost until ensure makes them"
        )
    if state in (CUT_OVER, XAA_ONLY) and view.aaa_subscribed:
        notes.append("subscribed on AAA at X again: migrate cutover removes it (ensure leaves it)")
    if state in (NOT_STARTED, ROLLED_BACK):
        kept = set(apis.kept_without_xaa(account).values())
        extra = [s for s in ours_at_x if s.id not in kept]
        if extra:
            notes.append(
                f"{len(extra)} XAA subscription(s) at X that an account on AAA does not want: the next ensure "
                "removes them (migrate apply keeps them instead)"
            )
    refused = sorted((account.migration or {}).get("refused") or ())
    if refused and state in (APPLYING, OVERLAP, CUT_OVER):
        notes.append(
            f"X refused every credential tried for {', '.join(refused)}: its owner must sign in with OAuth 2.0 "
            "(migrate reconnect makes the invite)"
        )
    if state in (NOT_STARTED, APPLYING, OVERLAP, ROLLED_BACK) and view.aaa_subscribed is False and view.active:
        notes.append("not subscribed on AAA at X: the next ensure subscribes it again")
    return stuck, notes


def account_status(view, subscriptions, by_user, settings):
    """One account as `status` and `migrate status` show it: its state, what X has, what needs doing."""
    state = state_of(view, subscriptions, settings)
    ours_at_x = by_user.get(view.user_id, [])
    stuck, notes = attention(view, state, ours_at_x, settings)
    return {
        "user_id": view.user_id,
        "screen_name": view.account.screen_name,
        "source": view.source,
        "status": view.account.status,
        "state": state,
        "aaa_at_x": view.aaa_subscribed,
        "xaa_at_x": len(ours_at_x),
        "xaa_wanted": len(wants_for(view.user_id, event_types_for(view, settings), settings))
        if apis.on_xaa(view.account) or state in (NOT_STARTED, ROLLED_BACK)
        else 0,
        "stuck": stuck,
        "attention": notes,
    }


def state_counts(entries):
    found = Counter(entry["state"] for entry in entries)
    return {state: found.get(state, 0) for state in STATES}


def next_step(counts, stuck=0, unfit=0, verdict="fits"):
    """What the operator does next, from the accounts per state (and the cap's verdict, from a plan)."""
    if stuck:
        return "migrate apply (it finishes the half-made accounts), then migrate status"
    if verdict == "fit_fits":
        return "migrate fit (each account's types from what it produced; --floor for quiet ones), then migrate apply"
    if counts.get(NOT_STARTED, 0) - unfit > 0:
        rest = f"; the other {unfit} do not fit under the cap (see cap)" if unfit else ""
        return f"migrate apply (xwebhook migrate apply --wait drives it in waves){rest}"
    if unfit:
        return "the rest do not fit under the cap: migrate plan's `cap` says how (fit, or a higher cap from X)"
    if counts.get(OVERLAP, 0):
        return "migrate cutover (each account once its XAA events are seen, or its grace period passed)"
    if counts.get(CUT_OVER, 0) or counts.get(XAA_ONLY, 0):
        return "nothing left: every account is on XAA (ensure keeps it so)"
    return "nothing to move: no account is on AAA"


def verification(view, counts, settings, now_epoch, unknown_reason=None):
    """{"verified": bool, "how"|"why": ..., "xaa_events", "aaa_events"} for `counts` since apply."""
    applied_at = view.account.migration.get("applied_at")
    if not applied_at:
        return {"verified": False, "why": "not applied yet"}
    found = {}
    if counts is not None:
        found = {"xaa_events": counts.total("xaa"), "aaa_events": counts.total("aaa")}
        if found["xaa_events"]:
            return {"verified": True, "how": "xaa_seen", **found}
    grace_ends = applied_at + settings.grace_hours * 3600
    if now_epoch < grace_ends:
        seen = "no XAA event seen yet" if counts is not None else f"XAA events unknown ({unknown_reason})"
        return {"verified": False, "why": f"{seen}; the grace period ends at {iso(grace_ends)}", **found}
    if counts is not None and found["aaa_events"]:
        return {
            "verified": False,
            "why": f"AAA delivered {found['aaa_events']} event(s) since apply and XAA none: XAA is not reaching us",
            **found,
        }
    return {"verified": True, "how": "grace", "grace_hours": settings.grace_hours, **found}


# Cost -----------------------------------------------------------------------------------------------------


def xaa_types_of(source, event_type):
    """The XAA type(s) a counted event_type stands for: an XAA type itself; an AAA post as the dedup table
    counts it, `tweet_create/<XAA type>`, that type; another AAA kind (or a `tweet_create` counted before
    the table named the type), every XAA type it may stand for."""
    if source == "xaa" or event_types.is_known(event_type):
        return (event_type,)
    kind, _, named = event_type.partition("/")
    if named:
        return (named,) if named in event_types.AAA_KIND_TO_XAA.get(kind, ()) else ()
    return event_types.AAA_KIND_TO_XAA.get(event_type, ())


def estimate(counts, window_hours):
    """A monthly XAA cost range (USD) from `counts` seen over `window_hours`, at X's per-event prices.

    From the account's XAA events when some were seen (exact types), else from its AAA events, whose
    kinds may stand for several XAA types of different prices (an AAA direct message is dm.sent, not
    billed, or dm.received, $0.010): hence low and high. Types X publishes no price for are counted
    apart. X bills each event once per 24 h UTC; this counts every delivery (an upper bound)."""
    basis = "xaa" if counts.total("xaa") else "aaa"
    scale = DAYS_PER_MONTH * 24 / window_hours
    low = high = 0.0
    not_priced, events = {}, 0
    for name, count in counts.of(basis).items():
        prices = [event_types.CATALOGUE[item].price_usd for item in xaa_types_of(basis, name)]
        if not prices or any(price is None for price in prices):
            not_priced[name] = round(count * scale)
            continue
        events += count
        low += count * min(prices)
        high += count * max(prices)
    return {
        "basis": basis,
        "window_hours": window_hours,
        "events_per_month": round(events * scale),
        "low_usd": round(low * scale, 2),
        "high_usd": round(high * scale, 2),
        "not_priced_events_per_month": not_priced,
    }


# Fit: each account's types from what it produced ---------------------------------------------------------


def fit_types(view, counts, settings, floor=()):
    """(the XAA types the account produced in the count window, within its set, plus `floor`; where that
    came from: "xaa" (its XAA events: exact), "aaa" (its AAA events: a post's own types, every XAA type
    another kind stands for),
    "quiet" (no event: the floor only), "unknown" (no counts: its whole set))."""
    own = event_types_for(view, settings)
    if counts is None:
        return own, "unknown"
    basis = "xaa" if counts.total("xaa") else "aaa" if counts.total("aaa") else "quiet"
    seen = set()
    if basis != "quiet":
        for name in counts.of(basis):
            seen.update(xaa_types_of(basis, name))
    chosen = [name for name in own if name in seen]
    chosen += [name for name in floor if name not in chosen]
    return tuple(chosen), basis


def fit_proposal(chosen, counts, settings, floor=()):
    """user id -> {"event_types", "from", "needed"}: the `fit` choice for each account."""
    proposal = {}
    for view in chosen:
        types, basis = fit_types(view, (counts or {}).get(view.user_id), settings, floor)
        proposal[view.user_id] = {
            "event_types": list(types),
            "from": basis,
            "needed": len(wants_for(view.user_id, types, settings)),
        }
    return proposal


# The cap ----------------------------------------------------------------------------------------------------


def cap_verdict(room, needed, fit_needed, moving):
    """Whether the accounts still to move fit under the cap, and the way out when they do not."""
    if needed <= room:
        return "fits", f"every account fits: {needed:,} subscription(s) to make, {room:,} left under the cap"
    if fit_needed is not None and fit_needed <= room:
        return "fit_fits", (
            f"{needed:,} subscription(s) needed, {room:,} left under the cap; with each account's types from what "
            f"it produced (fit: {fit_needed:,}) every account fits: migrate fit stores those sets"
        )
    caps = ", ".join(f"{plan} {cap:,}" for plan, cap in X_CAPS.items())
    if fit_needed is None and moving <= room:
        return "does_not_fit", (
            f"{needed:,} subscription(s) needed, {room:,} left under the cap; the event counts are unknown, so no "
            "fit can be proposed: give accounts fewer types (migrate fit with sets, or event_types), move fewer "
            f"accounts now, or ask X for a higher cap (X's caps: {caps})"
        )
    least = fit_needed if fit_needed is not None else moving
    return "only_x", (
        f"{needed:,} subscription(s) needed (at least {least:,} with fewer types), {room:,} left under the cap: "
        f"only X can raise it (X's caps: {caps}), or move fewer accounts now"
    )


# The plan -------------------------------------------------------------------------------------------------


def selected(views, user_ids):
    """The accounts a mode works on: those given, else every AAA account (on X's AAA list, marked for AAA,
    or already part of a migration)."""
    if user_ids:
        wanted = set(user_ids)
        return [view for view in views if view.user_id in wanted]
    return [view for view in views if view.aaa_subscribed or view.account.aaa or apis.migration_state(view.account)]


def _subscriptions_entry(view, wanted, per_user, xaa_plan, unfit):
    mine = per_user.get(view.user_id, {})
    creates = [step for step in xaa_plan.create if step.want.user_id == view.user_id]
    entry = {
        "needed": wanted,
        "present": len(mine.get("present", [])) + len(mine.get("repoint", [])),
        "to_create": len(creates),
        "credentials": dict(Counter(step.options[0].kind for step in creates)),
    }
    if view.user_id in unfit:
        entry["does_not_fit"] = len(unfit[view.user_id]["event_types"])
    return entry


def migration_plan(
    views, listing, webhook_id, settings, now, counts=None, unknown_reason=None, user_ids=None, floor=()
):
    """The plan document. `counts`: user id -> Counts over the count window (None values: unknown);
    `floor`: the types `fit` keeps for every account whatever it produced."""
    now_epoch = now.timestamp()
    chosen = selected(views, user_ids)
    wanted = {view.user_id: event_types_for(view, settings) for view in chosen}
    # what apply would make, in its order: a rolled-back account only when it is named (apply leaves it else)
    moving = [v for v in chosen if user_ids or apis.migration_state(v.account) != apis.ROLLED_BACK]
    xaa_plan = plan_xaa(moving, listing.subscriptions, listing.used, webhook_id, settings, now_epoch, wanted, False)
    per_user = xaa_plan.per_user()
    unfit = {item["user_id"]: item for item in xaa_plan.unfit}
    by_user = ours_by_user(listing.subscriptions, webhook_id, settings)
    fits = fit_proposal(chosen, counts, settings, floor) if counts is not None else {}
    accounts = []
    for view in chosen:
        refusals = [
            {"event_type": item["event_type"], "why": item["why"]}
            for item in xaa_plan.blocked
            if item["user_id"] == view.user_id
        ]
        for event_type, tried in view.account.migration.get("refused", {}).items():
            refusals.append({"event_type": event_type, "why": "X refused it before", "refused": tried})
        if view.user_id in unfit:
            refusals.append({"event_type": "*", "why": unfit[view.user_id]["why"]})
        entry = account_status(view, listing.subscriptions, by_user, settings)
        own = wanted[view.user_id]
        entry.update(
            event_types="default" if own == tuple(settings.default_event_types) else list(own),
            subscriptions=_subscriptions_entry(
                view, len(wants_for(view.user_id, own, settings)), per_user, xaa_plan, unfit
            ),
            refusals=refusals,
            reconnect=reconnect_need(view, refusals),
        )
        if entry["reconnect"]["needed"] and not any("sign in with OAuth 2.0" in note for note in entry["attention"]):
            why = entry["reconnect"]["why"]
            entry["attention"].append(
                f"its owner must sign in with OAuth 2.0 ({why}): migrate reconnect makes the invite"
            )
        account_counts = (counts or {}).get(view.user_id)
        if account_counts is None:
            entry["counts"] = {"unknown": unknown_reason or "no counts"}
            entry["estimate"] = None
        else:
            entry["counts"] = {"window_hours": settings.count_window_hours, **account_counts.as_dict()}
            entry["estimate"] = estimate(account_counts, settings.count_window_hours)
        if view.user_id in fits:
            entry["fit"] = fits[view.user_id]
        accounts.append(entry)
    return {
        "aaa_ends": settings.aaa_ends.isoformat(),
        "days_left": days_left(settings, now),
        "webhook_id": webhook_id,
        "counts": state_counts(accounts),
        "stuck": [entry["user_id"] for entry in accounts if entry["stuck"]],
        "accounts": accounts,
        "cap": _cap_section(accounts, xaa_plan, listing, settings, fits, floor),
        "rate": rate_section([entry["subscriptions"]["to_create"] for entry in accounts]),
        "estimate_total": _total_estimate(accounts),
        "xaa_gaps": list(event_types.XAA_GAPS),
        "listing": listing.report(),
        "changes_nothing": True,
    }


def _cap_section(accounts, xaa_plan, listing, settings, fits, floor):
    moving = [e for e in accounts if e["state"] in (NOT_STARTED, APPLYING) and e["status"] == ACTIVE]
    room = max(settings.subscription_cap - listing.used, 0)
    needed = sum(e["subscriptions"]["to_create"] + e["subscriptions"].get("does_not_fit", 0) for e in moving)
    fit_needed, empty = None, []
    if fits and all(e["user_id"] in fits for e in moving):
        empty = [e["user_id"] for e in moving if not fits[e["user_id"]]["event_types"]]
        # an account left with no type is counted at one: it needs at least one to be moved at all
        fit_needed = sum(max(fits[e["user_id"]]["needed"] - e["subscriptions"]["present"], 1) for e in moving)
    verdict, advice = cap_verdict(room, needed, fit_needed, len(moving))
    if empty and verdict == "fit_fits":
        advice += (
            f"; {len(empty)} account(s) produced no event in {settings.count_window_hours} h and would get no type: "
            "give a floor (--floor TYPE) or sets for them"
        )
    section = {
        "cap": settings.subscription_cap,
        "used": listing.used,
        "room": room,
        "needed": needed,
        "to_create": len(xaa_plan.create),
        "room_after": xaa_plan.room,
        "accounts_fitting": len([e for e in moving if "does_not_fit" not in e["subscriptions"]]),
        "does_not_fit": [item["user_id"] for item in xaa_plan.unfit],
        "verdict": verdict,
        "advice": advice,
    }
    if fits:
        quiet = [e["user_id"] for e in moving if fits.get(e["user_id"], {}).get("from") == "quiet"]
        section["fit"] = {
            "needed": fit_needed,
            "floor": list(floor),
            "window_hours": settings.count_window_hours,
            "quiet_accounts": len(quiet),
            "quiet_without_floor": len(quiet) if not floor else 0,
        }
    return section


def rate_section(creates, per_window=X_RATE_LIMIT):
    """How long X's rate limit makes `creates` (each account's count) take at the least (X: 500 per app per
    15 minutes), and how many accounts of that size a window takes."""
    calls = sum(creates)
    windows = -(-calls // per_window) if calls else 0
    busy = [count for count in creates if count]
    per_account = -(-calls // len(busy)) if busy else 1
    return {
        "calls": calls,
        "limit": f"{per_window} per {X_RATE_WINDOW_MINUTES} min per app",
        "windows": windows,
        "at_least_minutes": max(windows - 1, 0) * X_RATE_WINDOW_MINUTES,
        "accounts_per_window": per_window // per_account,
    }


def reconnect_need(view, refusals):
    """Whether the account's owner must sign in again (OAuth 2.0) for private types X will not take."""
    if view.oauth2 is not None and view.active:
        missing_scope = [r["event_type"] for r in refusals if "lacks the" in r["why"]]
        if not missing_scope:
            return {"needed": False}
        return {"needed": True, "why": "the OAuth 2.0 token lacks scopes for " + ", ".join(missing_scope)}
    private = [r["event_type"] for r in refusals if r["event_type"] != "*"]
    if not private:
        return {"needed": False}
    return {
        "needed": True,
        "why": "no OAuth 2.0 token, and X refused or cannot be sent OAuth 1.0a for " + ", ".join(private),
    }


def _total_estimate(accounts):
    known = [entry["estimate"] for entry in accounts if entry["estimate"] is not None]
    return {
        "accounts_estimated": len(known),
        "accounts_unknown": len(accounts) - len(known),
        "low_usd": round(sum(item["low_usd"] for item in known), 2),
        "high_usd": round(sum(item["high_usd"] for item in known), 2),
    }
