"""The connect pages name the app (CONNECT_APP_NAME, the ConnectAppName parameter), say what is subscribed
in an account owner's words (X's event-type ids only folded away), and look like the console (the shared
stylesheet, allowed by its hash, still no script)."""

import base64
import hashlib
import re
from html import unescape

import pytest

from xwebhook.connect import pages, sharing
from xwebhook.connect.settings import DEFAULT_APP_NAME, ConnectSettings, app_name
from xwebhook.env import ConfigError
from xwebhook.look import CSS
from xwebhook.x_api import event_types


def outside_folds(body):
    """The page's text without its <details> parts (what shows before any click) and without its markup."""
    shown = re.sub(r"<details.*?</details>", "", body, flags=re.S)
    shown = re.sub(r"<style>.*?</style>", "", shown, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", shown))


def folded(body):
    return unescape(" ".join(re.findall(r"<details.*?</details>", body, flags=re.S)))


def test_the_success_page_names_the_app_in_its_bar_and_its_first_sentence(make_world):
    world = make_world(app_name="Acme Analytics")
    answer, _ = world.browser().sign_in(invite=world.invite(event_types=("post.create",)))
    assert '<header class="bar"><span class="name">Acme Analytics</span>' in answer.body
    assert "Your X account @alice_dev is connected to Acme Analytics." in outside_folds(answer.body)


def test_the_success_page_lists_no_event_type_id_until_its_fold_is_opened(world):
    answer, _ = world.browser().sign_in(invite=world.invite())  # AAA parity: 17 types
    shown = outside_folds(answer.body)
    assert [name for name in event_types.AAA_PARITY if name in shown] == []
    assert "subscribed to 17 event types" in shown


def test_the_fold_holds_every_subscribed_event_type_as_x_names_it(world):
    answer, _ = world.browser().sign_in(invite=world.invite())
    assert [name for name in event_types.AAA_PARITY if name not in folded(answer.body)] == []


def test_a_failure_page_names_the_app_too(make_world):
    world = make_world(app_name="Acme Analytics")
    answer = world.browser().start(invite="not-an-invite")
    assert answer.status == 403
    assert '<span class="name">Acme Analytics</span>' in answer.body


def test_a_page_without_an_app_name_says_what_it_is_for():
    assert '<span class="name">Connecting an X account</span>' in pages.page("Title")


def test_a_hostile_app_name_is_escaped():
    page = pages.connected_page("alice", [], [], None, app_name="<b>x</b>")
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_pages_carry_the_consoles_stylesheet_allowed_by_its_hash():
    page = pages.page("Title")
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    assert f"<style>{CSS}</style>" in page
    assert f"style-src 'sha256-{digest}'" in pages.HEADERS["content-security-policy"]


def test_a_page_still_has_no_script_and_its_policy_allows_none():
    page = pages.connected_page("alice", ["a line"], [], "note", ["your posts"], ["read posts"], "App", ["post.create"])
    assert "<script" not in page
    assert "script-src" not in pages.HEADERS["content-security-policy"]


def test_a_type_x_refused_is_named_in_words_then_by_its_id():
    assert sharing.problem_line("dm.received", "X said no") == "Direct Messages you receive (dm.received): X said no"


def test_types_made_later_are_named_in_words():
    line = sharing.later_line(["dm.received", "dm.sent"])
    assert line.startswith("X Activity API: 2 more (")
    assert "dm.received" not in line


def test_one_subscribed_type_is_one_event_type():
    assert sharing.subscribed_line(["post.create"]) == "X Activity API: subscribed to 1 event type"


def test_the_app_name_defaults_to_xwebhook():
    assert app_name({}) == DEFAULT_APP_NAME == "xwebhook"


def test_the_app_name_is_read_trimmed():
    assert app_name({"CONNECT_APP_NAME": "  Acme  "}) == "Acme"


@pytest.mark.parametrize("value", ["A" * 61, "Acme\nInjected", "Acme\x1b[31m"])
def test_an_app_name_too_long_or_with_control_characters_fails_the_settings(value):
    with pytest.raises(ConfigError, match="CONNECT_APP_NAME"):
        app_name({"CONNECT_APP_NAME": value})


def test_the_connect_settings_read_the_app_name_from_the_environment():
    env = {
        "CONNECT_APP_NAME": "Acme",
        "WEBHOOK_URL": "https://hooks.example.com/webhook",
        "X_CREDENTIALS_SECRET_ID": "credentials",
        "CONSUMER_SECRET_ID": "consumer",
        "ACCOUNTS_TABLE": "accounts",
        "CONNECT_SIGNING_KEY_SECRET_ID": "key",
        "PUBLIC_BASE_URL": "https://hooks.example.com",
    }
    assert ConnectSettings.from_env(env).app_name == "Acme"


def test_the_template_gives_connect_its_app_name_parameter_with_the_same_default_and_limit():
    from localdev.template import load_template

    template = load_template()
    parameter = template["Parameters"]["ConnectAppName"]
    variables = template["Resources"]["ConnectFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["CONNECT_APP_NAME"] == {"Ref": "ConnectAppName"}
    assert (parameter["Default"], parameter["MaxLength"]) == (DEFAULT_APP_NAME, 60)


@pytest.mark.parametrize(("value", "allowed"), [("Acme Analytics", True), ("Ünïcode ✓", True), ("Acme\x1b[31m", False)])
def test_the_templates_pattern_takes_printable_names_only(value, allowed):
    from localdev.template import load_template

    pattern = load_template()["Parameters"]["ConnectAppName"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed
