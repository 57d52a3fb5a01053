"""The admin function's logic: keep the webhook registered, valid and subscribed, and run the
management actions (status, register, revalidate, ensure, delete, subscribe, unsubscribe,
subscriptions, replay, XAA subscriptions) against X's API.

Modules, in the order a call passes through them:
  settings       AdminSettings.from_env: the admin function's environment, validated once
  models         the actions' inputs (pydantic) and the webhook record
  credentials    X credentials and the consumer secret from Secrets Manager (via the extension), cached
  x_client       one HTTP session to X: auth, timeouts, bounded retries, X's errors as exceptions
  flavours       the endpoint tables of v2, v1.1 Enterprise and v1.1 Premium, and one API over them
  replay_window  from/to times -> X's yyyymmddhhmm window, checked against the 24 h limit
  reconcile      ensure: observed state -> plan (pure) -> applied steps
  actions        one function per action, and dispatch(event) -> result
  result         results and errors as JSON-serialisable dicts

Nothing here is imported by the crc or ingest functions.
"""
