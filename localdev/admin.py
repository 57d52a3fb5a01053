"""`make admin ACTION=<name> [ARGS='<json object>']`: run the admin function against the running local stack.

Reads the admin function's environment from .local/stack.json (written by `make run`), loads
functions/admin/app.py as Lambda would, invokes its handler with {"action": ACTION, **ARGS} and prints
the JSON result on stdout. The function's own log lines and metrics go to stderr, so the output can be
piped into jq. Exit code 0 when the result says ok, 1 when it does not, 2 when it could not be run.

    make admin                                   # status
    make admin ACTION=ensure
    make admin ACTION=subscribe ARGS='{"user_id": "783214"}'
    make admin ACTION=replay ARGS='{"from": "-2h"}'
    make admin ACTION=invite ARGS='{"expires_in": "2h"}'   # an invite URL to open in a browser (/connect)
    make admin ACTION=accounts

The local stack talks to whatever X_API_BASE_URL its admin environment names: the emulator when
`make run` started one (X_EMULATOR=1), else X itself with the credentials in the local secret.
"""

import argparse
import contextlib
import json
import sys

from localdev.handlers import environment, load_function
from localdev.stack import StackNotRunning, read_state


def parse_fields(text):
    """The extra fields of the invocation: a JSON object (or nothing)."""
    if not text or not text.strip():
        return {}
    try:
        fields = json.loads(text)
    except ValueError as exc:
        raise SystemExit(f'ARGS must be a JSON object, e.g. ARGS=\'{{"user_id": "123"}}\' ({exc})') from None
    if not isinstance(fields, dict):
        raise SystemExit('ARGS must be a JSON object, e.g. ARGS=\'{"user_id": "123"}\'')
    return fields


def invoke(action, fields, state):
    """The handler's result for {"action": action, **fields} with the stack's admin environment."""
    env = state["functions"]["admin"]
    # Logs and EMF metrics are the function's stdout in Lambda; here they go to stderr so that stdout
    # holds the result alone. The logger binds its stream at import, hence the redirect around the load.
    with contextlib.redirect_stdout(sys.stderr), environment(env):
        app = load_function("admin", env, module_name="xwebhook_function_admin_cli")
        return app.handler({**fields, "action": action}, None)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make admin", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", nargs="?", default="status", help="status, register, ensure, ... (default status)")
    parser.add_argument("args", nargs="?", default="", help="JSON object of extra fields")
    options = parser.parse_args(argv)
    try:
        fields = parse_fields(options.args)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        state = read_state()
    except StackNotRunning as exc:
        print(f"make admin: {exc}", file=sys.stderr)
        return 2
    if "admin" not in state.get("functions", {}):
        print("make admin: the running stack has no admin function environment; restart `make run`", file=sys.stderr)
        return 2
    result = invoke(options.action, fields, state)
    print(json.dumps(result, indent=2, sort_keys=False))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
