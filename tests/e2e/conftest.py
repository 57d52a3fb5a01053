"""End-to-end tests drive `make run` itself: `python -m localdev.run` on free ports, over real HTTP.

local_run (session): a RunningStack (localdev.testing) started with the dev consumer secret; its
`state` is the stack.json it wrote, `client(service)` a boto3 client on its AWS endpoint,
`drain()` empties its events queue.
"""

import pytest

from localdev.testing import DEV_SECRET, run_local_stack


@pytest.fixture(scope="session")
def local_run(tmp_path_factory):
    with run_local_stack(tmp_path_factory.mktemp("local-run"), env={"X_CONSUMER_SECRET": DEV_SECRET}) as running:
        yield running
