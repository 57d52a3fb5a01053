"""ensure's planning (pure) for every state, and applying a plan against an in-memory X."""

import itertools

import pytest

from tests.fakes import OTHER_ID, OWNER_ID, FakeApi, credentials
from xwebhook.admin.ensure_webhook import (
    REGISTER,
    REVALIDATE,
    SUBSCRIBE,
    Observed,
    apply_plan,
    find_webhook,
    plan_ensure,
)
from xwebhook.x_api.errors import XApiError, XUnavailable
from xwebhook.x_api.models import Webhook

URL = "https://hooks.example.com/webhook"
VALID = Webhook("1001", URL, True)
INVALID = Webhook("1001", URL, False)
WANTED = (OWNER_ID, OTHER_ID)

WEBHOOK_STATES = {"missing": None, "valid": VALID, "invalid": INVALID}
SUBSCRIPTION_STATES = {
    "none": frozenset(),
    "owner only": frozenset({OWNER_ID}),
    "all": frozenset(WANTED),
    "all and a stranger": frozenset({*WANTED, "42"}),
    "unknown": None,
}


def expected_steps(webhook_state, subscription_state, subscribe):
    steps = {"missing": [REGISTER], "invalid": [REVALIDATE], "valid": []}[webhook_state]
    if subscribe and subscription_state != "unknown":
        have = SUBSCRIPTION_STATES[subscription_state] if webhook_state != "missing" else frozenset()
        steps += [(SUBSCRIBE, user) for user in WANTED if user not in have]
    return steps


@pytest.mark.parametrize(
    ("webhook_state", "subscription_state", "subscribe"),
    list(itertools.product(WEBHOOK_STATES, SUBSCRIPTION_STATES, [True, False])),
)
def test_plan_covers_every_state(webhook_state, subscription_state, subscribe):
    # Given what X reports (a missing webhook has no subscriptions, as the actions observe it)
    subscribed = SUBSCRIPTION_STATES[subscription_state]
    if webhook_state == "missing" and subscribed is not None:
        subscribed = frozenset()
    observed = Observed(URL, WEBHOOK_STATES[webhook_state], subscribed, WANTED, subscribe)
    # When ensure plans
    steps = plan_ensure(observed)
    # Then it registers or revalidates first, then subscribes exactly the missing configured users
    got = [step.kind if step.user_id is None else (step.kind, step.user_id) for step in steps]
    assert got == expected_steps(webhook_state, subscription_state, subscribe)
    assert all(step.why for step in steps)


def test_plan_for_the_desired_state_is_empty():
    assert plan_ensure(Observed(URL, VALID, frozenset(WANTED), WANTED, True)) == []


def test_subscribe_steps_on_an_invalid_webhook_say_they_wait_for_validity():
    steps = plan_ensure(Observed(URL, INVALID, frozenset(), (OWNER_ID,), True))
    assert steps[1].as_dict() == {
        "step": "subscribe",
        "why": f"user {OWNER_ID} is not subscribed, once the webhook is valid",
        "user_id": OWNER_ID,
    }


def test_find_webhook_matches_the_url_only():
    other = Webhook("7", "https://elsewhere.example.com/webhook", True)
    assert find_webhook([other, VALID], URL) is VALID
    assert find_webhook([other], URL) is None
    assert find_webhook([Webhook("8", URL + "/", True)], URL).id == "8"


def apply(api, webhook, subscribed, subscribe=True):
    observed = Observed(URL, webhook, subscribed, WANTED, subscribe)
    return apply_plan(api, observed, plan_ensure(observed), credentials().user_tokens)


def test_missing_webhook_is_registered_then_every_user_subscribed():
    api = FakeApi()
    outcome = apply(api, None, frozenset())
    assert outcome.valid
    assert [call[0] for call in api.calls] == ["create_webhook", "subscribe", "subscribe"]
    assert api.subscribed == set(WANTED)
    assert [step["ok"] for step in outcome.did] == [True, True, True]


def test_failed_register_skips_every_subscription():
    # Given X's CRC against our URL fails
    api = FakeApi(crc_passes=False)
    # When ensure applies its plan
    outcome = apply(api, None, frozenset())
    # Then nothing is subscribed to a webhook that is not there, and X's reason is recorded
    assert not outcome.valid
    assert not any(call[0] == "subscribe" for call in api.calls)
    assert outcome.did[0]["ok"] is False
    assert "CrcValidationFailed" in outcome.did[0]["error"]
    assert outcome.did[0]["x_error"]["status"] == 400
    assert [step.get("skipped") for step in outcome.did[1:]] == [True, True]


def test_register_refused_but_listed_afterwards_counts_as_registered():
    # Given the POST was retried and X refuses the second copy as a duplicate, while the first went through
    api = FakeApi(fail={"create_webhook": XApiError("register", 400, "DuplicateUrlFailed")})
    api.webhooks = []
    original = api.list_webhooks

    def list_after_the_race():
        api.webhooks = [VALID]
        return original()

    api.list_webhooks = list_after_the_race
    outcome = apply(api, None, frozenset())
    assert outcome.valid
    assert outcome.did[0]["ok"] is True
    assert outcome.did[0]["note"] == "already registered"
    assert "error" not in outcome.did[0]
    assert api.subscribed == set(WANTED)


def test_invalid_webhook_revalidated_then_missing_users_subscribed():
    api = FakeApi(webhook=INVALID, subscribed={OWNER_ID})
    outcome = apply(api, INVALID, frozenset({OWNER_ID}))
    assert outcome.valid
    assert api.calls == [("validate_webhook", "1001"), ("subscribe", "1001", OTHER_ID)]


def test_revalidation_that_fails_again_leaves_it_invalid_and_subscribes_nobody():
    api = FakeApi(webhook=INVALID, crc_passes=False)
    outcome = apply(api, INVALID, frozenset())
    assert not outcome.valid
    assert outcome.did[0] == {
        "step": "revalidate",
        "why": "webhook 1001 is invalid (X sends it no events)",
        "ok": False,
        "webhook_id": "1001",
        "valid": False,
        "error": "X's CRC against the webhook URL failed again: CrcValidationFailed: got HTTP 503",
    }
    assert not any(call[0] == "subscribe" for call in api.calls)


def test_revalidation_refused_by_x_is_recorded_with_x_reason():
    api = FakeApi(webhook=INVALID, fail={"validate_webhook": XApiError("revalidate", 403, "214: Webhook URL ...")})
    outcome = apply(api, INVALID, frozenset(), subscribe=False)
    assert not outcome.valid
    assert outcome.did[0]["ok"] is False
    assert "214" in outcome.did[0]["error"]


def test_one_failed_subscription_does_not_stop_the_next():
    api = FakeApi(webhook=VALID)
    calls = []

    def flaky_subscribe(webhook_id, tokens):
        calls.append(tokens.user_id)
        if tokens.user_id == OWNER_ID:
            raise XUnavailable("subscribe", "HTTP 503", 3, status=503)
        api.subscribed.add(tokens.user_id)

    api.subscribe = flaky_subscribe
    outcome = apply(api, VALID, frozenset())
    assert calls == [OWNER_ID, OTHER_ID]
    assert [step["ok"] for step in outcome.did] == [False, True]
    assert outcome.valid
    assert len(outcome.failed_steps) == 1
