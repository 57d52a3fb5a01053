"""The admin commands as a person types them: a mistyped action or field is a bad argument (exit 2, "did you
mean"), an action the deployed function is too old for is exit 5, and the answer is a summary (--json: the
answer), against a scripted admin function (targets.py)."""

import json

from tests.unit.cli.targets import StackTarget
from xwebhook.cli.admin_calls import ACTIONS


def said(text):
    """What was printed, as one line: the summaries wrap at the terminal's width."""
    return " ".join(text.split())


def test_the_cli_knows_every_action_of_the_admin_function_and_no_other():
    from xwebhook.admin.wiring import ACTIONS as FUNCTIONS

    assert sorted(ACTIONS) == sorted(FUNCTIONS)


def test_a_mistyped_action_is_a_bad_argument_that_names_the_action_meant(cli):
    result, _ = cli("admin", "ensur")
    assert result.exit_code == 2
    assert "xwebhook: no admin action 'ensur'. Did you mean 'ensure'?" in said(result.stderr)


def test_a_mistyped_action_lists_the_actions_the_function_knows(cli):
    result, _ = cli("admin", "ensur")
    assert "the admin function's actions: status, ensure, invite, accounts, replay, subscriptions" in said(
        result.stderr
    )


def test_an_action_nobody_knows_is_a_bad_argument_too(cli):
    result, _ = cli("admin", "rotate_everything")
    assert result.exit_code == 2
    assert "no admin action 'rotate_everything'." in said(result.stderr)


def test_with_json_a_mistyped_action_is_a_json_object_with_exit_code_2(cli):
    result, _ = cli("admin", "ensur", "--json")
    document = json.loads(result.stdout)
    assert (document["exit_code"], document["error"]) == (2, "no admin action 'ensur'. Did you mean 'ensure'?")


def test_an_action_this_cli_knows_but_the_deployed_function_does_not_exits_5_saying_to_deploy(cli):
    result, _ = cli("admin", "xaa_list", target=StackTarget(kind="aws"))
    assert result.exit_code == 5
    assert "has no 'xaa_list' action: it was deployed before this CLI knew it" in said(result.stderr)
    assert "`sam build && sam deploy`" in said(result.stderr)


def test_fields_the_function_calls_bad_input_exit_2_with_its_reason(cli):
    reason = "bad input: from must be an ISO 8601 time (2026-11-27T15:30:00Z), yyyymmddhhmm or -90m, -2h"
    target = StackTarget(answer=lambda action, fields: {"action": action, "ok": False, "error": reason})
    result, _ = cli("replay", "--from", "yesterday", target=target)
    assert result.exit_code == 2
    assert f"xwebhook: {reason}" in said(result.stderr)


def test_a_mistyped_event_type_is_refused_before_the_function_is_asked(cli):
    target = StackTarget(known=(*StackTarget().known, "xaa_create"))
    result, _ = cli("admin", "xaa_create", "event_type=post.creat", "user_id=1", target=target)
    assert result.exit_code == 2
    assert "event_type: 'post.creat' is not an X Activity API event type. Did you mean 'post.create'" in said(
        result.stderr
    )
    assert target.asked == []


def test_an_aaa_kind_in_an_invites_event_types_suggests_its_xaa_type(cli):
    result, _ = cli("invite", '{"event_types": ["favorite"]}')
    assert result.exit_code == 2
    assert "Did you mean 'like.create'?" in said(result.stderr)


def test_an_answer_not_ok_exits_1_with_its_summary(cli):
    target = StackTarget(answer=lambda action, fields: {"action": action, "ok": False, "error": "X is down"})
    result, _ = cli("admin", "subscriptions", target=target)
    assert result.exit_code == 1
    assert result.stdout == "subscriptions failed: X is down\n"


def test_json_after_the_command_prints_the_answer_and_nothing_else(cli):
    answer = {"action": "subscriptions", "ok": True, "user_ids": ["22"], "count": 1}
    result, _ = cli("admin", "subscriptions", "--json", target=StackTarget(answer=lambda a, f: answer))
    assert json.loads(result.stdout) == answer


def test_a_kind_send_does_not_have_suggests_the_kinds_meant(cli):
    result, _ = cli("send", "like")
    assert result.exit_code == 2
    assert "xwebhook: no sample or XAA type 'like'. Did you mean 'like.create' or 'favorite'?" in said(result.stderr)
    assert "`xwebhook send --list`" in said(result.stderr)


def test_a_mistyped_floor_type_of_migrate_is_a_bad_argument_named_as_typed(cli):
    result, target = cli("migrate", "plan", "--floor", "dm.recieved")
    assert result.exit_code == 2
    assert "--floor: 'dm.recieved' is not an X Activity API event type. Did you mean 'dm.received'" in said(
        result.stderr
    )
    assert target.asked == []
