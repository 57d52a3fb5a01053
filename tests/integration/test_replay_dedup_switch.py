"""ReplayDedup=disabled: no dedup table, ingest on one SQS call per delivery, FIFO still drops retries."""

import pytest

from localdev.provision import ProvisionError
from localdev.testing import invoke
from tests.conftest import sample_bytes, signature


def post(body):
    return {"headers": {"x-twitter-webhooks-signature": signature(body)}, "body": body.decode()}


def test_disabled_replay_dedup_creates_no_table_and_ingest_still_delivers(stack_factory):
    stack = stack_factory(parameters={"ReplayDedup": "disabled"})
    assert "DedupTable" not in stack.resources
    assert stack.env("ingest")["DEDUP_TABLE"] == ""
    ingest = stack.load("ingest")
    body = sample_bytes("aaa/favorite_multi")
    first = invoke(ingest, post(body))
    assert first["statusCode"] == 200
    assert ingest.ingestor._dedup is None
    again = invoke(ingest, post(body))  # X's retry within 5 minutes: SQS FIFO drops the copies
    assert again["statusCode"] == 200
    assert len(stack.drain()) == 3


def test_enabled_by_default(stack_factory):
    stack = stack_factory()
    assert stack.env("ingest")["DEDUP_TABLE"] == stack.table != ""


def test_a_value_outside_the_allowed_ones_is_refused(stack_factory):
    with pytest.raises(ProvisionError, match="ReplayDedup"):
        stack_factory(parameters={"ReplayDedup": "sometimes"})
