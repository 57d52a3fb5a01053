"""X API v1.1 Account Activity, for users still on it: Enterprise (/1.1/account_activity/webhooks...) and
the retired Premium (/1.1/account_activity/all/:env_name/...). Shapes, auth and codes follow the Enterprise
and Premium API references; success without content is 204, as X answers.
"""

from urllib.parse import parse_qsl

from localdev.x_emulator import errors, outbound
from localdev.x_emulator.routing import BEARER, USER, Response, RouteTable

ROUTES = RouteTable("v1")
route = ROUTES.route

ENTERPRISE = "/1.1/account_activity"
PREMIUM = "/1.1/account_activity/all"


def not_subscribed():
    # X's v1.1 reference: 404 "Sorry, that page does not exist." when the user is not subscribed.
    return errors.ApiError(
        404, errors.problem(404, detail="the user is not subscribed"), errors.v1_body(34, errors.V1_PAGE_NOT_FOUND)
    )


def _url_param(request):
    url = request.params.get("url")
    content_type = request.headers.get("Content-Type", "")
    if url is None and request.body and content_type.startswith("application/x-www-form-urlencoded"):
        url = dict(parse_qsl(request.body.decode("utf-8", "replace"))).get("url")
    return url


def _revalidate(emu, webhook_id, env=None):
    url = emu.webhook_or_404(webhook_id, env)["url"]
    _valid, result = emu.check_webhook(webhook_id, env)
    if result.outcome != outbound.OK:
        raise emu.crc_error(url, result)
    return Response(204)


def _check_subscription(emu, webhook_id, user_id, env=None):
    if not emu.is_subscribed(webhook_id, user_id, env):
        raise not_subscribed()
    return Response(204)


def _remove_subscription(emu, webhook_id, user_id, env=None):
    if not emu.unsubscribe(webhook_id, user_id, env):
        raise not_subscribed()
    return Response(204)


# ---- Enterprise ----------------------------------------------------------------------------------------


@route("POST", ENTERPRISE + "/webhooks.json", USER, limit=15)
def create_webhook(emu, request):
    return Response(200, emu.v1_webhook(emu.create_webhook(_url_param(request))))


@route("GET", ENTERPRISE + "/webhooks.json", BEARER, limit=15)
def list_webhooks(emu, request):
    return Response(200, [emu.v1_webhook(w) for w in emu.list_webhooks()])


@route("PUT", ENTERPRISE + "/webhooks/:webhook_id.json", USER, limit=15)
def validate_webhook(emu, request):
    return _revalidate(emu, request.args["webhook_id"])


@route("DELETE", ENTERPRISE + "/webhooks/:webhook_id.json", USER, limit=15)
def delete_webhook(emu, request):
    emu.delete_webhook(request.args["webhook_id"])
    return Response(204)


@route("POST", ENTERPRISE + "/webhooks/:webhook_id/subscriptions/all.json", USER, limit=500)
def subscribe(emu, request):
    emu.subscribe(request.args["webhook_id"], request.caller.user_id)
    return Response(204)


@route("GET", ENTERPRISE + "/webhooks/:webhook_id/subscriptions/all.json", USER, limit=500)
def is_subscribed(emu, request):
    return _check_subscription(emu, request.args["webhook_id"], request.caller.user_id)


@route("GET", ENTERPRISE + "/webhooks/:webhook_id/subscriptions/all/list.json", BEARER, limit=50)
def list_subscriptions(emu, request):
    webhook = emu.webhook_or_404(request.args["webhook_id"])
    body = {
        "webhook_id": webhook["id"],
        "webhook_url": webhook["url"],
        "application_id": emu.app_id,
        "subscriptions": [{"user_id": user_id} for user_id in emu.subscribers(webhook["id"])],
    }
    return Response(200, body)


@route("GET", ENTERPRISE + "/subscriptions/count.json", BEARER, limit=15)
def count_subscriptions(emu, request):
    body = {
        "account_name": emu.account_name,
        "subscriptions_count_all": str(emu.subscription_count()),
        "subscriptions_count_direct_messages": "0",
        "provisioned_count": str(emu.subscription_limit),
    }
    return Response(200, body)


@route("DELETE", ENTERPRISE + "/webhooks/:webhook_id/subscriptions/all.json", USER, limit=500)
def unsubscribe(emu, request):
    # The Enterprise page (enterprise-gnip-2.0/fundamentals/account-activity.mdx, "Removing a subscription"):
    # DELETE .../subscriptions/all.json signed as the subscribed user. A `.../subscriptions/:user_id/all.json`
    # path appears only in a rate-limit table; it is not served.
    return _remove_subscription(emu, request.args["webhook_id"], request.caller.user_id)


# ---- Premium (one webhook per dev environment) ---------------------------------------------------------


@route("GET", PREMIUM + "/webhooks.json", BEARER, limit=15)
def list_all_environments(emu, request):
    environments = [
        {"environment_name": env, "webhooks": [emu.v1_webhook(w) for w in emu.list_webhooks(env)]}
        for env in emu.premium_envs
    ]
    return Response(200, {"environments": environments})


@route("GET", PREMIUM + "/subscriptions/count.json", BEARER, limit=15)
def premium_count(emu, request):
    body = {
        "account_name": emu.account_name,
        "subscriptions_count": str(emu.subscription_count()),
        "provisioned_count": str(emu.subscription_limit),
    }
    return Response(200, body)


@route("POST", PREMIUM + "/:env_name/webhooks.json", USER, limit=15)
def premium_create_webhook(emu, request):
    env = request.args["env_name"]
    emu.premium_env(env)
    return Response(200, emu.v1_webhook(emu.create_webhook(_url_param(request), env)))


@route("GET", PREMIUM + "/:env_name/webhooks.json", BEARER, limit=15)
def premium_list_webhooks(emu, request):
    env = request.args["env_name"]
    emu.premium_env(env)
    return Response(200, [emu.v1_webhook(w) for w in emu.list_webhooks(env)])


@route("PUT", PREMIUM + "/:env_name/webhooks/:webhook_id.json", USER, limit=15)
def premium_validate_webhook(emu, request):
    env = request.args["env_name"]
    emu.premium_env(env)
    return _revalidate(emu, request.args["webhook_id"], env)


@route("DELETE", PREMIUM + "/:env_name/webhooks/:webhook_id.json", USER, limit=15)
def premium_delete_webhook(emu, request):
    env = request.args["env_name"]
    emu.premium_env(env)
    emu.delete_webhook(request.args["webhook_id"], env)
    return Response(204)


@route("POST", PREMIUM + "/:env_name/subscriptions.json", USER, limit=500)
def premium_subscribe(emu, request):
    env = request.args["env_name"]
    emu.subscribe(emu.premium_webhook_id(env), request.caller.user_id, env)
    return Response(204)


@route("GET", PREMIUM + "/:env_name/subscriptions.json", USER, limit=500)
def premium_is_subscribed(emu, request):
    env = request.args["env_name"]
    return _check_subscription(emu, emu.premium_webhook_id(env), request.caller.user_id, env)


@route("GET", PREMIUM + "/:env_name/subscriptions/list.json", BEARER, limit=50)
def premium_list_subscriptions(emu, request):
    env = request.args["env_name"]
    webhook_id = emu.premium_webhook_id(env)
    body = {
        "environment": env,
        "application_id": emu.app_id,
        "subscriptions": [{"user_id": user_id} for user_id in emu.subscribers(webhook_id)],
    }
    return Response(200, body)


@route("DELETE", PREMIUM + "/:env_name/subscriptions/:user_id.json", BEARER, limit=500)
def premium_unsubscribe(emu, request):
    env = request.args["env_name"]
    return _remove_subscription(emu, emu.premium_webhook_id(env), request.args["user_id"], env)
