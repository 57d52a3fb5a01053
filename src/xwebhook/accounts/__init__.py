"""Connected X accounts: who they are, their tokens, what they are subscribed to, and where they are kept.

  models    Account, OAuth1Tokens, OAuth2Tokens, the statuses (tokens are repr=False, never in public())
  apis      which API an account is on (AAA, XAA, both), from its record alone: what ensure keeps at X
  store     AccountStore (the port), StaleAccount, StaleRefreshToken, InviteUsedUp, AccountsUnavailable
  invites   signed, expiring, counted invites; InviteStore (the port); the reconnect invite bound to an account
  dynamodb  the accounts table: DynamoAccountStore, DynamoInviteStore, conditional writes and why
  refresh   OAuth 2.0 tokens kept fresh with X's rotating, single-use refresh tokens
  revokes   the revokes X delivered, from the dedup table's signals index (or "unknown" without it)
  settings  AccountsSettings: the table, the signing key, where /connect is, who may connect
  wiring    the admin function's accounts services

Read and written by the connect and admin functions only (the template gives no one else access).
"""
