"""The control plane's accounts part under /_emulator/ (JSON, the per-run token): many X accounts at once,
and deliveries that go only where X's subscriptions would send them.

POST /_emulator/users              {"users": [{"user_id", "access_token", "access_token_secret",
                                    "oauth2"?: {"access_token", "scopes"?: [...]}}], "aaa_webhook_id"?: id,
                                    "aaa_subscription_limit"?: n}
                                   -> {"users": n, "aaa_subscribed": n}: each user's OAuth 1.0a tokens
                                   (and OAuth 2.0 token) accepted from now on, and with `aaa_webhook_id` the
                                   user subscribed on that webhook's Account Activity as if long ago (no
                                   limit checked: an app that has had them for years); the app's Account
                                   Activity subscription limit set (an Enterprise app has 5,000 and more)
POST /_emulator/deliver_subscribed {"body": "<raw delivery>"} -> {"deliveries": [{"webhook_id", "status",
                                   "subscription_id"?}], "skipped": null | "why X would not deliver it"}:
                                   an XAA envelope goes to each XAA subscription of its event type and
                                   filter (with that subscription's filter and tag), an AAA delivery to each
                                   webhook its for_user_id is subscribed on; what no subscription covers is
                                   not delivered, as at X (`xwebhook send --as-x`)
"""

import json

from localdev.x_emulator.control import _bad, _body
from localdev.x_emulator.routing import Response, RouteTable

ROUTES = RouteTable("control")
route = ROUTES.route
C = "/_emulator"
MAX_USERS = 10000


@route("POST", C + "/users")
def add_users(emu, request):
    body = _body(request)
    users = body.get("users")
    if not isinstance(users, list) or not 0 < len(users) <= MAX_USERS:
        raise _bad(f'"users" must be a list of 1 to {MAX_USERS} users')
    webhook_id = body.get("aaa_webhook_id")
    if webhook_id is not None and str(webhook_id) not in emu.webhooks:
        raise _bad(f"no webhook {webhook_id}", 404)
    for user in users:
        if not (
            isinstance(user, dict)
            and str(user.get("user_id", "")).isdigit()
            and isinstance(user.get("access_token"), str)
            and isinstance(user.get("access_token_secret"), str)
        ):
            raise _bad('each user needs a numeric "user_id", "access_token" and "access_token_secret"')
    limit = body.get("aaa_subscription_limit")
    if limit is not None:
        if not isinstance(limit, int) or limit < 0:
            raise _bad('"aaa_subscription_limit" must be a number of subscriptions')
        emu.subscription_limit = limit
    for user in users:
        user_id = str(user["user_id"])
        with emu._lock:
            emu.users[user_id] = (user["access_token"], user["access_token_secret"])
        oauth2 = user.get("oauth2")
        if isinstance(oauth2, dict) and isinstance(oauth2.get("access_token"), str):
            emu.add_oauth2_token(user_id, oauth2["access_token"], oauth2.get("scopes") or ())
        if webhook_id is not None:
            emu.add_subscription(str(webhook_id), user_id)
    return Response(200, {"users": len(users), "aaa_subscribed": len(users) if webhook_id is not None else 0})


def _xaa_targets(emu, data):
    event_type = data.get("event_type")
    filter_ = data.get("filter") if isinstance(data.get("filter"), dict) else {}
    user_id, direction = filter_.get("user_id"), filter_.get("direction")
    found = [s for s in emu.xaa_matching(event_type, str(user_id), direction) if s.get("webhook_id")]
    if not found:
        return [], f"no XAA subscription covers {event_type} for user {user_id}"
    targets = []
    for subscription in found:
        copy = {**data, "filter": dict(subscription["filter"])}
        if subscription.get("tag") is not None:
            copy["tag"] = subscription["tag"]
        targets.append((subscription["webhook_id"], {"data": copy}, subscription["subscription_id"]))
    return targets, None


def _aaa_targets(emu, document, body):
    user_id = document.get("for_user_id")
    with emu._lock:
        valid = {w["id"] for w in emu.webhooks.values() if w["valid"]}
        if user_id is None:  # an app-level delivery (user_event, replay_job_status): the valid webhooks
            return [(webhook_id, body, None) for webhook_id in sorted(valid)], None
        hooks = [w for w, users in emu.subscriptions.items() if str(user_id) in users and w in valid]
    if not hooks:
        return [], f"user {user_id} is not subscribed on the Account Activity API of a valid webhook"
    return [(webhook_id, body, None) for webhook_id in hooks], None


@route("POST", C + "/deliver_subscribed")
def deliver_subscribed(emu, request):
    body = _body(request).get("body")
    if not isinstance(body, str):
        raise _bad('"body" (the delivery, as text) is required')
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise _bad(f"the delivery is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise _bad("the delivery must be a JSON object")
    if isinstance(document.get("data"), dict) and "event_type" in document["data"]:
        targets, skipped = _xaa_targets(emu, document["data"])
    else:
        targets, skipped = _aaa_targets(emu, document, body)
    deliveries = []
    for webhook_id, payload, subscription_id in targets:
        status = emu.deliver(payload, webhook_id)
        deliveries.append(
            {
                "webhook_id": webhook_id,
                "status": status,
                **({"subscription_id": subscription_id} if subscription_id else {}),
            }
        )
    return Response(200, {"deliveries": deliveries, "skipped": skipped})
