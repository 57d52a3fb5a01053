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

from xwebhook.cli.local_endpoint import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY
from xwebhook.cli.local_state import (  # the reading side, shared with the CLI
    DEFAULT_STATE_FILE,
    REPO,
    STATE_FILE_ENV,
    StackNotRunning,
    local_client,
    read_state,
    state_path,
)
from xwebhook.utc import iso

__all__ = [
    "LOCAL_ACCESS_KEY_ID",
    "LOCAL_SECRET_ACCESS_KEY",
    "DEFAULT_STATE_FILE",
    "REPO",
    "STATE_FILE_ENV",
    "StackNotRunning",
    "read_state",
    "state_path",
]


def write_state(state, path=None):
    """Write the state atomically (readers never see half a file), readable by this user only."""
    target = state_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    document = dict(state)
    document.setdefault("pid", os.getpid())
    document.setdefault("started_at", iso())
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, target)
    return target


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
    return local_client(state, service, **config)


def consumer_secret(state):
    """The consumer secret the local stack's functions use, read from its Secrets Manager."""
    from xwebhook.credentials.consumer_secret import consumer_secret_from_value

    secret_id = state["resources"]["ConsumerSecret"]
    value = aws_client(state, "secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return consumer_secret_from_value(value).decode()
