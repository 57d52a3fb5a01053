"""X API v2: webhooks, replay, Account Activity subscriptions and X Activity (XAA) subscriptions.

Every route here is an operation of our extract of X's published document: who may call it, its
parameters and body are the document's (referee.py, before the handler runs), and so are its answers'
shapes. Rate limits are the documented 15-minute windows.
"""

from localdev.x_emulator import errors, xaa
from localdev.x_emulator.routing import DOCUMENT, Response, RouteTable

ROUTES = RouteTable("v2")
route = ROUTES.route

CRC_PROBLEM = errors.INVALID_REQUEST


# ---- webhooks ------------------------------------------------------------------------------------------


@route("POST", "/2/webhooks", DOCUMENT, limit=450)
def create_webhook(emu, request):
    body = request.json()
    url = body.get("url") if isinstance(body, dict) else None
    return Response(200, {"data": emu.create_webhook(url)})


@route("GET", "/2/webhooks", DOCUMENT, limit=450)
def list_webhooks(emu, request):
    # X answers {"data": [], "meta": {"result_count": 0}} when there is none (webhooks quickstart).
    data = emu.list_webhooks()
    return Response(200, {"data": data, "meta": {"result_count": len(data)}})


@route("PUT", "/2/webhooks/:webhook_id", DOCUMENT, limit=450)
def validate_webhook(emu, request):
    url = emu.webhook_or_404(request.args["webhook_id"])["url"]
    valid, result = emu.check_webhook(request.args["webhook_id"])
    body = {"data": {"valid": valid, "attempted": True}}
    if result.outcome != "ok":
        # X's schema for this answer: data plus an optional list of problems saying why the CRC failed.
        body["errors"] = [
            {
                "title": "CrcValidationFailed",
                "detail": f"CrcValidationFailed: the CRC GET to {url} got {result.detail}"
                + ("" if result.outcome == "invalid" else " (transient: the webhook's state is unchanged)"),
                "type": CRC_PROBLEM,
                "status": 400,
            }
        ]
    return Response(200, body)


@route("DELETE", "/2/webhooks/:webhook_id", DOCUMENT, limit=450)
def delete_webhook(emu, request):
    emu.delete_webhook(request.args["webhook_id"])
    return Response(200, {"data": {"deleted": True}})


@route("POST", "/2/webhooks/replay", DOCUMENT, limit=100)
def create_replay(emu, request):
    job, answered = emu.create_replay(request.json())
    return Response(200, {"data": {"job_id": job["job_id"], "created_at": job["created_at"]}}, after=answered)


# ---- Account Activity API v2 subscriptions -------------------------------------------------------------

AAA = "/2/account_activity"


@route("POST", AAA + "/webhooks/:webhook_id/subscriptions/all", DOCUMENT, limit=500)
def subscribe(emu, request):
    emu.subscribe(request.args["webhook_id"], request.caller.user_id)
    return Response(200, {"data": {"subscribed": True}})


@route("GET", AAA + "/webhooks/:webhook_id/subscriptions/all", DOCUMENT, limit=500)
def is_subscribed(emu, request):
    subscribed = emu.is_subscribed(request.args["webhook_id"], request.caller.user_id)
    return Response(200, {"data": {"subscribed": subscribed}})


@route("GET", AAA + "/webhooks/:webhook_id/subscriptions/all/list", DOCUMENT, limit=50)
def list_subscriptions(emu, request):
    webhook = emu.webhook_or_404(request.args["webhook_id"])
    users = emu.subscribers(webhook["id"])
    data = {
        "application_id": emu.app_id,
        "webhook_id": webhook["id"],
        "webhook_url": webhook["url"],
        "subscriptions": [{"user_id": user_id} for user_id in users],
    }
    return Response(200, {"data": data})


@route("GET", AAA + "/subscriptions/count", DOCUMENT, limit=15)
def count_subscriptions(emu, request):
    data = {
        "account_name": emu.account_name,
        "provisioned_count": str(emu.subscription_limit),
        "subscriptions_count_all": str(emu.subscription_count()),
        "subscriptions_count_direct_messages": "0",
    }
    return Response(200, {"data": data})


@route("DELETE", AAA + "/webhooks/:webhook_id/subscriptions/:user_id/all", DOCUMENT, limit=500)
def unsubscribe(emu, request):
    # Idempotent: a user who was not subscribed ends up unsubscribed all the same.
    emu.unsubscribe(request.args["webhook_id"], request.args["user_id"])
    return Response(200, {"data": {"subscribed": False}})


# ---- X Activity API subscriptions (rules and shapes: xaa.py) -------------------------------------------
# 500 calls / 15 min per app on each endpoint, whoever calls (X's rate-limit table for the activity API).

XAA = "/2/activity/subscriptions"


@route("POST", XAA, DOCUMENT, limit=500, bucket="xaa create", per_app=True)
def create_xaa(emu, request):
    body, outside = xaa.one(emu, emu.create_xaa(request.json(), request.caller))
    return Response(200, body, outside_document=outside)


@route("GET", XAA, DOCUMENT, limit=500, bucket="xaa list", per_app=True)
def list_xaa(emu, request):
    return Response(200, xaa.page(emu, request.params))


@route("PUT", XAA + "/:subscription_id", DOCUMENT, limit=500, bucket="xaa update", per_app=True)
def update_xaa(emu, request):
    body, outside = xaa.one(emu, emu.update_xaa(request.args["subscription_id"], request.json()), total=True)
    return Response(200, body, outside_document=outside)


@route("DELETE", XAA + "/:subscription_id", DOCUMENT, limit=500, bucket="xaa delete", per_app=True)
def delete_xaa(emu, request):
    # X's document: 200 {"data": {"deleted": bool}}. An id X does not have: xaa_delete_unknown (xaa.py).
    return Response(200, {"data": {"deleted": emu.delete_xaa(request.args["subscription_id"])}})
