"""The tests' stand-ins, one of each, in one place (the fixtures that hand them out: tests/conftest.py).

- clock.py    Clock: the one clock a test moves
- secrets.py  StaticSecret (a CachedSecret), FakeExtension (the Parameters and Secrets extension over HTTP)
- stores.py   the stores' ports in memory (accounts, invites, sign-ins, revokes, events seen, admin state,
              failure metric), and admin_services made of them
- x_api.py    X's API as its ports in memory (FakeApi, FakeXaa), and an X credentials secret
- aws.py      boto3's SQS and DynamoDB clients imitated, for the adapters' own tests
- ingest.py   ingest on these fakes: event_message, answered, IngestWorld
"""

from tests.fakes.aws import FIFO_QUEUE, STANDARD_QUEUE, FakeDynamo, FakeSqs, FifoSqs, Logged
from tests.fakes.clock import Clock
from tests.fakes.ingest import IngestWorld, answered, event_message
from tests.fakes.secrets import SESSION_TOKEN, FakeExtension, StaticSecret
from tests.fakes.stores import (
    FakeDeliveryFailures,
    FakeSeen,
    MemoryAccountStore,
    MemoryInviteStore,
    MemoryRevokeSignals,
    MemorySignInStore,
    MemoryStateStore,
    admin_services,
)
from tests.fakes.x_api import OTHER_ID, OWNER_ID, RESET_EPOCH, FakeApi, FakeXaa, credentials

__all__ = [
    "FIFO_QUEUE",
    "OTHER_ID",
    "OWNER_ID",
    "RESET_EPOCH",
    "SESSION_TOKEN",
    "STANDARD_QUEUE",
    "Clock",
    "FakeApi",
    "FakeDeliveryFailures",
    "FakeDynamo",
    "FakeExtension",
    "FakeSeen",
    "FakeSqs",
    "FakeXaa",
    "FifoSqs",
    "IngestWorld",
    "Logged",
    "MemoryAccountStore",
    "MemoryInviteStore",
    "MemoryRevokeSignals",
    "MemorySignInStore",
    "MemoryStateStore",
    "StaticSecret",
    "admin_services",
    "answered",
    "credentials",
    "event_message",
]
