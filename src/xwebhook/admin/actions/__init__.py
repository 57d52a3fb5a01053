"""The admin actions, one module per capability; each action is `action(admin, request) -> result`.

  webhook        status, register, revalidate, delete, replay
  ensure         the scheduled reconciler, its parts, and its own record (last_ensure)
  subscriptions  AAA subscribe/unsubscribe/subscriptions, XAA xaa_create/list/update/delete
  accounts       invite, accounts, disconnect; ensure's and status's accounts parts (accounts/upkeep.py)
  migrate        migrate, event_types; ensure's and status's xaa parts (the logic: xwebhook.migrate)

admin.dispatch.ACTIONS and each module's ACTIONS name them, with their input models (admin/wiring.py
joins them).
"""
