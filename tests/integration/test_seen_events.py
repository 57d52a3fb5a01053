"""The events seen per account, read from a real DynamoDB endpoint (moto's server) through the by_user index
the dedup table carries (its by_user index): the items as ingest writes them, the Query admin is allowed."""

import pytest

from localdev import stack as stack_state
from tests.dedup_table import create_dedup_table, dedup_item
from xwebhook.migrate.seen import DynamoSeenEvents

NOW = 1_796_126_400


@pytest.fixture
def dynamodb(moto_server):
    return stack_state.aws_client({"aws_endpoint": moto_server.endpoint}, "dynamodb")


def put(dynamodb, table, event_id, user_id, source, event_type, received_at):
    item = dedup_item(event_id, received_at, source=source, event_type=event_type, for_user_id=user_id)
    dynamodb.put_item(TableName=table, Item=item)


def test_counts_come_from_the_by_user_index_within_the_window(dynamodb):
    table = create_dedup_table(dynamodb)
    put(dynamodb, table, "a1", "42", "aaa", "favorite", NOW - 100)
    put(dynamodb, table, "a2", "42", "aaa", "favorite", NOW - 50)
    put(dynamodb, table, "x1", "42", "xaa", "like.create", NOW - 40)
    put(dynamodb, table, "old", "42", "aaa", "tweet_create", NOW - 90000)  # before the window
    put(dynamodb, table, "b1", "43", "xaa", "post.create", NOW - 10)  # another account
    put(dynamodb, table, "r1", None, "aaa", "replay_job_status", NOW - 5)  # no user: not in the index
    counts = DynamoSeenEvents(dynamodb, table).counts("42", NOW - 3600)
    assert counts.by_type == {("aaa", "favorite"): 2, ("xaa", "like.create"): 1}
    assert counts.truncated is False


def test_pages_of_the_index_are_followed(dynamodb):
    table = create_dedup_table(dynamodb)
    for index in range(30):
        put(dynamodb, table, f"e{index}", "42", "xaa", "post.create", NOW - index)
    original = dynamodb.query

    def small_pages(**request):
        return original(**request, Limit=7)

    dynamodb.query = small_pages
    counts = DynamoSeenEvents(dynamodb, table).counts("42", NOW - 3600)
    assert counts.total("xaa") == 30


def test_a_table_without_the_index_is_unknown_not_an_error(dynamodb):
    table = create_dedup_table(dynamodb, indexes=False)
    seen = DynamoSeenEvents(dynamodb, table)
    assert seen.counts("42", 0) is None
    assert seen.unknown_reason == f"the dedup table {table} has no by_user index (receive's, ReplayDedup=enabled)"
