"""The admin actions, one module per capability; each action is `action(admin, request) -> result`.

  webhook        status, register, revalidate, delete, replay
  ensure         the scheduled reconciler and its parts
  subscriptions  AAA subscribe/unsubscribe/subscriptions, XAA xaa_create/list/update/delete
  accounts       invite, accounts, disconnect; ensure's and status's accounts parts

admin.dispatch.ACTIONS names them, with their input models.
"""
