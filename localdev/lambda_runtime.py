"""What Lambda's Python runtime does around a handler, for the local gateway's function instances.

Standard library only, on purpose: run as a script (`python -I -S localdev/lambda_runtime.py <fd>`) it
is the bootstrap of a *built* function instance, whose interpreter sees nothing of this repository or
its virtual environment - only the paths the gateway hands it (the function's build folder, its
layers, the runtime's boto3), as /var/task, /opt/python and the runtime's site-packages are all a
function sees in Lambda. Imported (localdev.gateway), it serves the instances that load the sources.

    LambdaContext            the parts of Lambda's context object handlers and Powertools read
    import_handler(spec)     "app.handler" -> the callable, with Lambda's error kinds
    serve(connection, ...)   invocations one at a time: events and results cross the pipe as JSON
    trace_header(request_id) the X-Ray trace header of an invocation (Lambda's `_X_AMZN_TRACE_ID`)
"""

import hashlib
import importlib
import json
import os
import sys
import time
import traceback

ACCOUNT_ID = "123456789012"


class LambdaContext:
    """The parts of Lambda's context object handlers and Powertools read."""

    def __init__(self, function_name, request_id, timeout_seconds, memory_mb=128):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def trace_key(request_id):
    """The 24 hex digits that name an invocation in its trace header (from its request id)."""
    return hashlib.sha256(request_id.encode()).hexdigest()[:24]


def trace_header(request_id, now=None):
    """The trace header Lambda sets in `_X_AMZN_TRACE_ID` for each invocation, here made from its request id.

    botocore sends it with every AWS call a function makes (`X-Amzn-Trace-Id`, its recursion detection,
    whenever AWS_LAMBDA_FUNCTION_NAME is set, as in Lambda): the local AWS endpoint's tap records it with
    each message sent, so localdev.queue_fate can say which invocation sent what."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()
    return f"Root=1-{int(now or time.time()):08x}-{digest[:24]};Parent={digest[24:40]};Sampled=0"


class HandlerError(Exception):
    """The handler cannot be loaded; the message starts with Lambda's error type (Runtime.*)."""


def import_handler(spec):
    """The callable named by a Handler setting such as "app.handler" (module path, dot, attribute).

    Errors read as Lambda reports them at init: Runtime.MalformedHandlerName, Runtime.ImportModuleError
    (with the missing module's name) and Runtime.HandlerNotFound.
    """
    module_name, _, attribute = spec.rpartition(".")
    if not module_name or not attribute:
        raise HandlerError(f"Runtime.MalformedHandlerName: Bad handler '{spec}': not enough values to unpack")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HandlerError(f"Runtime.ImportModuleError: Unable to import module '{module_name}': {exc}") from exc
    handler = getattr(module, attribute, None)
    if handler is None:
        raise HandlerError(f"Runtime.HandlerNotFound: Handler '{attribute}' missing on module '{module_name}'")
    return handler


def send(connection, document):
    connection.send_bytes(json.dumps(document).encode())


def receive(connection):
    return json.loads(connection.recv_bytes())


def serve(connection, handler, function_name, timeout_seconds, memory_mb=128):
    """Run invocations ([event, request id] messages) until the pipe closes or None arrives."""
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", function_name)  # as Lambda sets it
    while True:
        try:
            message = receive(connection)
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            return
        event, request_id = message
        os.environ["_X_AMZN_TRACE_ID"] = trace_header(request_id)  # Lambda sets it per invocation
        try:
            result = handler(event, LambdaContext(function_name, request_id, timeout_seconds, memory_mb))
            send(connection, ["ok", result])
        except Exception as exc:
            traceback.print_exc()
            send(connection, ["error", f"{exc.__class__.__name__}: {exc}"])
        sys.stdout.flush()


def module_origins():
    """{module name: file} of every module imported so far that has a file (built-ins have none)."""
    origins = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path:
            origins[name] = path
    return origins


def main(fd):
    """A built function instance: sys.path from the setup message, the handler imported as Lambda does.

    Setup: {"name", "env", "timeout", "memory", "handler", "sys_path", "isolated"}. The answer to it is
    ["ready", {"sys_path", "modules", "python"}] (so tests can check where every module came from) or
    ["init_error", "<Lambda's error type>: ..."].
    """
    from multiprocessing.connection import Connection

    connection = Connection(fd)
    setup = receive(connection)
    if setup.get("isolated", True):
        # As in Lambda: the task root, the layers and the runtime's packages, then the standard library.
        stdlib = [path for path in sys.path if path.startswith((sys.base_prefix, sys.base_exec_prefix))]
        sys.path[:] = [*setup["sys_path"], *stdlib]
    else:  # the sources: the function's folder first, then this interpreter's own path (repository, venv)
        sys.path[:0] = setup["sys_path"]
    try:
        handler = import_handler(setup["handler"])
    except BaseException as exc:
        traceback.print_exc()
        send(connection, ["init_error", str(exc) if isinstance(exc, HandlerError) else f"{type(exc).__name__}: {exc}"])
        return
    version = ".".join(str(part) for part in sys.version_info[:3])
    send(connection, ["ready", {"sys_path": sys.path, "modules": module_origins(), "python": version}])
    function_name = setup["env"].get("AWS_LAMBDA_FUNCTION_NAME", setup["name"])
    serve(connection, handler, function_name, setup["timeout"], setup.get("memory", 128))


if __name__ == "__main__":
    main(int(sys.argv[1]))
