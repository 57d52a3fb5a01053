"""XAA subscriptions as a desired state kept by ensure, and the move from the Account Activity API to the X
Activity API (AAA ends 2027-01-01).

  settings    XaaSettings: default event types, cap, tag, ownership, auth order, grace, count window
  accounts    AccountView and gather(): accounts from the store, the credentials secret and X's AAA list
  auth        which credential creates a subscription of a type for an account, in order, and why not
  desired     pure: the XAA subscriptions each account wants (by accounts/apis.py: which API its record says
              it is on) vs X's list -> XaaPlan (keep/repoint/delete/create)
  holds       X's 429s remembered per endpoint in the admin state (recovery/state.py), so the next run waits
  xaa_runner  XaaRunner (carries out an XaaPlan: fallback, adopt, cap, 429, time) and ensure's `xaa` part:
              what keeps XAA right on every run, migration or not
  seen        the events the stack saw per account (the dedup table's by_user index): counts, verification
  plan        pure: per account its state as X has it, what needs the operator, subscriptions needed,
              refusals, cost, gaps; the cap and a `fit` from what each account produced
  steps       `migrate apply | cutover | rollback`: idempotent, resumable, one account whole at a time

The admin function runs all of it (admin/actions/migrate.py); nothing here imports admin, and nothing here
is imported by crc or ingest.
"""
