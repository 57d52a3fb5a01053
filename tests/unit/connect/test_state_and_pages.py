"""The sign-in cookie and the pages, on their own."""

import re

import pytest

from xwebhook.connect import pages
from xwebhook.connect.failures import FAILURES
from xwebhook.connect.state import COOKIE, SignInRefused, cookie_header, key_of, new_state, state_from_cookies
from xwebhook.credentials.signing_key import SigningKeys

KEY = SigningKeys("c" * 40).cookie


def value_of(header):
    return header.split(";", 1)[0]


def test_the_cookie_gives_back_its_state_until_it_expires():
    state = new_state()
    cookie = value_of(cookie_header(KEY, state, expires_at=2_000, max_age=600))
    assert state_from_cookies(KEY, ["other=1", cookie], now=1_999) == state
    with pytest.raises(SignInRefused) as refused:
        state_from_cookies(KEY, [cookie], now=2_000)
    assert refused.value.reason == "sign_in_expired"


def test_an_older_cookie_beside_a_good_one_does_not_hide_it():
    good = value_of(cookie_header(KEY, new_state(), 2_000, 600))
    stale = value_of(cookie_header(KEY, new_state(), 500, 600))
    assert state_from_cookies(KEY, [stale, good], now=1_000) == good.split("=", 1)[1].split(".")[0]


@pytest.mark.parametrize(
    "cookies, reason",
    [
        ([], "no_cookie"),
        (["other=1"], "no_cookie"),
        ([f"{COOKIE}="], "no_cookie"),
        ([f"{COOKIE}=garbage"], "cookie_invalid"),
        ([value_of(cookie_header(SigningKeys("d" * 40).cookie, "A" * 43, 2_000, 600))], "cookie_invalid"),
    ],
)
def test_cookies_that_are_not_ours_are_refused_by_name(cookies, reason):
    with pytest.raises(SignInRefused) as refused:
        state_from_cookies(KEY, cookies, now=1_000)
    assert refused.value.reason == reason


def test_a_cookie_with_its_expiry_moved_on_does_not_verify():
    state = new_state()
    name, value = value_of(cookie_header(KEY, state, 2_000, 600)).split("=", 1)
    moved = f"{name}={state}.9999999999.{value.split('.')[2]}"
    with pytest.raises(SignInRefused):
        state_from_cookies(KEY, [moved], now=1_000)


def test_states_are_random_and_the_table_key_is_their_digest():
    states = {new_state() for _ in range(100)}
    assert len(states) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", s) for s in states)
    state = next(iter(states))
    assert key_of(state) != state
    assert len(key_of(state)) == 64


def test_every_failure_has_a_status_a_title_and_advice():
    for name, failure in FAILURES.items():
        assert 200 <= failure.status < 600, name
        assert failure.title, name
        assert failure.advice, name
    assert FAILURES["access_denied"].status == 200
    assert {name for name, f in FAILURES.items() if f.status == 403} >= {
        "invite_missing",
        "invite_invalid",
        "invite_expired",
        "invite_used_up",
    }


def test_pages_escape_everything_and_load_nothing():
    page = pages.page('<b>"T"</b>', ["<script>x</script>"], ["<i>"], link=("go", 'https://h/c?a=1&b="2"'))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;i&gt;" in page
    assert 'href="https://h/c?a=1&amp;b=&quot;2&quot;"' in page
    assert "src=" not in page
    assert "<link" not in page
    assert "<form" not in page
    csp = pages.HEADERS["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp
    assert pages.HEADERS["referrer-policy"] == "no-referrer"
    assert pages.HEADERS["cache-control"] == "no-store"
