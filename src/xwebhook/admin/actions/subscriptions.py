"""Subscription actions: AAA (subscribe, unsubscribe, subscriptions) and XAA (xaa_create/list/update/delete).

xaa_create picks its credential as ensure and migrate do (migrate.auth): the bearer token for public
types, the account's user tokens for private ones (from the accounts store or the credentials secret),
falling back on X's 401/403."""

from xwebhook.admin.errors import AdminError
from xwebhook.admin.result import succeeded
from xwebhook.credentials.x_credentials import user_id_from_access_token
from xwebhook.migrate import auth
from xwebhook.migrate.accounts import gather
from xwebhook.x_api.client import USER
from xwebhook.x_api.tokens import UserTokens
from xwebhook.x_api.xaa import BEARER_CREDENTIAL, CredentialRefused


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
    admin.api.unsubscribe(webhook_id, request.user_id, _signing_tokens(admin, request.user_id))
    return succeeded("unsubscribe", webhook_id=webhook_id, user_id=request.user_id, subscribed=False)


def _signing_tokens(admin, user_id):
    """The user's OAuth 1.0a tokens where the flavour's unsubscribe is signed as the user (v1.1 Enterprise):
    the connected account's, else None (the credentials secret's are used then)."""
    if admin.api.endpoint("unsubscribe").auth != USER:
        return None
    store = admin.services.accounts
    account = store.get(user_id) if store is not None else None
    if account is None or account.oauth1 is None:
        return None
    return UserTokens.of(user_id, account.oauth1)


def subscriptions(admin, request):
    webhook_id = admin.webhook_id(request)
    user_ids = admin.api.list_subscriptions(webhook_id)
    counts = admin.api.count_subscriptions()
    return succeeded("subscriptions", webhook_id=webhook_id, user_ids=user_ids, count=len(user_ids), app=counts)


def _xaa_credentials(admin, user_id, event_type):
    """The credentials to create a subscription of `event_type` for `user_id` with, in order (migrate.auth):
    the bearer token alone for keyword filters and accounts nobody knows."""
    if user_id is None:
        return [BEARER_CREDENTIAL]
    views = gather(admin.services.accounts, admin.credentials(), None)
    view = next((view for view in views if view.user_id == user_id), None)
    if view is None:
        return [BEARER_CREDENTIAL]
    found = auth.options(view, event_type, admin.settings.xaa, admin.now().timestamp())
    return [option.credential for option in auth.usable(found)] or [BEARER_CREDENTIAL]


def xaa_create(admin, request):
    webhook_id = admin.webhook_id(request)
    filter_ = {"user_id": request.user_id} if request.user_id else {"keyword": request.keyword}
    refused, last = [], None
    for credential in _xaa_credentials(admin, request.user_id, request.event_type):
        try:
            subscription = admin.api.xaa.create(webhook_id, request.event_type, filter_, request.tag, credential)
        except CredentialRefused as exc:
            refused.append({"credential": credential.kind, "status": exc.status, "reason": exc.reason})
            last = exc
            continue
        extra = {"refused": refused} if refused else {}
        return succeeded("xaa_create", subscription=subscription.as_dict(), credential=credential.kind, **extra)
    raise last


def xaa_list(admin, _request):
    listing = admin.api.xaa.list_all(admin.settings.xaa.page_size)
    subscriptions = [subscription.as_dict() for subscription in listing.subscriptions]
    return succeeded("xaa_list", subscriptions=subscriptions, count=len(subscriptions), listing=listing.report())


def xaa_update(admin, request):
    subscription = admin.api.xaa.update(request.subscription_id, request.tag, request.webhook_id)
    return succeeded(
        "xaa_update",
        subscription_id=request.subscription_id,
        subscription=subscription.as_dict() if subscription is not None else {},
    )


def xaa_delete(admin, request):
    existed = admin.api.xaa.delete(request.subscription_id)
    result = succeeded("xaa_delete", subscription_id=request.subscription_id, deleted=True)
    if not existed:
        result["note"] = "X had no such subscription (already deleted)"
    return result
