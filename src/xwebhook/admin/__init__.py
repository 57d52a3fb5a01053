"""The admin function's logic: keep the webhook registered, valid and subscribed, and run the
management actions (status, register, revalidate, ensure, delete, subscribe, unsubscribe,
subscriptions, replay, XAA subscriptions, migrate, and for connected accounts invite, accounts, disconnect)
against X's API.

Modules, in the order a call passes through them:
  settings        AdminSettings.from_env: the admin function's environment, validated once
  models          the actions' inputs (pydantic)
  errors          AdminError, BadInput (every failure an action meets is a xwebhook.errors.ReportedError)
  replay_window   the `replay` action's from/to -> X's ReplayWindow, checked against the 24 h limit
  ensure_webhook  ensure's webhook part: observed state -> plan (pure) -> applied steps
  actions/        the actions, one module per capability (webhook, ensure, subscriptions, accounts, migrate)
  dispatch        ACTIONS, requested_action, Admin.handle(event) -> result, MisconfiguredAdmin
  services        AdminServices: what the actions use besides X's API, one typed field each
  wiring          the composition root: every capability's actions, ensure/status parts and services
  result          results, and how each failure is answered (failed, refused, part_failed)

Its neighbours, not its children: xwebhook.recovery (ensure's replays and memory), xwebhook.migrate (the
XAA desired state and the move from AAA), xwebhook.accounts (the accounts and their upkeep). X's API is
xwebhook.x_api; the credentials come from xwebhook.credentials. Nothing here imports connect, cli or receive,
and nothing here is imported by the crc or ingest functions.
"""
