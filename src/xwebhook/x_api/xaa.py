"""X Activity API subscriptions (`/2/activity/subscriptions`): list every page, create, update, delete.

X's published document (openapi.json, info.version 2.167) shapes the answers: a create is
`{"data": {"subscription": {...}}}`, an update the same with `data.total_subscriptions`, a delete
`{"data": {"deleted": bool}}`, a list `{"data": [...]}`. Where X's sources disagree (shared/x-oauth.md ⚠)
every reading is accepted as well:
- a subscription may come flat (`{"data": {...}}`) or as the first item of `{"data": [...], "meta": ...}`;
  its id as `subscription_id` or `id`;
- a list may come as `{"data": {"subscriptions": [...]}}` or `{"data": {"subscription": [...]}}`, with
  `meta.total_subscriptions` when X gives it;
- the document says nothing of where the next page's token is (its list answer has `data` and `errors`
  only). It is read from `meta.next_token` (X's SDK), `meta.pagination_token`, `meta.next_pagination_token`,
  or a top-level `next_token` / `pagination_token`; where it was found is kept on the listing
  (`token_places`) so `status` and the log show what X really did. A page as full as asked with no token
  anywhere is not taken silently for the end: the listing says so (`full_page_without_token`), and ensure,
  migrate and `status` report it (X may have put the token where no reading looks).
- a delete answers `data.deleted`; deleting an id X does not have is undocumented: X's 404 and a
  `deleted: false` both read as "X had no such subscription".

Who may create: public event types take the app-only bearer token, private ones a user context (the
account's OAuth 2.0 token, or ⚠ its OAuth 1.0a tokens). `create` takes the credential to use
(`Credential`); choosing it is migrate.auth's job. Update and delete always take the bearer token.

X refusing a duplicate or the app's cap is told apart from other refusals (DuplicateSubscription,
SubscriptionCapReached) so the reconciler can adopt the existing one or stop creating.
"""

from dataclasses import dataclass, field

from xwebhook.x_api.client import BEARER, BearerAuth, Endpoint, user_auth
from xwebhook.x_api.errors import RateLimited, UnexpectedAnswer, Unsupported, XApiError

_SUBS = "/2/activity/subscriptions"
ENDPOINTS = {
    "xaa_create": Endpoint("create XAA subscription", "POST", _SUBS, BEARER),
    "xaa_list": Endpoint("list XAA subscriptions", "GET", _SUBS, BEARER),
    "xaa_update": Endpoint("update XAA subscription", "PUT", _SUBS + "/{subscription_id}", BEARER),
    "xaa_delete": Endpoint("delete XAA subscription", "DELETE", _SUBS + "/{subscription_id}", BEARER),
}
V2_ONLY_REASON = "XAA subscriptions (/2/activity/subscriptions) exist in X API v2 only"
MAX_RESULTS = 1000  # X's most per page
MAX_PAGES = 200  # 200 000 subscriptions: more than X's largest cap (150 000, Partner)
TOKEN_PLACES = (
    ("meta", "next_token"),
    ("meta", "pagination_token"),
    ("meta", "next_pagination_token"),
    ("next_token",),
    ("pagination_token",),
)

# The credentials a subscription may be created with.
APP = "bearer"  # the app-only bearer token
OAUTH2 = "oauth2"  # the account's OAuth 2.0 user access token
OAUTH1 = "oauth1"  # the account's OAuth 1.0a user context
CREDENTIAL_KINDS = (APP, OAUTH2, OAUTH1)


@dataclass(frozen=True)
class Credential:
    """How one call authenticates: `kind` (APP, OAUTH2, OAUTH1) and, for user contexts, the tokens.
    The tokens never show in a repr."""

    kind: str
    user_id: str | None = None
    tokens: object = field(default=None, repr=False)  # OAuth2Tokens / OAuth1Tokens / UserTokens

    def auth(self, credentials):
        if self.kind == APP:
            return BearerAuth(credentials.require("bearer_token"))
        if self.kind == OAUTH2:
            return BearerAuth(self.tokens.access_token)
        return user_auth(credentials, self.tokens)


BEARER_CREDENTIAL = Credential(APP)


@dataclass(frozen=True)
class Subscription:
    id: str
    event_type: str
    filter: dict
    tag: str | None = None
    webhook_id: str | None = None
    created_at: str | None = None

    @classmethod
    def from_x(cls, document):
        if not isinstance(document, dict):
            raise ValueError("not a subscription object")
        subscription_id = document.get("subscription_id", document.get("id"))
        event_type = document.get("event_type")
        if subscription_id is None or not isinstance(event_type, str):
            raise ValueError("a subscription without an id or event_type")
        filter_ = document.get("filter") if isinstance(document.get("filter"), dict) else {}
        webhook_id = document.get("webhook_id")
        return cls(
            id=str(subscription_id),
            event_type=event_type,
            filter={key: str(value) for key, value in filter_.items() if value is not None},
            tag=document.get("tag") if isinstance(document.get("tag"), str) else None,
            webhook_id=None if webhook_id in (None, "") else str(webhook_id),
            created_at=document.get("created_at") if isinstance(document.get("created_at"), str) else None,
        )

    @property
    def user_id(self):
        return self.filter.get("user_id")

    @property
    def key(self):
        """What X tells subscriptions apart by: the event type and the filter."""
        return subscription_key(self.event_type, self.filter)

    def as_dict(self):
        found = {"subscription_id": self.id, "event_type": self.event_type, "filter": dict(self.filter)}
        for name in ("tag", "webhook_id", "created_at"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        return found


def subscription_key(event_type, filter_):
    return (event_type, tuple(sorted((str(k), str(v)) for k, v in (filter_ or {}).items())))


@dataclass(frozen=True)
class Listing:
    subscriptions: tuple  # every Subscription on every page, in X's order
    total: int | None  # meta.total_subscriptions of the last page that had it (the app's count at X)
    pages: int
    token_places: tuple  # where the next-page tokens were found, e.g. ("meta.next_token",)
    skipped: int = 0  # items that were not readable as subscriptions (kept out, counted)
    full_page_without_token: bool = False  # the last page was as full as asked and carried no token
    asked: int = 0  # max_results of each page

    @property
    def used(self):
        """Subscriptions the app holds at X: X's own count when it gave one, else those listed."""
        return max(self.total or 0, len(self.subscriptions))

    @property
    def warning(self):
        """What a person must know about this listing, or None."""
        if not self.full_page_without_token:
            return None
        return (
            f"X's last page of XAA subscriptions held as many as asked ({self.asked}) and no next-page token "
            f"where we look ({', '.join('.'.join(place) for place in TOKEN_PLACES)}): the list may go on, and "
            "subscriptions past it are not seen"
        )

    def report(self):
        found = {
            "listed": len(self.subscriptions),
            "x_total": self.total,
            "pages": self.pages,
            "next_token_at": list(self.token_places),
            "unreadable": self.skipped,
            "full_page_without_token": self.full_page_without_token,
        }
        if self.warning:
            found["warning"] = self.warning
        return found


class DuplicateSubscription(XApiError):
    """X already has a subscription with this event type and filter. `existing_id` when X said which."""

    def __init__(self, error, existing_id=None):
        super().__init__(error.operation, error.status, error.reason, error.x_error)
        self.existing_id = existing_id


class SubscriptionCapReached(XApiError):
    """X refused the create because the app holds as many subscriptions as its plan allows (X's document
    does not say how: a 400 naming the limit, a 403, or a 429 usage-capped problem are all read as this)."""

    def __init__(self, error):
        super().__init__(error.operation, error.status, error.reason, error.x_error)


USAGE_CAPPED = "usage-capped"  # X's problem type for "Usage cap exceeded" (its errors page)


class CredentialRefused(XApiError):
    """X refused the credential (401/403): another one may work (migrate.auth falls back)."""

    def __init__(self, error, credential_kind):
        super().__init__(error.operation, error.status, error.reason, error.x_error)
        self.credential_kind = credential_kind

    def details(self):
        return {**super().details(), "credential": self.credential_kind}


def _texts(x_error, reason):
    parts = [reason or ""]
    for key in ("title", "type", "detail", "reason"):
        if isinstance(x_error.get(key), str):
            parts.append(x_error[key])
    for item in x_error.get("errors") or ():
        if isinstance(item, dict):
            parts.extend(str(value) for value in item.values() if isinstance(value, (str, int)))
    return " ".join(parts).lower()


def _existing_id(x_error):
    for item in x_error.get("errors") or ():
        if isinstance(item, dict):
            for key in ("subscription_id", "resource_id", "id"):
                value = item.get(key)
                if isinstance(value, (str, int)) and str(value).strip().isdigit():
                    return str(value).strip()
    return None


def classify_create_error(error, credential_kind):
    """The XApiError of a create, as DuplicateSubscription, SubscriptionCapReached, CredentialRefused or itself."""
    text = _texts(error.x_error, error.reason)
    if error.status in (400, 409) and "duplicate" in text:
        return DuplicateSubscription(error, _existing_id(error.x_error))
    if error.status in (400, 403, 429) and (("limit" in text and "subscription" in text) or USAGE_CAPPED in text):
        return SubscriptionCapReached(error)
    if error.status in (401, 403):
        return CredentialRefused(error, credential_kind)
    return error


def _one_subscription(body, operation):
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and "subscription" in data:
        data = data["subscription"]
    if isinstance(data, list):
        data = data[0] if len(data) == 1 else None
    try:
        return Subscription.from_x(data)
    except ValueError:
        raise UnexpectedAnswer(operation, "the answer holds no subscription") from None


def _items(body):
    data = body.get("data") if isinstance(body, dict) else None
    if data is None:
        return []
    if isinstance(data, dict):
        for key in ("subscriptions", "subscription"):
            if key in data:
                data = data[key]
                break
        else:
            data = [data] if ("subscription_id" in data or "id" in data) else None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise UnexpectedAnswer("list XAA subscriptions", "expected a list of subscriptions")
    return data


def _next_token(body):
    """(token, where) of the next page, or (None, None)."""
    for path in TOKEN_PLACES:
        value = body
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value:
            return value, ".".join(path)
    return None, None


def _total(body):
    meta = body.get("meta") if isinstance(body, dict) else None
    total = meta.get("total_subscriptions", meta.get("result_count")) if isinstance(meta, dict) else None
    try:
        return None if total is None else int(total)
    except (TypeError, ValueError):
        return None


class XaaApi:
    """XAA subscription calls through one XClient. `credentials()` -> XCredentials (bearer, consumer keys)."""

    def __init__(self, client, flavour, credentials):
        self._client = client
        self.flavour = flavour
        self._credentials = credentials

    def endpoint(self, name):
        if self.flavour != "v2":
            raise Unsupported(f"{V2_ONLY_REASON}; X_API_FLAVOUR is {self.flavour}")
        return ENDPOINTS[name]

    def _call(self, name, credential=BEARER_CREDENTIAL, **kwargs):
        endpoint = self.endpoint(name)
        return self._client.call(endpoint, credential.auth(self._credentials()), **kwargs)

    def list_all(self, max_results=MAX_RESULTS, max_pages=MAX_PAGES):
        """Every subscription of the app, following the next-page token until X gives none."""
        subscriptions, places, total, skipped = [], [], None, 0
        token, pages, seen_tokens, full_page = None, 0, set(), False
        while True:
            params = {"max_results": max_results}
            if token:
                params["pagination_token"] = token
            body = self._call("xaa_list", params=params)
            pages += 1
            items = _items(body)
            for item in items:
                try:
                    subscriptions.append(Subscription.from_x(item))
                except ValueError:
                    skipped += 1
            page_total = _total(body)
            total = page_total if page_total is not None else total
            token, place = _next_token(body)
            if token is None:
                # X's own count, when it gives one, settles whether the list goes on.
                full_page = len(items) >= max_results and (total is None or total > len(subscriptions))
                break
            if token in seen_tokens:
                raise UnexpectedAnswer("list XAA subscriptions", "X gave the same next-page token twice")
            if pages >= max_pages:
                raise UnexpectedAnswer("list XAA subscriptions", f"more than {max_pages} pages")
            seen_tokens.add(token)
            if place not in places:
                places.append(place)
        unique = list({subscription.id: subscription for subscription in subscriptions}.values())
        return Listing(tuple(unique), total, pages, tuple(places), skipped, full_page, max_results)

    def create(self, webhook_id, event_type, filter_, tag=None, credential=BEARER_CREDENTIAL):
        body = {"event_type": event_type, "filter": dict(filter_)}
        if webhook_id is not None:
            body["webhook_id"] = webhook_id
        if tag is not None:
            body["tag"] = tag
        try:
            answer = self._call("xaa_create", credential, json_body=body)
        except XApiError as exc:
            raise classify_create_error(exc, credential.kind) from None
        except RateLimited as exc:
            if exc.problem_type and exc.problem_type.endswith(USAGE_CAPPED):
                raise SubscriptionCapReached(
                    XApiError(exc.operation, 429, exc.reason or "usage capped", exc.x_error)
                ) from None
            raise
        return _one_subscription(answer, "create XAA subscription")

    def update(self, subscription_id, tag=None, webhook_id=None):
        """PUT: X changes only `tag` and `webhook_id`. The subscription after the change, when X shows it."""
        changes = {key: value for key, value in (("tag", tag), ("webhook_id", webhook_id)) if value is not None}
        answer = self._call("xaa_update", path_params={"subscription_id": subscription_id}, json_body=changes)
        try:
            return _one_subscription(answer, "update XAA subscription")
        except UnexpectedAnswer:
            return None

    def delete(self, subscription_id):
        """True when X deleted it (`data.deleted`), False when X had no such subscription (a 404, or
        `deleted: false`: X's document says neither, so both read as "already gone")."""
        try:
            answer = self._call("xaa_delete", path_params={"subscription_id": subscription_id})
        except XApiError as exc:
            if exc.status == 404:
                return False
            raise
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("deleted"), bool):
            raise UnexpectedAnswer("delete XAA subscription", "the answer does not say data.deleted")
        return data["deleted"]
