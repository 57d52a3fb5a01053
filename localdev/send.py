"""`make send`: sign sample deliveries as X does and POST them to a webhook.

    make send                                      a favorite (AAA) and a post.create (XAA) to the local stack
    make send ARGS='--kind favorite --kind xaa/like.create'
    make send ARGS='--all'                         every sample in tests/samples
    make send ARGS='--family xaa --repeat 3 --fresh'   new event ids on every copy (else SQS/dedup drops copies)
    make send ARGS='--forge'                       wrong signature: the receiver must answer 401
    make send ARGS='--unsigned'                    no signature header: 401 too
    make send ARGS='--crc'                         a CRC round trip (xwebhook crc-check names what is wrong)
    make send ARGS='--url https://.../webhook --secret ...'   any receiver

The same deliveries as `xwebhook send` (xwebhook/send/deliveries.py), which also gives every copy new ids by
default. The secret: --secret, else X_CONSUMER_SECRET, else the running local stack's (read from its Secrets
Manager). Prints one line per request; exits 1 when an answer is not the one expected (200 for
signed deliveries, 401 for forged or unsigned ones, a matching token for --crc).
"""

import argparse
import http.client
import os
import sys
import threading

from localdev import stack
from xwebhook.send.deliveries import (  # one implementation, shared with `xwebhook send` and the console
    DEFAULT_KINDS,
    FORGING_SECRET,
    Sender,
    SendError,
    build,
    deliver,
    delivery_bytes,
    freshen,
    known_kinds,
    resolve_kinds,
)

__all__ = ["DEFAULT_KINDS", "FORGING_SECRET", "SendError", "Sender", "freshen", "main", "resolve_kinds"]


def find_secret(args, state):
    if args.secret:
        return args.secret
    if os.environ.get("X_CONSUMER_SECRET"):
        return os.environ["X_CONSUMER_SECRET"]
    if state is None:
        raise SendError("no secret: pass --secret or set X_CONSUMER_SECRET (no local stack is running)")
    return stack.consumer_secret(state)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make send ARGS=...", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", action="append", default=[], help="a sample: aaa/favorite, favorite, post.create")
    parser.add_argument("--all", action="store_true", help="every sample")
    parser.add_argument("--family", choices=["aaa", "xaa"], help="every sample of one family")
    parser.add_argument("--list", action="store_true", help="list the samples and exit")
    parser.add_argument("--repeat", type=int, default=1, help="send each delivery N times")
    parser.add_argument("--fresh", action="store_true", help="give every copy new event ids")
    signing = parser.add_mutually_exclusive_group()
    signing.add_argument("--forge", action="store_true", help="sign with a wrong secret (expect 401)")
    signing.add_argument("--unsigned", action="store_true", help="send no signature header (expect 401)")
    parser.add_argument("--crc", action="store_true", help="run a CRC round trip instead of deliveries")
    parser.add_argument("--url", help="the webhook URL (default: the running local stack's)")
    parser.add_argument("--secret", help="the consumer secret (default: X_CONSUMER_SECRET or the local stack's)")
    parser.add_argument("--concurrency", type=int, default=1, help="deliveries in flight at once")
    parser.add_argument("--state-file", help="the local stack's state file (default .local/stack.json)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    return parser.parse_args(argv)


def main(argv=None, out=None):
    out = out or sys.stdout
    try:
        args = parse_args(argv)
        if args.list:
            for name in known_kinds():
                out.write(name + "\n")
            return 0
        return _send(args, out)
    except (SendError, stack.StackNotRunning) as exc:
        sys.stderr.write(f"make send: {exc}\n")
        return 2
    except (OSError, http.client.HTTPException) as exc:
        sys.stderr.write(f"make send: request failed: {exc.__class__.__name__}: {exc}\n")
        return 2


def _send(args, out):
    state = None
    if not args.url or not (args.secret or os.environ.get("X_CONSUMER_SECRET")):
        try:
            state = stack.read_state(args.state_file)
        except stack.StackNotRunning:
            if not args.url:
                raise
    url = args.url or state["webhook_url"]
    write_lock = threading.Lock()

    def say(line):
        if not args.quiet:
            with write_lock:
                out.write(line + "\n")
                out.flush()

    if args.crc:
        return _crc_round_trip(url, find_secret(args, state), say, out)
    sender = Sender(url)
    kinds = resolve_kinds(args.kind, args.all, args.family)
    secret = None if args.unsigned else FORGING_SECRET if args.forge else find_secret(args, state)
    expected = 401 if (args.unsigned or args.forge) else 200
    deliveries = [
        (name, build(delivery_bytes(name), fresh=args.fresh, copy=copy))
        for copy in range(max(1, args.repeat))
        for name in kinds
    ]

    def said(result):
        say(f"POST {result.name:<32} {result.status} {result.answer} ({result.ms:.0f} ms)")

    results = deliver(sender, deliveries, secret, expected, args.concurrency, said)
    unexpected = sum(1 for result in results if not result.as_expected)
    what = "forged" if args.forge else "unsigned" if args.unsigned else "signed"
    out.write(
        f"{len(results)} {what} deliveries to {url}: {len(results) - unexpected} answered {expected} as expected"
        + (f", {unexpected} did not" if unexpected else "")
        + "\n"
    )
    return 1 if unexpected else 0


def _crc_round_trip(url, secret, say, out):
    from xwebhook.cli.crc_check import check_crc

    report = check_crc(url, secret)
    say(f"GET  crc_token={report.token} {report.status} {report.answer.strip()}")
    causes = "; ".join(f"{code}: {detail}" for code, detail in report.causes)
    out.write("CRC round trip: " + ("the response token matches" if report.ok else f"FAILED ({causes})") + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
