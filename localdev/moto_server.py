"""The embedded AWS endpoint: moto's server mode, in a process of its own.

Its own process because moto does real work per call (its SQS send walks every stored message) and
would otherwise share a GIL with the gateway and the handlers. It binds 127.0.0.1 only.

    with MotoServer(port=0) as moto:      # port 0: any free port
        boto3.client("sqs", endpoint_url=moto.endpoint, ...)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error

from xwebhook.cli.local_endpoint import signed_urlopen

LOCALHOST = "127.0.0.1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PortInUse(RuntimeError):
    """A port a local server needs is taken."""


class ServerFailed(RuntimeError):
    """A server process exited or did not answer in time."""


def require_localhost(host):
    if host != LOCALHOST:
        raise ValueError(f"local servers bind {LOCALHOST} only, not {host!r}")


def free_port(host=LOCALHOST):
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def check_port_free(port, what, variable=None, host=LOCALHOST):
    """Raise PortInUse with a message naming the setting to change when `port` is taken.

    The probe binds as the servers do, with SO_REUSEADDR: connections of a stopped server linger in
    TIME_WAIT for up to a minute, and without it the probe would call the port taken while nothing listens
    (a `make run` restarted right after Ctrl-C). A port something listens on is still refused.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            hint = f"; stop what uses it or set {variable} to another port" if variable else ""
            raise PortInUse(f"port {port} ({what}) is already in use on {host}{hint}") from None


# Runs moto.server with a watchdog thread that ends the process when its parent is gone, so a killed
# test run or `make run` leaves no orphaned moto behind (prctl's PDEATHSIG would fire when the
# *thread* that started it ends, which is too early for servers started from worker threads).
# It also caches two pure functions moto calls thousands of times per request (the camelCase to
# snake_case conversion behind every SQS queue-attributes look-up, and the listing of moto's own
# package directory behind every backend look-up): profiled here, they were a third of moto's CPU
# per ingest delivery. And `unix_time()`/`unix_time_millis()` without an argument ("now"), which
# moto's SQS calls for every stored message on every send and receive, answer from time.time()
# instead of building two datetimes (the same number): under load they were over half of moto's
# CPU. Should a moto release rename these, moto runs unpatched. Request logging is off. And FIFO
# deduplication is made to work as SQS documents it (see the patch's comment): ingest relies on it.
_LAUNCHER = """
import functools, os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
try:
    import moto.backends, moto.core.utils
    original = moto.core.utils.camelcase_to_underscores
    remembered = functools.lru_cache(maxsize=16384)(original)
    def cached(argument):
        try:
            return remembered(argument)
        except TypeError:  # not hashable
            return original(argument)
    for module in list(sys.modules.values()):
        if getattr(module, "camelcase_to_underscores", None) is original:
            module.camelcase_to_underscores = cached
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    slow_unix_time = moto.core.utils.unix_time
    def unix_time(dt=None):
        return time.time() if dt is None else slow_unix_time(dt)
    def unix_time_millis(dt=None):
        return unix_time(dt) * 1000.0
    moto.core.utils.unix_time = unix_time
    moto.core.utils.unix_time_millis = unix_time_millis
except (ImportError, AttributeError):
    pass
try:
    import moto.sqs.models
    # SQS FIFO drops a message whose deduplication id it accepted in the last 5 minutes, whether or not
    # the first one was received and deleted since, and per message group when DeduplicationScope is
    # messageGroup. moto only compares with the messages still stored: a consumer's delete made it
    # deliver copies SQS drops. Here each queue remembers what it accepted, as SQS does (moto's own
    # check, which still runs, also drops a stored id sent in another group: stricter than SQS).
    queue_add_message = moto.sqs.models.Queue.add_message
    dedup_lock = threading.Lock()  # moto serves requests on threads: check-and-record at once, as SQS
    def add_message(self, message):
        dedup_id = getattr(message, "deduplication_id", None) if self.fifo_queue else None
        if not dedup_id:
            return queue_add_message(self, message)
        scope = message.group_id if getattr(self, "deduplication_scope", "queue") == "messageGroup" else None
        with dedup_lock:
            accepted = self.__dict__.setdefault("_accepted_dedup_ids", {})
            now = time.time()
            if len(accepted) > 50000:
                for key in [key for key, at in accepted.items() if now - at >= 300]:
                    del accepted[key]
            first = accepted.get((scope, dedup_id))
            if first is not None and now - first < 300:
                return None
            accepted[(scope, dedup_id)] = now
            return queue_add_message(self, message)
    moto.sqs.models.Queue.add_message = add_message
except (ImportError, AttributeError):
    pass
# werkzeug logs every request at INFO: a tenth of moto's time under load, and nobody reads it.
import logging
logging.getLogger("werkzeug").setLevel(logging.WARNING)
# moto behind localdev.moto_guard: cross-origin and unsigned requests refused, the read-only queue tap.
from localdev.moto_guard import serve
serve(sys.argv[1:])
"""


class OnLoopback:
    """`port` and `url` of a local server object that holds `self._server` (a socketserver) and `self.host`."""

    @property
    def port(self):
        return self._server.server_address[1] if self._server else None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"


def wait_until(condition, timeout, interval=0.05, what="condition"):
    """Poll `condition()` until it returns a true value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        time.sleep(interval)


class MotoServer:
    def __init__(self, port=0, host=LOCALHOST, log_path=None, startup_timeout=30.0, python=None):
        require_localhost(host)
        self.host = host
        self.requested_port = port
        self.port = None
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.python = python or sys.executable
        self._process = None
        self._log = None

    @property
    def endpoint(self):
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self):
        return self._process.pid if self._process else None

    def start(self):
        if self._process:
            return self
        if self.requested_port:
            check_port_free(self.requested_port, "AWS endpoint", "AWS_PORT", self.host)
        # With port 0 another process may take the chosen port before moto binds it: try again.
        attempts = 1 if self.requested_port else 3
        for attempt in range(attempts):
            self.port = self.requested_port or free_port(self.host)
            try:
                self._spawn()
                return self
            except ServerFailed:
                self.stop()
                if attempt == attempts - 1:
                    raise
        return self

    def _spawn(self):
        if self.log_path:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        else:
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = dict(os.environ)
        env.pop("AWS_ENDPOINT_URL", None)  # moto must not try to reach itself or anything else
        env["MOTO_DISABLE_GLOBAL_CORS"] = "true"  # the guard strips CORS headers too
        env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, os.environ.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [self.python, "-c", _LAUNCHER, "-H", self.host, "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_until(self._ready, self.startup_timeout, what=f"moto server on port {self.port} answering")
        except TimeoutError:
            raise ServerFailed(f"moto server did not answer on {self.endpoint}: {self.log_tail()}") from None

    def _ready(self):
        if self._process.poll() is not None:
            raise ServerFailed(f"moto server exited with {self._process.returncode}: {self.log_tail()}")
        try:
            with signed_urlopen(self.endpoint + "/moto-api/", timeout=1) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, size=2000):
        if not self._log:
            return ""
        try:
            # pread leaves the file offset alone: the child shares it and is still writing.
            fd = self._log.fileno()
            length = os.fstat(fd).st_size
            return os.pread(fd, size, max(0, length - size)).decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def reset(self):
        """Forget every resource (moto's reset API)."""
        with signed_urlopen(self.endpoint + "/moto-api/reset", method="POST", timeout=10) as answer:
            answer.read()

    def running(self):
        return self._process is not None and self._process.poll() is None

    def stop(self):
        process, self._process = self._process, None
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
