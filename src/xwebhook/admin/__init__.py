"""The admin function's logic: keep the webhook registered, valid and subscribed, and run the
management actions (status, register, revalidate, ensure, delete, subscribe, unsubscribe,
subscriptions, replay, XAA subscriptions, and for connected accounts invite, accounts, disconnect)
against X's API.

Modules, in the order a call passes through them:
  settings       AdminSettings.from_env: the admin function's environment, validated once
  models         the actions' inputs (pydantic)
  errors         AdminError, BadInput, and FAILURES (every failure an action reports)
  replay_window  from/to times -> X's yyyymmddhhmm window, checked against the 24 h limit
  reconcile      ensure's webhook part: observed state -> plan (pure) -> applied steps
  actions/       the actions, one module per capability (webhook, ensure, subscriptions, accounts)
  dispatch       ACTIONS, requested_action, Admin.handle(event) -> result, MisconfiguredAdmin
  wiring         the composition root: every capability's actions and ensure/status parts
  result         results and errors as JSON-serialisable dicts

X's API is xwebhook.x_api; the credentials come from xwebhook.credentials.

Nothing here is imported by the crc or ingest functions.
"""
