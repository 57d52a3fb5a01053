"""In-memory stand-ins for the ports the core talks to (SQS, DynamoDB, the secret, the accounts store,
invites, sign-ins in progress, revoke signals, the events seen per account)."""

import json
import threading
from dataclasses import replace
from types import SimpleNamespace

from localdev.events import sign as signature
from xwebhook.accounts.invites import InviteStore
from xwebhook.accounts.revokes import RevokeSignals
from xwebhook.accounts.store import AccountStore, InviteUsedUp, StaleAccount, StaleRefreshToken
from xwebhook.connect.state import SignInStore
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.migrate.seen import Counts
from xwebhook.receive.dedup import DynamoDedupStore
from xwebhook.receive.errors import FAILURES
from xwebhook.receive.ingest import DeliveryIngestor, IngestOutcome
from xwebhook.receive.publisher import SqsEventPublisher
from xwebhook.receive.splitting import EventMessage


class FakeSqs:
    """Records SendMessageBatch calls. `script` holds, per call, what goes wrong:
    an Exception to raise, a set of entry ids to fail, or None for success."""

    def __init__(self, script=(), sender_fault=False):
        self.script = list(script)
        self.sender_fault = sender_fault
        self.calls = []
        self.accepted = []

    def send_message_batch(self, QueueUrl, Entries):
        self.calls.append([dict(entry) for entry in Entries])
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, Exception):
            raise outcome
        failing = outcome or set()
        failed = [
            {"Id": e["Id"], "SenderFault": self.sender_fault, "Code": "InternalError", "Message": "boom"}
            for e in Entries
            if e["Id"] in failing
        ]
        ok = [e for e in Entries if e["Id"] not in failing]
        self.accepted.extend(ok)
        answer = {"Successful": [{"Id": e["Id"], "MessageId": "m" + e["Id"]} for e in ok]}
        if failed:
            answer["Failed"] = failed
        return answer


class FakeDynamo:
    """A DynamoDB table keyed by event_id, with injectable failures and unprocessed rounds."""

    def __init__(self, table="dedup", fail_on=(), unprocessed_rounds=0):
        self.table = table
        self.items = {}
        self.fail_on = set(fail_on)
        self.unprocessed_rounds = unprocessed_rounds
        self.calls = []

    def batch_get_item(self, RequestItems):
        self.calls.append("batch_get_item")
        if "batch_get_item" in self.fail_on:
            raise ConnectionError("dynamodb down")
        request = RequestItems[self.table]
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"Responses": {self.table: []}, "UnprocessedKeys": RequestItems}
        found = [self.items[k["event_id"]["S"]] for k in request["Keys"] if k["event_id"]["S"] in self.items]
        return {"Responses": {self.table: found}, "UnprocessedKeys": {}}

    def batch_write_item(self, RequestItems):
        self.calls.append("batch_write_item")
        if "batch_write_item" in self.fail_on:
            raise ConnectionError("dynamodb down")
        if self.unprocessed_rounds:
            self.unprocessed_rounds -= 1
            return {"UnprocessedItems": RequestItems}
        for request in RequestItems[self.table]:
            item = request["PutRequest"]["Item"]
            self.items[item["event_id"]["S"]] = item
        return {"UnprocessedItems": {}}


class StaticSecret:
    """A CachedSecret stand-in: a fixed value, or unavailable."""

    def __init__(self, value=b"dev-consumer-secret", available=True):
        self.value = value
        self.available = available
        self.refreshes = 0

    def get(self):
        if not self.available:
            raise SecretUnavailable("secret store down")
        return self.value

    def refresh_if_older_than(self, seconds):
        self.refreshes += 1
        return False


class MemoryInviteStore(InviteStore):
    def __init__(self, invites=()):
        self.invites = {invite.invite_id: invite for invite in invites}

    def get(self, invite_id):
        return self.invites.get(invite_id)

    def put(self, invite):
        self.invites[invite.invite_id] = invite

    def delete(self, invite_id):
        self.invites.pop(invite_id, None)


class MemoryAccountStore(AccountStore):
    """The AccountStore port in memory, with the same conditional-write rules as the DynamoDB adapter.
    `invites` (a MemoryInviteStore) is where put(use_invite=...) spends uses; `clock` decides expiry."""

    def __init__(self, accounts=(), invites=None, clock=lambda: 0.0):
        self.accounts = {}
        self.claims = {}  # user id -> claim expiry
        self.invites = invites if invites is not None else MemoryInviteStore()
        self.clock = clock
        self._lock = threading.Lock()  # the table's item-level atomicity, for the concurrency tests
        for account in accounts:
            self.put(account)

    def get(self, user_id):
        return self.accounts.get(user_id)

    def all(self):
        return [self.accounts[user_id] for user_id in sorted(self.accounts)]

    def put(self, account, use_invite=None):
        with self._lock:
            stored = self.accounts.get(account.user_id)
            if (stored.version if stored else 0) != account.version:
                raise StaleAccount(f"account {account.user_id} changed since it was read")
            if use_invite is not None:
                invite = self.invites.get(use_invite)
                if invite is None or invite.used >= invite.uses or invite.expires_at <= self.clock():
                    raise InviteUsedUp(f"invite {use_invite} has no use left")
                self.invites.put(replace(invite, used=invite.used + 1))
            saved = account.with_changes(version=account.version + 1)
            self.accounts[account.user_id] = saved
            self.claims.pop(account.user_id, None)
            return saved

    def claim_refresh(self, user_id, refresh_token, now, seconds):
        with self._lock:
            stored = self.accounts.get(user_id)
            if stored is None or stored.oauth2 is None or stored.oauth2.refresh_token != refresh_token:
                return False
            if self.claims.get(user_id, float("-inf")) >= now:
                return False
            self.claims[user_id] = now + seconds
            return True

    def replace_oauth2(self, user_id, spent_refresh_token, tokens):
        with self._lock:
            stored = self.accounts.get(user_id)
            if stored is None or stored.oauth2 is None or stored.oauth2.refresh_token != spent_refresh_token:
                raise StaleRefreshToken(f"account {user_id} has a newer refresh token")
            saved = stored.with_changes(oauth2=tokens, version=stored.version + 1)
            self.accounts[user_id] = saved
            self.claims.pop(user_id, None)
            return saved

    def delete(self, user_id):
        with self._lock:
            self.accounts.pop(user_id, None)
            self.claims.pop(user_id, None)


class FakeSeen:
    """The SeenEvents port: `counts[user_id]` -> {(source, event_type): n}, or None for "unknown"."""

    def __init__(self, counts=None, unknown_reason=None):
        self.by_user = dict(counts or {})
        self.unknown_reason = unknown_reason
        self.asked = []

    def counts(self, user_id, since_epoch):
        self.asked.append((user_id, since_epoch))
        if self.unknown_reason is not None:
            return None
        return Counts(dict(self.by_user.get(user_id, {})), since_epoch)


class MemorySignInStore(SignInStore):
    def __init__(self):
        self.pending = {}

    def put(self, pending):
        self.pending[pending.key] = pending

    def take(self, key):
        return self.pending.pop(key, None)


class MemoryRevokeSignals(RevokeSignals):
    """Revokes as ingest would have recorded them: {user id: received_at}."""

    source = "memory"

    def __init__(self, revokes=None):
        self.revokes = dict(revokes or {})

    def revokes_since(self, since):
        return {user_id: when for user_id, when in self.revokes.items() if when >= since}


class MemoryStateStore:
    """The admin state port (xwebhook.recovery.state) in memory: the document goes through the same JSON
    encoding and size limit as the SSM adapter. `down` makes every call fail as SSM would."""

    def __init__(self, document=None, limit=None):
        from xwebhook.recovery import state

        self._state = state
        self.limit = limit or state.MAX_CHARS
        self.text = state.encode(dict(document), self.limit) if document else None
        self.down = False
        self.loads = 0
        self.saves = 0

    def load(self):
        self.loads += 1
        if self.down:
            raise self._state.StateUnavailable("the admin state (memory) could not be read: ServiceUnavailable")
        return self._state.decode(self.text) if self.text else self._state.empty()

    def save(self, document):
        if self.down:
            raise self._state.StateUnavailable("the admin state (memory) could not be written: ServiceUnavailable")
        self.saves += 1
        self.text = self._state.encode(document, self.limit)

    @property
    def document(self):
        return self.load()


class FakeDeliveryFailures:
    """The failure-metric port (xwebhook.recovery.delivery_failures): minutes in which ingest answered 5xx."""

    def __init__(self, minutes=(), error=None):
        self.minutes = sorted(minutes)
        self.error = error
        self.asked = []

    def failed_minutes(self, start, end):
        self.asked.append((start, end))
        if self.error is not None:
            raise self.error
        return [minute for minute in self.minutes if start <= minute < end]


def event_message(
    activity_id, source="aaa", event_type="favorite", for_user_id="1", occurred_at=None, signal_user_id=None
):
    """An EventMessage for the ports' tests (splitting builds the real ones from deliveries)."""

    body = '{"activity_id": "%s"}' % activity_id
    return EventMessage(
        f"{source}:{activity_id}",
        activity_id,
        event_type,
        source,
        for_user_id,
        occurred_at,
        signal_user_id,
        body,
        len(body.encode()),
    )


class FifoSqs(FakeSqs):
    """SendMessageBatch with SQS FIFO's deduplication (scope: message group): an entry whose
    MessageDeduplicationId the group accepted in the last 5 minutes is accepted and not delivered.
    `delivered` is what consumers would receive; `clock` is shared with the code under test."""

    WINDOW_SECONDS = 300

    def __init__(self, clock, script=()):
        super().__init__(script)
        self.clock = clock
        self.first_sent = {}
        self.delivered = []

    def send_message_batch(self, QueueUrl, Entries):
        answer = super().send_message_batch(QueueUrl, Entries)
        accepted = {item["Id"] for item in answer["Successful"]}
        for entry in Entries:
            if entry["Id"] not in accepted:
                continue
            key = (entry["MessageGroupId"], entry["MessageDeduplicationId"])
            first = self.first_sent.get(key)
            if first is not None and self.clock() - first < self.WINDOW_SECONDS:
                continue
            self.first_sent[key] = self.clock()
            self.delivered.append(entry)
        return answer


FIFO_QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events.fifo"
STANDARD_QUEUE = "https://sqs.us-east-1.amazonaws.com/1/events"


class Logged:
    """A client that records each call (service, operation) in a log shared by several clients."""

    def __init__(self, client, service, log):
        self._client, self._service, self._log = client, service, log

    def __getattr__(self, operation):
        def call(**kwargs):
            self._log.append((self._service, operation))
            return getattr(self._client, operation)(**kwargs)

        return call


def answered(ingestor, body, signature):
    """What the ingest handler answers (functions/ingest/app.py): the outcome, or the failure ingest raised
    answered by receive/errors.py's FAILURES."""
    try:
        return ingestor.ingest(body, signature)
    except Exception as exc:
        return IngestOutcome.failed(exc, FAILURES)


class IngestWorld:
    """X, ingest, SQS (FIFO deduplication) and the dedup table on one clock; `deliver` gives the outcome
    and the AWS calls it made, in order."""

    START = 1_800_000_000.0

    def __init__(self, queue=FIFO_QUEUE, dedup=True, fifo_trust_seconds=None):
        self.now = self.START
        clock = lambda: self.now  # noqa: E731
        self.sqs = FifoSqs(clock) if queue == FIFO_QUEUE else FakeSqs()
        self.dynamo = FakeDynamo()
        self.log = []
        dynamo, sqs = Logged(self.dynamo, "dynamodb", self.log), Logged(self.sqs, "sqs", self.log)
        store = DynamoDedupStore(dynamo, "dedup", 30 * 3600, clock=clock, sleep=lambda _: None) if dedup else None
        publisher = SqsEventPublisher(sqs, queue, sleep=lambda _: None)
        self.ingestor = DeliveryIngestor(
            StaticSecret(), publisher, 512 * 1024, dedup=store, clock=clock, fifo_trust_seconds=fifo_trust_seconds
        )

    def deliver(self, delivery):
        body = json.dumps(delivery).encode()
        before = len(self.log)
        outcome = answered(self.ingestor, body, signature(body))
        calls = self.log[before:]
        return SimpleNamespace(
            status=outcome.status,
            sent=outcome.sent,
            duplicates=outcome.duplicates,
            aws_calls=outcome.aws_calls,
            calls=calls,
        )

    def later(self, seconds):
        self.now += seconds

    @property
    def delivered(self):
        entries = self.sqs.delivered if isinstance(self.sqs, FifoSqs) else self.sqs.accepted
        return [json.loads(entry["MessageBody"])["activity_id"] for entry in entries]


def admin_services(stored=(), **fields):
    """AdminServices (xwebhook/admin/services.py) as build_admin makes them for a stack with an accounts
    store, with in-memory stand-ins: a MemoryAccountStore holding `stored`, the admin state in memory, no
    events seen (FakeSeen), and migrate's aaa_retired. `fields` replace any of them by name (state=None: no
    memory; accounts=None: no store; connected=AccountServices(...): the accounts table's services)."""
    from xwebhook.admin.actions.migrate import aaa_retired
    from xwebhook.admin.services import AdminServices
    from xwebhook.recovery.state import MemoryState

    made = {
        "accounts": MemoryAccountStore(stored),
        "state": MemoryState(),
        "seen": FakeSeen(),
        "aaa_retired": aaa_retired,
    }
    return AdminServices(**{**made, **fields})
