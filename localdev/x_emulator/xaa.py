"""X Activity API subscriptions as X documents them, with each of the readings X's sources leave open.

What it enforces (docs.x.com activity quickstart and API reference, shared/x-oauth.md):
- create: one event type + one filter (`user_id` with an optional `direction` inbound|outbound, or
  `keyword`), `tag` 1-200 characters, `webhook_id` of a v2 webhook of the app; a second subscription with
  the same event type, filter and webhook is a DuplicateSubscription; past the app's cap
  (`xaa_subscription_limit`) SubscriptionLimitExceeded. Update changes only `tag` and `webhook_id`.
- who may create: public event types with the app's bearer token; private ones with a user context for
  the filter's own user: an OAuth 2.0 user token holding the type's scope, or (switch `xaa_oauth1`) OAuth
  1.0a. The bearer token is refused for private types (switch `xaa_bearer_private`). Mute and block are
  actor-only: no direction.
- list: `max_results` 1-1000 and `pagination_token`; pages of at most `xaa_page_size`.
- rate limits: 500 calls / 15 min per app on each endpoint (`rate_limits` overrides, with
  `enforce_rate_limits`).
The readings X leaves open, switchable on the emulator (and over the control plane):
  xaa_shape          "flat" {"data": {...}} / {"data": [...]} (with meta), "subscription"
                     {"data": {"subscription": {...}}} / {"data": {"subscriptions": [...]}}, "list"
                     {"data": [{...}], "meta": {...}} for a create too
  xaa_token_at       where the next-page token goes: "meta.next_token", "meta.pagination_token", "next_token"
  xaa_duplicate_id   whether a duplicate error names the existing subscription's id
"""

from localdev.x_emulator import errors

SHAPES = ("flat", "subscription", "list")
TOKEN_PLACES = ("meta.next_token", "meta.pagination_token", "next_token")
DIRECTIONS = ("inbound", "outbound")
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
)
SCOPE_PREFIXES = (
    ("dm.", "dm.read"),
    ("chat.", "dm.read"),
    ("like.", "like.read"),
    ("mute.", "mute.read"),
    ("block.", "block.read"),
)
ACTOR_ONLY_PREFIXES = ("mute.", "block.")
DEFAULT_PAGE = 100


def is_private(event_type):
    return event_type.startswith(PRIVATE_PREFIXES)


def scope_of(event_type):
    for prefix, scope in SCOPE_PREFIXES:
        if event_type.startswith(prefix):
            return scope
    return "tweet.read"


def forbidden(detail, reason="client-forbidden"):
    body = errors.problem(403, "Forbidden", detail, errors.PROBLEMS + reason, with_errors=True)
    return errors.ApiError(403, body, errors.v1_body(220, "Your credentials do not allow access to this resource."))


def check_filter(event_type, filter_):
    """ApiError unless `filter_` is one X takes for `event_type`."""
    if not isinstance(filter_, dict) or not filter_:
        raise errors.invalid_request(None, "$.filter: must have exactly one of user_id or keyword")
    keys = set(filter_)
    if keys not in ({"user_id"}, {"keyword"}, {"user_id", "direction"}):
        raise errors.invalid_request(None, "$.filter: must have exactly one of user_id or keyword (and direction)")
    if "user_id" in filter_ and not (isinstance(filter_["user_id"], str) and filter_["user_id"].isdigit()):
        raise errors.invalid_request(None, "$.filter.user_id: must be a numeric string")
    if "keyword" in filter_ and not (isinstance(filter_["keyword"], str) and filter_["keyword"].strip()):
        raise errors.invalid_request(None, "$.filter.keyword: must be a non-empty string")
    if "direction" in filter_:
        if filter_["direction"] not in DIRECTIONS:
            raise errors.invalid_request(None, "$.filter.direction: must be inbound or outbound")
        if event_type.startswith(ACTOR_ONLY_PREFIXES):
            raise errors.invalid_request(None, f"$.filter.direction: {event_type} subscriptions take no direction")


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
        raise forbidden(
            f"{event_type} subscriptions may be created only for the authenticating user ({caller.user_id})"
        )
    if caller.kind == "oauth2" and scope_of(event_type) not in caller.scopes:
        raise forbidden(f"the token lacks the {scope_of(event_type)} scope {event_type} needs", "missing-scope")


def duplicate(emu, other_id):
    error = errors.invalid_request("DuplicateSubscription", "a subscription with this event_type and filter exists")
    if emu.xaa_duplicate_id:
        for item in error.v2_body["errors"]:
            item["id"] = other_id
        error.v2_body["detail"] = (
            f"DuplicateSubscription: subscription {other_id} already has this event_type and filter"
        )
    return error


# ---- answers, in the shape the emulator is switched to ----------------------------------------------------


def one(emu, subscription):
    if emu.xaa_shape == "subscription":
        return {"data": {"subscription": subscription}}
    if emu.xaa_shape == "list":
        return {"data": [subscription], "meta": {"total_subscriptions": len(emu.xaa_subscriptions)}}
    return {"data": subscription, "meta": {"total_subscriptions": len(emu.xaa_subscriptions)}}


def page(emu, params):
    """The answer to GET /2/activity/subscriptions with `params` (max_results, pagination_token)."""
    raw = params.get("max_results")
    try:
        wanted = DEFAULT_PAGE if raw in (None, "") else int(raw)
    except ValueError:
        wanted = 0
    if not 1 <= wanted <= 1000:
        raise errors.invalid_request(None, "$.max_results: must be between 1 and 1000")
    token = params.get("pagination_token")
    start = 0
    if token:
        if not (token.startswith("p") and token[1:].isdigit()):
            raise errors.invalid_request(None, "$.pagination_token: is not a valid token")
        start = int(token[1:])
    everything = emu.list_xaa()
    size = min(wanted, emu.xaa_page_size)
    items = everything[start : start + size]
    next_token = f"p{start + size}" if start + size < len(everything) else None
    meta = {"total_subscriptions": len(everything)}
    if emu.xaa_shape == "subscription":
        body = {"data": {"subscriptions": items}, "meta": meta}
    else:
        body = {"data": items, "meta": meta}
    if next_token is not None:
        if emu.xaa_token_at == "next_token":  # noqa: S105 - a place in the answer, not a secret
            body["next_token"] = next_token
        else:
            body["meta"][emu.xaa_token_at.split(".", 1)[1]] = next_token
    return body
