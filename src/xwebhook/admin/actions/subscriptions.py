"""Subscription actions: AAA (subscribe, unsubscribe, subscriptions) and XAA (xaa_create/list/update/delete)."""

from xwebhook.admin.errors import AdminError
from xwebhook.admin.result import succeeded
from xwebhook.credentials.x_credentials import UserTokens, user_id_from_access_token


def subscribe(admin, request):
    credentials = admin.credentials()
    if request.access_token is not None:
        token = request.access_token.get_secret_value()
        user_id = request.user_id or user_id_from_access_token(token)
        tokens = UserTokens(user_id, token, request.access_token_secret.get_secret_value())
    elif request.user_id:
        tokens = credentials.user_tokens(request.user_id)
    else:
        tokens = credentials.owner_tokens()
    webhook, webhooks = admin.our_webhook()
    if request.webhook_id:
        webhook = next((hook for hook in webhooks if hook.id == request.webhook_id), None)
        if webhook is None:
            raise AdminError(f"X lists no webhook {request.webhook_id} for this app")
    if webhook is None:
        raise AdminError(f"no webhook is registered for {admin.settings.webhook_url}; run register or ensure")
    if not webhook.valid:
        raise AdminError(f"webhook {webhook.id} is invalid: run revalidate (or ensure) before subscribing")
    admin.api.subscribe(webhook.id, tokens)
    return succeeded("subscribe", webhook_id=webhook.id, user_id=tokens.user_id, subscribed=True)


def unsubscribe(admin, request):
    webhook_id = admin.webhook_id(request)
    admin.api.unsubscribe(webhook_id, request.user_id)
    return succeeded("unsubscribe", webhook_id=webhook_id, user_id=request.user_id, subscribed=False)


def subscriptions(admin, request):
    webhook_id = admin.webhook_id(request)
    user_ids = admin.api.list_subscriptions(webhook_id)
    counts = admin.api.count_subscriptions()
    return succeeded("subscriptions", webhook_id=webhook_id, user_ids=user_ids, count=len(user_ids), app=counts)


def xaa_create(admin, request):
    webhook_id = admin.webhook_id(request)
    filter_ = {"user_id": request.user_id} if request.user_id else {"keyword": request.keyword}
    subscription = admin.api.xaa_create(webhook_id, request.event_type, filter_, request.tag)
    return succeeded("xaa_create", subscription=subscription)


def xaa_list(admin, _request):
    subscriptions = admin.api.xaa_list()
    return succeeded("xaa_list", subscriptions=subscriptions, count=len(subscriptions))


def xaa_update(admin, request):
    subscription = admin.api.xaa_update(request.subscription_id, request.tag, request.webhook_id)
    return succeeded("xaa_update", subscription_id=request.subscription_id, subscription=subscription)


def xaa_delete(admin, request):
    admin.api.xaa_delete(request.subscription_id)
    return succeeded("xaa_delete", subscription_id=request.subscription_id, deleted=True)
