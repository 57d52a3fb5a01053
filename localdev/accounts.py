"""`make accounts N=500`: many AAA accounts on the running local stack (`make run X_EMULATOR=1`), as an app
that has had them for years would have them, to try `xwebhook migrate` at scale.

For each account: OAuth 1.0a tokens X's emulator accepts (and with --oauth2-share an OAuth 2.0 token with
every scope), an Account Activity subscription on the stack's webhook, and a record in the stack's
accounts table as connect stores an account that signed in with OAuth 1.0a (on AAA, the 17 AAA parity
event types). With --activity each account also produces a few events (AAA deliveries through the
gateway: the dedup table counts them, so `migrate plan` can propose a `fit`).

The emulator is set up as an Enterprise app unless told otherwise: 75,000 XAA subscriptions (--x-cap), and
its rate limits raised so that moving 500 accounts takes minutes, not the 4 h 15 min X's 500 creates per
15 minutes would take (--x-limits keeps X's own; `migrate plan` says how long they make it take at X).

    make accounts N=500
    make accounts ARGS='--count 200 --oauth2-share 0.1 --activity'
"""

import argparse
import json
import sys
import time
import urllib.request

from localdev import stack
from xwebhook.accounts.dynamodb import account_item
from xwebhook.accounts.models import Account
from xwebhook.utc import iso
from xwebhook.x_api.event_types import AAA_PARITY
from xwebhook.x_api.tokens import OAuth1Tokens, OAuth2Tokens

FIRST_ID = 1_600_000_000
ENTERPRISE_CAP = 75_000
AAA_LIMIT = 20_000  # the app's Account Activity subscriptions (Enterprise: 5,000 and more): rollbacks fit
RAISED_LIMIT = 1_000_000  # calls per 15 minutes on each XAA and AAA subscription endpoint (with --x-limits: X's)
RAISED_BUCKETS = (
    "xaa create",
    "xaa list",
    "xaa update",
    "xaa delete",
    "POST /2/account_activity/webhooks/:webhook_id/subscriptions/all",
    "GET /2/account_activity/webhooks/:webhook_id/subscriptions/all/list",
    "DELETE /2/account_activity/webhooks/:webhook_id/subscriptions/:user_id/all",
)
ACTIVITY_KINDS = ("post", "mention", "like", "dm", "follow")
ALL_SCOPES = ("tweet.read", "users.read", "offline.access", "like.read", "dm.read", "mute.read", "block.read")
BATCH = 25  # DynamoDB's BatchWriteItem takes 25 items


class SeedError(RuntimeError):
    """Something the operator can fix: no emulator, the webhook not registered, ..."""


def control(state, path, document):
    """POST `document` to the emulator's control plane; its JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - the local emulator
        state["emulator_url"].rstrip("/") + path,
        data=json.dumps(document).encode(),
        headers={"Content-Type": "application/json", "X-Emulator-Token": state["emulator_control_token"]},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
        return json.loads(answer.read())


def accounts_for(count, first_id, oauth2_share, stamp):
    """(Account, the emulator's user entry) for each of `count` accounts."""
    made = []
    every = round(1 / oauth2_share) if oauth2_share else 0
    for index in range(count):
        user_id = str(first_id + index)
        tokens = OAuth1Tokens(f"{user_id}-seeded-token", f"{user_id}-seeded-secret")
        user = {
            "user_id": user_id,
            "access_token": tokens.access_token,
            "access_token_secret": tokens.access_token_secret,
        }
        account = Account(
            user_id,
            screen_name=f"seeded{index}",
            oauth1=tokens,
            event_types=AAA_PARITY,
            aaa=True,
            aaa_subscribed=True,
            connected_at=stamp,
            updated_at=stamp,
        )
        if every and index % every == 0:
            access = f"{user_id}-seeded-oauth2"
            account = account.with_changes(oauth2=OAuth2Tokens(access, None, time.time() + 30 * 86400, ALL_SCOPES))
            user["oauth2"] = {"access_token": access, "scopes": list(ALL_SCOPES)}
        made.append((account, user))
    return made


def store(state, accounts):
    """Write the accounts into the stack's accounts table (version 1: as if connect had stored them)."""
    table = state["functions"]["admin"].get("ACCOUNTS_TABLE")
    if not table:
        raise SeedError("the local stack has no accounts table (its admin function has no ACCOUNTS_TABLE)")
    client = stack.aws_client(state, "dynamodb")
    for start in range(0, len(accounts), BATCH):
        items = [{"PutRequest": {"Item": account_item(account, 1)}} for account in accounts[start : start + BATCH]]
        pending = {table: items}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def seed(state, count, first_id=FIRST_ID, oauth2_share=0.0, activity=False, x_cap=ENTERPRISE_CAP, x_limits=False):
    """Make `count` AAA accounts on the running local stack; a summary dict."""
    if not state.get("emulator_url"):
        raise SeedError("the local stack runs against X itself: start it with `make run X_EMULATOR=1`")
    from xwebhook.cli.target import from_state

    target = from_state(state)
    ensured = target.invoke_admin("ensure")
    webhook = (ensured.get("webhook") or {}).get("id")
    if not webhook or not ensured.get("webhook_valid"):
        raise SeedError(f"the webhook is not registered and valid: {ensured.get('error', 'ensure said so')}")
    settings = {"subscription_limit": x_cap, "page_size": 1000}  # X lists up to 1,000 a page
    if not x_limits:
        settings.update(rate_limits=dict.fromkeys(RAISED_BUCKETS, RAISED_LIMIT))
    control(state, "/_emulator/xaa", settings)
    stamp = iso()
    made = accounts_for(count, first_id, oauth2_share, stamp)
    users = {"users": [user for _, user in made], "aaa_webhook_id": webhook, "aaa_subscription_limit": AAA_LIMIT}
    control(state, "/_emulator/users", users)
    store(state, [account for account, _ in made])
    sent = 0
    if activity:
        for index, (account, _) in enumerate(made):
            kinds = (ACTIVITY_KINDS[index % len(ACTIVITY_KINDS)], ACTIVITY_KINDS[(index + 1) % len(ACTIVITY_KINDS)])
            for kind in kinds:
                control(state, "/_emulator/activity", {"kind": kind, "for_user_id": account.user_id})
                sent += 1
    return {
        "accounts": count,
        "first_user_id": str(first_id),
        "webhook_id": webhook,
        "with_oauth2": sum(1 for account, _ in made if account.oauth2 is not None),
        "activities": sent,
        "x_cap": x_cap,
        "x_rate_limits": "X's own" if x_limits else f"raised to {RAISED_LIMIT:,} per 15 min",
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make accounts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="how many accounts (default 500)")
    parser.add_argument("--first-id", type=int, default=FIRST_ID, help="the first account's user id")
    parser.add_argument("--oauth2-share", type=float, default=0.0, help="share of accounts with an OAuth 2.0 token")
    parser.add_argument("--activity", action="store_true", help="each account produces a few AAA events")
    parser.add_argument("--x-cap", type=int, default=ENTERPRISE_CAP, help="the emulator's XAA subscription cap")
    parser.add_argument("--x-limits", action="store_true", help="keep X's rate limits (500 creates per 15 min)")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    options = parser.parse_args(argv)
    if not 0 < options.count <= 10000 or not 0 <= options.oauth2_share <= 1:
        parser.error("--count is 1 to 10000, --oauth2-share 0 to 1")
    try:
        state = stack.read_state(options.state_file)
        summary = seed(
            state,
            options.count,
            options.first_id,
            options.oauth2_share,
            options.activity,
            options.x_cap,
            options.x_limits,
        )
    except (stack.StackNotRunning, SeedError) as exc:
        print(f"make accounts: {exc}", file=sys.stderr)
        return 2
    print(
        f"{summary['accounts']} AAA accounts from user id {summary['first_user_id']} on webhook "
        f"{summary['webhook_id']} ({summary['with_oauth2']} with an OAuth 2.0 token, {summary['activities']} "
        f"activities); the emulator: cap {summary['x_cap']:,}, rate limits {summary['x_rate_limits']}.\n"
        "Next: .venv/bin/xwebhook migrate plan   (the runbook: docs/migrate.md)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
