"""What a connected account shares with the app, in plain words, and the scopes a sign-in asks for.

scopes     the OAuth 2.0 scopes of every call the account's token will be used for, from X's document's
           security requirements (x_api/event_types): GET /2/users/me (tweet.read users.read), each private
           XAA type of its set, a refresh token, and the Account Activity subscribe (dm.read dm.write
           tweet.read users.read) only for an account that stays on the Account Activity API with no
           OAuth 1.0a tokens to subscribe it with. Never more: public types are created with the app's token.
shared     for the success page: what the app now receives about the account, and what the owner allowed
           it at X, each scope in words (the permissions X's consent page listed).
lines      the success page's lines about the subscriptions: counts and words, not X's event-type ids
           (the page lists those only folded away, for whoever asks the app's owner about one).
"""

from xwebhook.accounts import apis
from xwebhook.accounts.models import OAUTH2
from xwebhook.x_api import event_types

AAA_RECEIVES = (
    "all of your account's activity the Account Activity API delivers: your posts and the ones you delete, "
    "posts that mention you, reply to you, quote or repost yours, likes, follows, blocks and mutes, and your "
    "Direct Messages (sent, received, read receipts, typing)"
)
OAUTH1_ALLOWS = (
    "read your account's activity with the permissions of the app at X (Read, write and Direct Messages, as "
    "the Account Activity API requires); this app only reads: it never posts, likes, follows or sends messages"
)


def scopes(types, account=None, xaa_from_start=apis.FROM_START_OAUTH2):
    """The scopes an OAuth 2.0 sign-in asks for, for an account (stored, or None: a new one) subscribed to
    `types`, with CONNECT_XAA_FROM_START deciding where a new account goes."""
    return event_types.scopes_for(types, aaa_oauth2=apis.oauth2_sign_in_on_aaa(account, xaa_from_start))


def shared(flow, subscribed_types, aaa_subscribed, granted_scopes):
    """(what the app receives, what the owner allowed): lists of sentences for the success page."""
    receives = event_types.shared_words(subscribed_types)
    if aaa_subscribed:
        receives.append(AAA_RECEIVES)
    if flow == OAUTH2:
        allows = [event_types.SCOPE_WORDS.get(scope, scope) for scope in sorted(granted_scopes)]
    else:
        allows = [OAUTH1_ALLOWS]
    return receives, allows


def type_words(name):
    """An XAA event type in an account owner's words ("Direct Messages you receive"); its id when it has none."""
    found = event_types.xaa_type(name)
    return found.words if found is not None and found.words else name


def subscribed_line(types):
    return f"X Activity API: subscribed to {len(types)} event {'type' if len(types) == 1 else 'types'}"


def later_line(types):
    """The types subscribed later (private ones of an OAuth 1.0a sign-in: ensure makes them)."""
    words = "; ".join(event_types.shared_words(types)) or ", ".join(types)
    return f"X Activity API: {len(types)} more ({words}) are subscribed by the app shortly"


def problem_line(name, error):
    """One type X would not subscribe: its words first, its id after (the app's owner needs it)."""
    return f"{type_words(name)} ({name}): {error}"
