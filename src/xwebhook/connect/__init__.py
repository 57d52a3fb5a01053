"""Connecting X accounts: "Sign in with X" for account owners, on GET /connect and /connect/callback.

  settings  ConnectSettings.from_env: the hosts, the webhook, the ⚠ authorize-page readings
  state     the sign-in state, the cookie binding it to the browser, PendingSignIn and its store (port)
  dynamodb  DynamoSignInStore: sign-ins in the accounts table, taken once
  failures  every failure by name (status, title, advice) and what a raised exception shows: the one table
  pages     the escaped HTML pages and their headers
  sharing   the scopes a sign-in asks (those of the calls its token will make) and, in words, what the
            connected account shares
  flow      ConnectFlow.start (-> 302 to X) and .finish (-> the account stored and subscribed, a page)
  wiring    the connect function's composition root

The accounts, their invites and their store are xwebhook.accounts; X's OAuth endpoints are x_api.oauth1
and x_api.oauth2; the responses are xwebhook.http_api's. Nothing here is imported by the crc or ingest
functions.
"""
