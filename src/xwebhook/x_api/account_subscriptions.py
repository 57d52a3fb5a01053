"""One connected account's own subscriptions: made when it connects, removed when it disconnects.

  create_xaa      one X Activity API subscription per event type of the account's set, with our webhook_id
                  and filter {"user_id": <the account>}; public types with the app's bearer token, private
                  ones with the account's OAuth 2.0 token (x_api/event_types.CATALOGUE says which)
  subscribe_aaa   POST /2/account_activity/webhooks/:id/subscriptions/all as the account (OAuth 1.0a
                  tokens, or its OAuth 2.0 token where it has no OAuth 1.0a ones: X takes those since
                  2026-01-15)
  delete_xaa, unsubscribe_aaa   with the app's bearer token

This is the connect-time piece only. XAA subscriptions as a reconciled desired state (pagination, caps,
duplicates, orphans, credential fallbacks) are xwebhook.migrate's. Each type's outcome is reported on its
own: one refused type does not stop the others, and what X said is kept for the page, the log and
`accounts`. Creates run a few at a time: a browser waits for the callback, and ~17 one-by-one round
trips to X would take seconds.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from xwebhook.x_api.client import BearerAuth
from xwebhook.x_api.errors import UnexpectedAnswer, XApiError, XError
from xwebhook.x_api.event_types import PUBLIC, xaa_type
from xwebhook.x_api.tokens import UserTokens

WORKERS = 4
BEARER = "bearer"
OAUTH1 = "oauth1"
OAUTH2 = "oauth2"


def tag_for(user_id):
    """The tag our subscriptions carry (1-200 characters): whose they are, for people reading X's list."""
    return f"xwebhook:{user_id}"


def subscription_id(body):
    """The id in a create answer. ⚠ X shows three shapes: {"data": {"subscription": {...}}}, a flat
    {"data": {...}}, and {"data": [{...}], "meta": {...}}; ids as `subscription_id` or `id`."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, list):
        data = data[0] if len(data) == 1 else None
    if isinstance(data, dict) and isinstance(data.get("subscription"), dict):
        data = data["subscription"]
    if isinstance(data, dict):
        found = data.get("subscription_id") or data.get("id")
        if isinstance(found, (str, int)) and not isinstance(found, bool) and str(found):
            return str(found)
    raise UnexpectedAnswer("create XAA subscription", "the answer holds no subscription id")


@dataclass(frozen=True)
class Made:
    """What came of one event type: its subscription id, or why there is none."""

    event_type: str
    auth: str  # the credential used: bearer | oauth2
    subscription_id: str | None = None
    error: str | None = None

    @property
    def ok(self):
        return self.subscription_id is not None


class AccountSubscriptions:
    """`api` is a WebhooksApi (its endpoint table and credentials); `client` the XClient under it."""

    def __init__(self, client, api, credentials, workers=WORKERS):
        self._client = client
        self._api = api
        self._credentials = credentials
        self._workers = workers

    def _bearer(self):
        return BearerAuth(self._credentials().require("bearer_token"))

    def create_xaa(self, webhook_id, user_id, event_types, oauth2_access_token):
        """{event type: Made}. Private types need `oauth2_access_token` (None: reported, not created)."""
        endpoint = self._api.endpoint("xaa_create")

        def create(event_type):
            known = xaa_type(event_type)
            if known is None:
                return Made(event_type, BEARER, error=f"{event_type} is not an X Activity API event type")
            if known.privacy == PUBLIC:
                kind, auth = BEARER, self._bearer()
            elif oauth2_access_token:
                kind, auth = OAUTH2, BearerAuth(oauth2_access_token)
            else:
                return Made(event_type, OAUTH2, error="a private type: it needs the account's OAuth 2.0 sign-in")
            body = {
                "event_type": event_type,
                "filter": {"user_id": user_id},
                "tag": tag_for(user_id),
                "webhook_id": webhook_id,
            }
            try:
                return Made(event_type, kind, subscription_id(self._client.call(endpoint, auth, json_body=body)))
            except XError as exc:
                return Made(event_type, kind, error=str(exc))

        types = list(dict.fromkeys(event_types))
        if len(types) <= 1:
            return {event_type: create(event_type) for event_type in types}
        with ThreadPoolExecutor(max_workers=min(self._workers, len(types))) as pool:
            return dict(zip(types, pool.map(create, types), strict=True))

    def subscribe_aaa(self, webhook_id, account):
        """Subscribe `account` (an accounts.models.Account) to the webhook's Account Activity."""
        if account.oauth1 is not None:
            tokens = UserTokens.of(account.user_id, account.oauth1)
            self._api.subscribe(webhook_id, tokens)
            return OAUTH1
        if account.oauth2 is not None and self._api.flavour == "v2":
            body = self._client.call(
                self._api.endpoint("subscribe"),
                BearerAuth(account.oauth2.access_token),
                path_params={"webhook_id": webhook_id},
                json_body={},  # X's document requires a JSON body
            )
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict) and data.get("subscribed") is False:
                raise UnexpectedAnswer("subscribe", "X answered subscribed: false")
            return OAUTH2
        raise XApiError("subscribe", 400, "the account has no tokens X takes for an Account Activity subscription")

    def delete_xaa(self, subscription_ids):
        """{subscription id: "deleted" | "gone" (X no longer had it) | the error}."""
        done = {}
        for found in subscription_ids:
            try:
                # WebhooksApi.xaa.delete answers False when X no longer had it (a 404: deleting is idempotent).
                done[found] = "deleted" if self._api.xaa.delete(found) else "gone"
            except XError as exc:
                done[found] = str(exc)
        return done

    def unsubscribe_aaa(self, webhook_id, user_id, account=None):
        """Drop the account's AAA subscription; v1.1 Enterprise signs as the account (its OAuth 1.0a tokens)."""
        tokens = None
        if account is not None and account.oauth1 is not None:
            tokens = UserTokens.of(account.user_id, account.oauth1)
        self._api.unsubscribe(webhook_id, user_id, tokens)
