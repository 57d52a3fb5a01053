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
    """An error the CLI prints as one line (or a JSON object with --json) and exits with `code`.

    `hints` are what to do about it: lines of rich markup printed under the message (values in them passed
    through output.esc), and a "hints" list in plain text in the JSON object."""

    code = FAILED

    def __init__(self, message, code=None, hints=(), **details):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hints = list(hints)
        if self.hints:
            from xwebhook.cli.output import plain

            details = {**details, "hints": [plain(hint) for hint in self.hints]}
        self.details = details


class NoTarget(CliError):
    code = NO_TARGET


class Unreachable(CliError):
    code = UNREACHABLE


class Unsupported(CliError):
    code = UNSUPPORTED


class UnknownAction(Unsupported):
    """The admin function does not know the action. `known`: the actions it listed in its answer."""

    def __init__(self, message, action, known=(), **details):
        super().__init__(message, **details)
        self.action = action
        self.known = list(known)
