"""Split one X delivery into one queue message per event, with one shape whatever the payload family.

Account Activity API (AAA, v1.1 and v2): `{"for_user_id", "<kind>_events": [...], "users", "apps"}`;
one delivery may carry several events of a kind, and `user_event` / `replay_job_status` carry one
object each. X Activity API (XAA): `{"data": {"event_uuid", "event_type", "filter", ...}}`, one event,
or `{"data": [envelope, ...]}`, several.

Every message body is a JSON object:
  event_id     stable id derived from X's own ids: a retried or replayed copy gets the same one
  activity_id  the activity's identity shared by its AAA and XAA copies (event_ids.py); with, for a post,
               the XAA type(s) it is, the dedup key (post_kinds.py: one message per event X delivers)
  event_type   what happened: `favorite`, `tweet_create`, `follow.unfollow`, `post.create`, ...
  source       `aaa` or `xaa`
  for_user_id  the subscribed account the event is for (AAA `for_user_id`, XAA `filter.user_id`), or null
  received_at  when ingest accepted the delivery (UTC, ISO 8601)
  event        the original item (AAA) or the `data` envelope (XAA), untouched
  users, apps  (AAA) the entries of the delivery's `users`/`apps` maps that the item refers to
  user_has_blocked  (AAA) copied from the delivery when present

AAA kinds we do not know are kept as events of type `<kind>`; nothing in a delivery is dropped.
Linear in the delivery's size: each item is walked once, whatever the size of `users`.
"""

import hashlib
import zlib

from orjson import JSONEncodeError
from orjson import dumps as _orjson_dumps

from xwebhook.receive.errors import EmptyDelivery
from xwebhook.receive.event_ids import (
    SIGNAL_TYPES,
    aaa_identifier,
    aaa_post,
    digest,
    signal_user,
    subject_of,
    xaa_ids,
)
from xwebhook.receive.jsontext import escaped_noncharacters, message_text
from xwebhook.receive.post_kinds import POST_TYPES, answer, xaa_kinds

AAA_CONTEXT_KEYS = frozenset({"for_user_id", "users", "apps", "user_has_blocked"})
# Kinds with a `type` naming the action; both `follow_events` with type `unfollow` and X's
# `unfollow_events` become `follow.unfollow`, the name the X Activity API uses for the same thing.
AAA_TYPED_FAMILIES = {
    "follow": "follow",
    "unfollow": "follow",
    "block": "block",
    "unblock": "block",
    "mute": "mute",
    "unmute": "mute",
}
UNATTRIBUTED_GROUP = "unattributed"
MAX_GROUP_ID = 128  # SQS: MessageGroupId is 1-128 characters of printable ASCII without space


def group_id(for_user_id):
    """FIFO message group of an account: its id, or a digest of it when SQS could not take it."""
    if not for_user_id:
        return UNATTRIBUTED_GROUP
    if (
        len(for_user_id) <= MAX_GROUP_ID - 3  # room for a shard suffix, `#63`
        and for_user_id.isascii()
        and for_user_id.isprintable()
        and " " not in for_user_id
    ):
        return for_user_id
    return "u-" + digest(for_user_id)[:40]


def shard_group(group, activity_id, shards):
    """`group#<n>`: one of `shards` groups of an account, chosen by the activity, so both families'
    copies of an activity land in the same group (SQS deduplicates per group)."""
    return f"{group}#{zlib.crc32(activity_id.encode('utf-8', 'surrogatepass')) % shards}"


def deduplication_id(activity_id):
    """The MessageDeduplicationId of an activity (EventMessage.deduplication_id)."""
    if len(activity_id) <= 128 and activity_id.isascii() and activity_id.isprintable() and " " not in activity_id:
        return activity_id
    return hashlib.sha256(activity_id.encode("utf-8", "surrogatepass")).hexdigest()


class EventMessage:
    """One event, ready for the queue: its ids, its attributes and its body (JSON text).

    `post`: for a post, (the XAA post types it is for the account, certain, "/" + the first) from
    post_kinds.py (an XAA message its own type; an AAA tweet_create every type it stands for), else None.
    What it gives: `kinds`, `dedup_keys`, `dedup_key` and `fifo_safe` (SQS's FIFO deduplication by this
    message's one deduplication id is sure to drop any earlier copy of each of its keys).

    No __slots__, by measurement: on Python 3.13 (the template's runtime) an instance with inline values is
    made ~80 ns faster than one with eleven slots, and read as fast (bench/warm.py: three per POST)."""

    def __init__(
        self,
        event_id,
        activity_id,
        event_type,
        source,
        for_user_id,
        occurred_at,
        signal_user_id,
        body,
        size,
        post=None,
        deduplication_id=None,
    ):
        self.event_id = event_id
        self.activity_id = activity_id
        self.event_type = event_type
        self.source = source
        self.for_user_id = for_user_id
        self.occurred_at = occurred_at
        self.signal_user_id = signal_user_id
        self.body = body  # JSON text
        self.size = size  # its UTF-8 bytes
        self.post = post
        self._dedup_id = deduplication_id  # when the splitter knows it (event_ids.aaa_post), else made on first use

    @property
    def kinds(self):
        return None if self.post is None else self.post[0]

    @property
    def fifo_safe(self):
        return self.post is None or self.post[1]

    @property
    def dedup_keys(self):
        """What this message stands for in the dedup table and SQS: the activity, or for a post one
        `<activity_id>/<type>` per XAA type it is. A copy of any of them is the same event."""
        post = self.post
        if post is None:
            return (self.activity_id,)
        activity = self.activity_id
        if len(post[0]) == 1:
            return (activity + post[2],)
        return tuple(activity + "/" + kind for kind in post[0])

    @property
    def dedup_key(self):
        """The first of dedup_keys: the one SQS's deduplication id names."""
        post = self.post
        return self.activity_id if post is None else self.activity_id + post[2]

    @property
    def group_id(self):
        """FIFO message group: events of one account stay in order."""
        return group_id(self.for_user_id)

    @property
    def deduplication_id(self):
        """SQS's MessageDeduplicationId: the dedup key when SQS takes it as one (1-128 printable ASCII
        characters, no space; a key always has a `:`, so it never equals a digest), else the sha256 of it.
        Both families' copies of an activity (of a post: of one of its types) get the same one."""
        if self._dedup_id is None:
            post = self.post  # dedup_key, written out: this runs for every message on a FIFO queue
            self._dedup_id = deduplication_id(self.activity_id if post is None else self.activity_id + post[2])
        return self._dedup_id

    def __repr__(self):
        return f"EventMessage({self.event_id!r}, {self.event_type!r}, {self.source!r})"


def _dig_text(value, key):
    value = value.get(key) if isinstance(value, dict) else None
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return value if isinstance(value, str) else str(value)


def _referenced_ids(item):
    """Every string and integer in `item` (walked iteratively), in first-seen order: the candidate keys
    of the `users`/`apps` maps."""
    found = {}
    pending = [item]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            found[value] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            found[str(value)] = None
    return found


def _message(identity, event_type, source, for_user_id, received_at, event, context, post=None):
    event_id, activity_id, occurred_at = identity
    document = {
        "event_id": event_id,
        "activity_id": activity_id,
        "event_type": event_type,
        "source": source,
        "for_user_id": for_user_id,
        "received_at": received_at,
        "event": event,
    }
    if context:
        document.update(context)
    body, size = message_text(document)
    signal = signal_user(event_type, event) if event_type in SIGNAL_TYPES else None
    return EventMessage(event_id, activity_id, event_type, source, for_user_id, occurred_at, signal, body, size, post)


def _aaa_event_type(key, item):
    stem = key[: -len("_events")] if key.endswith("_events") else key
    family = AAA_TYPED_FAMILIES.get(stem)
    if family:
        action = item.get("type") if isinstance(item, dict) else None
        return f"{family}.{action if isinstance(action, str) and action else stem}"
    if stem == "user_event" and isinstance(item, dict) and len(item) == 1:
        return "user_event." + next(iter(item))
    return stem or "unknown"  # SQS refuses an empty attribute value


def _split_aaa(delivery, received_at):
    for_user_id = delivery.get("for_user_id")
    if for_user_id.__class__ is not str:  # X's is a string: anything else is made one, or None
        for_user_id = _dig_text(delivery, "for_user_id")
    subject = subject_of(for_user_id)
    users, apps = delivery.get("users"), delivery.get("apps")
    users = users if isinstance(users, dict) else None
    apps = apps if isinstance(apps, dict) else None
    blocked = "user_has_blocked" in delivery
    identifiers = {}  # event_type -> identify(item) of the typed kinds, made once per type
    messages = []
    append = messages.append
    for key, value in delivery.items():
        if key in AAA_CONTEXT_KEYS:
            continue
        items = value if isinstance(value, list) else [value]
        stem = key[: -len("_events")] if key.endswith("_events") else key
        # The type of an item depends on the item only for typed kinds (follow, block, ...) and user_event.
        fixed_type = None if stem in AAA_TYPED_FAMILIES or stem == "user_event" else (stem or "unknown")
        if fixed_type:
            event_type, identify = fixed_type, aaa_identifier(fixed_type, subject)
        signals = stem == "user_event"  # the one AAA kind that can be a revoke (SIGNAL_TYPES)
        # A post (the hottest kind): its ids made directly, and the XAA types it stands for.
        posts = identify.posts if fixed_type == "tweet_create" else None
        for item in items:
            if not fixed_type:
                event_type = _aaa_event_type(key, item)
                identify = identifiers.get(event_type)
                if identify is None:
                    identify = identifiers[event_type] = aaa_identifier(event_type, subject)
            if posts is not None and item.__class__ is dict:
                event_id, activity_id, occurred_at, post, dedup_id = aaa_post(item, posts, for_user_id)
            else:
                event_id, activity_id, occurred_at = identify(item)
                post = dedup_id = None
            document = {
                "event_id": event_id,
                "activity_id": activity_id,
                "event_type": event_type,
                "source": "aaa",
                "for_user_id": for_user_id,
                "received_at": received_at,
                "event": item,
            }
            if users or apps:
                referenced = _referenced_ids(item)
                if users:
                    document["users"] = {uid: users[uid] for uid in referenced if uid in users}
                if apps:
                    document["apps"] = {aid: apps[aid] for aid in referenced if aid in apps}
            if blocked:
                document["user_has_blocked"] = delivery["user_has_blocked"]
            try:  # message_text, written out for the hot loop
                out = _orjson_dumps(document)
            except JSONEncodeError:
                text, size = message_text(document)
            else:
                text, size = out.decode(), len(out)
                if not text.isascii() and ("\ufffe" in text or "\uffff" in text):
                    text, size = escaped_noncharacters(text)
            signal = signal_user(event_type, item) if signals and event_type in SIGNAL_TYPES else None
            append(
                EventMessage(
                    event_id,
                    activity_id,
                    event_type,
                    "aaa",
                    for_user_id,
                    occurred_at,
                    signal,
                    text,
                    size,
                    post,
                    dedup_id,
                )
            )
    return messages


def _split_xaa(envelopes, received_at):
    messages = []
    for data in envelopes:
        event_type = data.get("event_type") if isinstance(data, dict) else None
        event_type = event_type if isinstance(event_type, str) and event_type else "unknown"
        for_user_id = _dig_text(data.get("filter") if isinstance(data, dict) else None, "user_id")
        identity = xaa_ids(event_type, data)
        post = None
        if event_type in POST_TYPES:  # one message per type X delivers; post_kinds says if FIFO alone can tell
            post = answer((event_type,), xaa_kinds(event_type, data, for_user_id)[1])
        messages.append(_message(identity, event_type, "xaa", for_user_id, received_at, data, None, post))
    return messages


def _is_envelope(value):
    return isinstance(value, dict) and ("event_type" in value or "event_uuid" in value)


def xaa_envelopes(delivery):
    """The XAA envelopes of a delivery (`data` an envelope, or a list of them), or None for AAA."""
    data = delivery.get("data")
    if data is None:  # every AAA delivery
        return None
    for key in delivery:
        if key.endswith("_events"):
            return None
    if _is_envelope(data):
        return [data]
    if isinstance(data, list) and any(_is_envelope(item) for item in data):
        return data
    return None


def is_xaa(delivery):
    return xaa_envelopes(delivery) is not None


def split_delivery(delivery, received_at):
    """The messages for one parsed delivery (a dict), in delivery order.

    Raises EmptyDelivery when the object has no event key at all (`{}`, or only `for_user_id`), and
    TooDeep when an event nests deeper than a message may. Event lists that are present but empty give
    no message: the delivery is valid and holds nothing.
    """
    envelopes = xaa_envelopes(delivery)
    if envelopes is not None:
        return _split_xaa(envelopes, received_at)
    for key in delivery:
        if key not in AAA_CONTEXT_KEYS:
            return _split_aaa(delivery, received_at)
    raise EmptyDelivery("delivery holds no event")
