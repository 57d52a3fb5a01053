"""Cold starts: a fresh interpreter imports a function and answers its first call, against a bare
interpreter answering at once (`python -c 'print(...)'`), on the same machine, with the three biggest
import costs. Timed from spawning the interpreter to its answer (Lambda does not wait for the exit).

- crc: its first CRC, the consumer secret read over HTTP from a stand-in of the Parameters and
  Secrets extension (budget: within 1.5x of bare);
- ingest: its first signed 3-event delivery, sent to SQS and recorded in DynamoDB through real
  botocore clients over HTTP to bench/fake_aws.py (answers at once, in its own process);
- admin: its first `status`, through the X API emulator (localdev/x_emulator) and the extension.

Each function is laid out as Lambda lays it out (task dir with app.py, the layer's code, precompiled
to unchecked-hash .pyc files as the SAM build does) with the template's environment (infra/template.yaml,
resources as stand-ins, endpoints pointed at the local stand-ins). boto3/botocore and the functions'
requirements come from the venv's site-packages, which plays the Lambda runtime's /var/runtime.
"""

import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fake_aws import FakeAws  # noqa: E402
from localdev.provision import FUNCTIONS, TemplateEvaluator, load_template  # noqa: E402
from localdev.x_emulator import XEmulator  # noqa: E402
from xwebhook.receive.signing import sign  # noqa: E402

SECRET = "my_consumer_secret"
CRC_EXPECTED = "sha256=xHgZcz09m35qwbyhR9BRzhnX8yXbAZpOn2dqCPp6Enw="
CONSUMER_SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:xwebhook/x-consumer-secret"
CREDENTIALS_SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:xwebhook/x-api-credentials"
SESSION_TOKEN = "bench-token"

PROBE = """
import sys, time
started = time.perf_counter()
sys.path[:0] = {paths!r}
import app
imported = time.perf_counter()
answer = app.handler({event!r}, None)
called = time.perf_counter()
{check}
print("answered", imported - started, called - imported, flush=True)
"""
BARE = 'print("answered 0 0", flush=True)'  # a bare interpreter, ready to answer

CHECKS = {
    "crc": f'assert answer["statusCode"] == 200 and {CRC_EXPECTED!r} in answer["body"], answer',
    "ingest": 'assert answer["statusCode"] == 200 and \'"sent":3\' in answer["body"], answer',
    "admin": 'assert answer["ok"] is True, answer',
}


class _Extension(BaseHTTPRequestHandler):
    """GET /secretsmanager/get?secretId=...: the consumer secret, or X API credentials for the emulator."""

    protocol_version = "HTTP/1.0"
    secrets = {}

    def do_GET(self):
        secret_id = parse_qs(urlsplit(self.path).query).get("secretId", [""])[0]
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != SESSION_TOKEN or secret_id not in self.secrets:
            self.send_response(400)
            self.end_headers()
            return
        body = json.dumps({"ARN": secret_id, "Name": secret_id, "SecretString": self.secrets[secret_id]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def extension(secrets):
    handler = type("Extension", (_Extension,), {"secrets": secrets})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def base_interpreter():
    """The Python the venv was made from: no venv .pth files, as close to Lambda's as we have."""
    return getattr(sys, "_base_executable", sys.executable)


def runtime_paths():
    """Where boto3 and the functions' requirements are: the venv's site-packages (Lambda: /var/runtime
    for boto3, the function's own directory for its requirements)."""
    import sysconfig

    return [sysconfig.get_paths()["purelib"]]


def template_environment(function):
    """The function's environment from infra/template.yaml, its resources as stand-ins."""
    template = load_template()
    stand_ins = {
        "AWS::SQS::Queue": "https://sqs.us-east-1.amazonaws.com/123456789012/xwebhook-events.fifo",
        "AWS::SecretsManager::Secret": None,
        "AWS::DynamoDB::Table": "xwebhook-DedupTable-BENCH",
    }

    def ref(logical_id, path):
        kind = template["Resources"][logical_id]["Type"]
        if kind == "AWS::SecretsManager::Secret":
            return CONSUMER_SECRET_ID if logical_id == "ConsumerSecret" else CREDENTIALS_SECRET_ID
        return stand_ins.get(kind, f"{logical_id}-bench")

    def get_att(logical_id, attribute, path):
        return f"arn:aws:bench:us-east-1:123456789012:{logical_id}/{attribute}"

    evaluator = TemplateEvaluator(template, ref=ref, get_att=get_att)
    logical_id = FUNCTIONS[function]
    variables = {}
    for source in (
        ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {},
        template["Resources"][logical_id]["Properties"].get("Environment") or {},
    ):
        for key, value in (evaluator.resolve(source, logical_id).get("Variables") or {}).items():
            variables[key] = str(value)
    return variables


def lambda_layout(root, function):
    task, layer = root / "task", root / "opt" / "python"
    task.mkdir(parents=True)
    layer.mkdir(parents=True)
    shutil.copy(REPO / "functions" / function / "app.py", task / "app.py")
    ignore = shutil.ignore_patterns("__pycache__", "cli")
    shutil.copytree(REPO / "src" / "xwebhook", layer / "xwebhook", ignore=ignore)
    for directory in (task, layer):
        compileall.compile_dir(
            directory, quiet=1, invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
    return task, layer


def _timed(command, env):
    """(seconds from spawning the interpreter to its answer, the answer's timings): what Lambda's first
    request waits for. The process's exit (interpreter teardown) is not counted: Lambda does not wait
    for it."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    while line and not line.startswith("answered"):  # the function's own log lines come first
        line = process.stdout.readline()
    seconds = time.perf_counter() - start
    _, error = process.communicate(timeout=60)
    if process.returncode or not line.startswith("answered"):
        raise RuntimeError(f"{command[-1][:80]!r} failed ({process.returncode}): {error[-2000:]}")
    return seconds, line


def max_rss_kib(command, env):
    """Peak resident memory of `command`, KiB (ru_maxrss of the children so far is a running maximum:
    each measurement runs in a helper process of its own)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *command], check=True, env=env, capture_output=True, text=True)
    return int(out.stdout.strip())


def _imports(command, env):
    """{module: self microseconds} from -X importtime."""
    completed = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], check=True, env=env, capture_output=True, text=True
    )
    found = {}
    for line in completed.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def _import_costs(command, bare, env):
    """The three root packages whose modules cost most to import (their self times, -X importtime),
    leaving out what a bare interpreter imports too and the function's own code (app, xwebhook)."""
    at_start = set(_imports(bare, env))
    costs = {}
    for name, self_us in _imports(command, env).items():
        root = name.split(".")[0]
        if name in at_start or root in ("app", "xwebhook"):
            continue
        costs[root] = costs.get(root, 0) + self_us
    top = sorted(costs.items(), key=lambda item: -item[1])[:3]
    return [{"package": name, "ms": us / 1000} for name, us in top]


def _signed_delivery():
    items = [
        {"id_str": str(978295917148667904 + n), "timestamp_ms": str(int(time.time() * 1000)), "text": "hi"}
        for n in range(3)
    ]
    body = json.dumps({"for_user_id": "2244994945", "tweet_create_events": items}, separators=(",", ":")).encode()
    return {
        "version": "2.0",
        "routeKey": "POST /webhook",
        "headers": {"x-twitter-webhooks-signature": sign(SECRET.encode(), body)},
        "body": body.decode(),
        "isBase64Encoded": False,
    }


def measure_function(function, runs=20):
    """Median cold start of `function` against bare python, with its first call and top imports."""
    python = base_interpreter()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
        env |= template_environment(function)
        env |= {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "AWS_LAMBDA_FUNCTION_NAME": f"xwebhook-{function}",
        }
        secrets = {CONSUMER_SECRET_ID: SECRET}
        paths = [str(path) for path in lambda_layout(Path(tmp), function)]
        if function == "crc":
            event = {"queryStringParameters": {"crc_token": "challenge_string"}}
        elif function == "ingest":
            aws = stack.enter_context(FakeAws())
            env["AWS_ENDPOINT_URL"] = aws.url
            env["EVENTS_QUEUE_URL"] = f"{aws.url}/123456789012/xwebhook-events.fifo"
            paths += runtime_paths()
            event = _signed_delivery()
        else:
            emulator = stack.enter_context(XEmulator(consumer_secret=SECRET))
            # its accounts table, dedup indexes and SSM state, read by status (answered empty)
            env["AWS_ENDPOINT_URL"] = stack.enter_context(FakeAws()).url
            secrets[CREDENTIALS_SECRET_ID] = json.dumps(
                {"consumer_key": "ck", "bearer_token": "bt", "access_token": "at", "access_token_secret": "ats"}
            )
            env |= {"X_API_BASE_URL": emulator.base_url, "WEBHOOK_URL": "https://example.com/webhook"}
            paths += runtime_paths()
            event = {"action": "status"}
        env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] = str(stack.enter_context(extension(secrets)))
        probe = [python, "-c", PROBE.format(paths=paths, event=event, check=CHECKS[function])]
        bare = [python, "-c", BARE]
        for _ in range(3):  # warm the OS file cache for both
            _timed(probe, env)
            _timed(bare, env)
        bare_times, probe_times, imports, calls = [], [], [], []
        for _ in range(runs):  # interleaved, so drift hits both alike
            bare_times.append(_timed(bare, env)[0])
            seconds, answer = _timed(probe, env)
            probe_times.append(seconds)
            imported, called = (float(x) for x in answer.split()[1:3])
            imports.append(imported)
            calls.append(called)
        top = _import_costs(probe, bare, env)
        rss_bare, rss = max_rss_kib(bare, env), max_rss_kib(probe, env)
    bare_ms, probe_ms = statistics.median(bare_times) * 1000, statistics.median(probe_times) * 1000
    import_ms = statistics.median(imports) * 1000
    return {
        "function": function,
        "runs": runs,
        "bare_ms": bare_ms,
        "cold_ms": probe_ms,
        "ratio": probe_ms / bare_ms,
        "import_ms": import_ms,
        "first_call_ms": statistics.median(calls) * 1000,
        "p90_ms": sorted(probe_times)[int(runs * 0.9) - 1] * 1000,
        "top_imports": top,
        "bare_rss_kib": rss_bare,
        "rss_kib": rss,
        # The names bench/cost.py looks for: crc's cold start, the others' import with the template's
        # environment (Lambda's init).
        ("crc_ms" if function == "crc" else f"{function}_init_ms"): probe_ms if function == "crc" else import_ms,
    }


CLIENT_VARIANTS = {
    # What ingest did before: boto3's default session, two clients.
    "boto3, sqs + dynamodb": "import boto3\nboto3.client('sqs', config=C)\nboto3.client('dynamodb', config=C)",
    # What it does now (xwebhook.aws): one botocore session, two clients.
    "botocore, sqs + dynamodb": "import botocore.session\ns = botocore.session.get_session()\n"
    "s.create_client('sqs', config=C)\ns.create_client('dynamodb', config=C)",
    # Fewer clients: what ReplayDedup=disabled costs (no DynamoDB client).
    "botocore, sqs only": "import botocore.session\nbotocore.session.get_session().create_client('sqs', config=C)",
    "import botocore only": "import botocore.session",
}


def clients_experiment(runs=10):
    """Median ms from a fresh interpreter to AWS clients ready, per way of making them (what was tried
    to shorten ingest's cold start), beside a bare interpreter."""
    python = base_interpreter()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(runtime_paths()),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }
    preamble = "from botocore.config import Config\nC = Config(connect_timeout=1, read_timeout=2)\n"
    commands = {"bare": [python, "-c", BARE]}
    for name, code in CLIENT_VARIANTS.items():
        commands[name] = [python, "-c", preamble + code + '\nprint("answered 0 0", flush=True)']
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(_timed(command, env)[0])
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def measure(functions=("crc", "ingest", "admin"), runs=20):
    results = {function: measure_function(function, runs) for function in functions}
    if "ingest" in functions:
        results["clients"] = clients_experiment(max(5, runs // 2))
    return results


def report(results):
    print("cold starts (fresh interpreter to the first answer: import + first call, template environment)")
    for function, result in results.items():
        if function == "clients":
            continue
        top = ", ".join(f"{item['package']} {item['ms']:.1f} ms" for item in result["top_imports"])
        print(
            f"  {result['function']:7s} {result['cold_ms']:7.1f} ms = {result['ratio']:5.2f}x bare"
            f" ({result['bare_ms']:.1f} ms; import {result['import_ms']:.1f} + first call"
            f" {result['first_call_ms']:.1f} ms, p90 {result['p90_ms']:.1f}; peak RSS"
            f" {result['rss_kib'] / 1024:.1f} MiB, bare {result['bare_rss_kib'] / 1024:.1f})   biggest imports: {top}"
        )
    if "clients" in results:
        clients = results["clients"]
        tried = ", ".join(f"{name} {ms:.0f} ms" for name, ms in clients.items() if name != "bare")
        print(f"  AWS clients ready, from a fresh interpreter (bare {clients['bare']:.0f} ms): {tried}")


if __name__ == "__main__":
    report(measure(sys.argv[1:] or ("crc", "ingest", "admin")))
