"""tests/built: what `sam build` made (.aws-sam/build), run as Lambda runs it.

Every function of the built template is found from the template (localdev.built), started in an
interpreter of its runtime's version with `-I -S` and a sys.path of its build folder, its layers and the
runtime's boto3 (.lambda-runtime/python, `make runtime-sdk`) - nothing of src/, the repository or .venv -
and given the template's environment for it (localdev.provision on the built template), pointed at the
moto server and the extension stand-in. `make test` builds first and sets XWEBHOOK_BUILT_REQUIRED=1, so
a missing build fails here; run alone without a build, the suite is skipped with the reason.

Fixtures:
  build_dir (session)     the build folder ($XWEBHOOK_BUILD_DIR, else .aws-sam/build)
  built (session)         {logical id: BuiltFunction} of the build
  built_template (session) the built template as a dict
  built_world (module)    BuiltWorld: the built template provisioned on moto, the X API emulator, and the
                          local gateway serving every function with HttpApi routes from its build folder
"""

import contextlib
import os
from pathlib import Path

import pytest

from localdev.built import BUILD_DIR, BuildProblem, built_functions, http_routes
from localdev.testing import (  # noqa: F401 - fixtures
    DEV_SECRET,
    SESSION_TOKEN,
    drain_queue,
    extension_stub,
    moto_server,
)

OWNER_ID = "2244994945"
CREDENTIALS = {
    "consumer_key": "built-consumer-key",
    "bearer_token": "built-bearer-token",
    "access_token": f"{OWNER_ID}-built-owner-token",
    "access_token_secret": "built-owner-token-secret",
}


def build_folder():
    return Path(os.environ.get("XWEBHOOK_BUILD_DIR") or BUILD_DIR)


def _missing(reason):
    if os.environ.get("XWEBHOOK_BUILT_REQUIRED"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(f"{reason} (make test builds it; or run `make built`)")


def discovered():
    """{logical id: BuiltFunction} or the BuildProblem, for parametrising at collection time."""
    try:
        return built_functions(build_folder())
    except BuildProblem as exc:
        return exc


@pytest.fixture(scope="session")
def build_dir():
    folder = build_folder()
    if not (folder / "template.yaml").exists():
        _missing(f"no build in {folder}")
    return folder


@pytest.fixture(scope="session")
def built(build_dir):
    found = discovered()
    if isinstance(found, BuildProblem):
        _missing(str(found))
    return found


@pytest.fixture(scope="session")
def built_template(build_dir):
    from localdev.provision import load_template

    return load_template(build_dir / "template.yaml")


def scratch_build(build_dir, copy):
    """A copy of the build to change: the template and the layers copied, function folders linked (a test
    that rebuilds one replaces its link). Returns `copy`."""
    import shutil

    copy.mkdir(parents=True)
    for entry in Path(build_dir).iterdir():
        if entry.is_dir() and (entry / "python").is_dir():  # a layer
            shutil.copytree(entry, copy / entry.name, symlinks=True)
        elif entry.is_dir():
            (copy / entry.name).symlink_to(entry.resolve(), target_is_directory=True)
        else:
            shutil.copy2(entry, copy / entry.name)
    return copy


def start_pool(function, env, log_path=None, size=1):
    """A FunctionPool of one built function, its first instance started (FunctionFailed if init fails)."""
    from localdev.gateway import FunctionPool

    pool = FunctionPool(function.logical_id, env, size, function.timeout, log_path, built=function)
    try:
        pool.prewarm()
    except BaseException:
        pool.close()
        raise
    return pool


class BuiltWorld:
    """The built template provisioned on moto, X's emulator, and the gateway serving the built functions."""

    def __init__(self, provisioned, built, gateway, emulator, sqs, log_path):
        self.provisioned = provisioned
        self.built = built
        self.gateway = gateway
        self.emulator = emulator
        self.sqs = sqs
        self.log_path = log_path
        self.seen = set()  # event ids a test saw queued (each must be queued once only)
        self._pools = {}

    @property
    def queue_url(self):
        return self.provisioned.resources["EventsQueue"]

    def env(self, logical_id):
        if logical_id in self.provisioned.environment_errors:
            pytest.fail(f"{logical_id}: {self.provisioned.environment_errors[logical_id]}", pytrace=False)
        return self.provisioned.environments[logical_id]

    def pool(self, logical_id):
        """The gateway's pool for a routed function, else one of our own (started on first use)."""
        if logical_id in self.gateway.pools:
            return self.gateway.pools[logical_id]
        if logical_id not in self._pools:
            self._pools[logical_id] = start_pool(self.built[logical_id], self.env(logical_id), self.log_path)
        return self._pools[logical_id]

    def invoke(self, logical_id, event):
        return self.pool(logical_id).invoke(event)

    def drain(self):
        return drain_queue(self.sqs, self.queue_url)

    def close(self):
        for pool in self._pools.values():
            pool.close()


@contextlib.contextmanager
def running_world(built, built_template, moto_server, extension_stub, log_path, stack_name, parameters=None):  # noqa: F811
    import boto3

    from localdev.gateway import Gateway
    from localdev.moto_server import free_port
    from localdev.provision import Provisioner, teardown
    from localdev.stack import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY
    from localdev.x_emulator import XEmulator

    port = free_port()
    emulator = XEmulator(
        consumer_key=CREDENTIALS["consumer_key"],
        consumer_secret=DEV_SECRET,
        bearer_token=CREDENTIALS["bearer_token"],
        users={OWNER_ID: (CREDENTIALS["access_token"], CREDENTIALS["access_token_secret"])},
        crc_timeout=10.0,
    ).start()
    provisioned = None
    gateway = None
    world = None
    try:
        provisioned = Provisioner(
            built_template,
            moto_server.endpoint,
            stack_name=stack_name,
            parameters=parameters,
            consumer_secret=DEV_SECRET,
            credentials=CREDENTIALS,
            webhook_url=f"http://127.0.0.1:{port}/webhook",
            x_api_base_url=emulator.base_url,
            extension_port=extension_stub.port,
            session_token=SESSION_TOKEN,
        ).provision()
        routes = http_routes(built)
        routed = sorted(set(routes.values()))
        for logical_id in routed:
            if logical_id in provisioned.environment_errors:
                pytest.fail(f"{logical_id}: {provisioned.environment_errors[logical_id]}", pytrace=False)
        gateway = Gateway(
            {logical_id: provisioned.environments[logical_id] for logical_id in routed},
            port=port,
            instances=2,
            routes=routes,
            built=built,
            function_log=str(log_path),
            timeouts={logical_id: built[logical_id].timeout for logical_id in routed},
        ).start()
        sqs = boto3.client(
            "sqs",
            endpoint_url=moto_server.endpoint,
            region_name=provisioned.region,
            aws_access_key_id=LOCAL_ACCESS_KEY_ID,
            aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        )
        world = BuiltWorld(provisioned, built, gateway, emulator, sqs, log_path)
        yield world
    finally:
        if world:
            world.close()
        if gateway:
            gateway.stop()
        emulator.stop()
        if provisioned:
            teardown(provisioned)


@pytest.fixture(scope="module")
def built_world(built, built_template, moto_server, extension_stub, tmp_path_factory, request):  # noqa: F811
    log_path = tmp_path_factory.mktemp("built") / "functions.log"
    name = f"built-{os.getpid()}-{request.module.__name__.rsplit('.', 1)[-1].replace('_', '-')}"
    with running_world(built, built_template, moto_server, extension_stub, log_path, name[:40]) as world:
        yield world
