"""Connected X accounts: who they are, their tokens, what they are subscribed to, and where they are kept.

  models  Account, OAuth1Tokens, OAuth2Tokens, the statuses (tokens are repr=False, never in public())
  store   AccountStore (the port), StaleAccount, StaleRefreshToken

Read and written by the connect and admin functions only (the template gives no one else access).
"""
