"""X's published contract, as far as this project uses it: our extract of X's OpenAPI document.

X publishes its API as `openapi.json` in the public repository xdevplatform/docs. We never copy that
document whole: `make x-contract SPEC=...` (python -m localdev.x_contract) extracts the operations we call
(OPERATIONS) with every component they reference into `extract.openapi.json` beside this file: a valid,
self-contained OpenAPI document that records the repository, commit and `info.version` it came from
(`x-extracted-from`), and prints what changed for those operations, their parameters, schemas, scopes and
the XAA event types since the extract before.

Who reads the extract:
  localdev/x_emulator/referee.py   the emulator validates every request against it (openapi-core) and
                                   refuses what X's document refuses
  tests                            the emulator's answers against its response schemas; our event-type
                                   catalogue and scopes against its enum and security requirements
  catalogue.py                     the same comparison, printed by `make x-contract`

  extract.py     extract(document, source) -> the extract; load() the committed one
  changes.py     what changed between two extracts, in lines for a person
  catalogue.py   where our catalogue (xwebhook.x_api.event_types) and the extract disagree, by name
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRACT_PATH = HERE / "extract.openapi.json"

# (method, path) of every X API v2 operation we call or the emulator answers, with what uses it.
OPERATIONS = (
    ("get", "/2/webhooks", "admin: list webhooks"),
    ("post", "/2/webhooks", "admin: register"),
    ("put", "/2/webhooks/{webhook_id}", "admin: revalidate (a CRC)"),
    ("delete", "/2/webhooks/{webhook_id}", "admin: delete"),
    ("post", "/2/webhooks/replay", "admin: replay, recovery"),
    ("post", "/2/account_activity/webhooks/{webhook_id}/subscriptions/all", "AAA subscribe (connect, ensure)"),
    ("get", "/2/account_activity/webhooks/{webhook_id}/subscriptions/all", "AAA: is the user subscribed"),
    ("get", "/2/account_activity/webhooks/{webhook_id}/subscriptions/all/list", "AAA: subscribed users"),
    ("get", "/2/account_activity/subscriptions/count", "AAA: subscription counts"),
    ("delete", "/2/account_activity/webhooks/{webhook_id}/subscriptions/{user_id}/all", "AAA unsubscribe"),
    ("get", "/2/activity/subscriptions", "XAA list (ensure, migrate, status)"),
    ("post", "/2/activity/subscriptions", "XAA create (connect, ensure, migrate)"),
    ("put", "/2/activity/subscriptions/{subscription_id}", "XAA update (tag, webhook)"),
    ("delete", "/2/activity/subscriptions/{subscription_id}", "XAA delete"),
    ("get", "/2/users/me", "connect: who signed in"),
)
CREATE_XAA = ("post", "/2/activity/subscriptions")
SUBSCRIBE_AAA = ("post", "/2/account_activity/webhooks/{webhook_id}/subscriptions/all")
USERS_ME = ("get", "/2/users/me")
