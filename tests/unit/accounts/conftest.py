"""The stores under contract: in memory, and the DynamoDB adapters against moto's server over HTTP, on a
table made with the template's own AccountsTable keys (a fresh one per test)."""

import itertools
import os

import pytest

from localdev.testing import moto_server  # noqa: F401 - the fixture
from tests.fakes import MemoryAccountStore, MemoryInviteStore, MemorySignInStore

_tables = itertools.count(1)


def accounts_table_definition():
    from localdev.provision import load_template

    table = load_template()["Resources"]["AccountsTable"]["Properties"]
    return {"KeySchema": table["KeySchema"], "AttributeDefinitions": table["AttributeDefinitions"]}


@pytest.fixture
def dynamodb(moto_server):  # noqa: F811
    from localdev.stack import aws_client

    client = aws_client({"aws_endpoint": moto_server.endpoint, "region": "us-east-1"}, "dynamodb")
    name = f"accounts-{os.getpid()}-{next(_tables)}"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **accounts_table_definition())
    yield client, name
    client.delete_table(TableName=name)


def memory_stores(clock):
    invites = MemoryInviteStore()
    return MemoryAccountStore(invites=invites, clock=clock), invites, MemorySignInStore()


@pytest.fixture
def atomic_stores(clock):
    """The in-memory stores, for the races: they have DynamoDB's per-item atomicity, which moto's threaded
    server does not (two concurrent conditional writes to one item both pass there). The DynamoDB adapter's
    conditions themselves run sequentially against moto in every other contract test."""
    return memory_stores(clock)


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request, clock):
    """(AccountStore, InviteStore, SignInStore) of one kind, sharing one table (or memory)."""
    if request.param == "memory":
        return memory_stores(clock)
    from xwebhook.accounts.dynamodb import DynamoAccountStore, DynamoInviteStore, Table
    from xwebhook.connect.dynamodb import DynamoSignInStore

    client, name = request.getfixturevalue("dynamodb")
    table = Table(name, client)
    return DynamoAccountStore(table, clock), DynamoInviteStore(table), DynamoSignInStore(table)


@pytest.fixture
def store(stores):
    return stores[0]
