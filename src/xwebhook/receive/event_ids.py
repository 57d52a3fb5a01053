"""Event ids, from X's own ids: an event's event_id, its activity_id, and when it happened (occurred_at).

event_id (family-specific; a consumer's idempotency key): `aaa:<user>:<type>:<natural id>` or
`xaa:<subject>:<type>:<natural id>`. The natural id comes from the payload's own ids (post id, DM
event id, like id, follower and followed and the event's time, ...). XAA's `event_uuid` is only a
fallback, for types whose payload has no id of its own (profile updates, follows without a time): X
documents it as unique per delivery, so it may not survive a retry or a replay. Without either, a
digest of the event's content. A retried or replayed copy of an event gets the same event_id.

activity_id (shared by the AAA and the XAA copy of one activity; the dedup key): `<activity>:<user>:
<ids>`, e.g. `post:<user>:<post id>` for a tweet_create and any post.*.create of the same post,
`like:<user>:<post id>:<like id>`, `dm:<user>:<dm event id>`. Where the natural ids cannot match across
families (XAA gives no time for a follow; the other family has no such event), activity_id is the
event_id: a copy in the other family is then a second message, never a lost one. docs/messages.md's table
"activity_id" lists every mapping.

occurred_at: the event's own time from X's payload (epoch seconds), or None. Only times that say when
the event happened count (a tweet's created_at, a like's timestamp_ms, a DM's created_timestamp), never
the time of something it refers to (the liked post's created_at): ingest relies on no copy of the event
having been enqueued before it.

Every id component is X's text when short and printable, else a digest, so ids are valid wherever they
go (SQS, DynamoDB keys) whatever a delivery holds.
"""

import hashlib
from datetime import UTC

from xwebhook.receive.jsontext import RawNumber, canonical
from xwebhook.receive.post_kinds import MENTIONED, ORDER, aaa_kinds

MAX_PART = 200  # characters of one id component kept as X wrote it
SIGNAL_TYPES = frozenset({"user_event.revoke", "oauth.revoke"})


def digest(text):
    """sha256 hex of `text`; lone surrogates included (they are digested, never sent anywhere)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def part(text):
    """One id component: `text` when short and printable, else `~` and a digest of it."""
    if len(text) <= MAX_PART and text.isprintable():
        return text
    return "~" + digest(text)[:32]


def content_id(value):
    """`h` + a digest of the value's canonical JSON: stable under key order, distinct per content."""
    return "h" + hashlib.sha256(canonical(value)).hexdigest()[:40]


def text_of(value):
    """A scalar as id text (None for null, booleans, empty strings, objects and lists)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, RawNumber):
        return value.text
    return None


def dig(value, *path):
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return text_of(value)


def _joined(*parts):
    """The parts as one id (`a:b:c`), each through `part`; None when any part is missing."""
    if None in parts:
        return None
    if len(parts) == 1:
        value = parts[0]
        return value if len(value) <= MAX_PART and value.isprintable() else part(value)
    return ":".join([value if len(value) <= MAX_PART and value.isprintable() else part(value) for value in parts])


def subject_of(user):
    """The `<user>` part of ids: the subscribed account, or `-`."""
    return part(user) if user else "-"


# ----------------------------------------------------------------------------------------- times

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def epoch_ms(value):
    """`1522082006140` or "1522082006140" (milliseconds) as epoch seconds, or None."""
    if isinstance(value, str):
        return int(value) / 1000 if 9 <= len(value) <= 16 and value.isascii() and value.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and 10**8 <= value < 10**16:
        return value / 1000
    return None


def iso_time(value):
    """ISO 8601 with a zone (`2026-07-24T21:05:48.000Z`, `2018-05-24T09:48:12+00:00`), or None."""
    if not isinstance(value, str) or not 19 <= len(value) <= 40:
        return None
    from datetime import datetime  # C module, loaded at the first timed XAA event

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def v1_time(value):
    """X's v1.1 `created_at` (`Mon Mar 26 16:33:26 +0000 2018`) as epoch seconds, or None."""
    if not isinstance(value, str):
        return None
    fields = value.split()
    if len(fields) != 6 or fields[4] != "+0000" or fields[1] not in _MONTHS:
        return None
    from datetime import datetime

    try:
        hour, minute, second = (int(number) for number in fields[3].split(":"))
        moment = datetime(int(fields[5]), _MONTHS[fields[1]], int(fields[2]), hour, minute, second, tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    return moment.timestamp()


# ------------------------------------------------------------------------------------------ AAA
# Each rule: (item, event_prefix `aaa:<user>:<type>:`, subject) -> (event_id, activity_id, occurred_at).
# `_ids` builds the usual answer; a rule whose activity has no counterpart in XAA gives activity None,
# and then activity_id is the event_id.


def _ids(item, prefix, subject, natural, activity, at, tail=None):
    if natural is None:
        event_id = prefix + content_id(item)
        return event_id, event_id, at
    event_id = prefix + natural
    if activity is None:
        return event_id, event_id, at
    return event_id, f"{activity}:{subject}:{tail or natural}", at


def _aaa_tweet(item, prefix, subject):
    # The hottest rule (every post and mention), written out: the usual shapes take the first branches.
    tweet = item.get("id_str")
    stamp = item.get("timestamp_ms")
    if isinstance(stamp, str) and 9 <= len(stamp) <= 16 and stamp.isascii() and stamp.isdigit():
        at = int(stamp) / 1000
    else:
        at = epoch_ms(stamp) or v1_time(item.get("created_at"))
    if isinstance(tweet, str) and 0 < len(tweet) <= MAX_PART and tweet.isprintable():
        return prefix + tweet, "post:" + subject + ":" + tweet, at
    return _ids(item, prefix, subject, _joined(text_of(tweet) or text_of(item.get("id"))), "post", at)


def _aaa_favorite(item, prefix, subject):
    like = _joined(text_of(item.get("id")))
    post = dig(item, "favorited_status", "id_str") or dig(item, "favorited_status", "id")
    at = epoch_ms(item.get("timestamp_ms")) or v1_time(item.get("created_at"))
    return _ids(item, prefix, subject, like, "like", at, _joined(post, like) if like else None)


def _aaa_direct_message(item, prefix, subject):
    natural = _joined(text_of(item.get("id")))
    return _ids(item, prefix, subject, natural, "dm", epoch_ms(item.get("created_timestamp")))


def _aaa_tweet_delete(item, prefix, subject):
    natural = _joined(dig(item, "status", "id"))
    return _ids(item, prefix, subject, natural, "post.delete", epoch_ms(item.get("timestamp_ms")))


def _aaa_typing(item, prefix, subject):
    stamp = dig(item, "created_timestamp")
    natural = _joined(dig(item, "sender_id"), dig(item, "target", "recipient_id"), stamp)
    return _ids(item, prefix, subject, natural, "dm.typing", epoch_ms(stamp))


def _aaa_mark_read(item, prefix, subject):
    stamp = dig(item, "created_timestamp")
    natural = _joined(dig(item, "sender_id"), dig(item, "last_read_event_id"), stamp)
    return _ids(item, prefix, subject, natural, "dm.read", epoch_ms(stamp))


def _account_id(user):
    return dig(user, "id_str") or dig(user, "id")


def _aaa_revoke(item, prefix, subject):
    revoke = item.get("revoke")
    stamp = dig(revoke, "date_time")
    natural = _joined(dig(revoke, "source", "user_id"), dig(revoke, "target", "app_id"), stamp)
    return _ids(item, prefix, subject, natural, "revoke", iso_time(stamp))


def _aaa_replay_status(item, prefix, subject):
    return _ids(item, prefix, subject, _joined(dig(item, "job_id"), dig(item, "job_state")), None, None)


def _aaa_other(item, prefix, subject):
    return _ids(item, prefix, subject, _joined(text_of(item.get("id_str")) or text_of(item.get("id"))), None, None)


_AAA_RULES = {
    "tweet_create": _aaa_tweet,
    "favorite": _aaa_favorite,
    "direct_message": _aaa_direct_message,
    "tweet_delete": _aaa_tweet_delete,
    "direct_message_indicate_typing": _aaa_typing,
    "direct_message_mark_read": _aaa_mark_read,
    "user_event.revoke": _aaa_revoke,
    "replay_job_status": _aaa_replay_status,
}
RELATION_FAMILIES = frozenset({"follow", "block", "mute"})


def _relation_rule(event_type):
    def rule(item, prefix, subject):
        stamp = dig(item, "created_timestamp")
        natural = _joined(_account_id(item.get("source")), _account_id(item.get("target")), stamp)
        return _ids(item, prefix, subject, natural, event_type, epoch_ms(stamp))

    return rule


for _family in RELATION_FAMILIES:
    for _action in (_family, "un" + _family):
        _AAA_RULES[f"{_family}.{_action}"] = _relation_rule(f"{_family}.{_action}")


_TYPE_PARTS = {}


def _type_part(event_type):
    """`_joined(event_type)`, remembered: a delivery repeats its few types (bounded: X names them)."""
    known = _TYPE_PARTS.get(event_type)
    if known is None:
        if len(_TYPE_PARTS) > 512:
            _TYPE_PARTS.clear()
        known = _TYPE_PARTS[event_type] = _joined(event_type)
    return known


_IDENTIFIERS = {}


def aaa_identifier(event_type, subject):
    """identify(item) -> (event_id, activity_id, occurred_at) for AAA items of `event_type` for the
    account `subject` (subject_of(for_user_id)); remembered for the next delivery (bounded)."""
    key = (event_type, subject)
    known = _IDENTIFIERS.get(key)
    if known is None:
        if len(_IDENTIFIERS) >= 4096:
            _IDENTIFIERS.clear()
        known = _IDENTIFIERS[key] = _make_identifier(event_type, subject)
    return known


def _make_identifier(event_type, subject):
    rule = _AAA_RULES.get(event_type)
    if rule is None:
        rule = _relation_rule(event_type) if event_type.split(".", 1)[0] in RELATION_FAMILIES else _aaa_other
    prefix = f"aaa:{subject}:{_type_part(event_type)}:"

    def identify(item):
        if isinstance(item, dict):
            return rule(item, prefix, subject)
        event_id = prefix + content_id(item)
        return event_id, event_id, None

    if event_type == "tweet_create":
        identify.posts = PostIds(prefix, subject)  # aaa_post's
    return identify


# The longest suffix of a post's dedup key: `/<the longest XAA post type>`.
LONGEST_POST_SUFFIX = 1 + max(len(kind) for kind in ORDER)
MAX_DEDUPLICATION_ID = 128  # SQS: 1-128 printable ASCII characters, no space (splitting.deduplication_id)


class PostIds:
    """What aaa_post needs for the posts of one account, made once per account (aaa_identifier)."""

    __slots__ = ("prefix", "activity_prefix", "subject", "plain_room")

    def __init__(self, prefix, subject):
        self.prefix = prefix  # of the event_id: `aaa:<subject>:tweet_create:`
        self.activity_prefix = "post:" + subject + ":"
        self.subject = subject
        # The longest post id whose dedup key `post:<subject>:<id>/<type>` is its own FIFO deduplication id
        # (splitting.deduplication_id), or -1 when the subject (printable: `part`) is not ASCII without spaces.
        plain = subject.isascii() and " " not in subject
        self.plain_room = MAX_DEDUPLICATION_ID - len(self.activity_prefix) - LONGEST_POST_SUFFIX if plain else -1


def aaa_post(item, ids, user):
    """(event_id, activity_id, occurred_at, post, deduplication id or None) of an AAA tweet_create dict `item`
    for the account `ids` (PostIds) and `user`: _aaa_tweet's ids and post_kinds.aaa_kinds' answer, written
    out for the hottest path (every post and mention X delivers): someone else's post that is no reply,
    quote or repost is a mention without looking further. The deduplication id (the dedup key, when SQS
    takes it as it is: an ASCII post id under a plain subject) is given here, where it costs a length check
    and one concatenation, rather than checked key by key for every FIFO message (bench/warm.py)."""
    get = item.get
    tweet = get("id_str")
    stamp = get("timestamp_ms")
    if stamp.__class__ is str and 9 <= len(stamp) <= 16 and stamp.isascii() and stamp.isdigit():
        at = int(stamp) / 1000
    else:
        at = epoch_ms(stamp) or v1_time(get("created_at"))
    if tweet.__class__ is str and 0 < len(tweet) <= MAX_PART and tweet.isprintable():
        event_id, activity_id = ids.prefix + tweet, ids.activity_prefix + tweet
        plain = len(tweet) <= ids.plain_room and tweet.isascii() and " " not in tweet
    else:
        event_id, activity_id, at = _ids(
            item, ids.prefix, ids.subject, _joined(text_of(tweet) or text_of(get("id"))), "post", at
        )
        plain = False
    author = get("user")
    if (
        author.__class__ is dict
        and author.get("id_str") != user
        and user
        and get("retweeted_status") is None
        and get("quoted_status") is None
        and get("in_reply_to_user_id_str") != user
    ):
        post = MENTIONED
    else:
        post = aaa_kinds(item, user)
    return event_id, activity_id, at, post, (activity_id + post[2] if plain else None)


# ------------------------------------------------------------------------------------------ XAA
# Each rule: (payload, event_uuid) -> the same tuple as the AAA rules.


def _first_event(payload):
    """The item of a payload shaped like AAA's (`{"direct_message_events": [item]}`), else the payload."""
    for key, value in payload.items():
        if key.endswith("_events") and isinstance(value, list) and value and isinstance(value[0], dict):
            return value[0]
    return payload


def _xaa_post(payload, uuid):
    return _joined(text_of(payload.get("id"))), "post", None, iso_time(payload.get("created_at"))


def _xaa_post_delete(payload, uuid):
    return _joined(text_of(payload.get("id"))), "post.delete", None, None


def _xaa_like(payload, uuid):
    natural = _joined(text_of(payload.get("liked_tweet_id")), text_of(payload.get("id")))
    at = epoch_ms(payload.get("timestamp_ms")) or iso_time(payload.get("created_at"))
    return natural, "like", None, at


def _xaa_dm(payload, uuid):
    events = payload.get("direct_message_events")
    if not isinstance(events, list) or not events:
        return None, None, None, None
    ids = [dig(event, "id") for event in events]
    if None in ids:
        return None, None, None, None
    return _joined(",".join(ids)), "dm", None, epoch_ms(events[0].get("created_timestamp"))


def _xaa_typing(payload, uuid):
    item = _first_event(payload)
    recipient = dig(item, "target", "recipient_id") or dig(item, "recipient_id")
    stamp = dig(item, "created_timestamp")
    return _joined(dig(item, "sender_id"), recipient, stamp), "dm.typing", None, epoch_ms(stamp)


def _xaa_read(payload, uuid):
    item = _first_event(payload)
    stamp = dig(item, "created_timestamp")
    natural = _joined(dig(item, "sender_id"), dig(item, "last_read_event_id"), stamp)
    return natural, "dm.read", None, epoch_ms(stamp)


def _xaa_user_id(user):
    return dig(user, "data", "id") or dig(user, "id_str") or dig(user, "id")


def _xaa_revoke(payload, uuid):
    stamp = dig(payload, "date_time")
    natural = _joined(dig(payload, "user_id"), dig(payload, "app_id"), stamp)
    return natural, "revoke", None, iso_time(stamp)


def _xaa_chat(payload, uuid):
    return _joined(dig(payload, "id")), None, None, epoch_ms(payload.get("created_at_msec"))


def _xaa_broadcast(payload, uuid):
    return _joined(dig(payload, "broadcast_id")), None, None, epoch_ms(payload.get("event_timestamp_ms"))


def _xaa_broadcast_chat(payload, uuid):
    return _joined(dig(payload, "message_id")), None, None, None


def _xaa_news(payload, uuid):
    story, updated = dig(payload, "id"), dig(payload, "updated_at")
    return (_joined(story, updated) if updated else _joined(story)), None, None, None


def _xaa_no_id(payload, uuid):
    return None, None, None, None


def _xaa_other(payload, uuid):
    return _joined(dig(payload, "id")), None, None, None


def _xaa_relation(payload, uuid, event_type):
    # XAA's follow/mute/block payloads carry the two accounts but (in X's samples) no time: the same
    # pair repeats on a re-follow, so the event's own id must tell them apart. A time, when X sends
    # one, is used as AAA uses it, and then the two families' copies share one activity_id.
    source, target = _xaa_user_id(payload.get("source")), _xaa_user_id(payload.get("target"))
    stamp = dig(payload, "created_timestamp") or dig(payload, "timestamp_ms")
    if stamp:
        return _joined(source, target, stamp), event_type, None, epoch_ms(stamp)
    if uuid is None:
        return None, None, None, None
    return _joined(source, target, "u" + uuid), None, None, None


_XAA_RULES = {
    **dict.fromkeys(
        ["post.create", "post.mention.create", "post.reply.create", "post.quote.create", "post.repost.create"],
        _xaa_post,
    ),
    "post.delete": _xaa_post_delete,
    "like.create": _xaa_like,
    "dm.sent": _xaa_dm,
    "dm.received": _xaa_dm,
    "dm.indicate_typing": _xaa_typing,
    "dm.read": _xaa_read,
    "oauth.revoke": _xaa_revoke,
    "chat.received": _xaa_chat,
    "chat.sent": _xaa_chat,
    "broadcast.start": _xaa_broadcast,
    "broadcast.end": _xaa_broadcast,
    "spaces.start": _xaa_broadcast,
    "spaces.end": _xaa_broadcast,
    "broadcast.chat": _xaa_broadcast_chat,
    "news.new": _xaa_news,
}


def xaa_subject(data):
    """Who an XAA event is for in its ids: the filter's user, `kw=<keyword>`, or `-`."""
    user = dig(data, "filter", "user_id")
    if user:
        return part(user)
    keyword = dig(data, "filter", "keyword")
    return "kw=" + part(keyword) if keyword else "-"


def xaa_ids(event_type, data):
    """(event_id, activity_id, occurred_at) of one XAA envelope (`data` may be any JSON value)."""
    if not isinstance(data, dict):
        event_id = f"xaa:-:{_type_part(event_type)}:{content_id(data)}"
        return event_id, event_id, None
    subject = xaa_subject(data)
    payload = data.get("payload")
    uuid = dig(data, "event_uuid")
    natural = activity = tail = at = None
    if isinstance(payload, dict):
        if event_type.split(".", 1)[0] in RELATION_FAMILIES:
            natural, activity, tail, at = _xaa_relation(payload, uuid, event_type)
        else:
            rule = _XAA_RULES.get(event_type)
            if rule is None:  # profile updates carry no id of their own; other new types may
                rule = _xaa_no_id if event_type.startswith("profile.update.") else _xaa_other
            natural, activity, tail, at = rule(payload, uuid)
    if natural is None:
        natural = "u" + part(uuid) if uuid else content_id(data)
        activity = None
    event_id = f"xaa:{subject}:{_type_part(event_type)}:{natural}"
    if activity is None:
        return event_id, event_id, at
    return event_id, f"{activity}:{subject}:{tail or natural}", at


def signal_user(event_type, event):
    """The user who revoked the app, for revoke events (AAA user_event.revoke, XAA oauth.revoke)."""
    if event_type == "user_event.revoke":
        return dig(event, "revoke", "source", "user_id")
    if event_type == "oauth.revoke":
        return dig(event, "payload", "user_id")
    return None
