"""crc cold start: a fresh interpreter imports the crc function and answers one CRC, against a bare
`python -c pass` on the same interpreter and machine (budget: within 1.5x).

The function is laid out as Lambda lays it out (task dir with app.py, layer code under opt/python),
precompiled to unchecked-hash .pyc files as the SAM build does (Lambda's code directories are
read-only, so without them every cold start compiles every module from source), and the first call
reads the consumer secret over real HTTP from a stand-in of the Parameters and Secrets extension on
127.0.0.1, as it does in Lambda.
"""

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "my_consumer_secret"
EXPECTED = "sha256=xHgZcz09m35qwbyhR9BRzhnX8yXbAZpOn2dqCPp6Enw="

PROBE = """
import sys
sys.path[:0] = [{task!r}, {layer!r}]
import app
answer = app.handler({{"queryStringParameters": {{"crc_token": "challenge_string"}}}}, None)
assert answer["statusCode"] == 200 and {expected!r} in answer["body"], answer
"""


class _Extension(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        body = json.dumps({"ARN": "arn:bench", "Name": "bench", "SecretString": SECRET}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def base_interpreter():
    """The Python the venv was made from: no venv .pth files, as close to Lambda's as we have."""
    return getattr(sys, "_base_executable", sys.executable)


def lambda_layout(root):
    task, layer = root / "task", root / "opt" / "python"
    task.mkdir(parents=True)
    layer.mkdir(parents=True)
    shutil.copy(REPO / "functions" / "crc" / "app.py", task / "app.py")
    shutil.copytree(REPO / "src" / "xwebhook", layer / "xwebhook", ignore=shutil.ignore_patterns("__pycache__"))
    for directory in (task, layer):
        compileall.compile_dir(
            directory, quiet=1, invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
    return task, layer


def _timed(command, env):
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _max_rss_kib(command, env):
    # ru_maxrss of the children so far is a running max; measure each in its own helper process.
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *command], check=True, env=env, capture_output=True, text=True)
    return int(out.stdout.strip())


def measure(runs=30):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Extension)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    python = base_interpreter()
    with tempfile.TemporaryDirectory() as tmp:
        task, layer = lambda_layout(Path(tmp))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "CONSUMER_SECRET_ID": "bench",
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(server.server_address[1]),
            "AWS_SESSION_TOKEN": "bench-token",
            "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's /var/task is read-only: no .pyc cache either
        }
        probe = [python, "-c", PROBE.format(task=str(task), layer=str(layer), expected=EXPECTED)]
        bare = [python, "-c", "pass"]
        for _ in range(3):  # warm the OS file cache for both
            _timed(probe, env)
            _timed(bare, env)
        bare_times, probe_times = [], []
        for _ in range(runs):  # interleaved, so drift hits both alike
            bare_times.append(_timed(bare, env))
            probe_times.append(_timed(probe, env))
        rss_bare, rss_probe = _max_rss_kib(bare, env), _max_rss_kib(probe, env)
    server.shutdown()
    server.server_close()
    bare_ms, probe_ms = statistics.median(bare_times) * 1000, statistics.median(probe_times) * 1000
    return {
        "python": python,
        "runs": runs,
        "bare_ms": bare_ms,
        "crc_ms": probe_ms,
        "ratio": probe_ms / bare_ms,
        "crc_p90_ms": sorted(probe_times)[int(runs * 0.9) - 1] * 1000,
        "bare_rss_kib": rss_bare,
        "crc_rss_kib": rss_probe,
    }


def report(result):
    print("crc cold start (fresh interpreter: import + first CRC, secret over HTTP from an extension stand-in)")
    print(f"  interpreter                 {result['python']}")
    print(f"  bare `python -c pass`       {result['bare_ms']:7.1f} ms  (median of {result['runs']})")
    print(f"  crc import + first call     {result['crc_ms']:7.1f} ms  (p90 {result['crc_p90_ms']:.1f} ms)")
    print(f"  ratio                       {result['ratio']:7.2f} x   (budget 1.50 x)")
    print(
        f"  peak RSS bare / crc         {result['bare_rss_kib'] / 1024:7.1f} / {result['crc_rss_kib'] / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    report(measure())
