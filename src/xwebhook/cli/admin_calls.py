"""Invoking the admin function for a person: mistakes are bad arguments (exit 2, with "did you mean"), an action
this CLI knows but the deployed function does not is the target's age (exit 5), and the answer is summarised.

    call(options, action, fields)   the answer (a dict), or the CliError a person should see
    admin_exit(result)              the exit code of an answer: 0 ok, 1 not ok

ACTIONS is what this CLI knows the admin function can do (tests/unit/cli/test_admin_calls.py keeps it equal to
admin/wiring.py's table; the CLI cannot import admin: docs/architecture.md). Whether an action exists is the
deployed function's to say, so the CLI always asks it: a function newer than the CLI may know more.
"""

from xwebhook.cli import errors, suggest
from xwebhook.cli.errors import CliError, UnknownAction
from xwebhook.cli.output import code, esc
from xwebhook.cli.words import did_you_mean

ACTIONS = (
    "status",
    "register",
    "revalidate",
    "ensure",
    "delete",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "replay",
    "xaa_create",
    "xaa_list",
    "xaa_update",
    "xaa_delete",
    "invite",
    "accounts",
    "disconnect",
    "migrate",
    "event_types",
)
BAD_INPUT = "bad input"  # how the admin function's answer to malformed fields begins (admin/errors.py BadInput)
TYPE_FIELDS = ("event_type", "event_types")  # fields that name XAA event types (xaa_create, invite, event_types)


def normalised(action):
    """The action's name as the admin function reads it (admin/dispatch.py requested_action)."""
    return action.strip().lower().replace("-", "_")


def check_event_types(fields, labels=None):
    """A field naming an event type X does not have is a bad argument, with the types meant. `labels` names
    the fields as the person typed them (`{"floor": "--floor"}`)."""
    labels = labels or {field: field for field in TYPE_FIELDS}
    for field, label in labels.items():
        value = fields.get(field)
        names = value if isinstance(value, list | tuple) else [value] if isinstance(value, str) else []
        for name in names:
            if name == "default" and field == "event_types":
                continue  # the event_types action's "back to the default set"
            if isinstance(name, str) and not suggest.known_event_type(name):
                meant = suggest.event_types(name)
                raise CliError(
                    f"{label}: {name!r} is not an X Activity API event type.{did_you_mean(meant)}",
                    errors.USAGE,
                    hints=["every type: " + code("xwebhook send --list") + " (the xaa/ ones)"],
                )


def call(options, action, fields):
    """The admin function's answer to `action` with `fields` (see the module's docstring)."""
    check_event_types(fields)
    target = options.target()
    try:
        result = target.invoke_admin(action, fields)
    except UnknownAction as exc:
        raise _unknown(target, exc) from None
    if isinstance(result, dict) and not result.get("ok") and str(result.get("error", "")).startswith(BAD_INPUT):
        raise CliError(str(result["error"]), errors.USAGE, result=result)
    return result


def _unknown(target, exc):
    name = normalised(exc.action)
    if name in ACTIONS:
        return errors.Unsupported(
            f"the admin function of {target.describe()} has no {name!r} action: it was deployed before this CLI "
            "knew it",
            hints=["deploy the stack again (" + code("sam build && sam deploy") + ") to get it"],
            result=exc.details.get("result"),
        )
    meant = suggest.suggestions(name, [*ACTIONS, *exc.known])
    known = exc.known or list(ACTIONS)
    return CliError(
        f"no admin action {exc.action!r}.{did_you_mean(meant)}",
        errors.USAGE,
        hints=[f"the admin function's actions: {esc(', '.join(known))}"],
    )


def admin_exit(result):
    return 0 if isinstance(result, dict) and result.get("ok") else errors.FAILED
