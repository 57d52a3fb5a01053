"""The running local stack's state file (.local/stack.json): where `make run` says everything is.

Written by `make run` (localdev/run.py through localdev/stack.py), read here by the CLI, `make send`,
`make queue` and `make admin`. It holds no secret value; see localdev/stack.py for the format.
"""

import json
import os
from pathlib import Path

from xwebhook.cli.local_endpoint import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

REPO = Path(__file__).resolve().parents[3]
DEFAULT_STATE_FILE = REPO / ".local" / "stack.json"
STATE_FILE_ENV = "XWEBHOOK_STATE_FILE"


class StackNotRunning(RuntimeError):
    """No usable state file: `make run` is not running (or was killed)."""


def state_path(path=None):
    """The state file: `path`, else $XWEBHOOK_STATE_FILE, else .local/stack.json in the repository."""
    return Path(path or os.environ.get(STATE_FILE_ENV) or DEFAULT_STATE_FILE)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(path=None, check_alive=True):
    """The state of the running local stack; StackNotRunning when there is none."""
    target = state_path(path)
    try:
        state = json.loads(target.read_text())
    except FileNotFoundError:
        raise StackNotRunning(f"no local stack is running (no {target}); start one with `make run`") from None
    except ValueError:
        raise StackNotRunning(f"{target} is not a stack state file; restart `make run`") from None
    pid = state.get("pid")
    if check_alive and isinstance(pid, int) and not alive(pid):
        raise StackNotRunning(f"{target} was left by a `make run` that is gone (pid {pid}); start it again")
    return state


def local_client(state, service, endpoint=None, **config):
    """A boto3 client for `service` on the local stack's AWS endpoint (or `endpoint`)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint or state["aws_endpoint"],
        region_name=state.get("region", "us-east-1"),
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        config=Config(**({"retries": {"max_attempts": 2, "mode": "standard"}} | config)),
    )
