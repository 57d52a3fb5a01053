"""Connected X accounts: who they are, their tokens, what they are subscribed to, where they are kept, and
their upkeep.

  models    Account and the statuses (its tokens are x_api/tokens.py's OAuth1Tokens, OAuth2Tokens:
            repr=False, never in public())
  apis      which API an account is on (AAA, XAA, both), from its record alone: what ensure keeps at X
  store     AccountStore (the port), StaleAccount, StaleRefreshToken, InviteUsedUp, AccountsUnavailable, and
            put_changed: the one retry of a lost race
  invites   signed, expiring, counted invites; InviteStore (the port); the reconnect invite bound to an account
  dynamodb  the accounts table: DynamoAccountStore, DynamoInviteStore, conditional writes and why
  refresh   OAuth 2.0 tokens kept fresh with X's rotating, single-use refresh tokens
  revokes   the revokes X delivered, from the dedup table's signals index (or "unknown" without it)
  upkeep    every account kept working by ensure (revokes, refresh, AAA subscriptions, reconnect invites),
            and what status shows of it
  settings  AccountsSettings: the table, the signing key, where /connect is, who may connect, the ⚠
            authorize-page readings
  wiring    AccountServices: the admin function's accounts services, from the environment

Read and written by the connect and admin functions only (the template gives no one else access).
"""
