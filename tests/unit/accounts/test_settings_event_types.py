"""CONNECT_EVENT_TYPES holds what an account can be subscribed to, as X's document names it."""

import pytest

from xwebhook.accounts.settings import AccountsSettings
from xwebhook.env import ConfigError

BASE = {"ACCOUNTS_TABLE": "t", "CONNECT_SIGNING_KEY_SECRET_ID": "k", "PUBLIC_BASE_URL": "https://hooks.example.com"}


def settings(types):
    return AccountsSettings.from_env({**BASE, "CONNECT_EVENT_TYPES": types})


def test_oauth_revoke_is_refused_as_a_type_x_does_not_let_an_app_subscribe_to():
    with pytest.raises(ConfigError, match=r"oauth\.revoke is not a type X lets an app subscribe to"):
        settings("post.create,oauth.revoke")


def test_news_new_is_refused_as_a_keyword_type_no_account_can_hold():
    with pytest.raises(ConfigError, match=r"news\.new filters on a keyword"):
        settings("news.new")


def test_the_deprecated_alias_is_taken_and_stored_under_its_canonical_name():
    assert settings("chat.conversation_join,chat.received").event_types == ("chat.conversation.join", "chat.received")


def test_the_new_chat_types_are_taken():
    assert settings("chat.update.group_name").event_types == ("chat.update.group_name",)
