"""Split one X delivery into one queue message per event, with one shape whatever the payload family.

Account Activity API (AAA, v1.1 and v2): `{"for_user_id", "<kind>_events": [...], "users", "apps"}`;
one delivery may carry several events of a kind, and `user_event` / `replay_job_status` carry one
object each. X Activity API (XAA): `{"data": {"event_uuid", "event_type", "filter", ...}}`, one event.

Every message body is a JSON object:
  event_id     stable id derived from X's own ids: a retried or replayed copy gets the same one
  event_type   what happened: `favorite`, `tweet_create`, `follow.unfollow`, `post.create`, ...
  source       `aaa` or `xaa`
  for_user_id  the subscribed account the event is for (AAA `for_user_id`, XAA `filter.user_id`), or null
  received_at  when ingest accepted the delivery (UTC, ISO 8601)
  event        the original item (AAA) or the `data` envelope (XAA), untouched
  users, apps  (AAA) the entries of the delivery's `users`/`apps` maps that the item refers to
  user_has_blocked  (AAA) copied from the delivery when present

AAA kinds we do not know are kept as events of type `<kind>`; nothing in a delivery is dropped.
"""

import hashlib
import json
from dataclasses import dataclass

try:
    import orjson  # in ingest's requirements.txt: message bodies ~10x faster than json (bench/warm.py)
except ImportError:  # pragma: no cover - a tool run without it falls back to the standard library
    orjson = None

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


class EmptyDelivery(ValueError):
    """A delivery object that carries no event at all."""


@dataclass(frozen=True, slots=True)
class EventMessage:
    event_id: str
    event_type: str
    source: str
    for_user_id: str | None
    body: str

    @property
    def group_id(self):
        """FIFO message group: events of one account stay in order."""
        return self.for_user_id or UNATTRIBUTED_GROUP


def _dig(value, *path):
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _joined(*parts):
    return None if any(part is None for part in parts) else ":".join(parts)


def _content_hash(item):
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"))  # ASCII: lone surrogates too
    return "h" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _account_id(user):
    return _dig(user, "id_str") or _dig(user, "id")


def _relation_id(item):
    return _joined(
        _account_id((item or {}).get("source")),
        _account_id((item or {}).get("target")),
        _dig(item, "created_timestamp"),
    )


# The natural id of each AAA event type, from X's documented fields.
_AAA_NATURAL_IDS = {
    "tweet_create": lambda item: _dig(item, "id_str") or _dig(item, "id"),
    "favorite": lambda item: _dig(item, "id"),
    "direct_message": lambda item: _dig(item, "id"),
    "tweet_delete": lambda item: _dig(item, "status", "id"),
    "direct_message_indicate_typing": lambda item: _joined(
        _dig(item, "sender_id"), _dig(item, "target", "recipient_id"), _dig(item, "created_timestamp")
    ),
    "direct_message_mark_read": lambda item: _joined(
        _dig(item, "sender_id"), _dig(item, "last_read_event_id"), _dig(item, "created_timestamp")
    ),
    "user_event.revoke": lambda item: _joined(
        _dig(item, "revoke", "source", "user_id"),
        _dig(item, "revoke", "target", "app_id"),
        _dig(item, "revoke", "date_time"),
    ),
    "replay_job_status": lambda item: _joined(_dig(item, "job_id"), _dig(item, "job_state")),
}


def _aaa_event_type(key, item):
    stem = key[: -len("_events")] if key.endswith("_events") else key
    family = AAA_TYPED_FAMILIES.get(stem)
    if family:
        action = item.get("type") if isinstance(item, dict) else None
        return f"{family}.{action if isinstance(action, str) and action else stem}"
    if stem == "user_event" and isinstance(item, dict) and len(item) == 1:
        return "user_event." + next(iter(item))
    return stem


def _aaa_natural_id(event_type, item):
    if event_type.split(".", 1)[0] in AAA_TYPED_FAMILIES:
        natural = _relation_id(item)
    else:
        extract = _AAA_NATURAL_IDS.get(event_type)
        natural = extract(item) if extract else (_dig(item, "id_str") or _dig(item, "id"))
    return natural or _content_hash(item)


def _referenced_ids(value, found):
    """Every scalar in `value` as text: the candidates for keys of the `users`/`apps` maps."""
    if isinstance(value, dict):
        for child in value.values():
            _referenced_ids(child, found)
    elif isinstance(value, list):
        for child in value:
            _referenced_ids(child, found)
    elif isinstance(value, (str, int)) and not isinstance(value, bool):
        found.add(str(value))
    return found


# Encoders made once: json.dumps with options builds a new one per call (~3 us each).
_UTF8_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ASCII_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _dumps(document):
    """Compact JSON text of a message, always valid UTF-8 for SQS whatever the delivery held.

    A delivery may escape a lone surrogate ("\\ud800"), which no UTF-8 text can carry, or hold an
    integer beyond 64 bits, which orjson refuses: the standard library's ASCII encoding keeps both
    exactly. orjson only writes here; deliveries are parsed by the standard library (ingest.py).
    """
    if orjson is not None:
        try:
            return orjson.dumps(document).decode()
        except TypeError:  # orjson.JSONEncodeError
            return _ASCII_ENCODER.encode(document)
    text = _UTF8_ENCODER.encode(document)
    try:
        text.encode()
    except UnicodeEncodeError:
        return _ASCII_ENCODER.encode(document)
    return text


def _message(event_id, event_type, source, for_user_id, received_at, event, context):
    document = {
        "event_id": event_id,
        "event_type": event_type,
        "source": source,
        "for_user_id": for_user_id,
        "received_at": received_at,
        "event": event,
    }
    document.update(context)
    return EventMessage(event_id, event_type, source, for_user_id, _dumps(document))


def _split_aaa(delivery, received_at):
    for_user_id = _dig(delivery, "for_user_id")
    users = delivery.get("users") if isinstance(delivery.get("users"), dict) else None
    apps = delivery.get("apps") if isinstance(delivery.get("apps"), dict) else None
    messages = []
    for key, value in delivery.items():
        if key in AAA_CONTEXT_KEYS:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            event_type = _aaa_event_type(key, item)
            event_id = f"aaa:{for_user_id or '-'}:{event_type}:{_aaa_natural_id(event_type, item)}"
            context = {}
            if users or apps:
                referenced = _referenced_ids(item, set())
                if users:
                    context["users"] = {uid: users[uid] for uid in users if uid in referenced}
                if apps:
                    context["apps"] = {aid: apps[aid] for aid in apps if aid in referenced}
            if "user_has_blocked" in delivery:
                context["user_has_blocked"] = delivery["user_has_blocked"]
            messages.append(_message(event_id, event_type, "aaa", for_user_id, received_at, item, context))
    return messages


def _split_xaa(data, received_at):
    event_type = data.get("event_type") if isinstance(data.get("event_type"), str) else "unknown"
    for_user_id = _dig(data, "filter", "user_id")
    natural = _dig(data, "event_uuid") or _content_hash(data)
    event_id = f"xaa:{for_user_id or '-'}:{natural}"
    return [_message(event_id, event_type, "xaa", for_user_id, received_at, data, {})]


def is_xaa(delivery):
    data = delivery.get("data")
    return (
        isinstance(data, dict)
        and ("event_type" in data or "event_uuid" in data)
        and not any(key.endswith("_events") for key in delivery)
    )


def split_delivery(delivery, received_at):
    """The messages for one parsed delivery (a dict).

    Raises EmptyDelivery when the object has no event key at all (`{}`, or only `for_user_id`).
    Event lists that are present but empty give no message: the delivery is valid and holds nothing.
    """
    if is_xaa(delivery):
        return _split_xaa(delivery["data"], received_at)
    if not delivery.keys() - AAA_CONTEXT_KEYS:
        raise EmptyDelivery("delivery holds no event")
    return _split_aaa(delivery, received_at)
