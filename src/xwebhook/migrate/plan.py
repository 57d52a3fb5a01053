"""`migrate plan`, pure: for each AAA account, what its move to XAA needs, what X would refuse, what it
would cost and what XAA will not deliver; and the state of each account's move (shared with steps and
status). No I/O: the caller gathers X's lists and the event counts.

States of an account's move (Account.migration["state"] plus X's list):
  not_started  no apply yet (or nothing recorded)
  applying     apply ran, but some of the account's subscriptions are not at X yet (429, refusal, cap)
  overlap      every subscription is at X; AAA still on: both families arrive (one message each, by
               receive's activity_id)
  cut_over     the AAA subscription is gone; XAA only
  rolled_back  the subscriptions apply created are gone; AAA only
Verified (cutover may go ahead): an XAA event of the account was seen since apply; or the grace period
(MIGRATE_GRACE_HOURS after apply) passed for a quiet account, unless AAA events kept arriving for it
while no XAA one did (XAA is then not reaching us, and cutting AAA would lose events).
"""

from datetime import UTC, datetime

from xwebhook.migrate.desired import plan_xaa, wants_for
from xwebhook.x_api import event_types

NOT_STARTED, APPLYING, OVERLAP, CUT_OVER, ROLLED_BACK = "not_started", "applying", "overlap", "cut_over", "rolled_back"
DAYS_PER_MONTH = 30


def days_left(settings, now):
    ends = datetime(settings.aaa_ends.year, settings.aaa_ends.month, settings.aaa_ends.day, tzinfo=UTC)
    return max(0, (ends - now).days)


def event_types_for(view, settings):
    """The account's event-type set, or the default one (XAA_DEFAULT_EVENT_TYPES) when it has none yet."""
    return tuple(view.account.event_types) or tuple(settings.default_event_types)


def present_names(view, subscriptions, settings):
    """The names (event type[:direction]) of the account's wanted subscriptions that X lists."""
    keys = {subscription.key for subscription in subscriptions}
    return [
        want.name for want in wants_for(view.user_id, event_types_for(view, settings), settings) if want.key in keys
    ]


def state_of(view, subscriptions, settings):
    recorded = view.account.migration.get("state")
    if recorded in (CUT_OVER, ROLLED_BACK):
        return recorded
    if recorded == "applied":
        wanted = wants_for(view.user_id, event_types_for(view, settings), settings)
        present = set(present_names(view, subscriptions, settings))
        return OVERLAP if all(want.name in present for want in wanted) else APPLYING
    return NOT_STARTED


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
        return {"verified": False, "why": f"{seen}; the grace period ends at {_iso(grace_ends)}", **found}
    if counts is not None and found["aaa_events"]:
        return {
            "verified": False,
            "why": f"AAA delivered {found['aaa_events']} event(s) since apply and XAA none: XAA is not reaching us",
            **found,
        }
    return {"verified": True, "how": "grace", "grace_hours": settings.grace_hours, **found}


def _iso(epoch):
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Cost -----------------------------------------------------------------------------------------------------


def xaa_types_of(source, event_type):
    """The XAA type(s) a message's event_type stands for (an AAA message may stand for several)."""
    if source == "xaa" or event_types.is_known(event_type):
        return (event_type,)
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


# The plan -------------------------------------------------------------------------------------------------


def selected(views, user_ids):
    """The accounts a mode works on: those given, else every AAA account (on X's AAA list, marked for AAA,
    or already part of a migration)."""
    if user_ids:
        wanted = set(user_ids)
        return [view for view in views if view.user_id in wanted]
    return [view for view in views if view.aaa_subscribed or view.account.aaa or view.account.migration.get("state")]


def migration_plan(views, listing, webhook_id, settings, now, counts=None, unknown_reason=None, user_ids=None):
    """The plan document. `counts`: user id -> Counts over the count window (None values: unknown)."""
    now_epoch = now.timestamp()
    chosen = selected(views, user_ids)
    wanted = {view.user_id: event_types_for(view, settings) for view in chosen}
    xaa_plan = plan_xaa(chosen, listing.subscriptions, listing.used, webhook_id, settings, now_epoch, wanted, False)
    per_user = xaa_plan.per_user()
    unfit = {item["user_id"]: item for item in xaa_plan.unfit}
    accounts = []
    for view in chosen:
        mine = per_user.get(view.user_id, {})
        refusals = [
            {"event_type": item["event_type"], "why": item["why"]}
            for item in xaa_plan.blocked
            if item["user_id"] == view.user_id
        ]
        for event_type, tried in view.account.migration.get("refused", {}).items():
            refusals.append({"event_type": event_type, "why": "X refused it before", "refused": tried})
        if view.user_id in unfit:
            refusals.append({"event_type": "*", "why": unfit[view.user_id]["why"]})
        entry = {
            "user_id": view.user_id,
            "screen_name": view.account.screen_name,
            "source": view.source,
            "status": view.account.status,
            "aaa_subscribed": view.aaa_subscribed,
            "state": state_of(view, listing.subscriptions, settings),
            "event_types": list(wanted[view.user_id]),
            "subscriptions": {
                "needed": len(wants_for(view.user_id, wanted[view.user_id], settings)),
                "present": mine.get("present", []) + mine.get("repoint", []),
                "to_create": mine.get("create", []),
                "credentials": _credentials(xaa_plan, view.user_id),
            },
            "refusals": refusals,
            "reconnect": reconnect_need(view, refusals),
            "xaa_auth": dict(view.account.xaa_auth),
        }
        if view.user_id in unfit:
            entry["subscriptions"]["does_not_fit"] = unfit[view.user_id]["event_types"]
        account_counts = (counts or {}).get(view.user_id)
        if account_counts is None:
            entry["counts"] = {"unknown": unknown_reason or "no counts"}
            entry["estimate"] = None
        else:
            entry["counts"] = {"window_hours": settings.count_window_hours, **account_counts.as_dict()}
            entry["estimate"] = estimate(account_counts, settings.count_window_hours)
        accounts.append(entry)
    return {
        "aaa_ends": settings.aaa_ends.isoformat(),
        "days_left": days_left(settings, now),
        "webhook_id": webhook_id,
        "accounts": accounts,
        "cap": {
            "cap": settings.subscription_cap,
            "used": listing.used,
            "to_create": len(xaa_plan.create),
            "room_after": xaa_plan.room,
            "does_not_fit": [item["user_id"] for item in xaa_plan.unfit],
        },
        "estimate_total": _total_estimate(accounts),
        "xaa_gaps": list(event_types.XAA_GAPS),
        "listing": listing.report(),
        "changes_nothing": True,
    }


def _credentials(xaa_plan, user_id):
    """event type -> the credential the first create attempt will use."""
    return {step.want.name: step.options[0].kind for step in xaa_plan.create if step.want.user_id == user_id}


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
