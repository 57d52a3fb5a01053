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
# localdev.moto_patches makes moto faster and makes it keep SQS's rules where ingest relies on them;
# request logging is off; localdev.moto_guard serves it (keep-alive connections, the guard, the tap).
_LAUNCHER = """
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from localdev.moto_patches import apply_all
skipped = apply_all()
if skipped:
    print("moto runs without these patches (a newer moto?):", ", ".join(skipped), flush=True)
# werkzeug (the server when waitress is missing) logs every request at INFO: a tenth of moto's time.
import logging
logging.getLogger("werkzeug").setLevel(logging.WARNING)
from localdev.moto_guard import serve
serve(sys.argv[1:])
"""


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
    def __init__(self, port=0, host=LOCALHOST, log_path=None, startup_timeout=30.0, python=None, own_session=False):
        """`own_session`: the server in a session of its own, out of the terminal's reach: Ctrl-C stops the
        process that started it, which still reads the server before it stops it (`make run`'s last record)."""
        require_localhost(host)
        self.own_session = own_session
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
            start_new_session=self.own_session,
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
