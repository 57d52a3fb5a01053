"""Shared test helpers: X's sample deliveries and signing."""

import json
from pathlib import Path

import pytest

from xwebhook.signing import sign

SAMPLES = Path(__file__).parent / "samples"
DEV_SECRET = "dev-consumer-secret"


def sample_path(name):
    """`aaa/favorite` or `xaa/post.create` -> the sample file."""
    return SAMPLES / f"{name}.json"


def sample_bytes(name):
    return sample_path(name).read_bytes().strip()


def sample(name):
    return json.loads(sample_bytes(name))


def all_sample_names(family=None):
    families = [family] if family else ["aaa", "xaa"]
    return [f"{fam}/{path.stem}" for fam in families for path in sorted((SAMPLES / fam).glob("*.json"))]


def signature(body, secret=DEV_SECRET):
    return sign(secret.encode(), body)


@pytest.fixture
def dev_secret():
    return DEV_SECRET
