"""`make queue`: print what is on the events queue, as your consumer would get it.

    make queue                          receive, print and delete every message (a consumer's view)
    make queue ARGS='--peek'            print the head of the queue and leave it there
    make queue ARGS='--follow'          keep receiving until Ctrl-C
    make queue ARGS='--pretty --max 5'  indented JSON, at most 5 messages
    make queue ARGS='--dlq'             the dead-letter queue instead
    make queue ARGS='--queue-url URL'   any queue on the local endpoint (or AWS_ENDPOINT_URL's)

One JSON document per message: {"message_id", "group_id", "attributes": {event_type, source,
for_user_id}, "receive_count", "body": the event message}. `--peek` receives each message once and sets
its visibility timeout back to 0, so it stays on the queue; it shows what a consumer would get next (a
FIFO queue hands out a group's later messages only after the earlier ones are deleted), and each peek
counts as a receive towards the queue's maxReceiveCount (after which SQS moves it to the dead-letter queue).
`xwebhook tail` shows the local queue without receiving at all.

Messages another reader received and did not delete (an `aws sqs receive-message`, a consumer at work)
are hidden until their visibility timeout runs out (the queue's 60 s unless the reader chose another):
`make queue` then says how many are in flight and why it did not get them.
"""

import argparse
import json
import os
import sys
import time

from localdev import stack
from xwebhook.cli.messages import consume, depth, hidden_note, render  # shared with `xwebhook tail`

__all__ = ["consume", "main", "render"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make queue ARGS=...", description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--queue-url", help="the queue (default: the local stack's events queue)")
    where.add_argument("--dlq", action="store_true", help="the local stack's dead-letter queue")
    parser.add_argument("--peek", action="store_true", help="do not delete (visibility timeout 0)")
    parser.add_argument("--max", type=int, default=0, help="stop after N messages (default: all)")
    parser.add_argument("--wait", type=float, default=0.0, help="long-poll up to SECONDS for the first messages")
    parser.add_argument("--follow", action="store_true", help="keep receiving until Ctrl-C")
    parser.add_argument("--pretty", action="store_true", help="indented JSON instead of one line per message")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    return parser.parse_args(argv)


def _client(args):
    state = None
    try:
        state = stack.read_state(args.state_file)
    except stack.StackNotRunning:
        if not (args.queue_url and os.environ.get("AWS_ENDPOINT_URL")):
            raise
    queue_url = args.queue_url or state["resources"]["EventsDeadLetterQueue" if args.dlq else "EventsQueue"]
    if state is not None:
        return stack.aws_client(state, "sqs"), queue_url
    import boto3

    return boto3.client("sqs"), queue_url


def main(argv=None, out=None):
    out = out or sys.stdout
    args = parse_args(argv)
    try:
        sqs, queue_url = _client(args)
    except stack.StackNotRunning as exc:
        sys.stderr.write(f"make queue: {exc}\n")
        return 2

    def emit(message):
        document = render(message)
        out.write(json.dumps(document, indent=2 if args.pretty else None, ensure_ascii=False) + "\n")
        out.flush()

    started = time.monotonic()
    try:
        count = consume(sqs, queue_url, args.peek, args.max, args.wait, args.follow, emit)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:  # `make queue | head`: what was printed is consumed, the rest is left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # botocore errors: a wrong URL, the endpoint down
        sys.stderr.write(f"make queue: {exc.__class__.__name__}: {exc}\n")
        return 2
    counts = depth(sqs, queue_url)
    verb = "peeked at" if args.peek else "consumed"
    sys.stderr.write(
        f"{verb} {count} message(s) from {queue_url} in {time.monotonic() - started:.1f} s; "
        f"about {counts['visible']} visible now\n"
    )
    note = hidden_note(counts, queue_url.endswith(".fifo"))
    if note:
        sys.stderr.write(note + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
