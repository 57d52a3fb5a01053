"""`make admin ACTION=<name> [ARGS='<json object>']`: invoke the running local stack's admin function.

The same call as `xwebhook admin ACTION` (xwebhook/cli/target.py): a Lambda Invoke to the local stack's
invoke endpoint (on the console's port), where `make run` runs the real functions/admin/app.py handler in
a function instance of its own, with the template's environment. The JSON result is printed once on stdout
(pipe it into jq); the function's own log lines and metrics go where Lambda's would go, to the function
log (.local/functions.log). Exit code 0 when the result says ok, 1 when it does not, 2 when it could not
be run.

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
import json
import sys

from xwebhook.cli.errors import CliError, Unsupported
from xwebhook.cli.target import resolve


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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make admin", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", nargs="?", default="status", help="status, register, ensure, ... (default status)")
    parser.add_argument("args", nargs="?", default="", help="JSON object of extra fields")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    options = parser.parse_args(argv)
    try:
        fields = parse_fields(options.args)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        result = resolve(state_file=options.state_file).invoke_admin(options.action, fields)
    except Unsupported as exc:
        result = exc.details.get("result") or {"action": options.action, "ok": False, "error": exc.message}
    except CliError as exc:
        print(f"make admin: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, sort_keys=False))
    logs = ".local/functions.log"
    if not result.get("ok"):
        print(f"make admin: {options.action} did not succeed; the function's log is in {logs}", file=sys.stderr)
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
