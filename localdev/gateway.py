"""A local API Gateway HTTP API: HTTP requests in, payload-2.0 events to the real handlers, answers out.

The routes are the template's HttpApi events (localdev.provision: Provisioned.routes), so every function on
the HTTP API is served (shared decision 4); without them, the receiver's two:
    GET  /webhook  -> crc function        POST /webhook -> ingest function      else 404 {"message":"Not Found"}
With the template's defaults, GET /connect and GET /connect/callback go to the connect function as well.

Events are built as HTTP APIs build them (version 2.0, lower-case headers with repeated ones
comma-joined, cookies split out, query parameters decoded and comma-joined, requestContext, body as
text for text content types and base64 otherwise, or always base64 with `base64_bodies=True`).
Answers are mapped back the way HTTP APIs map a Lambda result (statusCode/headers/cookies/body/
isBase64Encoded; a result without statusCode is a 200 JSON body; a crash or timeout is a 500
{"message":"Internal Server Error"}). Bodies over 10 MiB get 413, as in API Gateway.

Each function runs as Lambda runs it: instances that each handle one request at a time, here worker
processes that load functions/<name>/app.py with localdev.handlers.load_function and the function's
environment set for the whole process, or (`built=`) that load `sam build`'s output in an isolated
interpreter, as tests/built does (localdev.lambda_runtime is their bootstrap). Processes rather than
threads because handler code (and the libraries it uses, such as Powertools' metric set) assumes it is
alone in its instance, and because instances then run in parallel. One instance per function starts
with the gateway (so the first CRC is warm); more start on demand, up to `instances` per function, and
stay warm. Binds 127.0.0.1 only.
"""

import base64
import collections
import contextlib
import hashlib
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from localdev.lambda_runtime import LambdaContext, module_origins, serve
from localdev.lambda_runtime import receive as _receive
from localdev.lambda_runtime import send as _send
from localdev.loopback import LoopbackServer
from localdev.moto_server import LOCALHOST
from localdev.queue_fate import SendsFollower

__all__ = ["FunctionFailed", "FunctionPool", "Gateway", "LambdaContext", "http_answer", "http_api_event"]

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
ROUTES = {("GET", "/webhook"): "crc", ("POST", "/webhook"): "ingest"}  # when no routes are given
ACCOUNT_ID = "123456789012"
API_ID = "local"
INIT_TIMEOUT_SECONDS = 30.0  # Lambda allows 10 s of init; a busy 2-core machine needs more to import boto3
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


class FunctionFailed(Exception):
    """The function crashed, timed out or failed its init: API Gateway answers 500."""


class FunctionTimedOut(FunctionFailed):
    """The invocation outlived the function's Timeout: Lambda ends it (and logs "Task timed out")."""


# --- events and answers ----------------------------------------------------------------------------


def _is_text(content_type):
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith(TEXT_TYPES) or media.endswith(("+json", "+xml"))


def request_time(epoch_seconds):
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_seconds))


def new_request_id():
    return base64.b64encode(secrets.token_bytes(10)).decode()


def http_api_event(
    method,
    target,
    headers,
    body=b"",
    source_ip="127.0.0.1",
    route_key=None,
    base64_body=False,
    request_id=None,
    now=None,
    protocol="HTTP/1.1",
    port=None,
    api_id=API_ID,
):
    """The payload-2.0 event API Gateway would give the function for one request.

    `target` is the request target (path and query); `headers` a list of (name, value) pairs in the
    order received.
    """
    now = time.time() if now is None else now
    path, _, raw_query = target.partition("?")
    raw_path = path or "/"
    route_key = route_key or f"{method} {urllib.parse.unquote(raw_path)}"
    collected, cookies = {}, []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        collected.setdefault(key, []).append(value)
    merged = {key: ",".join(values) for key, values in collected.items()}
    source_ip = source_ip or "127.0.0.1"
    merged.setdefault("x-forwarded-for", source_ip)
    merged.setdefault("x-forwarded-proto", "http")
    if port:
        merged.setdefault("x-forwarded-port", str(port))
    request_id = request_id or new_request_id()
    trace = hashlib.sha256(request_id.encode()).hexdigest()[:24]  # stable for a given request id
    merged.setdefault("x-amzn-trace-id", f"Root=1-{int(now):08x}-{trace}")
    host = merged.get("host", f"{LOCALHOST}:{port}" if port else LOCALHOST)
    domain = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if raw_query:
        parameters = {}
        for name, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
            parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
        if parameters:
            event["queryStringParameters"] = parameters
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": method,
            "path": urllib.parse.unquote(raw_path),
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": request_time(now),
        "timeEpoch": int(now * 1000),
    }
    if body:
        as_text = None
        if not base64_body and _is_text(merged.get("content-type")):
            try:
                as_text = body.decode("utf-8")
            except UnicodeDecodeError:
                as_text = None
        if as_text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = as_text
            event["isBase64Encoded"] = False
    else:
        event["isBase64Encoded"] = False
    return event


def _header_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def http_answer(result):
    """(status, [(header, value)], body bytes) for a function's result, as HTTP APIs map it."""
    if isinstance(result, dict) and "statusCode" in result:
        status = result["statusCode"]
        if isinstance(status, str) and status.isascii() and status.isdigit():
            status = int(status)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise FunctionFailed(f"invalid statusCode {status!r}")
        headers = [(name, _header_text(value)) for name, value in (result.get("headers") or {}).items()]
        headers += [("set-cookie", cookie) for cookie in result.get("cookies") or []]
        body = result.get("body")
        if body is None:
            data = b""
        elif not isinstance(body, str):
            raise FunctionFailed("body must be a string")
        elif result.get("isBase64Encoded"):
            try:
                data = base64.b64decode(body, validate=True)
            except ValueError:
                raise FunctionFailed("body is marked base64 but is not") from None
        else:
            data = body.encode("utf-8")
        return status, headers, data
    # Without statusCode, HTTP APIs take the result itself as a JSON body.
    data = (result if isinstance(result, str) else json.dumps(result)).encode("utf-8")
    return 200, [("content-type", "application/json")], data


def chunk_size(line):
    """The size on a chunked body's size line (hex, extensions after `;`); ValueError when it is not one."""
    text = line.split(b";", 1)[0].strip() or b"0"
    if not all(c in b"0123456789abcdefABCDEF" for c in text) or len(text) > 16:
        raise ValueError(f"bad chunk size {text[:20]!r}")  # a sign, spaces, 0x: int(..., 16) would take some
    return int(text, 16)


def printable(text):
    """`text` safe for a terminal: control characters (escape sequences) and non-ASCII shown as \\x.. escapes."""
    return "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode("ascii") for c in text)


class DeliveryNote(str):
    """The line's note for an ingest delivery, with `queue`: what the gateway's `recent` record shows of it."""

    def __new__(cls, text, queue):
        note = super().__new__(cls, text)
        note.queue = queue
        return note


INTERNAL_ERROR = (500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')
NOT_FOUND = (404, [("content-type", "application/json")], b'{"message":"Not Found"}')
TOO_LARGE = (413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')
BAD_REQUEST = (400, [("content-type", "application/json")], b'{"message":"Bad Request"}')

RECENT_REQUESTS = 200  # records the gateway keeps for the console
KEEP_BODY_BYTES = 256 * 1024  # a delivery's body is kept (to show and resend) up to this size
KEEP_ANSWER_BYTES = 4096


# --- function instances ----------------------------------------------------------------------------


# What an instance inherits from this process's environment: enough to run Python, nothing that
# changes how AWS clients behave (profiles, per-service endpoint overrides) - as in Lambda, the
# function's environment is what the template says plus what Lambda adds.
INHERITED_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT", "VIRTUAL_ENV")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_BOOTSTRAP = os.path.join(REPO, "localdev", "lambda_runtime.py")


def worker_main(fd):
    """One function instance loaded from the sources (a process of its own): load the handler, then run
    invocations one at a time. Events and results cross the pipe as JSON, as they cross Lambda's runtime API.
    """
    from multiprocessing.connection import Connection

    # When the gateway goes away, so does the other end of the pipe: recv fails and the instance exits.
    connection = Connection(fd)
    setup = _receive(connection)
    name, env, timeout_seconds = setup["name"], setup["env"], setup["timeout"]
    try:
        from localdev.handlers import load_function

        handler = load_function(name, env).handler
    except BaseException as exc:
        traceback.print_exc()
        _send(connection, ["init_error", f"{exc.__class__.__name__}: {exc}"])
        return
    _send(connection, ["ready", {"modules": module_origins()}])
    function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", f"xwebhook-{name}")
    serve(connection, handler, function_name, timeout_seconds)


def _relay_output(name, stream, log_path, log_sink):
    """Copy an instance's output lines to its log (or this process's stdout) and hand each to `log_sink`,
    as Lambda ships a function's stdout to its log group (localdev.metric_filters reads them there)."""
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - closed below
    try:
        for raw in iter(stream.readline, b""):
            if log is not None:
                log.write(raw)
                log.flush()
            else:
                sys.stdout.buffer.write(raw)
                sys.stdout.flush()
            with contextlib.suppress(Exception):  # a broken sink must not stop the function's output
                log_sink(name, raw.decode("utf-8", "replace"))
    finally:
        stream.close()
        if log is not None:
            log.close()


class _Instance:
    """One function instance: a process of its own that loads the function, then serves invocations.

    `built` (a localdev.built.BuiltFunction) loads the function as `sam build` made it: an interpreter
    started with -I -S (no site-packages, no PYTHONPATH, not even this repository) whose sys.path is the
    function's build folder, its layers and the runtime's boto3. Without it, functions/<name>/app.py is
    loaded from the sources with the repository and its virtual environment on the path.
    """

    def __init__(self, name, env, log_path, timeout_seconds, built=None, log_sink=None):
        from multiprocessing.connection import Connection

        self.name = name
        self.timeout = timeout_seconds
        self.report = None  # what a built instance says about its sys.path and modules once ready
        ours, theirs = socket.socketpair()
        base = {key: os.environ[key] for key in INHERITED_VARIABLES if key in os.environ}
        if built is None:
            pythonpath = os.pathsep.join(p for p in (REPO, os.environ.get("PYTHONPATH")) if p)
            command = [
                sys.executable,
                "-c",
                f"from localdev.gateway import worker_main; worker_main({theirs.fileno()})",
            ]
            child_env = {**base, **env, "PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1"}
            setup = {"name": name, "env": env, "timeout": timeout_seconds}
            cwd = REPO
        else:
            if built.isolated:
                base.pop("VIRTUAL_ENV", None)
                command = [built.python, "-I", "-S", RUNTIME_BOOTSTRAP, str(theirs.fileno())]
                child_env = {**base, **built.lambda_variables(), **env, "PYTHONUNBUFFERED": "1"}
            else:  # the function's source folder with the repository and its venv (tests compare the two)
                bootstrap = "import sys; from localdev.lambda_runtime import main; main(int(sys.argv[1]))"
                command = [sys.executable, "-c", bootstrap, str(theirs.fileno())]
                child_env = {**base, **built.lambda_variables(), **env, "PYTHONPATH": REPO, "PYTHONUNBUFFERED": "1"}
            setup = {
                "isolated": built.isolated,
                "name": name,
                "env": env,
                "timeout": timeout_seconds,
                "memory": built.memory_mb,
                "handler": built.handler,
                "sys_path": built.sys_path,
            }
            cwd = built.task_root  # Lambda's working directory is the task root
        log = None
        if log_sink is not None:
            output = subprocess.PIPE  # relayed line by line to the log and the sink (_relay_output)
        else:
            log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - handed to the child
            output = log
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                env=child_env,
                cwd=cwd,
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
            if log:
                log.close()
        if log_sink is not None:
            threading.Thread(
                target=_relay_output,
                args=(name, self.process.stdout, log_path, log_sink),
                name=f"{name}-output",
                daemon=True,
            ).start()
        self.connection = Connection(ours.detach())
        try:
            _send(self.connection, setup)
            if not self.connection.poll(INIT_TIMEOUT_SECONDS):
                raise FunctionFailed(f"{name}: init did not finish in {INIT_TIMEOUT_SECONDS:.0f} s")
            kind, detail = _receive(self.connection)
        except (EOFError, OSError):
            self.stop()
            raise FunctionFailed(f"{name}: instance exited during init") from None
        except FunctionFailed:
            self.stop()
            raise
        if kind != "ready":
            self.stop()
            raise FunctionFailed(f"{name}: init failed: {detail}")
        self.report = detail

    def invoke(self, event, request_id):
        try:
            _send(self.connection, [event, request_id])
            if not self.connection.poll(self.timeout):
                raise FunctionTimedOut(f"{self.name}: timed out after {self.timeout:g} s")
            kind, payload = _receive(self.connection)
        except (EOFError, OSError):
            raise FunctionFailed(f"{self.name}: instance exited") from None
        if kind != "ok":
            raise FunctionFailed(f"{self.name}: {payload}")
        return payload

    def ask_to_stop(self):
        with contextlib.suppress(OSError, ValueError):
            _send(self.connection, None)

    def stop(self):
        self.ask_to_stop()
        try:
            self.process.wait(1)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(2)
        self.connection.close()


class FunctionPool:
    """Up to `size` instances of one function; each runs one invocation at a time."""

    def __init__(self, name, env, size=4, timeout_seconds=30.0, log_path=None, built=None, log_sink=None):
        self.name = name
        self.env = dict(env)
        self.built = built
        self.size = size
        self.timeout = float(timeout_seconds)
        self.log_path = log_path
        self.log_sink = log_sink
        self._idle = queue.LifoQueue()  # last used first: keeps the fewest instances busy, like Lambda
        self._all = set()
        self._lock = threading.Lock()
        self._closed = False
        self.cold_starts = 0
        self.last_report = None  # a built instance's report (sys.path, module files) from its init

    def _new_instance(self):
        with self._lock:
            if self._closed or len(self._all) >= self.size:
                return None
            placeholder = object()
            self._all.add(placeholder)
        try:
            instance = _Instance(self.name, self.env, self.log_path, self.timeout, self.built, self.log_sink)
        except OSError as exc:  # the instance's process could not start
            with self._lock:
                self._all.discard(placeholder)
            raise FunctionFailed(f"{self.name}: could not start an instance: {exc}") from None
        except BaseException:
            with self._lock:
                self._all.discard(placeholder)
            raise
        with self._lock:
            self._all.discard(placeholder)
            self._all.add(instance)
            self.cold_starts += 1
            self.last_report = instance.report
            if self._closed:
                instance.stop()
                raise FunctionFailed(f"{self.name}: gateway stopped")
        return instance

    def prewarm(self, count=1):
        for _ in range(count):
            instance = self._new_instance()
            if instance is None:
                return
            self._idle.put(instance)

    def _acquire(self):
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        instance = self._new_instance()
        if instance is not None:
            return instance
        try:
            return self._idle.get(timeout=self.timeout + INIT_TIMEOUT_SECONDS)
        except queue.Empty:
            raise FunctionFailed(f"{self.name}: no instance free") from None

    def _runtime_line(self, text):
        """A line of Lambda's own in the function's log (and to the log sink), as Lambda writes on a timeout."""
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {text}\n"
        if self.log_path:
            with open(self.log_path, "a") as log:
                log.write(line)
        if self.log_sink is not None:
            with contextlib.suppress(Exception):
                self.log_sink(self.name, line)

    def invoke(self, event, request_id=None):
        request_id = request_id or new_request_id()
        instance = self._acquire()
        try:
            result = instance.invoke(event, request_id)
        except FunctionFailed as exc:
            if isinstance(exc, FunctionTimedOut):
                self._runtime_line(f"{request_id} Task timed out after {self.timeout:.2f} seconds")
            # Lambda discards an instance that crashed or timed out.
            with self._lock:
                self._all.discard(instance)
            instance.stop()
            raise
        if self._closed:
            instance.stop()
        else:
            self._idle.put(instance)
        return result

    def close(self):
        with self._lock:
            self._closed = True
            instances = [instance for instance in self._all if isinstance(instance, _Instance)]
            self._all.clear()
        for instance in instances:
            instance.ask_to_stop()
        for instance in instances:
            instance.stop()


# --- the HTTP server -------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler, max_connections):
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        self._slots.acquire()  # bounded: at most max_connections connections are served at once
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class Gateway(LoopbackServer):
    """The local HTTP API in front of the functions.

    `functions` maps function name -> environment (from provisioning); `routes` (METHOD, path) -> function
    name (Provisioned.routes; default ROUTES). `out` receives one line per
    request (None: silent). `function_log` is where the functions' own output goes (None: this
    process's stdout/stderr). `built` maps function name -> localdev.built.BuiltFunction for functions
    to serve from `sam build`'s output in isolated interpreters instead of from the sources.
    process's stdout/stderr). `log_sink(function, line)`, when given, also gets each line of the functions'
    output (localdev.metric_filters.MetricFilterSink).
    """

    port_setting = ("local gateway", "PORT")
    thread_name = "gateway"

    def __init__(
        self,
        functions,
        port=0,
        host=LOCALHOST,
        instances=4,
        base64_bodies=False,
        max_body_bytes=MAX_BODY_BYTES,
        out=None,
        function_log=None,
        timeouts=None,
        routes=None,
        prewarm=True,
        max_connections=64,
        idle_timeout=15.0,
        built=None,
        log_sink=None,
    ):
        super().__init__(port, host)
        self.routes = dict(routes or ROUTES)
        self.base64_bodies = base64_bodies
        self.max_body_bytes = max_body_bytes
        self.out = out
        self.prewarm = prewarm
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        timeouts = timeouts or {}
        built = built or {}
        self.pools = {
            name: FunctionPool(
                name, functions[name], instances, timeouts.get(name, 30.0), function_log, built.get(name), log_sink
            )
            for name in sorted(set(self.routes.values()))
            if name in functions
        }
        self.requests = 0
        self.enqueued = 0  # events the queue kept (the endpoint's tap), or SQS accepted when it cannot tell
        # What the local queue kept of each delivery: its AWS endpoint's tap, followed (localdev.queue_fate).
        endpoint = (functions.get("ingest") or {}).get("AWS_ENDPOINT_URL")
        self.queue_sends = SendsFollower(endpoint) if endpoint else None
        # The last requests, for the local console: what it shows of each (record_request), deliveries
        # with their headers and body so that it can show and resend them.
        self.recent = collections.deque(maxlen=RECENT_REQUESTS)
        self._seq = 0
        self._counter_lock = threading.Lock()
        self._print_lock = threading.Lock()

    @property
    def webhook_url(self):
        return self.url + "/webhook"

    def before_serving(self):
        if self.queue_sends is not None:
            self.queue_sends.start()
        if self.prewarm:
            warmers = [threading.Thread(target=self._prewarm, args=(p,), daemon=True) for p in self.pools.values()]
            for thread in warmers:
                thread.start()
            for thread in warmers:
                thread.join()

    def make_server(self, address):
        return _Server(address, self.handler_class(), self.max_connections)

    def _prewarm(self, pool):
        try:
            pool.prewarm()
        except FunctionFailed as exc:  # reported now, and again as a 500 on each request
            self.log_line(f"{time.strftime('%H:%M:%S')} {exc}\n")

    def stop(self):
        super().stop()
        if self.queue_sends is not None:
            self.queue_sends.stop()
        closers = [threading.Thread(target=pool.close) for pool in self.pools.values()]
        for thread in closers:
            thread.start()
        for thread in closers:
            thread.join()

    # one request

    def handle(self, method, target, headers, body, source_ip):
        """(status, headers, body bytes, note) for one request (the HTTP server calls this)."""
        path = target.partition("?")[0]
        function = self.routes.get((method, path))
        if function is None or function not in self.pools:
            return (*NOT_FOUND, "no route")
        event = http_api_event(
            method,
            target,
            headers,
            body,
            source_ip,
            route_key=f"{method} {path}",
            base64_body=self.base64_bodies,
            port=self.port,
        )
        try:
            result = self.pools[function].invoke(event, event["requestContext"]["requestId"])
            status, answer_headers, data = http_answer(result)
        except FunctionFailed as exc:
            return (*INTERNAL_ERROR, str(exc))
        answer_headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        return status, answer_headers, data, self._note(function, status, data, event["requestContext"]["requestId"])

    def _note(self, function, status, data, request_id=None):
        try:
            document = json.loads(data)
        except ValueError:
            return function
        if not isinstance(document, dict):
            return function
        if status == 200 and "sent" in document:  # ingest's answer: SQS accepted `sent` (FIFO: copies too)
            sent, duplicates = document.get("sent") or 0, document.get("duplicates") or 0
            queue = {"sent": sent, "duplicates": duplicates}
            text = f"sent={sent}"
            fate = self.queue_sends.fate(request_id, sent) if sent and self.queue_sends is not None else None
            if fate is not None:
                queue |= fate.as_dict()
                text += f" kept={fate.kept}" + (f" dropped={fate.dropped}" if fate.dropped else "")
            with self._counter_lock:
                self.enqueued += queue.get("kept", sent)
            return DeliveryNote(text + (f" duplicates={duplicates}" if duplicates else ""), queue)
        if "error" in document:
            return f"{function}: {document['error']}"
        return function

    def log_request(self, method, path, status, note, seconds, exchange=None):
        """Count and print one request; `exchange` (request headers, body, answer headers, answer body), when
        given, lets the record of a delivery keep what the console shows (record_request)."""
        record = {
            "time": time.time() - seconds,  # when it came in
            "method": method,
            "path": path,
            "status": status,
            "note": note,
            "ms": seconds * 1000,
            # an ingest delivery: {"sent", "duplicates"} from its answer, and "kept", "dropped" from the
            # queue's tap when it answered (DeliveryNote); else None
            "queue": getattr(note, "queue", None),
        }
        if exchange is not None:
            record.update(self._exchange(method, path, *exchange))
        with self._counter_lock:
            self.requests += 1
            self._seq += 1
            record["seq"] = self._seq
            self.recent.append(record)
        method, path, note = printable(method), printable(path), printable(str(note))
        self.log_line(f"{time.strftime('%H:%M:%S')} {method:<4} {path} {status} {note} ({seconds * 1000:.1f} ms)\n")

    def _exchange(self, method, path, headers, body, answer_headers, answer):
        """What the record keeps of a request and its answer: its request id, and for a delivery (a request
        routed to ingest) the headers as received, the body (up to KEEP_BODY_BYTES: the console resends
        those bytes) and the answer (cut at KEEP_ANSWER_BYTES). The other routes keep no headers: a sign-in's
        cookie is nobody's business but the browser's."""
        kept = {"request_id": dict((name.lower(), value) for name, value in answer_headers).get("apigw-requestid")}
        if self.routes.get((method, path)) != "ingest":
            return kept
        kept["function"] = "ingest"
        kept["headers"] = [(name, value) for name, value in headers]
        kept["body_bytes"] = len(body or b"")
        kept["body"] = body if body is not None and len(body) <= KEEP_BODY_BYTES else None
        kept["answer"] = bytes(answer[:KEEP_ANSWER_BYTES]).decode("utf-8", "replace")
        return kept

    def recorded(self, after=0):
        """The records of the requests served after sequence number `after`, oldest first."""
        with self._counter_lock:
            return [record for record in self.recent if record["seq"] > after]

    def log_line(self, line):
        if self.out is None:
            return
        with self._print_lock:
            try:
                self.out.write(line)
                self.out.flush()
            except (OSError, ValueError):
                pass

    def handler_class(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = gateway.idle_timeout
            server_version = "xwebhook-local-gateway"
            sys_version = ""

            def _read_body(self):
                """The body bytes, or None when it is larger than the cap (the answer is then 413)."""
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks, size = [], 0
                    while True:
                        line = self.rfile.readline(1024)
                        length = chunk_size(line)
                        if length == 0:
                            while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        size += length
                        if size > gateway.max_body_bytes:
                            self.close_connection = True
                            return None
                        chunks.append(self.rfile.read(length))
                        self.rfile.readline(1024)
                    return b"".join(chunks)
                length = int(self.headers.get("Content-Length") or 0)
                if length < 0:
                    raise ValueError("negative Content-Length")
                if length > gateway.max_body_bytes:
                    # Read and drop it so the client sees the 413 rather than a reset; refuse giants outright.
                    self.close_connection = True
                    remaining = length if length <= 8 * gateway.max_body_bytes else 0
                    while remaining > 0:
                        chunk = self.rfile.read(min(remaining, 65536))
                        if not chunk:
                            break
                        remaining -= len(chunk)
                    return None
                return self.rfile.read(length) if length else b""

            def _serve(self):
                started = time.perf_counter()
                path = self.path.partition("?")[0]
                body = None
                try:
                    body = self._read_body()
                except ValueError:
                    status, headers, data, note = (*BAD_REQUEST, "unreadable body")
                else:
                    if body is None:
                        status, headers, data, note = (*TOO_LARGE, "body over the 10 MiB limit")
                    else:
                        status, headers, data, note = gateway.handle(
                            self.command, self.path, self.headers.items(), body, self.client_address[0]
                        )
                self.send_response(status)
                sent = set()
                for name, value in headers:
                    if name.lower() in ("content-length", "connection", "transfer-encoding"):
                        continue
                    self.send_header(name, value)
                    sent.add(name.lower())
                if "content-type" not in sent and data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if self.close_connection:
                    self.send_header("Connection", "close")
                # The request's line is written before its answer is sent: whoever has the answer (a test,
                # the emulator's CRC, the console's resend) finds the line and the record already there.
                exchange = (list(self.headers.items()), body, headers, data)
                gateway.log_request(self.command, path, status, note, time.perf_counter() - started, exchange)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

            def __getattr__(self, name):
                # Any other method (TRACE, CONNECT, FOO) gets the HTTP API's 404 too, not http.server's 501 page.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, format, *args):
                pass  # one line per request comes from log_request

        return Handler
