"""The `xwebhook` command (never deployed: infra/Makefile leaves cli/ out of the Lambda layer).

app.py           the Click commands: crc-check, send, tail, status, redrive, replay, accounts, invite, admin
target.py        what they act on: the local stack's state file, or a deployed stack's outputs
errors.py        exit codes and the errors that carry them
migrate.py       `xwebhook migrate`'s driver: the admin function's migrate action over many accounts, in waves
migrate_commands.py, migrate_report.py   its commands and the report each run leaves
crc_check.py     X's CRC, run as X runs it, failures named
messages.py      reading the queues without taking messages from consumers (also `make queue`, the console)
redrive.py       dead letters back to the queue
status.py        one look at a stack
local_state.py   reading .local/stack.json; local_endpoint.py: signed requests to the local AWS endpoint

`send` sends with xwebhook/send/deliveries.py (X's sample deliveries, signed and POSTed), as `make send`, the
console and the benchmark do.
"""
