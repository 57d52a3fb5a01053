"""xwebhook: a receiver for X (Twitter) webhooks on AWS Lambda.

This package is the logic the thin handlers in functions/ call; it is shipped to Lambda as a layer (all of it
but cli/ and send/, the developer tools). Its packages, by layer (an import only ever points down; the map is
docs/architecture.md, and tests/unit/test_architecture.py keeps it so):

  capabilities    admin/ (dispatch, actions, composition root), connect/ (Sign in with X), migrate/ (XAA desired
                  state and the move from AAA), recovery/ (replays of what X could not deliver), cli/ and send/
  what they keep  receive/ (CRC and ingest, on X's clock), accounts/ (connected accounts, tokens, upkeep)
  shared parts    x_api/, credentials/, contract/, and aws, env, errors, http_api, lambda_context, log_line,
                  observability, utc

Keep this file free of imports: the crc function pays for every module it loads on each cold start.
"""
