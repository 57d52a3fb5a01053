"""X's API as the admin and connect functions use it. Imports nothing of xwebhook but its shared parts
(errors, utc): every layer above may use it.

client     XClient: one HTTP session, auth per endpoint, bounded retries, X's errors as exceptions
endpoints  the endpoint tables of v2, v1.1 Enterprise and v1.1 Premium, and WebhooksApi over them
xaa        XaaApi: the X Activity API's subscriptions (create, list in pages, update, delete), the
           credentials a subscription is made with, X's refusals as exceptions
errors     XError and its kinds: refused, rate limited, unavailable, unexpected answer, unsupported
models     Webhook, find_webhook, X's ids, ReplayWindow, the API flavours
tokens     the user token sets X issues (OAuth1Tokens, OAuth2Tokens, UserTokens)
event_types  the XAA event types X lets an app create (its document's enum), privacy, scopes per type and per
           call (its security requirements), prices, AAA parity, what each shares in words
authorize  X's authorize pages and PKCE (no HTTP: connect's cold path)
oauth1     the three-legged OAuth 1.0a flow: request_token, access_token, invalidate_token
oauth2     OAuth 2.0 with PKCE: code exchange, rotating refresh, revoke, who signed in
account_subscriptions  one account's own subscriptions, made at connect and removed at disconnect
"""
