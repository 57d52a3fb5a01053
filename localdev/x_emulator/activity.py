"""One activity on X, delivered in both families: as the Account Activity API's delivery to each webhook
the account is AAA-subscribed to, and as an X Activity API envelope per XAA subscription that covers it.

Both copies carry the same natural ids, as X's own samples do (tests/samples/aaa, tests/samples/xaa): the
post id (tweet_create `id_str` / post.* `payload.id`), the favorite id (favorite_events `id` / like.create
`payload.id`, with the liked post), the DM event id (direct_message_events `id`, in dm.received's
`payload.direct_message_events` too), follower and followed (follow_events `source`/`target` /
follow.follow `payload.source.data`/`payload.target.data`). That is what lets the receiver tell that two
deliveries are one activity during the overlap of a migration.

Kinds (and their details, each with a default):
  post     the account posts               post_id, text, mentions_self             tweet_create / post.create
  mention  someone mentions the account    post_id, author_id, text                 tweet_create / post.mention.create
  reply    someone replies to the account  post_id, author_id, in_reply_to, text,   tweet_create / post.reply.create
                                           mentions
With `mentions_self` (a post that @mentions its own author) or `mentions` (a reply that also @mentions the
account in its text), X's XAA delivers the post twice, as each type (post.create + post.mention.create,
post.reply.create + post.mention.create), to the subscriptions of each; AAA delivers it once. Posts carry
the fields that say which types they are, in each family's shape: the author, `in_reply_to_user_id`, the
mention entities with their positions and `display_text_range` (what X displays: a reply's leading
@names are outside it).
  delete   the account deletes a post      post_id                                  tweet_delete / post.delete
  like     a like by or of the account     favorite_id, liker_id, post_id, post_author_id    favorite / like.create
  follow   a follow by or of the account   source_id, target_id                     follow (type follow) / follow.follow
  dm       a DM to the account             dm_id, sender_id, text                   direct_message / dm.received
"""

import secrets
import time

KINDS = ("post", "mention", "reply", "delete", "like", "follow", "dm")


def _user(user_id, screen_name=None):
    return {"id": int(user_id), "id_str": user_id, "screen_name": screen_name or f"user{user_id}", "name": "User"}


def _legacy(epoch):
    return time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(epoch))


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch))


def build(emu, kind, user_id, details):
    """(AAA delivery, XAA event type, XAA payload, direction or None) for one activity."""
    now = emu.now()
    ms = str(int(now * 1000))
    d = dict(details)
    if kind in ("post", "mention", "reply"):
        return _post(emu, kind, user_id, now, ms, d)
    if kind == "delete":
        post_id = str(d.get("post_id") or emu.new_id())
        aaa = {
            "for_user_id": user_id,
            "tweet_delete_events": [{"status": {"id": post_id, "user_id": user_id}, "timestamp_ms": ms}],
        }
        return aaa, "post.delete", {"id": post_id, "author_id": user_id}, None
    if kind == "like":
        favorite_id = str(d.get("favorite_id") or secrets.token_hex(16))
        liker = str(d.get("liker_id") or user_id)
        post_id = str(d.get("post_id") or emu.new_id())
        author = str(d.get("post_author_id") or (emu.new_id() if liker == user_id else user_id))
        item = {
            "id": favorite_id,
            "created_at": _legacy(now),
            "timestamp_ms": int(ms),
            "favorited_status": {"id": int(post_id), "id_str": post_id, "text": "a post", "user": _user(author)},
            "user": _user(liker),
        }
        payload = {
            "id": favorite_id,
            "created_at": _iso(now),
            "timestamp_ms": ms,
            "liked_tweet_id": post_id,
            "liked_tweet_author_id": author,
        }
        direction = "outbound" if liker == user_id else "inbound"
        return {"for_user_id": user_id, "favorite_events": [item]}, "like.create", payload, direction
    if kind == "follow":
        source = str(d.get("source_id") or emu.new_id())
        target = str(d.get("target_id") or user_id)
        item = {"type": "follow", "created_timestamp": ms, "source": _user(source), "target": _user(target)}
        payload = {
            "source": {"data": {"id": source, "username": f"user{source}"}},
            "target": {"data": {"id": target, "username": f"user{target}"}},
        }
        direction = "outbound" if source == user_id else "inbound"
        return {"for_user_id": user_id, "follow_events": [item]}, "follow.follow", payload, direction
    if kind == "dm":
        dm_id = str(d.get("dm_id") or emu.new_id())
        sender = str(d.get("sender_id") or emu.new_id())
        event = {
            "type": "message_create",
            "id": dm_id,
            "created_timestamp": ms,
            "message_create": {
                "target": {"recipient_id": user_id},
                "sender_id": sender,
                "message_data": {"text": d.get("text") or "hello!", "entities": {}},
            },
        }
        users = {uid: {"id": uid, "screen_name": f"user{uid}"} for uid in (sender, user_id)}
        aaa = {"for_user_id": user_id, "direct_message_events": [event], "users": users}
        return aaa, "dm.received", {"direct_message_events": [event], "users": {}}, None
    raise ValueError(f"unknown activity kind {kind!r}; one of {', '.join(KINDS)}")


def _post(emu, kind, user_id, now, ms, d):
    post_id = str(d.get("post_id") or emu.new_id())
    author = str(d.get("author_id") or (user_id if kind == "post" else emu.new_id()))
    handle = f"@user{user_id}"
    lead = f"{handle} " if kind == "reply" else ""  # a reply's leading @name: outside what X displays
    explicit = (
        kind == "mention" or (kind == "post" and d.get("mentions_self")) or (kind == "reply" and d.get("mentions"))
    )
    body = d.get("text") or {"post": "hello from the emulator", "mention": "hi", "reply": "a reply"}[kind]
    body = f"{handle} {body}" if explicit else body
    text = lead + body
    start = len(lead)
    positions = ([0] if lead else []) + ([start] if explicit else [])
    window = [start, len(text)]
    item = {
        "created_at": _legacy(now),
        "id": int(post_id),
        "id_str": post_id,
        "text": text,
        "display_text_range": window,
        "user": _user(author),
        "entities": {
            "user_mentions": [
                {"id_str": user_id, "id": int(user_id), "indices": [p, p + len(handle)]} for p in positions
            ]
        },
        "timestamp_ms": ms,
    }
    payload = {
        "id": post_id,
        "author_id": author,
        "text": text,
        "display_text_range": window,
        "entities": {"mentions": [{"id": user_id, "start": p, "end": p + len(handle)} for p in positions]},
        "created_at": _iso(now),
        "edit_history_tweet_ids": [post_id],
    }
    if kind == "reply":
        parent = str(d.get("in_reply_to") or emu.new_id())
        item.update(in_reply_to_status_id_str=parent, in_reply_to_user_id_str=user_id)
        payload.update(in_reply_to_user_id=user_id, referenced_tweets=[{"type": "replied_to", "id": parent}])
    event_type = {"post": "post.create", "mention": "post.mention.create", "reply": "post.reply.create"}[kind]
    if explicit and kind != "mention":
        event_type = (event_type, "post.mention.create")  # X's XAA: one event per type the post is
    return {"for_user_id": user_id, "tweet_create_events": [item]}, event_type, payload, None


def envelope(subscription, event_type, payload):
    """An XAA delivery for one subscription. `event_uuid` is per delivery (X's examples show negative ones)."""
    uuid = str(-secrets.randbelow(2**63))
    data = {"event_uuid": uuid, "filter": dict(subscription["filter"]), "event_type": event_type, "payload": payload}
    if subscription.get("tag") is not None:
        data["tag"] = subscription["tag"]
    return {"data": data}


def deliver_activity(emu, kind, user_id, order, details):
    aaa, event_type, payload, direction = build(emu, kind, user_id, details)
    sends = []
    with emu._lock:
        for webhook_id, users in emu.subscriptions.items():
            if user_id in users and emu.webhooks.get(webhook_id, {}).get("valid"):
                sends.append(("aaa", webhook_id, aaa, None))
    xaa_sends = [
        (
            "xaa",
            subscription["webhook_id"],
            envelope(subscription, one_type, payload),
            subscription["subscription_id"],
        )
        for one_type in (event_type if isinstance(event_type, tuple) else (event_type,))
        for subscription in emu.xaa_matching(one_type, user_id, direction)
        if subscription.get("webhook_id")
    ]
    sends = xaa_sends + sends if order == "xaa_first" else sends + xaa_sends
    outcomes = []
    for family, webhook_id, body, subscription_id in sends:
        status = emu.deliver(body, webhook_id)
        # XAA: the type of this envelope; AAA (one delivery for the activity): the XAA type it stands for.
        delivered = body["data"]["event_type"] if family == "xaa" else event_type
        outcome = {"family": family, "webhook_id": webhook_id, "status": status, "event_type": delivered}
        if subscription_id:
            outcome["subscription_id"] = subscription_id
        outcomes.append(outcome)
    return outcomes
