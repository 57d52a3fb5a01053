"""build_ingestor: every ingest setting reaches the part it is for (a setting read but not wired is a
setting that does nothing)."""

import pytest

from xwebhook.receive.settings import IngestSettings
from xwebhook.receive.wiring import build_ingestor

ENV = {
    "CONSUMER_SECRET_ID": "secret",
    "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/xwebhook-events.fifo",
    "DEDUP_TABLE": "xwebhook-activities",
    "DEDUP_TTL_HOURS": "26",
    "PUBLISH_ATTEMPTS": "2",
    "PUBLISH_CONCURRENCY": "5",
    "DEDUP_FIFO_TRUST_SECONDS": "100",
    "FIFO_GROUP_SHARDS": "4",
    "MAX_BODY_BYTES": "65536",
}


@pytest.fixture
def aws_environment(monkeypatch):
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "a",
        "AWS_SECRET_ACCESS_KEY": "b",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def ingestor(aws_environment):
    return build_ingestor(IngestSettings.from_env(ENV))


def test_every_setting_reaches_its_part(ingestor):
    publisher, dedup = ingestor._publisher, ingestor._dedup
    assert (publisher._max_attempts, publisher._shards, publisher._concurrently.limit) == (2, 4, 5)
    assert dedup._concurrently is publisher._concurrently  # one pool for both
    assert (dedup._table, dedup._ttl) == ("xwebhook-activities", 26 * 3600)
    assert (ingestor._trust, ingestor._max_body_bytes) == (100, 65536)


def test_the_aws_clients_fail_fast_keep_a_connection_per_concurrent_call_and_skip_validation(ingestor):
    from botocore.validate import ParamValidationDecorator

    for aws in (ingestor._publisher._client, ingestor._dedup._client):
        config = aws.meta.config
        assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (1, 2, 5)
        assert not isinstance(aws._serializer, ParamValidationDecorator)


def test_without_a_table_there_is_no_dedup_store(aws_environment):
    assert build_ingestor(IngestSettings.from_env(dict(ENV, DEDUP_TABLE="")))._dedup is None
