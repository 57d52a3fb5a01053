"""X Activity API subscriptions as X documents them, with each of the readings X's sources leave open.

X's published document (our extract, refereed in referee.py before a request gets here) settles the
request shapes: the event types (its enum), the filter's fields, `tag` 1-200 characters, `webhook_id` and
`subscription_id` patterns, `max_results` 1-1000, `pagination_token` at least 16 characters, and who may
call each operation. What is left here is what X states in words:
- create: a `user_id` filter for every type but news.new, which filters on `keyword` (activity
  introduction); no `direction` for mute.* and block.* (actor-only: the filter's user must be the token's
  own, the create operation's description); a `webhook_id` of a v2 webhook of the app; a second subscription
  with the same event type, filter and webhook is a duplicate; past the app's cap (`xaa_subscription_limit`)
  the cap error. The deprecated alias chat.conversation_join is stored and answered as chat.conversation.join.
  Update changes only `tag` and `webhook_id`.
- who may create: public event types with the app's bearer token; private ones with a user context for
  the filter's own user: an OAuth 2.0 user token holding the type's scope (X's rule in the create
  operation's description), or (switch `xaa_oauth1`) OAuth 1.0a. The bearer token is refused for private
  types (switch `xaa_bearer_private`).
- answers, as the document shapes them: create {"data": {"subscription": {...}}}, update the same plus
  `data.total_subscriptions`, delete {"data": {"deleted": true}}, list {"data": [...]}.
- rate limits: 500 calls / 15 min per app on each endpoint (`rate_limits` overrides, with
  `enforce_rate_limits`).

The readings X's document leaves open, each a named setting on the emulator (and over the control plane,
control_xaa.py); the defaults are marked *:
  xaa_token_at       where the list's next-page token goes: *"meta.next_token" (X's SDK),
                     "meta.pagination_token", "next_token" (top level), "none" (the document's schema has
                     only data and errors: no token at all, so a client sees one full page and nothing else)
  xaa_total_at       where the list says how many there are: *"meta.total_subscriptions", "none"
  xaa_shape          create/update answers: *"document" {"data": {"subscription": {...}}}, "flat"
                     {"data": {...}}, "list" {"data": [{...}], "meta": {...}} (outside the document)
  xaa_duplicate      the duplicate error: *"invalid-request" (400, X's problem naming DuplicateSubscription),
                     "conflict" (409)
  xaa_duplicate_id   whether that error names the existing subscription's id (*True)
  xaa_cap            the cap error: *"invalid-request" (400, SubscriptionLimitExceeded), "usage-capped"
                     (429, X's usage-capped problem), "forbidden" (403 client-forbidden)
  xaa_delete_unknown deleting an id X does not have: *"not-found" (404 resource-not-found), "not-deleted"
                     (200 {"data": {"deleted": false}})
  xaa_broadcast_chat_scope  the scope broadcast.chat needs: *"broadcast.read" (introduction.mdx),
                     "tweet.read" (the create operation's rule)
Pagination tokens are base32hex, as the document says ("A base32hex-encoded pagination token", 16+
characters): the offset, encoded.
"""

import base64

from localdev.x_emulator import errors

SHAPES = ("document", "flat", "list")
OUTSIDE_DOCUMENT_SHAPES = ("list",)
TOKEN_PLACES = ("meta.next_token", "meta.pagination_token", "next_token", "none")
TOTAL_PLACES = ("meta.total_subscriptions", "none")
DUPLICATE_READINGS = ("invalid-request", "conflict")
CAP_READINGS = ("invalid-request", "usage-capped", "forbidden")
DELETE_UNKNOWN_READINGS = ("not-found", "not-deleted")
BROADCAST_CHAT_SCOPES = ("broadcast.read", "tweet.read")
DIRECTIONS = ("inbound", "outbound")
ALIASES = {"chat.conversation_join": "chat.conversation.join"}
KEYWORD_TYPES = ("news.new",)
# X's docs: private types need the user's token; public ones take the app's. The product keeps its own
# table (xwebhook.x_api.event_types); this one is written from the docs as rules, on purpose apart.
PRIVATE_PREFIXES = (
    "post.mention.",
    "post.reply.",
    "post.quote.",
    "post.repost.",
    "like.",
    "follow.",
    "mute.",
    "block.",
    "dm.",
    "chat.",
    "oauth.",
    "broadcast.chat",
)
ACTOR_ONLY_PREFIXES = ("mute.", "block.")
DEFAULT_PAGE = 100
TOKEN_PAD = "pageoffset"  # noqa: S105 - the token encodes "pageoffset:<n>" (base32hex, no padding): 16+ characters


def is_private(event_type):
    return event_type.startswith(PRIVATE_PREFIXES)


def scope_of(emu, event_type):
    """The scope X requires of an OAuth 2.0 token to create `event_type` (the document's rule)."""
    if event_type == "broadcast.chat":
        return emu.xaa_broadcast_chat_scope
    from localdev.x_contract.catalogue import rule_scope

    return rule_scope(emu.referee_document(), event_type)


def check_filter(event_type, filter_):
    """ApiError unless `filter_` is the filter X documents for `event_type`."""
    if not isinstance(filter_, dict) or not filter_:
        raise errors.invalid_request(None, "$.filter: must have exactly one of user_id or keyword")
    wanted = "keyword" if event_type in KEYWORD_TYPES else "user_id"
    if wanted not in filter_ or set(filter_) - {wanted, "direction"}:
        raise errors.invalid_request(
            None, f"$.filter: {event_type} filters on {wanted}, not {', '.join(sorted(filter_))}"
        )
    if "direction" in filter_:
        if event_type.startswith(ACTOR_ONLY_PREFIXES):
            raise errors.invalid_request(None, f"$.filter.direction: {event_type} subscriptions take no direction")
        if filter_["direction"] not in DIRECTIONS:
            raise errors.invalid_request(None, "$.filter.direction: must be inbound or outbound")


def check_caller(emu, caller, wanted):
    """ApiError (403) unless `caller` may create the subscription `wanted`."""
    event_type, user_id = wanted["event_type"], wanted["filter"].get("user_id")
    if caller is None or not is_private(event_type):
        return
    if caller.kind == "bearer":
        if not emu.xaa_bearer_private:
            raise errors.unsupported_authentication("bearer", ("oauth2", "oauth1") if emu.xaa_oauth1 else ("oauth2",))
        return
    if caller.kind == "oauth1" and not emu.xaa_oauth1:
        raise errors.unsupported_authentication("oauth1", ("oauth2",))
    if user_id != caller.user_id:
        raise errors.forbidden(
            f"Forbidden: {event_type} subscriptions may be created only for the authenticating user ({caller.user_id})"
        )
    scope = scope_of(emu, event_type)
    if caller.kind == "oauth2" and scope not in caller.scopes:
        raise errors.forbidden(f"Forbidden: the OAuth 2.0 token lacks the {scope} scope {event_type} needs")


def duplicate(emu, other_id):
    if emu.xaa_duplicate == "conflict":
        error = errors.conflict("DuplicateSubscription", "a subscription with this event_type and filter exists")
    else:
        error = errors.invalid_request("DuplicateSubscription", "a subscription with this event_type and filter exists")
    if emu.xaa_duplicate_id:
        for item in error.v2_body["errors"]:
            item["id"] = other_id
        error.v2_body["detail"] = (
            f"DuplicateSubscription: subscription {other_id} already has this event_type and filter"
        )
    return error


def cap_reached(emu):
    detail = f"the app already has {emu.xaa_subscription_limit} subscriptions, its limit"
    if emu.xaa_cap == "usage-capped":
        body = errors.problem(
            429, "Usage Capped", f"SubscriptionLimitExceeded: {detail}", errors.PROBLEMS + "usage-capped"
        )
        return errors.ApiError(429, body, errors.v1_body(185, detail))
    if emu.xaa_cap == "forbidden":
        body = errors.problem(
            403,
            "Client Forbidden",
            f"SubscriptionLimitExceeded: {detail}",
            errors.PROBLEMS + "client-forbidden",
            reason="subscription-limit",
        )
        return errors.ApiError(403, body, errors.v1_body(220, detail))
    return errors.invalid_request("SubscriptionLimitExceeded", detail)


# ---- answers, in the shape the emulator is switched to ----------------------------------------------------


def one(emu, subscription, total=False):
    """A create (or, with `total`, an update) answer. (body, outside_document)."""
    if emu.xaa_shape == "flat":
        return {"data": subscription}, False
    if emu.xaa_shape == "list":
        return {"data": [subscription], "meta": {"total_subscriptions": len(emu.xaa_subscriptions)}}, True
    data = {"subscription": subscription}
    if total:
        data["total_subscriptions"] = len(emu.xaa_subscriptions)
    return {"data": data}, False


def page_token(offset):
    return base64.b32hexencode(f"{TOKEN_PAD}:{offset}".encode()).decode().rstrip("=")


def token_offset(token):
    """The offset a token of ours encodes, or None."""
    try:
        text = base64.b32hexdecode(token + "=" * (-len(token) % 8)).decode()
    except ValueError:
        return None
    prefix, _, number = text.partition(":")
    return int(number) if prefix == TOKEN_PAD and number.isdigit() else None


def page(emu, params):
    """The answer to GET /2/activity/subscriptions with `params` (max_results, pagination_token), whose
    shapes X's document has checked already."""
    raw = params.get("max_results")
    wanted = DEFAULT_PAGE if raw in (None, "") else int(raw)
    token = params.get("pagination_token")
    start = 0
    if token:
        start = token_offset(token)
        if start is None:
            raise errors.invalid_request(None, "$.pagination_token: is not a token this list gave")
    everything = emu.list_xaa()
    size = min(wanted, emu.xaa_page_size)
    items = everything[start : start + size]
    body = {"data": items}
    if emu.xaa_total_at != "none":
        body["meta"] = {"total_subscriptions": len(everything)}
    if start + size < len(everything) and emu.xaa_token_at != "none":  # noqa: S105 - a place, not a secret
        next_token = page_token(start + size)
        if emu.xaa_token_at == "next_token":  # noqa: S105 - a place in the answer, not a secret
            body["next_token"] = next_token
        else:
            body.setdefault("meta", {})[emu.xaa_token_at.split(".", 1)[1]] = next_token
    return body
