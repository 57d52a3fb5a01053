"""What a person reads of the admin function's answers: a few lines saying what happened and what to do next.

    summary(result, target)   lines of rich markup for one admin answer (ensure, status, invite, accounts,
                              replay, and a short generic one for any other action)
    x_not_configured(text)    whether an error says the stack has no X keys to call X with
    x_setup_hints(target)     what to do about it, for that target (local, with or without the emulator; AWS)

The whole answer is what --json prints; nothing here changes it. Pure functions of the answer (and the
target's kind and state), pinned by tests/unit/cli/test_summaries.py.
"""

import re

from xwebhook.cli.output import code, esc, next_step
from xwebhook.cli.words import iso_epoch, listing, local_time, plural, when, x_minute

_NO_X_KEYS = re.compile(r"the X credentials secret (has no|is not valid JSON|must be a JSON object)")
SHOWN = 20  # rows of a table before "... and N more (--json has every one)"


def x_not_configured(text):
    return bool(_NO_X_KEYS.search(str(text or "")))


def x_setup_hints(target):
    """What to do when the stack has no X keys: sentences of markup."""
    if target is not None and target.local:
        state = target.state or {}
        if state.get("emulator_url"):  # keys missing although X is emulated: the secret was changed by hand
            return ["This stack emulates X: restart it (Ctrl-C, then " + code("make run X_EMULATOR=1") + ")."]
        return [
            "Without an X account, emulate X: stop this stack (Ctrl-C), start "
            + code("make run X_EMULATOR=1")
            + ", then run "
            + code("xwebhook admin ensure")
            + ".",
            "With your X app's keys instead: docs/local.md.",
        ]
    secret = (target.outputs.get("XApiCredentialsSecretArn") if target is not None else None) or "the stack's"
    return [
        f'Put your X app\'s keys in the credentials secret {esc(secret)} (docs/deploy.md, "The secrets"), '
        "then run " + code("xwebhook admin ensure") + ".",
    ]


def _failed(result, target, what=None):
    error = result.get("error") or "no reason given"
    lines = [f"[bold red]{esc(what or result.get('action', 'the action'))} failed:[/] {esc(error)}"]
    if x_not_configured(error):
        lines[0] = f"[bold red]{esc(what or result.get('action'))} failed: X is not configured for this stack[/]"
        lines += [f"  ({esc(error)})", *["  " + hint for hint in x_setup_hints(target)]]
    elif result.get("retry_after_seconds") is not None:
        lines.append(f"X's rate limit: try again in {esc(result['retry_after_seconds'])} s")
    return lines


def _webhook_words(hook):
    if not hook:
        return "[red]no webhook registered[/]"
    valid = "[green]valid[/]" if hook.get("valid") else "[red]not valid[/]"
    return f"{esc(hook.get('url', '?'))}: {valid} (id {esc(hook.get('id', '?'))})"


# --- ensure ----------------------------------------------------------------------------------------------------


def _step_words(step):
    name = step.get("step", "?")
    who = step.get("user_id")
    label = f"{name} {who}" if who else name
    if step.get("ok"):
        return f"{esc(label)}: ok"
    return f"[red]{esc(label)}: {esc(step.get('error') or 'failed')}[/]"


def ensure(result, target):
    if not result.get("ok") and not result.get("webhook"):
        failed = _failed(result, target, "ensure")
        return failed if x_not_configured(result.get("error")) else [*failed, next_step("xwebhook status")]
    hook = result.get("webhook") or {}
    did = result.get("did") or []
    head = "[bold green]ensure: ok.[/]" if result.get("ok") else "[bold red]ensure: not everything went right.[/]"
    lines = [f"{head} The webhook {_webhook_words(hook)}"]
    lines.append("  did: " + ("; ".join(_step_words(step) for step in did) if did else "nothing, all was in place"))
    parts = []
    accounts = result.get("accounts") or {}
    if isinstance(accounts.get("accounts"), int):
        parts.append(f"{plural(accounts['accounts'], 'connected account')}")
    xaa = result.get("xaa") or {}
    if xaa.get("ok") is not None:
        made = len(xaa.get("did") or [])
        parts.append(f"XAA: {plural(xaa.get('present', 0), 'subscription')}" + (f", {made} changed" if made else ""))
    recovery = result.get("recovery") or {}
    jobs = (recovery.get("metrics") or {}).get("AutoReplayJobs")
    if jobs:
        parts.append(f"asked X to replay {plural(jobs, 'window')} it could not deliver")
    if parts:
        lines.append("  " + "; ".join(parts))
    failed = [name for name in ("recovery", "accounts", "xaa") if (result.get(name) or {}).get("ok") is False]
    for name in failed:
        lines.append(f"  [red]{esc(name)} failed:[/] {esc((result.get(name) or {}).get('error') or 'see --json')}")
    if result.get("error"):
        lines += _failed(result, target, "ensure")
    if result.get("ok"):
        lines.append(_next_after_ensure(target))
    else:
        lines.append(next_step("xwebhook status", why="--json shows ensure's whole answer"))
    return lines


def _next_after_ensure(target):
    if target is not None and target.local and (target.state or {}).get("emulator_url"):
        return next_step("xwebhook send --as-x favorite", "xwebhook tail", why="X delivers an event; you see it")
    return next_step("xwebhook send", "xwebhook tail")


# --- status (the admin action) ------------------------------------------------------------------------------------


def webhook_status(result, target):
    if not result.get("ok"):
        return [*_failed(result, target, "status")]
    lines = [f"webhook {_webhook_words(result.get('webhook'))}"]
    subscribed = result.get("subscribed_user_ids") or []
    lines.append(
        f"  {plural(len(subscribed), 'account')} subscribed on AAA"
        + (f": {esc(listing(subscribed, limit=5))}" if subscribed else "")
    )
    would = result.get("ensure_would") or []
    if would:
        lines.append(f"  ensure would: {esc(listing([w.get('step', w) if isinstance(w, dict) else w for w in would]))}")
    for problem in result.get("problems") or []:
        lines.append(f"  [red]problem:[/] {esc(problem)}")
    if result.get("last_ensure"):
        lines.append(f"  last ensure: {last_ensure_words(result['last_ensure'])}")
    return lines


def last_ensure_words(last):
    """The admin's last_ensure record in words: "ok at 14:03:27 CET (3 min ago): register: ok; ..."."""
    if not last:
        return "[dim]not run yet (" + code("xwebhook admin ensure") + ")[/]"
    at = iso_epoch(last.get("at"))
    if at is None:
        return f"[dim]unknown: {esc(last.get('error') or 'admin status did not say')}[/]"
    verdict = "[green]ok[/]" if last.get("ok") else "[red]failed[/]"
    did = last.get("did") or []
    words = f"{verdict} at {esc(when(at))}: " + (esc("; ".join(map(str, did))) if did else "nothing to do")
    failed = [name for name, ok in (last.get("parts") or {}).items() if not ok]
    if failed:
        words += f"; [red]failed: {esc(listing(failed))}[/]"
    if last.get("error"):
        words += f"; [red]{esc(last['error'])}[/]"
    return words


# --- invite and accounts ----------------------------------------------------------------------------------------


def invite(result, target):
    if not result.get("ok"):
        return [*_failed(result, target, "invite")]
    expires = iso_epoch(result.get("expires_at"))
    uses = result.get("uses", 1)
    for_whom = f" for account {esc(result['user_id'])}" if result.get("user_id") else ""
    expiry = when(expires) if expires else result.get("expires_at")
    lines = [
        f"[bold]Invite{for_whom}[/]: {plural(uses, 'use')}, expires {esc(expiry)}",
        "",
        f"  [bold]{esc(result.get('invite_url'))}[/]",
        "",
    ]
    problem = result.get("sign_in_problem")
    if problem:
        lines.append(f"[bold yellow]This stack cannot start a sign-in yet:[/] {esc(problem)}.")
        lines.append('Until it can, the link opens "This app cannot send you to X yet" (503). What to do:')
        lines += ["  " + hint for hint in x_setup_hints(target)]
        return lines
    flows = [{"oauth2": "OAuth 2.0", "oauth1": "OAuth 1.0a"}.get(flow, flow) for flow in result.get("flows") or []]
    types = result.get("event_types") or []
    lines.append(
        f'Send it to the account\'s owner: it opens "Sign in with X" ({esc(listing(flows, "or"))}) and subscribes '
        f"{plural(len(types), 'event type')}. Keep it private: whoever holds it can connect an X account."
    )
    if result.get("note"):
        lines.append(f"[dim]{esc(result['note'])}[/]")
    lines.append(next_step("xwebhook accounts", why="once the owner signed in"))
    return lines


def _account_row(account):
    status = account.get("status") or "?"
    if account.get("reason"):
        status += f" ({account['reason']})"
    apis = []
    if account.get("aaa_subscribed"):
        apis.append("AAA")
    if account.get("xaa_subscriptions"):
        apis.append(f"XAA {len(account['xaa_subscriptions'])}")
    connected = account.get("connected_at")
    epoch = connected if isinstance(connected, int | float) else iso_epoch(connected)
    return (
        esc(account.get("user_id")),
        esc("@" + account["screen_name"] if account.get("screen_name") else "-"),
        esc(status),
        esc(", ".join(apis) or "-"),
        esc(local_time(epoch) if epoch else "-"),
    )


def accounts(result, target):
    if not result.get("ok"):
        return [*_failed(result, target, "accounts")]
    listed = result.get("accounts") or []
    if not listed:
        return ["No connected accounts yet.", next_step("xwebhook invite", why="a link an account owner signs in with")]
    from rich.table import Table

    table = Table(box=None, pad_edge=False, title_justify="left")
    for name in ("user id", "handle", "status", "subscribed", "connected"):
        table.add_column(name, overflow="fold")
    for account in listed[:SHOWN]:
        table.add_row(*_account_row(account))
    by_status = result.get("by_status") or {}
    counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in by_status.items() if count)
    lines = [f"{plural(len(listed), 'connected account')}" + (f": {esc(counts)}" if counts else ""), table]
    if len(listed) > SHOWN:
        lines.append(f"[dim]... and {len(listed) - SHOWN:,} more (--json has every one)[/]")
    return lines


# --- replay ------------------------------------------------------------------------------------------------------


def replay(result, target):
    if not result.get("ok"):
        return [*_failed(result, target, "replay")]
    start, end = x_minute(result.get("from_date")), x_minute(result.get("to_date"))
    if start is not None and end is not None:
        minutes = int((end - start) // 60) + 1
        window = (
            f"{esc(local_time(start))} to {esc(local_time(end + 59))} "
            f"({plural(minutes, 'whole minute')}, the current one included)"
        )
    else:
        window = f"{esc(result.get('from_date'))} to {esc(result.get('to_date'))} (UTC)"
    return [
        f"[bold]X is replaying[/] {window}: job {esc(result.get('job_id', '?'))}.",
        "X delivers each event of the window again; ingest drops those already delivered as duplicates, "
        "so nothing reaches your consumers twice.",
        next_step("xwebhook tail", why="in a few seconds: what X missed is there, nothing is doubled"),
    ]


# --- any other action -------------------------------------------------------------------------------------------


def _scalar(value):
    return value is None or isinstance(value, str | int | float | bool)


def generic(result, target):
    action = result.get("action", "?")
    if not result.get("ok"):
        return _failed(result, target, action)
    facts = []
    for key, value in result.items():
        if key in ("action", "ok"):
            continue
        if _scalar(value):
            facts.append(f"{key} {value}")
        elif isinstance(value, list):
            facts.append(
                f"{key}: {plural(len(value), 'item')}"
                if not all(map(_scalar, value)) or len(value) > 5
                else f"{key}: {listing(value) or 'none'}"
            )
    lines = [f"[bold green]{esc(action)}: ok.[/]"]
    if facts:
        lines.append("  " + esc("; ".join(facts[:8])))
    lines.append("[dim]--json prints the whole answer[/]")
    return lines


SUMMARIES = {"ensure": ensure, "status": webhook_status, "invite": invite, "accounts": accounts, "replay": replay}


def summary(result, target=None):
    """Lines for a person of one admin answer (a dict with `action` and `ok`)."""
    if not isinstance(result, dict):
        return [esc(result)]
    return SUMMARIES.get(result.get("action"), generic)(result, target)
