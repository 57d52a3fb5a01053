"""X's API as the admin and connect functions use it.

client     XClient: one HTTP session, auth per endpoint, bounded retries, X's errors as exceptions
endpoints  the endpoint tables of v2, v1.1 Enterprise and v1.1 Premium, and WebhooksApi over them
errors     XError and its kinds: refused, rate limited, unavailable, unexpected answer, unsupported
models     Webhook
"""
