"""End-to-end tests drive `make run` itself: `python -m localdev.run` on free ports, over real HTTP.

local_run (session): a RunningStack (localdev.testing) started with the dev consumer secret; its
`state` is the stack.json it wrote, `client(service)` a boto3 client on its AWS endpoint,
`drain()` empties its events queue.

The end-to-end tests that run the functions in process on a stack provisioned on moto (admin, migrate, one
message per event) take localdev.testing's fixtures, as tests/integration does: moto_server, extension_stub,
template, stack_factory.
"""

import pytest

from localdev.testing import (  # noqa: F401 - moto_server, extension_stub, template, stack_factory: fixtures
    DEV_SECRET,
    extension_stub,
    moto_server,
    run_local_stack,
    stack_factory,
    template,
)


@pytest.fixture(scope="session")
def local_run(tmp_path_factory):
    with run_local_stack(tmp_path_factory.mktemp("local-run"), env={"X_CONSUMER_SECRET": DEV_SECRET}) as running:
        yield running


@pytest.fixture(scope="session")
def emulated_run(tmp_path_factory):
    """`make run` with X_EMULATOR=1: X's API emulated, the console and the invoke endpoint on free ports."""
    env = {"X_CONSUMER_SECRET": DEV_SECRET, "X_EMULATOR": "1"}
    with run_local_stack(tmp_path_factory.mktemp("emulated-run"), env=env) as running:
        yield running


def xwebhook(running, *arguments, timeout=60, env=None):
    """`python -m xwebhook.cli --state-file <the run's> ARGUMENTS...` -> CompletedProcess (text)."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "xwebhook.cli", "--state-file", str(running.state_file), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
