"""Where our event-type catalogue and scopes (xwebhook.x_api.event_types) and X's document disagree.

What X's document says, read from the extract:
  event types     the `event_type` enum of CreateActivitySubscriptionRequest, and the alias its
                  description names ("`a` is a deprecated alias of `b`")
  scope per type  the create operation's description: "dm.read for chat.* and dm.* events, like.read for
                  like.* events, ..., and tweet.read for all other event types"
  actor-only      the same description: "Mute and block subscriptions are actor-only"
  directions      the create filter's `direction` enum
  operation scopes  the OAuth2UserToken security requirement of GET /2/users/me and of the AAA subscribe
  scope names     the OAuth2UserToken scheme's scopes (every scope we ask for must be one of them)
Each finding names what it is about (a type, a scope, an operation), so the catalogue test fails by name.
Where our catalogue deliberately asks for more than the rule (a scope another X page names), the
exception is listed here with its source: DOCUMENTED_ELSEWHERE.
"""

import re

from localdev.x_contract import CREATE_XAA, SUBSCRIBE_AAA, USERS_ME
from localdev.x_contract.extract import operation, resolve

# type -> scopes we ask beyond the create operation's rule, and the page that says so.
DOCUMENTED_ELSEWHERE = {
    "broadcast.chat": ({"broadcast.read"}, "x-api/activity/introduction.mdx: private, requires broadcast.read"),
}
_RULE = re.compile(r"([a-z]+\.[a-z]+) for ([a-z.*, ]+?) events")
_DEFAULT = re.compile(r"([a-z]+\.[a-z]+) for all other event types")
_ALIAS = re.compile(r"`([a-z_.]+)` is a deprecated alias of `([a-z_.]+)`")
_ACTOR_ONLY = re.compile(r"([A-Z]?[a-z]+) and ([a-z]+) subscriptions are actor-only")


def _schema(document, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(document, node["$ref"])
    return node


def create_request(document):
    body = operation(document, *CREATE_XAA)["requestBody"]["content"]["application/json"]["schema"]
    return _schema(document, body)


def event_type_property(document):
    return _schema(document, create_request(document)["properties"]["event_type"])


def enum_types(document):
    return list(event_type_property(document).get("enum") or [])


def aliases(document):
    return dict(_ALIAS.findall(event_type_property(document).get("description") or ""))


def scope_rule(document):
    """(prefix -> scope, default scope) from the create operation's description; ({}, None) when the
    description no longer says it in the words we read."""
    text = operation(document, *CREATE_XAA).get("description") or ""
    rules = {}
    for scope, targets in _RULE.findall(text):
        if targets.startswith("all other"):
            continue
        for target in re.split(r",\s*|\s+and\s+", targets):
            target = target.strip()
            if target.endswith(".*"):
                rules[target[:-1]] = scope
    default = _DEFAULT.search(text)
    return rules, (default.group(1) if default else None)


def rule_scope(document, event_type):
    """The scope X's rule gives `event_type`, or None when the rule cannot be read."""
    rules, default = scope_rule(document)
    for prefix, scope in rules.items():
        if event_type.startswith(prefix):
            return scope
    return default


def actor_only_families(document):
    text = operation(document, *CREATE_XAA).get("description") or ""
    found = _ACTOR_ONLY.search(text)
    return {name.lower() for name in found.groups()} if found else set()


def directions(document):
    request = create_request(document)
    filter_schema = _schema(document, request["properties"]["filter"])
    return tuple(_schema(document, filter_schema["properties"].get("direction", {})).get("enum") or ())


def oauth2_scopes(document, method_path):
    """The scopes of the operation's OAuth2UserToken requirement (None: it takes no OAuth 2.0 token)."""
    for requirement in operation(document, *method_path).get("security") or []:
        if "OAuth2UserToken" in requirement:
            return tuple(sorted(requirement["OAuth2UserToken"]))
    return None


def known_scopes(document):
    scheme = document["components"]["securitySchemes"].get("OAuth2UserToken") or {}
    return set(scheme.get("flows", {}).get("authorizationCode", {}).get("scopes", {}))


def findings(document, catalogue):
    """[(name, what is wrong)] between X's document and `catalogue` (the event_types module)."""
    found = []
    enum = enum_types(document)
    theirs_aliases = aliases(document)
    for name in enum:
        if name in theirs_aliases:
            continue
        if name not in catalogue.CATALOGUE:
            found.append((name, "X's create request takes this event type; our catalogue lacks it"))
    for name in catalogue.CATALOGUE:
        if name not in enum:
            found.append((name, "our catalogue has this event type; X's create request does not take it"))
    for alias, target in sorted(theirs_aliases.items()):
        if catalogue.ALIASES.get(alias) != target:
            found.append((alias, f"X names it a deprecated alias of {target}; our ALIASES do not"))
    for alias in catalogue.ALIASES:
        if alias not in theirs_aliases:
            found.append((alias, "our ALIASES have it; X's document names no such alias"))
    rules, default = scope_rule(document)
    if not rules or default is None:
        found.append(("create scopes", "the create operation's description no longer states the scope per type"))
    else:
        for name, known in catalogue.CATALOGUE.items():
            if name not in enum:
                continue
            want = rule_scope(document, name)
            extra, source = DOCUMENTED_ELSEWHERE.get(name, (set(), ""))
            ours = set(known.scopes)
            if want not in ours:
                found.append((name, f"X's rule gives it {want}; our catalogue asks {', '.join(sorted(ours))}"))
            elif ours - {want} - extra:
                more = ", ".join(sorted(ours - {want} - extra))
                found.append((name, f"our catalogue asks {more} beyond X's rule ({want}) with no page saying so"))
            elif extra and not extra <= ours:
                found.append((name, f"{source}; our catalogue does not ask it"))
    families = actor_only_families(document)
    ours_actor = {name.split(".", 1)[0] for name, known in catalogue.CATALOGUE.items() if known.actor_only}
    if families != ours_actor:
        found.append(("actor-only", f"X: {sorted(families)} are actor-only; our catalogue: {sorted(ours_actor)}"))
    for name, known in catalogue.CATALOGUE.items():
        if known.directions and set(known.directions) - set(directions(document)):
            found.append((name, f"directions {known.directions} are not all in X's {directions(document)}"))
    for key, method_path in (("users_me", USERS_ME), ("aaa_subscribe", SUBSCRIBE_AAA)):
        theirs = oauth2_scopes(document, method_path)
        ours = tuple(sorted(catalogue.OPERATION_SCOPES[key]))
        if theirs != ours:
            where = f"{method_path[0].upper()} {method_path[1]}"
            found.append((key, f"{where} requires OAuth 2.0 scopes {theirs}; ours are {ours}"))
    if oauth2_scopes(document, CREATE_XAA) is None:
        found.append(("create credentials", "X's create no longer takes an OAuth 2.0 user token"))
    scopes = known_scopes(document)
    asked = set(catalogue.BASE_SCOPES) | set(catalogue.SCOPE_WORDS)
    for known in catalogue.CATALOGUE.values():
        asked |= set(known.scopes)
    for scope in sorted(asked - scopes):
        found.append((scope, "a scope we use that X's OAuth 2.0 scheme does not list"))
    return found
