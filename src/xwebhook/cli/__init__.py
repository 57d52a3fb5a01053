"""The `xwebhook` command (never deployed: infra/Makefile leaves cli/ out of the Lambda layer).

app.py           the Click commands: crc-check, send, tail, status, redrive, replay, accounts, invite, admin
command_line.py  what every command shares: Options, the `command` decorator, the Group that gives each
                 command the global options (--stack, --region, --state-file, --json) after its name too
output.py        how a command prints: `say(summary, document)` (a person's summary, or the JSON with --json)
summaries.py     a person's words for the admin function's answers (ensure, status, invite, accounts, replay)
words.py         plurals, times, spans, lists; suggest.py: "did you mean" for kinds, event types, actions
admin_calls.py   invoking the admin function for a person: mistakes exit 2, an action too new for it exits 5
target.py        what they act on: the local stack's state file, or a deployed stack's outputs
errors.py        exit codes and the errors that carry them
migrate.py       `xwebhook migrate`'s driver: the admin function's migrate action over many accounts, in waves
migrate_commands.py, migrate_report.py   its commands and the report each run leaves
crc_check.py     X's CRC, run as X runs it, failures named
messages.py      reading the queues without taking messages from consumers (also `make queue`, the console)
redrive.py       dead letters back to the queue
status.py        one look at a stack, and its summary
local_state.py   reading .local/stack.json; local_endpoint.py: signed requests to the local AWS endpoint
console/, console_command.py   the console, and `xwebhook console --stack NAME`

`send` sends with xwebhook/send/deliveries.py (X's sample deliveries, signed and POSTed), as `make send`, the
console and the benchmark do.
"""
