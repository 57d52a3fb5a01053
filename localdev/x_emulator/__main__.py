"""python -m localdev.x_emulator: run the X API emulator until interrupted; prints its base URL on stdout.

Credentials default to the environment (X_CONSUMER_KEY, X_CONSUMER_SECRET, X_BEARER_TOKEN, X_ACCESS_TOKEN,
X_ACCESS_TOKEN_SECRET, X_OWNER_ID), then to documented dev values. Secrets are never printed.
"""

import argparse
import logging
import os
import signal
import sys
import threading

from localdev.x_emulator.emulator import XEmulator

DEV_DEFAULTS = {
    "X_CONSUMER_KEY": "dev-consumer-key",
    "X_CONSUMER_SECRET": "dev-consumer-secret",
    "X_BEARER_TOKEN": "dev-bearer-token",
    "X_ACCESS_TOKEN": "dev-access-token",
    "X_ACCESS_TOKEN_SECRET": "dev-access-token-secret",
    "X_OWNER_ID": "2244994945",
}


def _env(name):
    return os.environ.get(name) or DEV_DEFAULTS[name]


def _user(text):
    parts = text.split(":")
    if len(parts) != 3 or not all(parts) or not parts[0].isdigit():
        raise argparse.ArgumentTypeError("expected USER_ID:ACCESS_TOKEN:ACCESS_TOKEN_SECRET (numeric user id)")
    return parts[0], (parts[1], parts[2])


def _delays(text):
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected seconds separated by commas, e.g. 3,27,242") from exc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m localdev.x_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("X_EMULATOR_PORT") or 0), help="0 = any")
    parser.add_argument("--consumer-key", default=_env("X_CONSUMER_KEY"))
    parser.add_argument("--consumer-secret", default=_env("X_CONSUMER_SECRET"))
    parser.add_argument("--bearer-token", default=_env("X_BEARER_TOKEN"))
    parser.add_argument(
        "--user",
        action="append",
        type=_user,
        metavar="ID:TOKEN:SECRET",
        help="a user whose OAuth 1.0a access token the emulator accepts; repeatable, the first is the app owner "
        "(default: X_OWNER_ID:X_ACCESS_TOKEN:X_ACCESS_TOKEN_SECRET)",
    )
    parser.add_argument("--app-id", default="13090192")
    parser.add_argument("--crc-timeout", type=float, default=3.0)
    parser.add_argument("--webhook-limit", type=int, default=1)
    parser.add_argument("--subscription-limit", type=int, default=3)
    parser.add_argument("--premium-env", action="append", help="Premium dev environment name (repeatable; dev)")
    parser.add_argument("--strict-urls", action="store_true", help="require https URLs without a port, as X does")
    parser.add_argument("--retry-delays", type=_delays, default=(), help="delivery retries, e.g. 3,27,242")
    parser.add_argument("--enforce-rate-limits", action="store_true", help="answer 429 past X's 15-minute limits")
    parser.add_argument(
        "--control-token",
        default=os.environ.get("X_EMULATOR_CONTROL_TOKEN") or None,
        help="the token /_emulator/ requests need in X-Emulator-Token (default: $X_EMULATOR_CONTROL_TOKEN, "
        "else a new one, printed on stderr)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser.parse_args(argv)


def build(args):
    owner = {_env("X_OWNER_ID"): (_env("X_ACCESS_TOKEN"), _env("X_ACCESS_TOKEN_SECRET"))}
    users = dict(args.user) if args.user else owner
    return XEmulator(
        consumer_key=args.consumer_key,
        consumer_secret=args.consumer_secret,
        bearer_token=args.bearer_token,
        users=users,
        app_id=args.app_id,
        crc_timeout=args.crc_timeout,
        host=args.host,
        port=args.port,
        strict_urls=args.strict_urls,
        webhook_limit=args.webhook_limit,
        subscription_limit=args.subscription_limit,
        premium_envs=tuple(args.premium_env or ("dev",)),
        retry_delays=args.retry_delays,
        enforce_rate_limits=args.enforce_rate_limits,
        control_token=args.control_token,
    )


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    emulator = build(args).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(emulator.base_url, flush=True)
    print(
        f"X API emulator on {emulator.base_url} (app {emulator.app_id}, users {', '.join(emulator.users)}); "
        f"control plane at {emulator.base_url}/_emulator/state (header X-Emulator-Token: {emulator.control_token}); "
        "Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
