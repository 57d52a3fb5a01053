"""The move from the Account Activity API to the X Activity API, and XAA subscriptions kept right afterwards.

  settings   XaaSettings: default event types, cap, tag, ownership, auth order, grace, count window
  accounts   AccountView and gather(): accounts from the store, the credentials secret and X's AAA list
  auth       which credential creates a subscription of a type for an account, in order, and why not
  desired    pure: the XAA subscriptions each account wants vs X's list -> XaaPlan (keep/repoint/delete/create)
  holds      X's 429s remembered per endpoint in the admin state, so the next run waits
  reconcile  XaaRunner (carries out an XaaPlan: fallback, adopt, cap, 429) and ensure's `xaa` part
  seen       the events the stack saw per account (the dedup table's by_user index): counts, verification
  plan       pure: `migrate plan` per account: subscriptions needed, refusals, cost, gaps, state
  steps      `migrate apply | cutover | rollback`: idempotent, resumable, per-account records
  status     `status`'s `xaa` section, with reconnect invites

The admin function runs all of it (admin/actions/migrate.py); nothing here is imported by crc or ingest.
"""
