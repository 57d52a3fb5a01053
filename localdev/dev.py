"""`make dev` (also `xwebhook dev`): the dev loop in one command, as `stripe listen` is Stripe's.

  1. the local stack, as `make run` starts it, with X's API emulated (X_EMULATOR=1 whatever the environment
     says): moto, the real handlers behind the local gateway, the console;
  2. registered and subscribed, as an app owner does it: admin `ensure` through the local Lambda Invoke API
     registers the webhook at the emulator (which runs a real CRC through the gateway to the crc function)
     and subscribes the app owner;
  3. what is ready and the next commands, then one line per request until Ctrl-C.

The local stack keeps no state between runs: a restart says what it reset (localdev.last_run) and registers
and subscribes again by itself. Every setting of `make run` applies (PORT, CONSOLE_PORT, X_CONSUMER_SECRET,
X_USER_ID, ...; docs/settings.md), and its options: `make dev ARGS='--parameter ReplayDedup=disabled'`.
"""

import os
import sys
import time

from localdev import last_run, run

NEXT = (
    ("xwebhook send --as-x favorite", "X (the emulator) delivers a signed event for the app owner to the webhook"),
    ("xwebhook tail --follow", "the events on the queue as they arrive (taken from no consumer)"),
    ("xwebhook doctor", "the whole chain checked, each failure with its fix"),
    ("xwebhook invite", "an invite link: connect an account through X's (emulated) sign-in"),
)


def register(state):
    """admin ensure on the running stack: (its result, seconds). The result says ok or why not."""
    from xwebhook.cli.errors import CliError
    from xwebhook.cli.target import from_state

    started = time.monotonic()
    try:
        result = from_state(state).invoke_admin("ensure")
    except CliError as exc:
        result = {"action": "ensure", "ok": False, "error": exc.message}
    return result, time.monotonic() - started


def registered_text(result, seconds):
    """One line: what ensure did, or why it could not."""
    hook = result.get("webhook") or {}
    if not result.get("webhook_valid"):
        return f"NOT registered: {result.get('error') or 'ensure failed'} (`xwebhook doctor` names the fix)"
    users = sorted(
        {step.get("user_id") for step in result.get("did") or [] if step.get("step") == "subscribe"}
        | set((result.get("found") or {}).get("subscribed_user_ids") or [])
    )
    subscribed = f"; subscribed: {', '.join(str(user) for user in users if user)}" if users else ""
    problem = f" (but: {result['error']})" if not result.get("ok") and result.get("error") else ""
    return f"registered at X (the emulator) as {hook.get('id')}, valid{subscribed} ({seconds:.1f} s){problem}"


def ready_text(state, settings, result, seconds, since):
    endpoint = state["aws_endpoint"]
    # Where the consumer secret came from, never its value.
    source = "from X_CONSUMER_SECRET"
    if settings.consumer_secret_source != "X_CONSUMER_SECRET":  # noqa: S105 - a source's name
        source = "generated for this run (X_CONSUMER_SECRET chooses it; `xwebhook` reads it from the stack)"
    logs = state["logs"].get("functions")
    width = max(len(command) for command, _ in NEXT)
    lines = [
        f"xwebhook dev: ready in {time.monotonic() - since:.1f} s: the local stack, X's API emulated.",
        f"  webhook   {state['webhook_url']}  {registered_text(result, seconds)}",
        f"  console   {state['console_url']}/   (deliveries, events, health; send, resend)",
        f"  queue     {state['resources'].get('EventsQueue', '-')}  (AWS endpoint {endpoint}, moto)",
        f"  X API     {state.get('emulator_url')}  (emulated; app owner {settings.owner_id})",
        f"  secret    {source}",
        f"  logs      {run._relative(logs) if logs else 'printed here'}",
        "Next, in another terminal (`source .venv/bin/activate` puts xwebhook on PATH):",
        *(f"  {command:<{width}}  {what}" for command, what in NEXT),
        "Ctrl-C stops everything (the next start says what it reset). One line per request follows.",
    ]
    return "\n".join(lines) + "\n"


def start(args, env=os.environ, console=sys.stdout, ready=None, stop_event=None):
    """`make run` with the emulator, registered, then serving until interrupted."""
    since = time.monotonic()

    def on_serving(state, settings, previous):
        said = last_run.reset_line(previous, registers_again=True)
        if said:
            console.write(said + "\n")
        again = " again" if previous and previous.get("webhooks") else ""
        console.write(
            f"registering the webhook{again} at X's emulator (a real CRC through the gateway) and subscribing the "
            "app owner ...\n"
        )
        console.flush()
        result, seconds = register(state)
        console.write(ready_text(state, settings, result, seconds, since))

    environment = {**env, "X_EMULATOR": "1"}
    return run.run(args, env=environment, console=console, ready=ready, stop_event=stop_event, dev=on_serving)


def main(argv=None):
    description = __doc__.split("\n\n")[0]
    return run.started(lambda: start(run.parse_args(argv, prog="make dev", description=description)), "make dev")


if __name__ == "__main__":
    sys.exit(main())
