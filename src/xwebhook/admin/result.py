"""Results of admin actions: JSON-serialisable dicts, the same shape for every action, and how a failure is
answered (failed, refused, part_failed): the admin function's one error -> result table.

  {"action": "<name>", "ok": true, ...what the action found or did...}
  {"action": "<name>", "ok": false, "error": "<one line>", "x_error": {...X's error body...},
   "rate_limit_reset": "<ISO>", "rate_limit_reset_epoch": n, "retry_after_seconds": n}   (when X said so)

`error` is written for the operator reading the console or the CLI; `x_error` keeps what X sent.
No result ever holds a secret (tokens given to `subscribe` are not echoed).
"""

# Fields a result may hold that are capabilities (an invite URL lets an X account connect): the caller
# gets them, the log line does not (functions/admin/app.py logs `loggable(result)`).
PRIVATE_FIELDS = frozenset({"invite_url", "reconnect_url"})
NOT_LOGGED = "<not logged>"


def loggable(value):
    """`value` with every PRIVATE_FIELDS value, at any depth, replaced by NOT_LOGGED."""
    if isinstance(value, dict):
        return {
            key: (NOT_LOGGED if key in PRIVATE_FIELDS and item is not None else loggable(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [loggable(item) for item in value]
    return value


def succeeded(action, **fields):
    return {"action": action, "ok": True, **fields}


def failed(action, exc, **fields):
    """The result for a failure `exc` (a ReportedError, admin/errors.py): its message and its details."""
    return refused(action, str(exc), **fields, **exc.details())


def refused(action, error, **fields):
    """The result of an action that could not be done, saying why in `error`. An `ensure` that failed could not
    confirm a valid webhook: its `webhook_valid` is false (the WebhookValid metric says 0)."""
    result = {"action": action, "ok": False, **fields, "error": error}
    if action == "ensure":
        result.setdefault("webhook_valid", False)
    return result


def part_failed(exc):
    """The report of an ensure or status part that raised `exc` (a ReportedError): the other parts still run."""
    return {"ok": False, "error": str(exc), **exc.details()}
