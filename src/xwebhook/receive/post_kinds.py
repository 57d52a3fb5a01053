"""Which X Activity API post types one post is, for one account: what makes "one message per event X
delivers" and "no (event type, activity) pair enqueued twice" hold together.

XAA delivers one event per subscription: a reply that also @mentions the account comes as both
post.reply.create and post.mention.create, an own post that mentions oneself as post.create and
post.mention.create. Each is a message of its own (its own event_id, the post's activity_id), so their
dedup key is the activity and the type: `post:<user>:<post id>/<type>`. The AAA tweet_create of the same
post stands for every XAA type the post is for that account (its own post, a mention, a reply, a quote,
a repost of its post): its keys are one per type, so whichever family comes first, the other family's
copy of each (type, post) pair is dropped, and the XAA types AAA does not stand for still get through.

The kinds are read from the payload, the same way in both families:
  post.create          the account wrote it (reposts and replies by the account included)
  post.repost.create   someone else reposted the account's post
  post.reply.create    someone else replied directly to the account (in_reply_to_user_id)
  post.quote.create    someone else quoted the account's post
  post.mention.create  the post @mentions the account explicitly: in the text X displays
                       (display_text_range), not the leading @names a reply carries
Whether the answer is *certain* decides whether SQS's 5-minute FIFO deduplication alone (one
MessageDeduplicationId per message: its first key) is enough for a fresh copy: only when the post is one
kind for the account, certainly. Otherwise ingest reads the dedup table first (README "Exactly once").
An AAA tweet_create that none of the rules explains was delivered for a mention X does not count as
explicit (XAA sends nothing for it): it is the mention kind.

Hot path (every AAA tweet_create): a few dict lookups, no allocation in the usual cases.
"""

CREATE = "post.create"
REPOST = "post.repost.create"
REPLY = "post.reply.create"
QUOTE = "post.quote.create"
MENTION = "post.mention.create"
# The order a post's kinds are listed in; the first is the one its FIFO deduplication id names.
ORDER = (CREATE, REPOST, REPLY, QUOTE, MENTION)
POST_TYPES = frozenset(ORDER)


def _window_start(source):
    window = source.get("display_text_range")
    if window.__class__ is list and len(window) == 2 and window[0].__class__ is int:
        return window[0]
    return None


def _explicit(hits, source, is_reply, start_of):
    """True / False, or None when it cannot be told (a reply without display_text_range)."""
    if not hits:
        return False
    start = _window_start(source)
    if start is not None:
        return any((start_of(hit) or 0) >= start for hit in hits)
    return None if is_reply else True


def _aaa_start(mention):
    indices = mention.get("indices")
    return indices[0] if indices.__class__ is list and indices and indices[0].__class__ is int else None


def _aaa_mention(item, user):
    """Does the AAA tweet `item` @mention `user` explicitly: True, False, or None (cannot be told)."""
    source = item
    if item.get("truncated") is True:
        extended = item.get("extended_tweet")
        source = extended if extended.__class__ is dict else item
    entities = source.get("entities")
    mentions = entities.get("user_mentions") if entities.__class__ is dict else None
    if not mentions:
        return False
    hits = [m for m in mentions if m.__class__ is dict and m.get("id_str") == user]
    return _explicit(hits, source, item.get("in_reply_to_status_id_str") is not None, _aaa_start)


def answer(kinds, certain):
    """What the kind functions answer: (kinds, certain, "/" + the first kind: the suffix of the dedup key)."""
    return kinds, certain, "/" + kinds[0]


# The usual answers, made once (this runs for every AAA tweet_create).
_OWN = answer((CREATE,), True)
_OWN_MENTIONING_ONESELF = answer((CREATE, MENTION), False)
MENTIONED = _MENTIONED = answer((MENTION,), True)
_REPOSTED = answer((REPOST,), True)
_ALL = answer(ORDER, False)


def aaa_kinds(item, user):
    """(the XAA post types an AAA tweet_create `item` stands for for `user`, in ORDER; certain; the dedup
    key's suffix)."""
    if item.__class__ is not dict or not user:
        return _ALL
    get = item.get
    author = get("user")
    author = author.get("id_str") if author.__class__ is dict else None
    reposted = get("retweeted_status")
    if reposted is not None:  # a repost carries no mention or reply of its own
        if author == user:
            return _OWN
        original = reposted.get("user") if reposted.__class__ is dict else None
        if original.__class__ is dict and original.get("id_str") == user:
            return _REPOSTED
        return _MENTIONED
    if author == user:
        return _OWN if _aaa_mention(item, user) is False else _OWN_MENTIONING_ONESELF
    reply = get("in_reply_to_user_id_str") == user
    quoted = get("quoted_status")
    if quoted is not None:
        quoted_user = quoted.get("user") if quoted.__class__ is dict else None
        quote = quoted_user.__class__ is dict and quoted_user.get("id_str") == user
    else:
        quote = False
    if not reply and not quote:  # delivered for a mention: explicit, or one XAA does not count (nothing)
        return _MENTIONED
    mention = _aaa_mention(item, user)
    kinds = (REPLY,) if reply else ()
    if quote:
        kinds += (QUOTE,)
    if mention is not False:
        kinds += (MENTION,)
    return answer(kinds, mention is False and len(kinds) == 1)


def _xaa_start(mention):
    start = mention.get("start")
    return start if start.__class__ is int else None


def _referenced_author(payload, includes, kind):
    """The author of the post `payload` references as `kind` ("retweeted", "quoted"): its id, "" when it
    references none, None when it does but X's includes do not say whose it is."""
    refs = payload.get("referenced_tweets")
    if refs.__class__ is not list:
        return ""
    target = next((ref.get("id") for ref in refs if ref.__class__ is dict and ref.get("type") == kind), None)
    if target is None:
        return ""
    tweets = includes.get("tweets") if includes.__class__ is dict else None
    for tweet in tweets if tweets.__class__ is list else ():
        if tweet.__class__ is dict and tweet.get("id") == target:
            author = tweet.get("author_id")
            return author if author.__class__ is str else None
    return None


def xaa_kinds(event_type, data, user):
    """(the XAA post types the post of an XAA envelope `data` is for `user`, in ORDER, `event_type` among
    them; certain: the post is that one kind, surely)."""
    payload = data.get("payload") if data.__class__ is dict else None
    if not user or payload.__class__ is not dict:
        return (event_type,), False
    includes = data.get("includes")
    author = payload.get("author_id")
    certain = True
    kinds = set()
    reposted = _referenced_author(payload, includes, "retweeted")
    if reposted != "":
        if author == user:
            kinds.add(CREATE)
        elif reposted == user:
            kinds.add(REPOST)
        elif reposted is None:
            certain = False
    else:
        entities = payload.get("entities")
        mentions = entities.get("mentions") if entities.__class__ is dict else None
        hits = [m for m in mentions if m.__class__ is dict and m.get("id") == user] if mentions else None
        is_reply = payload.get("in_reply_to_user_id") is not None
        mention = _explicit(hits, payload, is_reply, _xaa_start)
        if author == user:
            kinds.add(CREATE)
        else:
            if payload.get("in_reply_to_user_id") == user:
                kinds.add(REPLY)
            quoted = _referenced_author(payload, includes, "quoted")
            if quoted == user:
                kinds.add(QUOTE)
            elif quoted is None:
                certain = False
        if mention:
            kinds.add(MENTION)
        elif mention is None:
            certain = False
    if event_type not in kinds:  # X says it is this type: believe it, and read the table
        kinds.add(event_type)
        certain = False
    ordered = tuple(kind for kind in ORDER if kind in kinds)
    return ordered, certain and ordered == (event_type,)
