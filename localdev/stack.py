"""The running local stack's state file (.local/stack.json), written by `make run`, read by the others.

`make send`, `make queue` and `make admin` find the gateway, the AWS endpoint and the function
environments here. The file holds no secret value: the consumer secret stays in the local Secrets
Manager (moto) and is read from there when a command needs it. It does hold the extension token
and dummy AWS keys of the local functions, which protect nothing outside this machine.

Format (keys beyond the contract's are marked +):
  {"aws_endpoint", "region", "gateway_url", "webhook_url", "extension_port", "x_api_base_url",
   "resources": {logical id: queue URL | secret ARN | table name},
   "functions": {"crc": {env}, "ingest": {env}, "admin": {env}},
   + "pid", "started_at", "stack_name", "arns": {logical id: ARN}, "outputs": {name: value},
   + "emulator_url" (null unless X_EMULATOR=1), "consumer_secret_source", "logs": {name: path}}
"""

import json
import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STATE_FILE = REPO / ".local" / "stack.json"
STATE_FILE_ENV = "XWEBHOOK_STATE_FILE"

# Credentials of the local stack: moto accepts any, these make it obvious they are not real.
from xwebhook.cli.local_endpoint import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY  # noqa: E402


class StackNotRunning(RuntimeError):
    """No usable state file: `make run` is not running (or was killed)."""


def state_path(path=None):
    """The state file: `path`, else $XWEBHOOK_STATE_FILE, else .local/stack.json in the repository."""
    return Path(path or os.environ.get(STATE_FILE_ENV) or DEFAULT_STATE_FILE)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_state(state, path=None):
    """Write the state atomically (readers never see half a file), readable by this user only."""
    target = state_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = dict(state)
    document.setdefault("pid", os.getpid())
    document.setdefault("started_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, target)
    return target


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
    if check_alive and isinstance(pid, int) and not _alive(pid):
        raise StackNotRunning(f"{target} was left by a `make run` that is gone (pid {pid}); start it again")
    return state


def remove_state(path=None, pid=None):
    """Remove the state file if it is ours (written by `pid`, default this process)."""
    target = state_path(path)
    pid = os.getpid() if pid is None else pid
    try:
        if json.loads(target.read_text()).get("pid") == pid:
            target.unlink()
    except (FileNotFoundError, ValueError):
        pass


def aws_client(state, service, **config):
    """A boto3 client for `service` on the local stack's AWS endpoint."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=state["aws_endpoint"],
        region_name=state.get("region", "us-east-1"),
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        config=Config(**({"retries": {"max_attempts": 2, "mode": "standard"}} | config)),
    )


def consumer_secret(state):
    """The consumer secret the local stack's functions use, read from its Secrets Manager."""
    from xwebhook.credentials.consumer_secret import consumer_secret_from_value

    secret_id = state["resources"]["ConsumerSecret"]
    value = aws_client(state, "secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return consumer_secret_from_value(value).decode()
