"""Every way a sign-in can fail, by name: the HTTP status, a title and what to do, in plain words. The connect
function's one error -> status table: the flow names a failure (its ordered checks, X's answers), or a
dependency raises one of RAISED, and the page and status come from here.

The names appear in the connect function's log line (`outcome`), so a failure a browser saw can be found;
the words are all the account owner sees (never X's raw answer, a token or a URL of ours but /connect).
`restart`: the page offers to start again (the same invite, when there was one).
"""

from dataclasses import dataclass

from xwebhook.accounts.store import AccountsUnavailable
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.credentials.x_credentials import CredentialsError, MissingCredential


@dataclass(frozen=True)
class Failure:
    status: int
    title: str
    advice: str
    restart: bool = False


ASK_OWNER = "Ask the app's owner for a new invitation link."
START_AGAIN = "Start again from the invitation link."

FAILURES = {
    # GET /connect: who may start a sign-in
    "invite_missing": Failure(403, "An invitation is needed", "This page opens from an invitation link. " + ASK_OWNER),
    "invite_invalid": Failure(
        403, "This invitation link is not valid", "It may be mistyped, or withdrawn. " + ASK_OWNER
    ),
    "invite_expired": Failure(403, "This invitation has expired", ASK_OWNER),
    "invite_used_up": Failure(403, "This invitation has already been used", ASK_OWNER),
    "invite_for_another_account": Failure(
        403,
        "This invitation is for another X account",
        "Sign in to X with the account the invitation was made for, or ask the app's owner for a new one.",
    ),
    "flow_not_offered": Failure(403, "This invitation does not offer that kind of sign-in", ASK_OWNER),
    "unknown_flow": Failure(400, "Unknown sign-in", "The link asks for a sign-in this app does not know."),
    "user_not_allowed": Failure(
        403,
        "This X account may not be connected",
        "The app's owner only lets some accounts connect. Nothing was saved.",
    ),
    # GET /connect/callback: is this the sign-in this browser started?
    "missing_state": Failure(
        400, "This page cannot be opened directly", "It is where X sends you back after you sign in. " + START_AGAIN
    ),
    "no_cookie": Failure(
        400,
        "This sign-in was not started in this browser",
        "Your browser did not keep the sign-in cookie (or the sign-in was started elsewhere). " + START_AGAIN,
        restart=True,
    ),
    "cookie_invalid": Failure(400, "This sign-in cannot be checked", START_AGAIN, restart=True),
    "sign_in_expired": Failure(
        400, "This sign-in took too long", "A sign-in must be finished within 10 minutes. " + START_AGAIN, restart=True
    ),
    "state_mismatch": Failure(
        400,
        "This answer from X belongs to another sign-in",
        "Nothing was saved. If you started several sign-ins, finish the last one, or " + START_AGAIN.lower(),
        restart=True,
    ),
    "state_unknown": Failure(
        400,
        "This sign-in was already finished or has expired",
        "Nothing more was saved. Each sign-in link works once.",
        restart=True,
    ),
    "oauth_token_mismatch": Failure(
        400, "This answer from X belongs to another sign-in", "Nothing was saved. " + START_AGAIN, restart=True
    ),
    "missing_code": Failure(400, "X sent no sign-in code", "Nothing was saved. " + START_AGAIN, restart=True),
    # X's answers
    "access_denied": Failure(
        200,
        "You cancelled the sign-in",
        "Nothing was saved and the app got no access to your account. To connect it after all, start again.",
        restart=True,
    ),
    "x_refused": Failure(
        400, "X did not let this sign-in go through", "Nothing was saved. " + START_AGAIN, restart=True
    ),
    "code_rejected": Failure(
        400,
        "X did not accept the sign-in",
        "The sign-in code lives about 30 seconds and works once. Nothing was saved. " + START_AGAIN,
        restart=True,
    ),
    "token_endpoint_down": Failure(
        502,
        "X did not answer",
        "X's sign-in service failed or timed out. Nothing was saved and nothing was subscribed. Please try again.",
        restart=True,
    ),
    "x_unavailable": Failure(502, "X could not be reached", "Nothing was saved. Please try again.", restart=True),
    "callback_not_confirmed": Failure(
        502,
        "X did not accept this app's sign-in address",
        "The app's settings at X must list this site's callback URL exactly. Tell the app's owner.",
    ),
    # ours
    "store_unavailable": Failure(
        503, "The app could not save this sign-in", "Nothing was saved. Please try again.", restart=True
    ),
    "misconfigured": Failure(503, "Connecting accounts is not set up", "Tell the app's owner: see its connect log."),
    "no_x_keys": Failure(
        503,
        "This app cannot send you to X yet",
        "Its owner has not given it the X keys a sign-in needs, so nothing started and nothing was saved. "
        "Tell the app's owner. (If it is your app: the connect log names the key missing from its X credentials "
        "secret; a local stack without an X account needs X emulated: make run X_EMULATOR=1.)",
    ),
    "off": Failure(404, "Connecting accounts is switched off", "This app does not connect accounts."),
    "not_found": Failure(404, "Not found", "There is nothing here."),
}


# What the flow's dependencies raise, by the failure the browser is shown (flow.py ConnectFlow._guarded): the
# accounts table down is worth a retry (503); a secret missing or unreadable needs the app's owner.
RAISED = {
    AccountsUnavailable: "store_unavailable",
    MissingCredential: "no_x_keys",  # before CredentialsError, its base: a key the sign-in needs is not set
    CredentialsError: "misconfigured",
    SecretUnavailable: "misconfigured",
}


def failure(name):
    return FAILURES[name]


def raised(exc):
    """The failure name of an exception of RAISED."""
    return next(name for kind, name in RAISED.items() if isinstance(exc, kind))
