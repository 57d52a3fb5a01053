"""The X Activity API's event types: who may subscribe with which credential, the OAuth 2.0 scope each
needs, what X charges per delivered event, and which XAA types stand for what the Account Activity API
delivered. Facts from shared/x-oauth.md (X's docs, spec v2.167/2.168, 2026-08 price list); the places
where X's sources disagree are marked ⚠ and resolved for the stricter reading.

Used by connect (the scopes to ask for), ensure and migrate (the desired subscriptions, auth per type,
the cost estimate). Plain data: no I/O, nothing imported.
"""

from dataclasses import dataclass

PUBLIC = "public"  # the app-only bearer token may create the subscription
PRIVATE = "private"  # the account's OAuth 2.0 user token (⚠ OAuth 1.0a user context in some reports)

# Scopes every OAuth 2.0 sign-in asks for besides the types' own: who signed in (GET /2/users/me)
# and a refresh token (access tokens live 2 h).
BASE_SCOPES = ("users.read", "offline.access")


@dataclass(frozen=True)
class XaaType:
    name: str
    privacy: str  # PUBLIC or PRIVATE
    scope: str  # the OAuth 2.0 scope that covers it
    price_usd: float | None  # per delivered event (Pay Per Use, 2026-08); 0.0 = not billed; None = not published
    actor_only: bool = False  # filter.user_id must be the token's own user, no direction (mute, block)
    directions: tuple = ()  # filter.direction values X documents for the type ("inbound", "outbound")
    note: str = ""


def _types(names, **attributes):
    return {name: XaaType(name, **attributes) for name in names}


POST_PRICE = 0.005  # "other post events are billed as a Post"

CATALOGUE = {
    **_types(
        ["post.create"],
        privacy=PUBLIC,
        scope="tweet.read",
        price_usd=POST_PRICE,
        note="protected accounts' posts are never delivered",
    ),
    **_types(["post.delete"], privacy=PUBLIC, scope="tweet.read", price_usd=0.0),
    **_types(
        ["post.mention.create", "post.reply.create", "post.quote.create", "post.repost.create"],
        privacy=PRIVATE,
        scope="tweet.read",
        price_usd=POST_PRICE,
        note="explicit mentions and direct replies only: replies deeper in a thread are not delivered",
    ),
    # ⚠ The price list does not name likes; the docs' and the spec's field names differ.
    **_types(["like.create"], privacy=PRIVATE, scope="like.read", price_usd=None, directions=("inbound", "outbound")),
    # ⚠ Privacy of follows is not stated: treated as private (a user token works for public types too).
    **_types(["follow.follow", "follow.unfollow"], privacy=PRIVATE, scope="tweet.read", price_usd=0.010),
    **_types(["mute.mute", "mute.unmute"], privacy=PRIVATE, scope="mute.read", price_usd=0.001, actor_only=True),
    **_types(["block.block", "block.unblock"], privacy=PRIVATE, scope="block.read", price_usd=0.001, actor_only=True),
    **_types(["dm.received"], privacy=PRIVATE, scope="dm.read", price_usd=0.010),
    **_types(["dm.sent", "dm.read", "dm.indicate_typing"], privacy=PRIVATE, scope="dm.read", price_usd=0.0),
    **_types(["chat.received"], privacy=PRIVATE, scope="dm.read", price_usd=0.010),
    **_types(["chat.sent"], privacy=PRIVATE, scope="dm.read", price_usd=0.0),
    **_types(["chat.conversation.join"], privacy=PRIVATE, scope="dm.read", price_usd=None),
    **_types(
        [
            "profile.update." + field
            for field in (
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
        ],
        privacy=PUBLIC,
        scope="tweet.read",
        price_usd=0.005,
    ),
    **_types(["broadcast.start", "broadcast.end"], privacy=PUBLIC, scope="tweet.read", price_usd=None),
    # ⚠ The docs say broadcast.read for broadcast.chat; the spec says tweet.read (asked for here).
    **_types(["broadcast.chat"], privacy=PUBLIC, scope="tweet.read", price_usd=None),
    **_types(["spaces.start", "spaces.end"], privacy=PUBLIC, scope="tweet.read", price_usd=0.005),
    **_types(["news.new"], privacy=PUBLIC, scope="tweet.read", price_usd=0.005, note="keyword filter; Enterprise"),
    # ⚠ Missing from the spec's enum; its filter may be {}. How to subscribe to it is an open question.
    **_types(["oauth.revoke"], privacy=PRIVATE, scope="tweet.read", price_usd=0.0),
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


def xaa_type(name):
    """The XaaType for `name`, or None when X does not document it (profile.update.* included)."""
    return CATALOGUE.get(name)


def is_known(name):
    return name in CATALOGUE


def scopes_for(event_types):
    """The OAuth 2.0 scopes a sign-in must ask for to subscribe to `event_types`, sorted, with BASE_SCOPES."""
    scopes = set(BASE_SCOPES)
    for name in event_types:
        known = CATALOGUE.get(name)
        if known is None:
            raise ValueError(f"unknown XAA event type {name!r}")
        scopes.add(known.scope)
    return tuple(sorted(scopes))


def needs_user_token(event_types):
    """True when any of `event_types` is private (an OAuth 2.0 user token must create it)."""
    return any(CATALOGUE[name].privacy == PRIVATE for name in event_types)
