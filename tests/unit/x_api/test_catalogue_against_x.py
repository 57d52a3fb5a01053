"""Our event-type catalogue and scopes against X's published document (our extract of it): a type X adds
or drops, a scope it changes, fails here by name. `make x-contract` prints the same findings for a newer
document (localdev/x_contract/catalogue.py)."""

import pytest

from localdev.x_contract import SUBSCRIBE_AAA, USERS_ME
from localdev.x_contract.catalogue import (
    DOCUMENTED_ELSEWHERE,
    actor_only_families,
    aliases,
    directions,
    enum_types,
    findings,
    known_scopes,
    oauth2_scopes,
    rule_scope,
)
from localdev.x_contract.extract import load
from xwebhook.x_api import event_types
from xwebhook.x_api.event_types import ALIASES, CATALOGUE, OPERATION_SCOPES, RECEIVED_ONLY

X = load()
ASKED = sorted(
    set(event_types.BASE_SCOPES)
    | set(event_types.AAA_SUBSCRIBE_SCOPES)
    | {scope for known in CATALOGUE.values() for scope in known.scopes}
)


@pytest.mark.parametrize("name", enum_types(X))
def test_each_type_x_takes_is_in_our_catalogue(name):
    assert name in CATALOGUE or name in ALIASES


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_type_of_our_catalogue_is_one_x_takes(name):
    assert name in enum_types(X)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_type_asks_the_scope_xs_rule_gives_it(name):
    assert rule_scope(X, name) in CATALOGUE[name].scopes


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_type_asks_nothing_beyond_xs_rule_that_no_page_of_x_names(name):
    extra, _page = DOCUMENTED_ELSEWHERE.get(name, (set(), ""))
    assert set(CATALOGUE[name].scopes) - {rule_scope(X, name)} <= extra


def test_broadcast_chat_asks_broadcast_read_as_the_activity_introduction_says():
    assert "broadcast.read" in CATALOGUE["broadcast.chat"].scopes


def test_our_aliases_are_the_ones_x_names():
    assert aliases(X) == ALIASES


def test_an_alias_is_read_as_its_canonical_type():
    assert event_types.xaa_type("chat.conversation_join") is CATALOGUE["chat.conversation.join"]


def test_oauth_revoke_is_delivered_but_not_a_type_x_lets_us_create():
    assert "oauth.revoke" not in enum_types(X)
    assert event_types.is_delivered("oauth.revoke")
    assert not event_types.is_creatable("oauth.revoke")
    assert "oauth.revoke" in RECEIVED_ONLY


def test_actor_only_types_are_the_families_x_names():
    assert {name.split(".", 1)[0] for name, known in CATALOGUE.items() if known.actor_only} == actor_only_families(X)


@pytest.mark.parametrize("name", sorted(name for name, known in CATALOGUE.items() if known.directions))
def test_each_direction_we_use_is_one_x_takes(name):
    assert set(CATALOGUE[name].directions) <= set(directions(X))


@pytest.mark.parametrize(("key", "operation"), [("users_me", USERS_ME), ("aaa_subscribe", SUBSCRIBE_AAA)])
def test_each_operation_scope_set_is_xs_security_requirement(key, operation):
    assert tuple(sorted(OPERATION_SCOPES[key])) == oauth2_scopes(X, operation)


@pytest.mark.parametrize("scope", ASKED)
def test_each_scope_we_may_ask_is_one_xs_oauth2_scheme_defines(scope):
    assert scope in known_scopes(X)


@pytest.mark.parametrize("scope", ASKED)
def test_each_scope_we_may_ask_has_plain_words_for_the_success_page(scope):
    assert event_types.SCOPE_WORDS.get(scope)


def test_the_document_and_our_catalogue_agree_in_everything_make_x_contract_checks():
    assert findings(X, event_types) == []
