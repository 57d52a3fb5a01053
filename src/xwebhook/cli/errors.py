"""The CLI's exit codes (documented in docs/cli.md and `xwebhook --help`) and the errors that carry them."""

OK = 0  # done, and what was checked is fine
FAILED = 1  # done, and the answer is a failure: a CRC wrong, a delivery refused, an admin action not ok, unhealthy
USAGE = 2  # bad arguments or options (Click's own code)
NO_TARGET = 3  # nothing to talk to: no local stack running, no such CloudFormation stack, an output missing
UNREACHABLE = 4  # AWS or the local stack could not be reached, or refused: credentials, permissions, network
UNSUPPORTED = 5  # the target lacks the feature: the admin function has no such action, the endpoint no tap
INCOMPLETE = 6  # a long run stopped before its end (X's rate limit): the same command resumes it
INTERRUPTED = 130  # Ctrl-C

EXIT_CODES = {
    OK: "ok",
    FAILED: "failed: the check or action ran and its answer is a failure",
    USAGE: "usage: bad arguments or options",
    NO_TARGET: "no target: no local stack running, no such stack, or an output missing",
    UNREACHABLE: "unreachable: AWS or the local stack could not be reached, or refused (credentials, permissions)",
    UNSUPPORTED: "unsupported: the target has no such admin action or feature",
    INCOMPLETE: "incomplete: a migrate run stopped at X's rate limit; run the same command again to resume",
    INTERRUPTED: "interrupted (Ctrl-C)",
}


class CliError(Exception):
    """An error the CLI prints as one line (or a JSON object with --json) and exits with `code`."""

    code = FAILED

    def __init__(self, message, code=None, **details):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NoTarget(CliError):
    code = NO_TARGET


class Unreachable(CliError):
    code = UNREACHABLE


class Unsupported(CliError):
    code = UNSUPPORTED
