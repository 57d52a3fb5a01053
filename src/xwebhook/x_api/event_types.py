"""The X Activity API's event types: which X lets us create, who may create them with which credential,
the OAuth 2.0 scopes each call of ours needs, what X charges per delivered event, and which XAA types
stand for what the Account Activity API delivered.

Held to X's published contract (openapi.json of xdevplatform/docs, info.version 2.167; our extract is
localdev/x_contract/extract.openapi.json): the creatable types are the `event_type` enum of the create
request, the per-type scopes its description's rule ("dm.read for chat.* and dm.* events, ... tweet.read for
all other event types"), the operation scopes the operations' OAuth 2.0 security requirements. A test
(tests/unit/x_api/test_catalogue_against_x.py) fails by name when X adds a type or changes a scope;
`make x-contract` prints the same findings for a newer document. Privacy, filters and prices come from
X's pages (x-api/activity/introduction.mdx, the 2026-08 price list); where X's sources disagree (⚠) the
stricter reading is taken, or both are asked for.

Used by connect (the scopes to ask for, the words of its success page), ensure and migrate (the desired
subscriptions, auth per type, the cost estimate). Plain data: no I/O, nothing imported.
"""

from dataclasses import dataclass

PUBLIC = "public"  # the app-only bearer token may create the subscription
PRIVATE = "private"  # the account's OAuth 2.0 user token (⚠ OAuth 1.0a user context in some reports)
USER_FILTER = "user_id"  # filter {"user_id": <account>}: one subscription per account
KEYWORD_FILTER = "keyword"  # filter {"keyword": ...}: belongs to no account (news.new)

# The OAuth 2.0 scopes of each call an account's token is used for: the OAuth2UserToken security
# requirement of the operation in X's document (checked by the catalogue test).
USERS_ME_SCOPES = ("tweet.read", "users.read")  # GET /2/users/me: who signed in
AAA_SUBSCRIBE_SCOPES = ("dm.read", "dm.write", "tweet.read", "users.read")  # POST .../subscriptions/all
REFRESH_SCOPE = "offline.access"  # a refresh token: access tokens live 2 h
OPERATION_SCOPES = {"users_me": USERS_ME_SCOPES, "aaa_subscribe": AAA_SUBSCRIBE_SCOPES}
# Every sign-in: who signed in, and a refresh token. (The old name, kept for callers written against it.)
BASE_SCOPES = (*USERS_ME_SCOPES, REFRESH_SCOPE)

# What each scope lets this app see or do, in the words the success page uses (X's own descriptions
# are for X's consent page; these say what the app does with it).
SCOPE_WORDS = {
    "tweet.read": "read posts: yours, and posts that mention you, reply to, quote or repost yours",
    "users.read": "read your profile (to know which account signed in)",
    "offline.access": "stay connected without you signing in again (a refresh token)",
    "dm.read": "read your Direct Messages and chats (sent, received, read receipts, typing)",
    "dm.write": (
        "send Direct Messages as you: X requires this permission to subscribe an account to the Account "
        "Activity API; this app never sends any"
    ),
    "like.read": "see the posts you like and the likes your posts get",
    "mute.read": "see the accounts you mute and unmute",
    "block.read": "see the accounts you block and unblock",
    "broadcast.read": "read the chat of live broadcasts you own",
}


@dataclass(frozen=True)
class XaaType:
    name: str
    privacy: str  # PUBLIC or PRIVATE
    scopes: tuple  # the OAuth 2.0 scopes a user token needs to create it (X's rule; ⚠ both where X differs)
    price_usd: float | None  # per delivered event (Pay Per Use, 2026-08); 0.0 = not billed; None = not published
    actor_only: bool = False  # filter.user_id must be the token's own user, no direction (mute, block)
    directions: tuple = ()  # filter.direction values X documents for the type ("inbound", "outbound")
    filter: str = USER_FILTER  # the filter X documents for it: USER_FILTER or KEYWORD_FILTER
    words: str = ""  # what an account shares through it, for people
    note: str = ""

    @property
    def scope(self):
        """The type's first scope (callers written before a type could need two)."""
        return self.scopes[0]


def _types(names, scopes=("tweet.read",), **attributes):
    return {name: XaaType(name, scopes=tuple(scopes), **attributes) for name in names}


POST_PRICE = 0.005  # "other post events are billed as a Post"
PROFILE_FIELDS = (
    "bio",
    "profile_picture",
    "banner_picture",
    "screenname",
    "handle",
    "geo",
    "url",
    "verified_badge",
    "affiliate_badge",
)
CHAT_CONVERSATION = (
    "chat.conversation.join",
    "chat.conversation.member_added",
    "chat.conversation.member_removed",
    "chat.conversation.admin_added",
    "chat.conversation.admin_removed",
    "chat.update.group_name",
    "chat.update.restrictions",
)

# The types X lets an app create: the create request's `event_type` enum (aliases apart, below).
CATALOGUE = {
    **_types(
        ["post.create"],
        privacy=PUBLIC,
        price_usd=POST_PRICE,
        words="your posts",
        note="protected accounts' posts are never delivered",
    ),
    **_types(["post.delete"], privacy=PUBLIC, price_usd=0.0, words="the posts you delete"),
    **_types(
        ["post.mention.create", "post.reply.create", "post.quote.create", "post.repost.create"],
        privacy=PRIVATE,
        price_usd=POST_PRICE,
        words="posts that mention you, reply to you, quote or repost your posts",
        note="explicit mentions and direct replies only: replies deeper in a thread are not delivered",
    ),
    # ⚠ The price list does not name likes; the docs' and the spec's field names differ.
    **_types(
        ["like.create"],
        scopes=("like.read",),
        privacy=PRIVATE,
        price_usd=None,
        directions=("inbound", "outbound"),
        words="likes you give and likes your posts get",
    ),
    # ⚠ Privacy of follows is not stated: treated as private (a user token works for public types too).
    **_types(["follow.follow", "follow.unfollow"], privacy=PRIVATE, price_usd=0.010, words="follows and unfollows"),
    **_types(
        ["mute.mute", "mute.unmute"],
        scopes=("mute.read",),
        privacy=PRIVATE,
        price_usd=0.001,
        actor_only=True,
        words="accounts you mute and unmute",
    ),
    **_types(
        ["block.block", "block.unblock"],
        scopes=("block.read",),
        privacy=PRIVATE,
        price_usd=0.001,
        actor_only=True,
        words="accounts you block and unblock",
    ),
    **_types(
        ["dm.received"], scopes=("dm.read",), privacy=PRIVATE, price_usd=0.010, words="Direct Messages you receive"
    ),
    **_types(["dm.sent"], scopes=("dm.read",), privacy=PRIVATE, price_usd=0.0, words="Direct Messages you send"),
    **_types(
        ["dm.read", "dm.indicate_typing"],
        scopes=("dm.read",),
        privacy=PRIVATE,
        price_usd=0.0,
        words="read receipts and typing in your Direct Messages",
    ),
    **_types(
        ["chat.received"], scopes=("dm.read",), privacy=PRIVATE, price_usd=0.010, words="encrypted chats you receive"
    ),
    **_types(["chat.sent"], scopes=("dm.read",), privacy=PRIVATE, price_usd=0.0, words="encrypted chats you send"),
    **_types(
        CHAT_CONVERSATION,
        scopes=("dm.read",),
        privacy=PRIVATE,
        price_usd=None,
        words="changes to your encrypted chat conversations (joins, members, admins, name, restrictions)",
    ),
    **_types(
        ["profile.update." + field for field in PROFILE_FIELDS],
        privacy=PUBLIC,
        price_usd=0.005,
        words="changes to your profile",
    ),
    **_types(
        ["broadcast.start", "broadcast.end"], privacy=PUBLIC, price_usd=None, words="your live broadcasts starting"
    ),
    # ⚠ introduction.mdx: private, broadcast.read. The create operation's rule: tweet.read ("all other
    # event types"). Both are asked for, so the subscription works whichever X applies.
    **_types(
        ["broadcast.chat"],
        scopes=("broadcast.read", "tweet.read"),
        privacy=PRIVATE,
        price_usd=None,
        words="chat messages in live broadcasts you own",
    ),
    **_types(["spaces.start", "spaces.end"], privacy=PUBLIC, price_usd=0.005, words="your Spaces starting and ending"),
    **_types(
        ["news.new"],
        privacy=PUBLIC,
        price_usd=0.005,
        filter=KEYWORD_FILTER,
        words="Grok-curated news for a keyword",
        note="keyword filter; Enterprise",
    ),
}
# Names X takes in a create and answers with another ("responses always use the canonical name").
ALIASES = {"chat.conversation_join": "chat.conversation.join"}
# Delivered by X but not creatable: not in the create request's enum (X sends it when an owner revokes
# the app; ingest reads it as a revoke signal).
RECEIVED_ONLY = {
    "oauth.revoke": XaaType("oauth.revoke", PRIVATE, (), 0.0, filter="", words="that you revoked the app"),
}

# What an AAA subscription delivered, as XAA types: the default event-type set of an account
# (about 17 subscriptions per account, x-oauth.md). AAA's `favorite_events` carry likes both of and by
# the account, hence like.create in both directions.
AAA_KIND_TO_XAA = {
    "tweet_create": (
        "post.create",
        "post.mention.create",
        "post.reply.create",
        "post.quote.create",
        "post.repost.create",
    ),
    "tweet_delete": ("post.delete",),
    "favorite": ("like.create",),
    "follow": ("follow.follow", "follow.unfollow"),
    "mute": ("mute.mute", "mute.unmute"),
    "block": ("block.block", "block.unblock"),
    "direct_message": ("dm.sent", "dm.received"),
    "direct_message_indicate_typing": ("dm.indicate_typing",),
    "direct_message_mark_read": ("dm.read",),
}
AAA_PARITY = tuple(name for names in AAA_KIND_TO_XAA.values() for name in names)

# What XAA does not deliver that AAA did: said by migrate's plan.
XAA_GAPS = (
    "posts of protected accounts (post.create never delivers them)",
    "implicit mentions: only explicit @mentions are post.mention.create",
    "replies deeper in a thread than a direct reply to the account",
)


def canonical(name):
    """The name X answers with: an alias's canonical name, any other name unchanged."""
    return ALIASES.get(name, name)


def xaa_type(name):
    """The XaaType of a creatable type (an alias gives its canonical type), or None."""
    return CATALOGUE.get(ALIASES.get(name, name))


def is_creatable(name):
    """X's create request takes it (its enum, aliases included)."""
    return xaa_type(name) is not None


def is_delivered(name):
    """X may deliver events of this type (the creatable ones and RECEIVED_ONLY)."""
    return is_creatable(name) or name in RECEIVED_ONLY


def not_for_accounts(name):
    """Why an account's event-type set cannot hold `name`, or None when it can."""
    if name in RECEIVED_ONLY:
        return f"{name} is not a type X lets an app subscribe to (X delivers it without a subscription)"
    known = xaa_type(name)
    if known is None:
        return f"{name} is not an X Activity API event type"
    if known.filter != USER_FILTER:
        return f"{name} filters on a {known.filter}, not an account: it cannot be an account's event type"
    return None


def is_known(name):
    """An account's event-type set may hold it: creatable with a user_id filter (aliases included)."""
    return not_for_accounts(name) is None


def scopes_for(event_types, aaa_oauth2=False):
    """The OAuth 2.0 scopes a sign-in must ask for, sorted: who signed in (GET /2/users/me), a refresh
    token, each private type's scopes (X's rule per type), and, with `aaa_oauth2`, what the Account Activity
    subscribe takes from an OAuth 2.0 token. Public types are created with the app's bearer token: they
    add nothing. ValueError names a type no account can be subscribed to."""
    scopes = set(BASE_SCOPES)
    for name in event_types:
        why = not_for_accounts(name)
        if why is not None:
            raise ValueError(f"unknown XAA event type {name!r}: {why}")
        known = xaa_type(name)
        if known.privacy == PRIVATE:
            scopes.update(known.scopes)
    if aaa_oauth2:
        scopes.update(AAA_SUBSCRIBE_SCOPES)
    return tuple(sorted(scopes))


def needs_user_token(event_types):
    """True when any of `event_types` is private (an OAuth 2.0 user token must create it)."""
    return any(xaa_type(name).privacy == PRIVATE for name in event_types)


def shared_words(event_types):
    """What an account shares through `event_types`, in plain words, one line per kind of thing."""
    return list(dict.fromkeys(xaa_type(name).words for name in event_types if xaa_type(name) and xaa_type(name).words))
