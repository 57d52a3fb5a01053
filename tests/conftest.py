"""Shared test helpers: X's sample deliveries and signing (one definition, in localdev.events), and one fixture
per stand-in of tests/fakes/ that tests take as a fixture (`clock`, `extension`)."""

import json

import pytest

from localdev.events import DEV_SECRET, SAMPLES, sample_bytes
from localdev.events import sample_names as all_sample_names
from localdev.events import sign as signature
from tests.fakes import Clock, FakeExtension

pytest_plugins = ["tests.browser"]  # the `browser` fixture (Chromium through Playwright)

__all__ = ["DEV_SECRET", "SAMPLES", "all_sample_names", "sample", "sample_bytes", "sample_path", "signature"]


def sample_path(name):
    """`aaa/favorite` or `xaa/post.create` -> the sample file."""
    return SAMPLES / f"{name}.json"


def sample(name):
    return json.loads(sample_bytes(name))


@pytest.fixture(autouse=True)
def answers_hold_to_xs_document():
    """Every answer an in-process X emulator gives during a test holds to X's published document (its
    referee records what does not: localdev/x_emulator/referee.py); a test fails on the first that breaks it."""
    from localdev.x_emulator import referee

    del referee.VIOLATIONS[:]
    yield
    broken, referee.VIOLATIONS[:] = list(referee.VIOLATIONS), []
    assert broken == [], f"the X emulator answered against X's document: {broken[:3]}"


@pytest.fixture
def dev_secret():
    return DEV_SECRET


@pytest.fixture
def all_xaa_types():
    """The event_type of every XAA sample delivery."""
    return [sample(name)["data"]["event_type"] for name in all_sample_names() if name.startswith("xaa/")]


@pytest.fixture
def clock_start():
    """Where `clock` starts: epoch seconds. A folder whose code reads another time (a datetime, or today's
    time because X's emulator runs on it) says so in its conftest.py."""
    return 1_000.0


@pytest.fixture
def clock(clock_start):
    """The tests' one clock (tests/fakes/clock.py), at `clock_start`: it moves only when the test moves it."""
    return Clock(clock_start)


@pytest.fixture
def extension_secrets():
    """The secrets `extension` holds ({secret id: string}); a folder's conftest.py says which."""
    return {}


@pytest.fixture
def extension(extension_secrets):
    """The Parameters and Secrets Lambda Extension on 127.0.0.1 (tests/fakes/secrets.py), holding
    `extension_secrets`: a function reads them through it with tests.fakes.SESSION_TOKEN."""
    running = FakeExtension(extension_secrets)
    yield running
    running.close()
