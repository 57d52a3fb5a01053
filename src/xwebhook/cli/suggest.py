""" "Did you mean": the names closest to a mistyped kind, event type or admin action.

A name is suggested when one of its parts is what was typed (`like` -> like.create), when it starts with it
(`tweet` -> tweet_create), when difflib finds it close (`ensur` -> ensure), or when it is the other family's
name for a suggestion (like.create is AAA's `favorite`: x_api/event_types.py AAA_KIND_TO_XAA).
"""

import re

from xwebhook.cli.words import close_matches

LIMIT = 3
_PARTS = re.compile(r"[./_-]")


def _parts_match(word, name):
    parts = _PARTS.split(name)
    return word in parts or name.startswith(word) or any(part.startswith(word) for part in parts if len(word) >= 3)


def suggestions(word, choices, related=None, limit=LIMIT):
    """The choices a person typing `word` probably meant, best first (at most `limit`)."""
    word = (word or "").strip().lower()
    choices = list(dict.fromkeys(choices))
    if not word:
        return []
    found = [other for other in (related(word) if related else ()) if other in choices]
    found += close_matches(word, choices, limit)
    found += sorted((name for name in choices if _parts_match(word, name)), key=lambda name: (len(name), name))
    if related is not None:
        found += [other for name in list(found) for other in related(name) if other in choices]
    return list(dict.fromkeys(found))[:limit]


def _family_twins(name):
    """The other family's names for the same activity: favorite <-> like.create, follow <-> follow.follow ..."""
    from xwebhook.x_api.event_types import AAA_KIND_TO_XAA

    twins = list(AAA_KIND_TO_XAA.get(name, ()))
    twins += [kind for kind, types in AAA_KIND_TO_XAA.items() if name in types]
    return twins


def kinds(word):
    """Kinds `xwebhook send` takes (as `send` names them: favorite, like.create) for a mistyped one."""
    from xwebhook.send import deliveries

    short = [name.split("/", 1)[1] for name in deliveries.known_kinds()]
    return suggestions(word.split("/", 1)[-1], short, _family_twins)


def event_types(word):
    """X Activity API event types (X's create enum, and what X delivers unasked) for a mistyped one."""
    from xwebhook.x_api.event_types import ALIASES, CATALOGUE, RECEIVED_ONLY

    return suggestions(word, [*CATALOGUE, *ALIASES, *RECEIVED_ONLY], _family_twins)


def known_event_type(name):
    from xwebhook.x_api.event_types import is_delivered

    return is_delivered(name)


def message_types():
    """The event types a message on the queue may carry: XAA's, and AAA's as ingest names them (an open set:
    an AAA kind ingest has no rule for keeps its own name)."""
    from xwebhook.receive.event_ids import SIGNAL_TYPES
    from xwebhook.receive.splitting import AAA_TYPED_FAMILIES
    from xwebhook.x_api.event_types import AAA_KIND_TO_XAA, CATALOGUE, RECEIVED_ONLY

    typed = [f"{family}.{action}" for action, family in AAA_TYPED_FAMILIES.items()]
    return [*CATALOGUE, *RECEIVED_ONLY, *AAA_KIND_TO_XAA, *typed, *SIGNAL_TYPES, "replay_job_status"]


def known_message_type(name):
    return name in message_types()


def message_type_suggestions(word):
    return suggestions(word, message_types(), _family_twins)
