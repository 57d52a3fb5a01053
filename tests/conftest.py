"""Shared test helpers: X's sample deliveries and signing (one definition, in localdev.events)."""

import json

import pytest

from localdev.events import DEV_SECRET, SAMPLES, sample_bytes
from localdev.events import sample_names as all_sample_names
from localdev.events import sign as signature

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
