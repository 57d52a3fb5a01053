"""`make console`: print the running local stack's console URL (or how to start one)."""

import sys

from localdev.stack import StackNotRunning, read_state


def main():
    try:
        state = read_state()
    except StackNotRunning as exc:
        print(f"make console: {exc}", file=sys.stderr)
        return 2
    print(state.get("console_url", "") + "/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
