"""X's webhook management API in its three flavours, behind one set of methods.

X_API_FLAVOUR picks the table:
  v2          /2/webhooks, /2/account_activity/..., /2/webhooks/replay, /2/activity/subscriptions (XAA)
  enterprise  /1.1/account_activity/webhooks... (legacy)
  premium     /1.1/account_activity/all/:env_name/... (retired by X; for apps still on it)
Each endpoint carries the auth X requires for it (x-webhooks.md; v2: X's published document, our extract
in localdev/x_contract): v2 webhook management and listing take the app-only bearer token; subscribing a
user takes OAuth 1.0a as that user (or its OAuth 2.0 token: x_api/account_subscriptions.py), with the JSON
body `{}` X's document requires; in v1.1, registering, revalidating and deleting take OAuth 1.0a as the app
owner, listing takes the bearer, and an Enterprise unsubscribe is `DELETE .../subscriptions/all.json` signed
as the subscribed user (its page; a `.../subscriptions/:user_id/all.json` path appears only in a rate-limit
table).
Replay and XAA exist in v2 only; with a v1.1 flavour they raise Unsupported, saying so. XAA
subscriptions are x_api/xaa.py's (`WebhooksApi.xaa`, sharing the client and the credentials).

The methods return the same shapes whatever the flavour (Webhook, lists of user ids, dicts), so the
actions and the reconciler never look at the flavour.
"""

from dataclasses import dataclass

from xwebhook.x_api import xaa
from xwebhook.x_api.client import (
    BEARER,
    USER,
    BearerAuth,
    Endpoint,
    describe_x_error,
    user_auth,
)
from xwebhook.x_api.errors import UnexpectedAnswer, Unsupported
from xwebhook.x_api.models import Webhook

_AAA2 = "/2/account_activity"
_WEBHOOK_SUBS2 = _AAA2 + "/webhooks/{webhook_id}/subscriptions"
_ENT = "/1.1/account_activity"
_PREM = "/1.1/account_activity/all/{env_name}"

ENDPOINTS = {  # one table per flavour (models.FLAVOURS)
    "v2": {
        "list_webhooks": Endpoint("list webhooks", "GET", "/2/webhooks", BEARER),
        "create_webhook": Endpoint("register", "POST", "/2/webhooks", BEARER, triggers_crc=True),
        "validate_webhook": Endpoint("revalidate", "PUT", "/2/webhooks/{webhook_id}", BEARER, triggers_crc=True),
        "delete_webhook": Endpoint("delete", "DELETE", "/2/webhooks/{webhook_id}", BEARER),
        "subscribe": Endpoint("subscribe", "POST", _WEBHOOK_SUBS2 + "/all", USER),
        "list_subscriptions": Endpoint("list subscriptions", "GET", _WEBHOOK_SUBS2 + "/all/list", BEARER),
        "count_subscriptions": Endpoint("count subscriptions", "GET", _AAA2 + "/subscriptions/count", BEARER),
        "unsubscribe": Endpoint("unsubscribe", "DELETE", _WEBHOOK_SUBS2 + "/{user_id}/all", BEARER),
        "replay": Endpoint("replay", "POST", "/2/webhooks/replay", BEARER),
        **xaa.ENDPOINTS,
    },
    "enterprise": {
        "list_webhooks": Endpoint("list webhooks", "GET", _ENT + "/webhooks.json", BEARER),
        "create_webhook": Endpoint("register", "POST", _ENT + "/webhooks.json", USER, triggers_crc=True),
        "validate_webhook": Endpoint(
            "revalidate", "PUT", _ENT + "/webhooks/{webhook_id}.json", USER, triggers_crc=True
        ),
        "delete_webhook": Endpoint("delete", "DELETE", _ENT + "/webhooks/{webhook_id}.json", USER),
        "subscribe": Endpoint("subscribe", "POST", _ENT + "/webhooks/{webhook_id}/subscriptions/all.json", USER),
        "list_subscriptions": Endpoint(
            "list subscriptions", "GET", _ENT + "/webhooks/{webhook_id}/subscriptions/all/list.json", BEARER
        ),
        "count_subscriptions": Endpoint("count subscriptions", "GET", _ENT + "/subscriptions/count.json", BEARER),
        "unsubscribe": Endpoint("unsubscribe", "DELETE", _ENT + "/webhooks/{webhook_id}/subscriptions/all.json", USER),
    },
    "premium": {
        "list_webhooks": Endpoint("list webhooks", "GET", _PREM + "/webhooks.json", BEARER),
        "create_webhook": Endpoint("register", "POST", _PREM + "/webhooks.json", USER, triggers_crc=True),
        "validate_webhook": Endpoint(
            "revalidate", "PUT", _PREM + "/webhooks/{webhook_id}.json", USER, triggers_crc=True
        ),
        "delete_webhook": Endpoint("delete", "DELETE", _PREM + "/webhooks/{webhook_id}.json", USER),
        # Premium has one webhook per environment: subscriptions name the environment, not the webhook.
        "subscribe": Endpoint("subscribe", "POST", _PREM + "/subscriptions.json", USER),
        "list_subscriptions": Endpoint("list subscriptions", "GET", _PREM + "/subscriptions/list.json", BEARER),
        "count_subscriptions": Endpoint(
            "count subscriptions", "GET", "/1.1/account_activity/all/subscriptions/count.json", BEARER
        ),
        "unsubscribe": Endpoint("unsubscribe", "DELETE", _PREM + "/subscriptions/{user_id}.json", BEARER),
    },
}

FLAVOUR_NAMES = {"v2": "X API v2", "enterprise": "v1.1 Enterprise", "premium": "v1.1 Premium"}
V2_ONLY = {
    "replay": "replay uses POST /2/webhooks/replay, which exists in X API v2 only",
    **dict.fromkeys(xaa.ENDPOINTS, xaa.V2_ONLY_REASON),
}


@dataclass(frozen=True)
class Revalidation:
    valid: bool
    reason: str | None = None  # why X's CRC failed, when X said


def _data(body):
    """v2 wraps answers in {"data": ...}; v1.1 answers with the object itself."""
    return body.get("data") if isinstance(body, dict) and "data" in body else body


class WebhooksApi:
    """X's management calls for one flavour. `credentials()` -> XCredentials (read lazily, cached)."""

    def __init__(self, client, flavour, credentials, premium_env_name=""):
        self._client = client
        self.flavour = flavour
        self._table = ENDPOINTS[flavour]
        self._credentials = credentials
        self._env_name = premium_env_name
        self.xaa = xaa.XaaApi(client, flavour, credentials)

    def supports(self, name):
        return name in self._table

    def endpoint(self, name):
        endpoint = self._table.get(name)
        if endpoint is None:
            why = V2_ONLY.get(name, f"{name} has no {FLAVOUR_NAMES[self.flavour]} endpoint")
            raise Unsupported(f"{why}; X_API_FLAVOUR is {self.flavour}")
        return endpoint

    def _call(self, name, tokens=None, path_params=None, **kwargs):
        endpoint = self.endpoint(name)
        credentials = self._credentials()
        if endpoint.auth == BEARER:
            auth = BearerAuth(credentials.require("bearer_token"))
        else:
            auth = user_auth(credentials, tokens or credentials.owner_tokens())
        path_params = dict(path_params or {})
        if self._env_name:
            path_params["env_name"] = self._env_name
        return self._client.call(endpoint, auth, path_params, **kwargs)

    # Webhooks -------------------------------------------------------------------------------------

    def list_webhooks(self):
        body = _data(self._call("list_webhooks"))
        if body is None:  # v2 leaves out "data" when there is no webhook
            return []
        if isinstance(body, dict) and isinstance(body.get("environments"), list):
            # v1.1 may group webhooks by environment: [{"environment_name", "webhooks": [...]}]
            body = [hook for env in body["environments"] for hook in (env.get("webhooks") or [])]
        if not isinstance(body, list):
            raise UnexpectedAnswer("list webhooks", "expected a list of webhooks")
        try:
            return [Webhook.from_x(item) for item in body]
        except ValueError:
            raise UnexpectedAnswer("list webhooks", "a listed webhook has no id") from None

    def create_webhook(self, url):
        if self.flavour == "v2":
            body = self._call("create_webhook", json_body={"url": url})
        else:
            body = self._call("create_webhook", params={"url": url})
        try:
            return Webhook.from_x(_data(body))
        except ValueError:
            raise UnexpectedAnswer("register", "the answer holds no webhook") from None

    def validate_webhook(self, webhook_id):
        """Trigger a CRC: Revalidation(valid, reason). v1.1 answers 204 on success and an error (raised as
        XApiError) when the CRC fails; v2 answers {"data": {"valid"}} plus `errors` saying why a CRC failed."""
        body = self._call("validate_webhook", path_params={"webhook_id": webhook_id})
        data = _data(body)
        if data is None:
            return Revalidation(True)
        if not (isinstance(data, dict) and isinstance(data.get("valid"), bool)):
            raise UnexpectedAnswer("revalidate", "the answer does not say whether the webhook is valid")
        reason = None
        if isinstance(body, dict) and body.get("errors"):
            reason = describe_x_error({"errors": body["errors"]}, 200)[0]
        return Revalidation(data["valid"], reason)

    def delete_webhook(self, webhook_id):
        self._call("delete_webhook", path_params={"webhook_id": webhook_id})

    # AAA subscriptions ----------------------------------------------------------------------------

    def subscribe(self, webhook_id, tokens):
        # v2: X's document requires a JSON body (the empty object); v1.1 takes none.
        json_body = {} if self.flavour == "v2" else None
        body = _data(
            self._call("subscribe", tokens=tokens, path_params={"webhook_id": webhook_id}, json_body=json_body)
        )
        if isinstance(body, dict) and body.get("subscribed") is False:
            raise UnexpectedAnswer("subscribe", "X answered subscribed: false")

    def list_subscriptions(self, webhook_id):
        """User ids subscribed to the webhook."""
        body = _data(self._call("list_subscriptions", path_params={"webhook_id": webhook_id}))
        items = body.get("subscriptions") if isinstance(body, dict) else body
        if items is None:
            return []
        if not isinstance(items, list):
            raise UnexpectedAnswer("list subscriptions", "expected a list of subscriptions")
        user_ids = []
        for item in items:
            user_id = (item.get("user_id") or item.get("id")) if isinstance(item, dict) else item
            if user_id is None:
                raise UnexpectedAnswer("list subscriptions", "a subscription has no user_id")
            user_ids.append(str(user_id))
        return user_ids

    def count_subscriptions(self):
        """X's counts for the app (all webhooks): subscriptions and what the account is provisioned for."""
        body = _data(self._call("count_subscriptions"))
        if not isinstance(body, dict):
            raise UnexpectedAnswer("count subscriptions", "expected an object")
        return body

    def unsubscribe(self, webhook_id, user_id, tokens=None):
        """Drop `user_id`'s subscription. v2 and Premium: the bearer token. Enterprise: as the user, with
        `tokens` (UserTokens) or the credentials secret's tokens for that user (CredentialsError without)."""
        endpoint = self.endpoint("unsubscribe")
        if endpoint.auth == USER and tokens is None:
            tokens = self._credentials().user_tokens(user_id)
        self._call("unsubscribe", tokens=tokens, path_params={"webhook_id": webhook_id, "user_id": user_id})

    # Replay (v2 only) ---------------------------------------------------------------------

    def replay(self, webhook_id, window):
        body = {"webhook_id": webhook_id, "from_date": window.from_date, "to_date": window.to_date}
        data = _data(self._call("replay", json_body=body))
        if not isinstance(data, dict):
            raise UnexpectedAnswer("replay", "expected a replay job")
        return data

    # XAA: x_api/xaa.py (self.xaa). These keep the dict answers for callers written against them.

    def xaa_create(self, webhook_id, event_type, filter_, tag=None):
        return self.xaa.create(webhook_id, event_type, filter_, tag).as_dict()

    def xaa_list(self):
        return [subscription.as_dict() for subscription in self.xaa.list_all().subscriptions]

    def xaa_update(self, subscription_id, tag=None, webhook_id=None):
        subscription = self.xaa.update(subscription_id, tag, webhook_id)
        return subscription.as_dict() if subscription is not None else {}

    def xaa_delete(self, subscription_id):
        return {"deleted": self.xaa.delete(subscription_id)}
