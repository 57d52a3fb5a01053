"""The activities delivered in the last 30 hours, in DynamoDB, so a replay or the other payload family's
copy of an activity is not enqueued a second time. An activity here is a message's dedup key: its
activity_id, and for a post the XAA type (`<activity_id>/<type>`; an AAA tweet_create has one key per XAA
type it stands for, splitting.EventMessage.dedup_keys, receive/post_kinds.py).

SQS FIFO deduplication covers 5 minutes: enough for X's retries and for the two families' copies of a
fresh activity, not for a replay, which re-sends events up to 24 h old. One item per activity and payload
family that delivered it (an activity is delivered when either family's item is there):

  event_id        (S, key) `<key>#<family>`: a dedup key of the message (or `sha256:<digest>` of it
                  when longer than DynamoDB keys should be, MAX_KEY_BYTES), `#aaa` or `#xaa`
  expires_at      (N) epoch seconds; the table's TTL attribute (DynamoDB deletes lazily: checked on read)
  received_at     (N) epoch seconds of the copy that wrote the item
  source          (S) aaa | xaa: the family (as in the key)
  event_type      (S) that copy's event_type; an AAA tweet_create's items name the XAA type each key
                  stands for, `tweet_create/<type>`, so migrate's fit proposes the post types an account
                  really produced (an item written before this: `tweet_create`, read as all five)
  for_user_id     (S) the subscribed account, when the event has one (on each key of a post: the by_user
                  index counts an AAA post once per XAA type it is, as XAA delivers and bills it)
  signal          (S) `revoke` on AAA user_event.revoke / XAA oauth.revoke, with
  signal_user_id  (S) the user who revoked the app, and
  signal_at       (N) when they revoked it (the revoke's own `date_time`, epoch seconds), when it says:
                  a revoke delivered late (X's retry, a replay, the other family's copy) is still dated
                  by when it happened, so admin compares that, not received_at, with a reconnect

GSIs (template: DedupTable): `by_user` (for_user_id, received_at; INCLUDE source, event_type) and
`signals` (signal, received_at; ALL; sparse). The admin function reads them: XAA events seen per account,
counts by type, revokes. Texts are stored as SQS attributes are (publisher.attribute_text).

Order matters for "never lose, never double" (ingest.py says when the read is skipped):
1. `seen()` before publishing: activities delivered before are skipped.
2. publish the rest.
3. `remember()` only after SQS accepted them: a failed publish leaves nothing marked, so X's retry is
   enqueued. If `remember()` fails, ingest answers 5xx; X's retries come within SQS's 5-minute window,
   so what they enqueue again is dropped by SQS, and they write the items.
A copy from the other family is written too, under its own family's key, whichever came first: when SQS
dropped it (a fresh copy, not read first) as when `seen()` found the other family's item. So the admin
function counts every family's events per account exactly, and sees XAA arriving during the overlap
even when AAA's copy is the one on the queue (the family is in the key: neither copy overwrites the other).

Why not Powertools' idempotency utility: it guards one function call per key, with a write before and
a write after each call. Here one delivery holds up to thousands of events, checked with BatchGetItem
and recorded with BatchWriteItem, chunks sent concurrently.
"""

import time

from xwebhook.receive.concurrency import Concurrently
from xwebhook.receive.errors import DedupUnavailable
from xwebhook.receive.event_ids import SIGNAL_TYPES, digest
from xwebhook.receive.publisher import attribute_text

MAX_GET_KEYS = 100
MAX_WRITE_ITEMS = 25
MAX_KEY_BYTES = 1024  # DynamoDB allows 2048 for a partition key


FAMILIES = ("aaa", "xaa")


def dedup_key(activity_id, source="aaa"):
    """The item key of an activity as `source` delivered it: its id (a digest when the id is too long for a
    key) and the family."""
    if len(activity_id) * 4 <= MAX_KEY_BYTES or len(activity_id.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES:
        return f"{activity_id}#{source}"
    return f"sha256:{digest(activity_id)}#{source}"


def _chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


class DynamoDedupStore:
    def __init__(self, client, table, ttl_seconds, clock=time.time, max_rounds=4, sleep=time.sleep, concurrently=None):
        self._client = client
        self._table = table
        self._ttl = ttl_seconds
        self._clock = clock
        self._max_rounds = max_rounds
        self._sleep = sleep
        self._concurrently = concurrently or Concurrently(1)
        self.calls = 0  # DynamoDB calls made (successful rounds), for the log line and the bench

    def seen(self, messages):
        """{dedup key: frozenset of the families that delivered it} for the messages' dedup keys delivered
        within the TTL (both families' items are read, in the same calls)."""
        keys = {}
        for message in messages:
            for key in message.dedup_keys:
                for family in FAMILIES:
                    keys[dedup_key(key, family)] = key
        found = {}
        for chunk_found, calls in self._concurrently.map(self._get_chunk, _chunks(sorted(keys), MAX_GET_KEYS)):
            self.calls += calls
            for key, source in chunk_found.items():
                found.setdefault(keys[key], set()).add(source)
        return {activity: frozenset(families) for activity, families in found.items()}

    def _get_chunk(self, chunk):
        now = int(self._clock())
        found = {}
        request = {
            self._table: {
                "Keys": [{"event_id": {"S": key}} for key in chunk],
                "ProjectionExpression": "event_id, expires_at, #source",
                "ExpressionAttributeNames": {"#source": "source"},
                "ConsistentRead": True,
            }
        }
        for rounds in range(1, self._max_rounds + 1):
            answer = self._call("batch_get_item", RequestItems=request)
            for item in answer.get("Responses", {}).get(self._table, []):
                # DynamoDB deletes expired items lazily (within days): check the time ourselves.
                if int(item["expires_at"]["N"]) > now:
                    found[item["event_id"]["S"]] = (item.get("source") or {}).get("S", "")
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found, rounds
            self._sleep(0.05)
        raise DedupUnavailable("DynamoDB left keys unprocessed")

    def remember(self, messages, only=None):
        """Record the messages' dedup keys as delivered now (one item per key and family). `only`: {message:
        the keys to record} for copies that were not enqueued (only what is on the queue is delivered)."""
        now = int(self._clock())
        items = {}
        for message in messages:
            if only is not None and message in only:
                keys = only[message]
            else:
                post = message.post
                if post is None or len(post[0]) == 1:  # one key: the usual message
                    item = self._item(message, message.dedup_key, now)
                    items[item["event_id"]["S"]] = item
                    continue
                keys = message.dedup_keys
            for key in keys:
                item = self._item(message, key, now)
                items[item["event_id"]["S"]] = item
        chunks = _chunks([items[key] for key in sorted(items)], MAX_WRITE_ITEMS)
        self.calls += sum(self._concurrently.map(self._write_chunk, chunks))

    def _item(self, message, key, now):
        event_type = message.event_type
        if message.post is not None and message.source == "aaa":  # tweet_create/post.reply.create
            event_type += "/" + key.rpartition("/")[2]
        item = {
            "event_id": {"S": dedup_key(key, message.source)},
            "expires_at": {"N": str(now + self._ttl)},
            "received_at": {"N": str(now)},
            "source": {"S": message.source},
            "event_type": {"S": attribute_text(event_type)},
        }
        if message.for_user_id:
            item["for_user_id"] = {"S": attribute_text(message.for_user_id)}
        if message.event_type in SIGNAL_TYPES:
            item["signal"] = {"S": "revoke"}
            if message.signal_user_id:
                item["signal_user_id"] = {"S": attribute_text(message.signal_user_id)}
            if message.occurred_at is not None:
                item["signal_at"] = {"N": str(int(message.occurred_at))}
        return item

    def _write_chunk(self, chunk):
        request = {self._table: [{"PutRequest": {"Item": item}} for item in chunk]}
        for rounds in range(1, self._max_rounds + 1):
            answer = self._call("batch_write_item", RequestItems=request)
            request = answer.get("UnprocessedItems") or {}
            if not request:
                return rounds
            self._sleep(0.05)
        raise DedupUnavailable("DynamoDB left items unwritten")

    def _call(self, operation, **kwargs):
        try:
            return getattr(self._client, operation)(**kwargs)
        except Exception as exc:  # ClientError, connection and timeout errors
            raise DedupUnavailable(f"DynamoDB {operation} failed: {exc.__class__.__name__}") from exc
