"""What an invocation asks for: action names, scheduled events, input validation, and replay windows."""

from datetime import UTC, datetime

import pytest

from xwebhook.admin.dispatch import requested_action
from xwebhook.admin.errors import BadInput
from xwebhook.admin.models import (
    ReplayInput,
    SubscribeInput,
    UnsubscribeInput,
    WebhookInput,
    XaaCreateInput,
    XaaDeleteInput,
    XaaUpdateInput,
    parse_input,
)
from xwebhook.admin.replay_window import replay_window
from xwebhook.admin.wiring import ACTIONS
from xwebhook.cli.admin_calls import ACTIONS as CLI_ACTIONS

NOW = datetime(2026, 11, 27, 15, 30, 42, tzinfo=UTC)
RULE_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-27T15:30:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/xwebhook-ensure"],
    "detail": {},
}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"action": "status"}, ("status", {})),
        ({"action": " Ensure "}, ("ensure", {})),
        ({"action": "xaa-create", "tag": "t"}, ("xaa_create", {"tag": "t"})),
        (RULE_EVENT, ("ensure", {})),
        ({"action": "ensure", "source": "aws.scheduler"}, ("ensure", {"source": "aws.scheduler"})),
    ],
)
def test_requested_action(event, expected):
    assert requested_action(event) == expected


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("status", "the event must be a JSON object"),
        ({}, "the event has no action; one of: status, register"),
        ({"action": 3}, "the event has no action"),
        ({"action": "launch"}, "unknown action 'launch'; one of: status, register, revalidate, ensure"),
    ],
)
def test_bad_requests(event, message):
    with pytest.raises(BadInput) as caught:
        requested_action(event)
    assert message in str(caught.value)


def test_every_action_has_an_input_model_and_a_description():
    # The list of actions itself is held against the CLI's (tests/unit/cli/test_admin_calls.py).
    assert len(ACTIONS) == len(CLI_ACTIONS)
    assert all(description and callable(function) for _model, function, description in ACTIONS.values())


@pytest.mark.parametrize(
    ("model", "fields", "message"),
    [
        (WebhookInput, {"webhook_id": "abc"}, "webhook_id: must be an X id (1 to 19 digits 0-9)"),
        (WebhookInput, {"webhook_id": True}, "webhook_id: must be an X id"),
        (WebhookInput, {"hook": "1"}, "unknown field 'hook'"),
        (UnsubscribeInput, {}, "user_id: Field required"),
        (SubscribeInput, {"access_token": "1-secret-token"}, "access_token and access_token_secret go together"),
        (ReplayInput, {}, "from: Field required"),
        (ReplayInput, {"from": "x", "form": "y"}, "unknown field 'form'"),
        (XaaCreateInput, {"event_type": "post.create"}, "give exactly one filter: user_id or keyword"),
        (XaaCreateInput, {"event_type": "post.create", "user_id": "1", "keyword": "k"}, "exactly one filter"),
        (XaaUpdateInput, {"subscription_id": "9"}, "give tag and/or webhook_id to change"),
    ],
)
def test_bad_input_names_fields_and_rules(model, fields, message):
    with pytest.raises(BadInput) as caught:
        parse_input(model, fields)
    assert message in str(caught.value)
    assert "secret-token" not in str(caught.value)


def test_ids_may_be_json_numbers_and_x_date_names_are_accepted():
    assert parse_input(WebhookInput, {"webhook_id": 1146654567674912769}).webhook_id == "1146654567674912769"
    replay = parse_input(ReplayInput, {"from_date": "202611271400", "to_date": "202611271500"})
    assert (replay.from_time, replay.to_time) == ("202611271400", "202611271500")


@pytest.mark.parametrize(
    ("start", "end", "window"),
    [
        ("202611271400", "202611271500", ("202611271400", "202611271500")),
        ("2026-11-27T14:00:59Z", "2026-11-27T15:00:00+00:00", ("202611271400", "202611271500")),
        ("2026-11-27T15:00:00+01:00", None, ("202611271400", "202611271530")),  # to: the current minute
        ("2026-11-27T14:00", "2026-11-27 15:00", ("202611271400", "202611271500")),  # no offset: UTC
        ("202611261531", "202611271530", ("202611261531", "202611271530")),  # the whole 24 h
        ("-90m", "-30m", ("202611271400", "202611271500")),  # relative to now (15:30:42)
        ("-2h", None, ("202611271330", "202611271530")),
    ],
)
def test_replay_window_forms(start, end, window):
    got = replay_window(start, end, NOW)
    assert (got.from_date, got.to_date) == window


def test_a_window_of_one_minute_is_taken_both_dates_being_inclusive():
    got = replay_window("2026-11-27T14:00:10Z", "2026-11-27T14:00:50Z", NOW)
    assert (got.from_date, got.to_date) == ("202611271400", "202611271400")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("yesterday", None, "from must be an ISO 8601 time (2026-11-27T15:30:00Z), yyyymmddhhmm (202611271530) or"),
        ("-1d", None, "from must be an ISO 8601 time"),
        ("-24h", None, "outside X's 24 h replay window"),
        ("202611271400", "2026-13-01", "to must be an ISO 8601 time"),
        ("202611271500", "202611271400", "from (202611271500) must not be after to (202611271400)"),
        ("2026-11-27T14:01:10Z", "2026-11-27T14:00:50Z", "must not be after to"),  # to's minute before from's
        ("202611261530", None, "outside X's 24 h replay window; the earliest accepted is 202611261531 UTC"),
        ("202611271400", "202611271531", "to (202611271531 UTC) is in the future"),
    ],
)
def test_replay_window_refusals(start, end, message):
    with pytest.raises(BadInput) as caught:
        replay_window(start, end, NOW)
    assert message in str(caught.value)


# --- regression: hostile values in every input (issue 6) -----------------------------------------------------


@pytest.mark.parametrize("value", ["١٢٣", "²", "𝟙𝟚", "٣", "12３", " ١ "])
@pytest.mark.parametrize(
    ("model", "field", "others"),
    [
        (WebhookInput, "webhook_id", {}),
        (UnsubscribeInput, "user_id", {}),
        (SubscribeInput, "user_id", {}),
        (XaaCreateInput, "user_id", {"event_type": "post.create"}),
        (XaaUpdateInput, "webhook_id", {"subscription_id": "1"}),
        (XaaDeleteInput, "subscription_id", {}),
    ],
)
def test_ids_made_of_unicode_digits_are_bad_input(model, field, others, value):
    assert value.strip().isdigit() or value.strip().isdecimal()  # what str.isdigit() let through
    with pytest.raises(BadInput) as caught:
        parse_input(model, {**others, field: value})
    assert f"{field}: must be an X id (1 to 19 digits 0-9)" in str(caught.value)


@pytest.mark.parametrize("value", ["..", ".", "/", "%2e%2e", "1/../2", "1?x=1", "1#", "", " ", "-1", "1.0", 10**19, -5])
@pytest.mark.parametrize("model", [XaaDeleteInput, XaaUpdateInput])
def test_subscription_ids_with_path_meaning_are_bad_input(model, value):
    fields = {"subscription_id": value} | ({"tag": "t"} if model is XaaUpdateInput else {})
    with pytest.raises(BadInput) as caught:
        parse_input(model, fields)
    assert "subscription_id: must be an X id (1 to 19 digits 0-9)" in str(caught.value)


def test_the_longest_x_id_passes_and_one_digit_more_does_not():
    assert parse_input(WebhookInput, {"webhook_id": "9" * 19}).webhook_id == "9" * 19
    assert parse_input(WebhookInput, {"webhook_id": 2**63 - 1}).webhook_id == str(2**63 - 1)
    with pytest.raises(BadInput):
        parse_input(WebhookInput, {"webhook_id": "9" * 20})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"event_type": "post.create", "user_id": "1", "tag": ""}, "tag: String should have at least 1 character"),
        ({"event_type": "post.create", "user_id": "1", "tag": "a\nb"}, "tag: must be text without control characters"),
        ({"event_type": "post.create", "user_id": "1", "tag": "\ud800"}, "tag: Input should be a valid string"),
        ({"event_type": "post.create", "keyword": "x\x00y"}, "keyword: must be text without control characters"),
        ({"event_type": "../webhooks", "user_id": "1"}, "event_type: must be an XAA event type such as post.create"),
        ({"event_type": "post", "user_id": "1"}, "event_type: must be an XAA event type"),
        ({"event_type": "Post.Create", "user_id": "1"}, "event_type: must be an XAA event type"),
        ({"event_type": "post..create", "user_id": "1"}, "event_type: must be an XAA event type"),
    ],
)
def test_free_text_sent_to_x_is_bounded_and_printable(fields, message):
    with pytest.raises(BadInput) as caught:
        parse_input(XaaCreateInput, fields)
    assert message in str(caught.value)


def test_tokens_given_to_subscribe_are_bounded_and_never_echoed():
    with pytest.raises(BadInput) as caught:
        parse_input(SubscribeInput, {"access_token": "1-" + "t" * 600, "access_token_secret": "s"})
    assert "access_token must be 1 to 500 characters" in str(caught.value)
    assert "ttt" not in str(caught.value)


def test_an_unknown_field_with_a_huge_name_is_quoted_cut_short():
    with pytest.raises(BadInput) as caught:
        parse_input(WebhookInput, {"x" * 100_000: 1})
    assert len(str(caught.value)) < 120
    assert "..." in str(caught.value)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("0001-01-01T00:00:00+14:00", None, "from is out of range (years 1 to 9999 in UTC)"),
        ("9999-12-31T23:59:59-14:00", None, "from is out of range"),
        ("-2h", "9999-12-31T23:59:59-01:00", "to is out of range"),
        ("-2h", "0001-01-01T00:30:00+01:00", "to is out of range"),
        ("000101010000", None, "from (000101010000 UTC) is outside X's 24 h replay window"),
        ("9999-12-31T23:59:59+00:00", None, "from (999912312359) must not be after to"),
    ],
)
def test_replay_with_far_off_dates_is_bad_input_not_an_overflow(start, end, message):
    with pytest.raises(BadInput) as caught:
        replay_window(start, end, NOW)
    assert message in str(caught.value)


def test_replay_times_are_bounded_in_length():
    with pytest.raises(BadInput) as caught:
        parse_input(ReplayInput, {"from": "2" * 10_000})
    assert "from: String should have at most 64 characters" in str(caught.value)
