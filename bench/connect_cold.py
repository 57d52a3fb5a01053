"""connect cold start: a fresh interpreter imports the connect function and answers one GET /connect?invite=...
(a 302 to X's authorize page), against a bare `python -c pass` on the same interpreter and machine; then
the same instance's warm requests; and the biggest imports of the cold start.

A browser waits on this: it is the first thing an account owner sees. Laid out as Lambda lays it out (the
handler and its requirements' packages in the task dir, the shared package as the layer, both precompiled
to unchecked-hash .pyc files as the SAM build does; boto3 from the environment, as the runtime provides
it). The request is real: the invite is read from and the sign-in written to a DynamoDB table over HTTP
(moto's server, in its own process), and the secrets (the signing key, the app's credentials) come over
HTTP from the Parameters and Secrets extension stand-in. No call to X: the OAuth 2.0 start needs none.

    python -m bench.connect_cold
"""

import compileall
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.crc_cold import _max_rss_kib, _timed, base_interpreter

REPO = Path(__file__).resolve().parent.parent
# The connect function's requirements.txt, and what they pull in: copied into the task dir as sam build does.
PACKAGES = ("requests", "requests_oauthlib", "oauthlib", "urllib3", "idna", "certifi", "charset_normalizer")
RUNTIME = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py")  # Lambda's runtime has these

PROBE = """
import json, sys, time
started = time.perf_counter()
sys.path[:0] = [{task!r}, {layer!r}]
sys.path.append({runtime!r})
import app
imported = time.perf_counter()
event = {{"rawPath": "/connect", "queryStringParameters": {{"invite": {token!r}}}, "cookies": []}}
answer = app.handler(event, None)
answered = time.perf_counter()
assert answer["statusCode"] == 302 and answer["headers"]["location"].startswith("https://x.com/"), answer
print(json.dumps({{"init_ms": (imported - started) * 1000, "first_ms": (answered - imported) * 1000}}))
if {warm!r}:
    times = []
    for _ in range({warm!r}):
        start = time.perf_counter()
        assert app.handler(event, None)["statusCode"] == 302
        times.append(time.perf_counter() - start)
    print(json.dumps(sorted(times)))
"""


def _lambda_layout(root, site_packages):
    task, layer, runtime = root / "task", root / "opt" / "python", root / "runtime"
    task.mkdir(parents=True)
    layer.mkdir(parents=True)
    runtime.mkdir(parents=True)
    shutil.copy(REPO / "functions" / "connect" / "app.py", task / "app.py")
    ignore = shutil.ignore_patterns("__pycache__")
    for package in PACKAGES:
        shutil.copytree(site_packages / package, task / package, ignore=ignore)
    for name in RUNTIME:
        source = site_packages / name
        if source.is_dir():
            shutil.copytree(source, runtime / name, ignore=ignore)
        elif source.exists():
            shutil.copy(source, runtime / name)
    shutil.copytree(REPO / "src" / "xwebhook", layer / "xwebhook", ignore=ignore)
    for directory in (task, layer, runtime):
        compileall.compile_dir(
            directory, quiet=1, invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
    return task, layer, runtime


def _world(moto, extension_port):
    """The accounts table, an invite, and the secrets, on moto; the connect function's environment."""
    from localdev.provision import Provisioner, load_template
    from xwebhook.accounts.invites import Invite, token_for
    from xwebhook.credentials.signing_key import signing_keys_from_value

    credentials = {"consumer_key": "bench-ck", "bearer_token": "bench-bt", "oauth2_client_id": "bench-client"}
    credentials["oauth2_client_secret"] = "bench-client-secret"
    provisioned = Provisioner(
        load_template(),
        moto.endpoint,
        stack_name=f"bench-connect-{os.getpid()}",
        consumer_secret="bench-consumer-secret",  # noqa: S106 - bench values
        credentials=credentials,
        x_api_base_url="https://api.x.com",
        x_web_base_url="https://x.com",
        webhook_url="https://hooks.example.com/webhook",
        public_base_url="https://hooks.example.com",
        extension_port=extension_port,
        session_token="bench-token",  # noqa: S106
    ).provision()
    env = provisioned.env("connect")
    secrets = Provisioner(load_template(), moto.endpoint).client("secretsmanager")
    signing_secret = secrets.get_secret_value(SecretId=env["CONNECT_SIGNING_KEY_SECRET_ID"])["SecretString"]
    keys = signing_keys_from_value(signing_secret)
    from xwebhook.accounts.dynamodb import DynamoInviteStore, Table

    client = Provisioner(load_template(), moto.endpoint).client("dynamodb")
    DynamoInviteStore(Table(env["ACCOUNTS_TABLE"], client)).put(Invite("bench-invite", time.time() + 86400, 10**6))
    return env, token_for(keys.invite, "bench-invite"), provisioned


def _biggest_imports(command, env, top=8):
    """Import time by package (python -X importtime: each module's own time, summed per top-level package), ms."""
    done = subprocess.run([*command[:1], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True)
    totals = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            root = name.strip().split(".", 1)[0]
            totals[root] = totals.get(root, 0) + int(own)
    return sorted(((name, us / 1000) for name, us in totals.items()), key=lambda item: -item[1])[:top]


def measure(runs=10, warm=30):
    import site

    from localdev.extension_stub import ExtensionStub
    from localdev.moto_server import MotoServer
    from localdev.provision import teardown

    python = base_interpreter()
    site_packages = Path(next(p for p in site.getsitepackages() if p.endswith("site-packages")))
    with MotoServer(port=0) as moto, ExtensionStub(moto.endpoint, "bench-token", secrets_ttl=300) as extension:
        env, token, provisioned = _world(moto, extension.port)
        env = {**env, "PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
        with tempfile.TemporaryDirectory() as tmp:
            task, layer, runtime = _lambda_layout(Path(tmp), site_packages)
            layout = {"task": str(task), "layer": str(layer), "runtime": str(runtime), "token": token}
            probe = [python, "-c", PROBE.format(**layout, warm=0)]
            bare = [python, "-c", "pass"]
            for _ in range(2):  # warm the OS file cache for both
                _timed(probe, env)
                _timed(bare, env)
            bare_times, probe_times, splits = [], [], []
            for _ in range(runs):  # interleaved, so drift hits both alike
                bare_times.append(_timed(bare, env))
                start = time.perf_counter()
                done = subprocess.run(probe, env=env, check=True, capture_output=True, text=True)
                probe_times.append(time.perf_counter() - start)
                splits.append(json.loads(done.stdout.strip().splitlines()[-1]))
            warm_out = subprocess.run(
                [python, "-c", PROBE.format(**layout, warm=warm)], env=env, capture_output=True, text=True, check=True
            )
            warm_times = json.loads(warm_out.stdout.strip().splitlines()[-1])
            imports = _biggest_imports(probe, env)
            rss_bare, rss_probe = _max_rss_kib(bare, env), _max_rss_kib(probe, env)
        teardown(provisioned)
    bare_ms, probe_ms = statistics.median(bare_times) * 1000, statistics.median(probe_times) * 1000
    in_process_ms = statistics.median(split["init_ms"] + split["first_ms"] for split in splits)
    # Time to the answer, as a browser sees a cold start: the interpreter's start (the bare run), then the
    # handler's init and its first request. The process's wall time also holds the interpreter's exit
    # (botocore's objects torn down), which Lambda never waits for: its instance lives on.
    to_answer_ms = bare_ms + in_process_ms
    return {
        "python": python,
        "runs": runs,
        "bare_ms": bare_ms,
        "to_answer_ms": to_answer_ms,
        "ratio": to_answer_ms / bare_ms,
        "init_ms": statistics.median(split["init_ms"] for split in splits),
        "first_request_ms": statistics.median(split["first_ms"] for split in splits),
        "connect_ms": probe_ms,
        "connect_p90_ms": sorted(probe_times)[max(0, int(runs * 0.9) - 1)] * 1000,
        "exit_ms": probe_ms - to_answer_ms,
        "warm_ms": statistics.median(warm_times) * 1000,
        "warm_requests": warm,
        "biggest_imports_ms": imports,
        "bare_rss_kib": rss_bare,
        "connect_rss_kib": rss_probe,
    }


def report(result):
    print("connect cold start (fresh interpreter: import + first GET /connect?invite=... -> 302; DynamoDB on moto")
    print("over HTTP, secrets from the extension stand-in)")
    print(f"  interpreter                   {result['python']}")
    print(f"  bare `python -c pass`         {result['bare_ms']:7.1f} ms  (median of {result['runs']})")
    print(f"  connect: start to the 302     {result['to_answer_ms']:7.1f} ms")
    print(f"  ratio                         {result['ratio']:7.2f} x")
    print(
        f"  of which: init (imports, the table client) {result['init_ms']:.0f} ms, "
        f"the first request {result['first_request_ms']:.0f} ms (medians)"
    )
    print(
        f"  process wall time             {result['connect_ms']:7.1f} ms  (p90 {result['connect_p90_ms']:.1f} ms; "
        f"{result['exit_ms']:.0f} ms of it the interpreter's exit, which Lambda does not wait for)"
    )
    print(f"  warm GET /connect             {result['warm_ms']:7.1f} ms  (median of {result['warm_requests']})")
    print("  import time by package        " + ", ".join(f"{n} {ms:.0f} ms" for n, ms in result["biggest_imports_ms"]))
    rss = result["bare_rss_kib"] / 1024, result["connect_rss_kib"] / 1024
    print(f"  peak RSS bare / connect       {rss[0]:7.1f} / {rss[1]:.1f} MiB")


if __name__ == "__main__":
    report(measure())
