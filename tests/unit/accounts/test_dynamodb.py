"""The DynamoDB adapters' edges, against moto's server: what DynamoDB cannot do becomes AccountsUnavailable
(never a silent miss), and the revoke signals come from the dedup table's index as ingest writes them."""

import pytest

from localdev.stack import aws_client
from tests.dedup_table import create_dedup_table, dedup_item
from xwebhook.accounts.dynamodb import DynamoAccountStore, Table, from_attribute, to_attribute
from xwebhook.accounts.models import Account
from xwebhook.accounts.revokes import SIGNALS_INDEX, DynamoRevokeSignals
from xwebhook.accounts.store import AccountsUnavailable


def test_attribute_values_round_trip_without_losing_types():
    value = {"s": "x", "i": 3, "f": 1.5, "big": 1767225600.25, "t": True, "n": None, "l": [1, "a"], "m": {"k": [2.0]}}
    assert from_attribute(to_attribute(value)) == value
    assert to_attribute(2.0) == {"N": "2.0"}
    assert from_attribute({"N": "2.0"}) == 2.0
    with pytest.raises(TypeError):
        to_attribute(object())


def test_a_table_that_does_not_exist_is_unavailable_naming_the_operation(moto_server):
    client = aws_client({"aws_endpoint": moto_server.endpoint, "region": "us-east-1"}, "dynamodb")
    store = DynamoAccountStore(Table("no-such-table", client))
    with pytest.raises(AccountsUnavailable, match=r"refused get_item \(ResourceNotFoundException\)"):
        store.get("1")
    with pytest.raises(AccountsUnavailable, match="put_item"):
        store.put(Account("1"))


def test_an_unreachable_table_is_unavailable():
    import boto3
    from botocore.config import Config

    from localdev.moto_server import free_port

    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1}),
    )
    with pytest.raises(AccountsUnavailable, match="could not be reached for scan"):
        DynamoAccountStore(Table("accounts", client)).all()


@pytest.fixture
def dedup_table(moto_server):
    """The dedup table as the template provisions it (ingest writes it; admin only reads its indexes)."""
    client = aws_client({"aws_endpoint": moto_server.endpoint, "region": "us-east-1"}, "dynamodb")
    name = create_dedup_table(client)
    yield client, name
    client.delete_table(TableName=name)


def test_revokes_are_read_from_the_signals_index_latest_per_user(dedup_table):
    client, name = dedup_table
    for item in (
        dedup_item("xaa:1:a", 1_000, "111"),
        dedup_item("aaa:revoke:b", 1_500, "111", source="aaa", event_type="user_event.revoke"),
        dedup_item("xaa:2:c", 1_200, "222"),
        dedup_item("xaa:3:d", 100, "333"),  # before the window asked for
        dedup_item("xaa:4:e", 1_300, event_type="post.create") | {"for_user_id": {"S": "444"}},  # not a signal
    ):
        client.put_item(TableName=name, Item=item)
    signals = DynamoRevokeSignals(Table(name, client))
    assert signals.revokes_since(500) == {"111": 1_500.0, "222": 1_200.0}
    assert SIGNALS_INDEX in signals.source
    assert name in signals.source


def test_a_revoke_is_dated_by_when_the_owner_revoked_not_by_when_it_was_delivered(dedup_table):
    """X's retry of a failed delivery, our replay of an outage, the other family's copy: each is received
    late, and each carries X's date_time (ingest's `signal_at`), which is what a reconnect is compared with."""
    client, name = dedup_table
    late_copy = dedup_item("revoke:-:111:app:2026#aaa", 5_000, "111", source="aaa") | {"signal_at": {"N": "1000"}}
    older_ingest = dedup_item("revoke:-:222:app:2026#xaa", 4_000, "222")  # no signal_at: received_at it is
    for item in (late_copy, older_ingest):
        client.put_item(TableName=name, Item=item)
    assert DynamoRevokeSignals(Table(name, client)).revokes_since(0) == {"111": 1_000.0, "222": 4_000.0}


def test_revokes_are_read_across_pages(dedup_table):
    client, name = dedup_table
    padding = "x" * 300_000  # four of these fill DynamoDB's 1 MB page
    for n in range(6):
        client.put_item(TableName=name, Item=dedup_item(f"e{n}", 2_000 + n, str(10_000 + n)) | {"p": {"S": padding}})
    pages = []
    table = Table(name, client)
    call = table.call
    table.call = lambda operation, *args, **kwargs: pages.append(kwargs) or call(operation, *args, **kwargs)
    found = DynamoRevokeSignals(table).revokes_since(0)
    assert len(found) == 6
    assert len(pages) >= 2
    assert "ExclusiveStartKey" in pages[1]


def test_a_dedup_table_without_the_signals_index_makes_revokes_unknown_not_an_outage(moto_server):
    from xwebhook.accounts.revokes import SignalsIndexMissing

    client = aws_client({"aws_endpoint": moto_server.endpoint, "region": "us-east-1"}, "dynamodb")
    name = create_dedup_table(client, indexes=False)
    try:
        with pytest.raises(SignalsIndexMissing, match="has no signals index"):
            DynamoRevokeSignals(Table(name, client, "the dedup table")).revokes_since(0)
    finally:
        client.delete_table(TableName=name)
