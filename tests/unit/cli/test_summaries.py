"""What a person reads of the admin function's answers and of `status`: what happened, and what to do next."""

import time

from rich.text import Text

from tests.unit.cli.targets import StackTarget
from xwebhook.cli import status, summaries
from xwebhook.utc import iso

NO_BEARER = "the X credentials secret has no bearer_token; it is needed for this call"
INVITE_URL = "https://abcdefghij.execute-api.eu-west-1.amazonaws.com/connect?invite=7GFBbnQO1kThLla9HzDvsA.nkOD"


def plain(lines):
    """The summary's text as printed, markup removed; tables as their cells."""
    out = []
    for line in lines:
        if isinstance(line, str):
            out.append(Text.from_markup(line, emoji=False).plain)
        else:
            out.append(" | ".join(str(cell) for column in line.columns for cell in column._cells))
    return "\n".join(out)


ENSURED = {
    "action": "ensure",
    "ok": True,
    "webhook_valid": True,
    "webhook": {"id": "1146654567674912769", "url": "https://hooks.example.com/webhook", "valid": True},
    "did": [
        {"step": "register", "ok": True, "webhook_id": "1146654567674912769"},
        {"step": "subscribe", "user_id": "2244994945", "ok": True},
    ],
    "accounts": {"ok": True, "accounts": 0},
    "xaa": {"ok": True, "present": 0, "did": []},
    "recovery": {"ok": True, "metrics": {"AutoReplayJobs": 0}},
}


def test_ensure_says_the_webhook_is_valid_and_each_step_it_took():
    text = plain(summaries.summary(ENSURED, StackTarget()))
    assert "ensure: ok. The webhook https://hooks.example.com/webhook: valid (id 1146654567674912769)" in text
    assert "did: register: ok; subscribe 2244994945: ok" in text


def test_ensure_on_the_emulator_says_to_have_x_deliver_an_event_next():
    text = plain(summaries.summary(ENSURED, StackTarget(emulated=True)))
    assert "next: `xwebhook send --as-x favorite`, then `xwebhook tail`" in text


def test_ensure_that_did_nothing_says_so():
    text = plain(summaries.summary({**ENSURED, "did": []}, StackTarget()))
    assert "did: nothing, all was in place" in text


def test_a_failed_step_of_ensure_is_named_with_its_reason():
    steps = [{"step": "subscribe", "user_id": "1", "ok": False, "error": "X refused (HTTP 403)"}]
    text = plain(summaries.summary({**ENSURED, "ok": False, "did": steps}, StackTarget()))
    assert "ensure: not everything went right." in text
    assert "subscribe 1: X refused (HTTP 403)" in text


def test_ensure_without_x_keys_on_a_local_stack_says_to_start_the_emulator():
    answer = {"action": "ensure", "ok": False, "error": NO_BEARER, "webhook_valid": False}
    text = plain(summaries.summary(answer, StackTarget(emulated=False)))
    assert "ensure failed: X is not configured for this stack" in text
    assert "(the X credentials secret has no bearer_token; it is needed for this call)" in text
    assert "stop this stack (Ctrl-C), start `make run X_EMULATOR=1`, then run `xwebhook admin ensure`." in text


def test_ensure_without_x_keys_on_a_deployed_stack_names_the_secret_to_fill():
    answer = {"action": "ensure", "ok": False, "error": NO_BEARER}
    target = StackTarget(kind="aws")
    text = plain(summaries.summary(answer, target))
    assert f"Put your X app's keys in the credentials secret {target.outputs['XApiCredentialsSecretArn']}" in text
    assert "X_EMULATOR" not in text


def test_an_error_about_one_accounts_tokens_is_not_a_stack_without_x_keys():
    error = "no tokens for user 1: add it to the X credentials secret's users map, or pass access_token"
    assert not summaries.x_not_configured(error)


def invited(**fields):
    """An invite's answer, made now: it expires in 24 h."""
    answer = {
        "action": "invite",
        "ok": True,
        "invite_url": INVITE_URL,
        "expires_at": iso(time.time() + 86400),
        "uses": 1,
        "flows": ["oauth2", "oauth1"],
        "event_types": ["post.create"] * 17,
    }
    return {**answer, **fields}


def test_the_invite_url_is_alone_on_its_line_and_whole():
    lines = plain(summaries.summary(invited(), StackTarget())).splitlines()
    assert lines[1:4] == ["", f"  {INVITE_URL}", ""]


def test_the_invite_says_how_many_uses_when_it_expires_and_what_it_subscribes():
    text = plain(summaries.summary(invited(uses=3), StackTarget()))
    assert text.startswith("Invite: 3 uses, expires ")
    assert "(in 24 h)" in text
    assert '"Sign in with X" (OAuth 2.0 or OAuth 1.0a) and subscribes 17 event types' in text


def test_an_invite_the_stack_cannot_sign_in_with_yet_says_why_and_what_to_do():
    problem = "the X credentials secret has no oauth2_client_id, oauth2_client_secret (OAuth 2.0 sign-in)"
    text = plain(summaries.summary(invited(sign_in_problem=problem), StackTarget(emulated=False)))
    assert f"This stack cannot start a sign-in yet: {problem}." in text
    assert 'the link opens "This app cannot send you to X yet" (503)' in text
    assert "`make run X_EMULATOR=1`" in text
    assert "Send it to the account's owner" not in text


def test_no_account_says_how_to_invite_one():
    text = plain(summaries.summary({"action": "accounts", "ok": True, "accounts": []}, StackTarget()))
    assert text == "No connected accounts yet.\nnext: `xwebhook invite` (a link an account owner signs in with)"


def test_accounts_are_a_table_with_their_handle_status_and_subscriptions():
    account = {
        "user_id": "783214",
        "screen_name": "alice_dev",
        "status": "needs_reconnect",
        "reason": "token refused",
        "aaa_subscribed": True,
        "xaa_subscriptions": {"like.create": "1", "dm.received": "2"},
        "connected_at": time.time(),
    }
    answer = {"action": "accounts", "ok": True, "accounts": [account], "by_status": {"needs_reconnect": 1}}
    text = plain(summaries.summary(answer, StackTarget()))
    assert text.startswith("1 connected account: 1 needs reconnect")
    for cell in ("783214", "@alice_dev", "needs_reconnect (token refused)", "AAA, XAA 2"):
        assert cell in text


def test_replay_spells_the_window_out_to_the_end_of_its_last_minute():
    answer = {"action": "replay", "ok": True, "from_date": "202612042204", "to_date": "202612042214", "job_id": "7"}
    text = plain(summaries.summary(answer, StackTarget()))
    assert "(11 whole minutes, the current one included): job 7." in text
    assert ":14:59 " in text
    assert "ingest drops those already delivered as duplicates" in text


def test_any_other_action_says_ok_and_its_plain_facts():
    answer = {"action": "subscriptions", "ok": True, "webhook_id": "1", "user_ids": ["22"], "count": 1, "app": {}}
    text = plain(summaries.summary(answer, StackTarget()))
    assert text == "subscriptions: ok.\n  webhook_id 1; user_ids: 22; count 1\n--json prints the whole answer"


def test_any_other_action_that_failed_says_why():
    answer = {"action": "xaa_delete", "ok": False, "error": "no XAA subscription 9"}
    assert plain(summaries.summary(answer, StackTarget())) == "xaa_delete failed: no XAA subscription 9"


# --- status -----------------------------------------------------------------------------------------------------


def report(webhook=None, dead=0, accounts=None):
    queue = {"visible": 0, "in_flight": 0, "oldest_age_seconds": None}
    found = {
        "outputs": {"WebhookUrl": "https://hooks.example.com/webhook", "EventsQueueUrl": "https://sqs/q"},
        "webhook": webhook
        or {
            "ok": True,
            "webhook": {"id": "1", "url": "https://hooks.example.com/webhook", "valid": True},
            "subscribed_user_ids": ["2244994945"],
            "subscription_count": 1,
        },
        "accounts": accounts or {"ok": True, "accounts": []},
        "queues": {
            "events": {**queue, "visible": 3, "oldest_age_seconds": 12},
            "dead_letters": {**queue, "visible": dead},
        },
        "last_ensure": {"at": iso(time.time() - 180), "ok": True, "did": ["register: ok", "subscribe 2244994945: ok"]},
    }
    found["problems"] = status.problems(found)
    found["healthy"] = not found["problems"]
    return found


def test_status_shows_each_part_on_one_line_and_says_healthy_with_what_to_do_next():
    text = plain(status.summary(report(), StackTarget()))
    assert "  webhook       https://hooks.example.com/webhook: valid (id 1)" in text
    assert "  subscribed    1 account on the Account Activity API: 2244994945" in text
    assert "  events queue  3 waiting, the oldest 12 s old" in text
    assert "  dead letters  empty" in text
    assert "Healthy. next: `xwebhook send`, then `xwebhook tail`" in text


def test_status_says_the_last_ensure_in_words_not_as_a_document():
    text = plain(status.summary(report(), StackTarget()))
    assert "(3 min ago): register: ok; subscribe 2244994945: ok" in text
    assert "{" not in text


def test_status_lists_the_outputs_only_when_asked():
    assert "EventsQueueUrl" not in plain(status.summary(report(), StackTarget()))
    assert "  EventsQueueUrl  https://sqs/q" in plain(status.summary(report(), StackTarget(), all_outputs=True))


def test_dead_letters_make_the_stack_unhealthy_and_say_what_to_do():
    text = plain(status.summary(report(dead=2), StackTarget()))
    assert "Not healthy (1 problem):" in text
    assert "  - 2 messages on the dead-letter queue (xwebhook tail --dlq, then xwebhook redrive)" in text


def test_status_without_x_keys_says_so_and_how_to_start_the_emulator():
    text = plain(status.summary(report(webhook={"ok": False, "error": NO_BEARER}), StackTarget(emulated=False)))
    assert "  webhook       unknown: X is not configured for this stack" in text
    assert "  - X is not configured for this stack: " + NO_BEARER in text
    assert "start `make run X_EMULATOR=1`" in text
