"""`xwebhook console --stack NAME` in a real browser, against a deployed stack stood in for on the local AWS
endpoint: `make run` (its own, with X's emulator), a CloudFormation stack in moto carrying its outputs and
an IngestLogGroup, and ingest's real log lines shipped into that group as Lambda ships a function's output.
The console is the CLI's own process, reading with AWS credentials through AWS_ENDPOINT_URL (moto) and
AWS_ENDPOINT_URL_LAMBDA (the local Lambda Invoke API, where the admin function runs): deliveries from the
log, events by peeking at the queue, admin status; nothing written, nothing to send or resend.

XWEBHOOK_SCREENSHOTS=<dir> leaves the pages' PNGs there."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from localdev.testing import DEV_SECRET, run_local_stack, wait_until
from tests.e2e.conftest import xwebhook
from tests.e2e.test_console_browser import ISO, SCREENSHOTS, TIME_TEXT, press
from tests.e2e.test_console_browser import open_page as console_page

STACK = "xwebhook-deployed"
LOG_GROUP = f"/aws/lambda/{STACK}-ingest"
STREAM = "2026/12/04/[$LATEST]0123456789abcdef"
WAIT_MS = 30000


def stand_in_stack(running):
    """The deployed stack's CloudFormation record: its outputs and ingest's log group (a real one in moto)."""
    template = {
        "Resources": {"IngestLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": LOG_GROUP}}},
        "Outputs": {key: {"Value": value} for key, value in running.state["outputs"].items()},
    }
    running.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    running.client("logs").create_log_stream(logGroupName=LOG_GROUP, logStreamName=STREAM)


class Shipper:
    """Ingest's log lines (its output in .local/functions.log) into the stand-in log group, as Lambda ships
    a function's output to CloudWatch Logs."""

    def __init__(self, running):
        self.running = running
        self.shipped = 0

    def lines(self):
        with open(self.running.state["logs"]["functions"]) as log:
            return [line.strip() for line in log if '"message":"delivery"' in line]

    def ship(self, expected):
        """Wait for `expected` delivery lines in all, then put the new ones."""
        wait_until(lambda: len(self.lines()) >= expected, 20, what=f"{expected} delivery lines")
        new = self.lines()[self.shipped :]
        stamp = int(time.time() * 1000)
        events = [{"timestamp": stamp, "message": line} for line in new]
        if events:
            self.running.client("logs").put_log_events(logGroupName=LOG_GROUP, logStreamName=STREAM, logEvents=events)
        self.shipped += len(new)


def console_environment(running):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("X_", "AWS_", "XWEBHOOK_"))}
    environment.update(
        {
            "AWS_ENDPOINT_URL": running.state["aws_endpoint"],
            "AWS_ENDPOINT_URL_LAMBDA": running.state["console_url"],  # the local Lambda Invoke API
            "AWS_ACCESS_KEY_ID": "deployer",
            "AWS_SECRET_ACCESS_KEY": "deployer",
            "AWS_DEFAULT_REGION": running.state["region"],
        }
    )
    return environment


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """(the stand-in's `make run`, the shipper, the console's URL): `xwebhook console --stack` running."""
    env = {"X_CONSUMER_SECRET": DEV_SECRET, "X_EMULATOR": "1"}
    with run_local_stack(tmp_path_factory.mktemp("deployed"), env=env) as running:
        assert xwebhook(running, "admin", "ensure").returncode == 0
        stand_in_stack(running)
        shipper = Shipper(running)
        # Before the console starts: one accepted delivery (two events of two accounts), one forged.
        assert xwebhook(running, "send", "xaa/post.create", "--user", "9100001").returncode == 0
        assert xwebhook(running, "send", "aaa/follow", "--user", "9100002").returncode == 0
        xwebhook(running, "send", "--forge", "aaa/favorite", "--user", "9100003")
        shipper.ship(3)
        command = [sys.executable, "-m", "xwebhook.cli", "--json", "console", "--stack", STACK, "--port", "0"]
        process = subprocess.Popen(
            command, env=console_environment(running), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            started = json.loads(process.stdout.readline() or "{}")
            assert started.get("log_group") == LOG_GROUP, process.stderr.read()
            yield running, shipper, started["url"]
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(20)


def open_page(browser, url, width=1280):
    return console_page(browser, url, width, timezone_id="America/New_York", wait_ms=WAIT_MS)


@pytest.fixture
def page(deployed, browser):
    page = open_page(browser, deployed[2])
    yield page
    page.context.close()
    assert page.script_errors == []  # the page's script ran through, every part of it


def test_deliveries_come_from_ingests_log_with_status_verdict_and_counts(deployed, page):
    rows = page.locator("li.delivery")
    rows.nth(2).wait_for(timeout=WAIT_MS)
    summaries = rows.evaluate_all("rows => rows.map(r => [r.dataset.status, r.dataset.verdict])")
    assert sorted(summaries) == [["200", "valid"], ["200", "valid"], ["401", "invalid"]]
    refused = page.locator("li.delivery[data-status='401']")
    assert "signature does not match the body" in refused.locator("summary .counts").text_content()
    accepted = page.locator("li.delivery[data-status='200']").first
    # a deployed FIFO queue may drop a copy without saying so: what ingest knows is what SQS accepted
    assert accepted.locator("summary .counts").text_content() == "1 event · 1 sent"
    assert "from ingest's log group " + LOG_GROUP in page.text_content("#deliveries-note")


def test_a_delivery_logged_while_the_page_is_open_appears_without_a_reload(deployed, page):
    running, shipper, _ = deployed
    page.locator("li.delivery").nth(2).wait_for(timeout=WAIT_MS)
    before = page.locator("li.delivery").count()
    assert xwebhook(running, "send", "xaa/dm.received", "--user", "9100004").returncode == 0
    shipper.ship(shipper.shipped + 1)
    page.locator("li.delivery").nth(before).wait_for(timeout=WAIT_MS)
    assert page.locator("li.delivery").first.locator("summary .type").text_content() == "dm.received"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_delivery_opens_and_closes_and_says_ingest_logs_no_headers(deployed, page):
    row = page.locator("li.delivery[data-status='200']").first
    row.wait_for(timeout=WAIT_MS)
    detail = row.locator(".detail")
    assert detail.is_hidden()
    row.locator("summary").first.click()
    assert "headers: not logged on AWS" in detail.inner_text()
    assert "seen by ingest's log" in detail.inner_text()
    assert row.locator("button.resend").count() == 0  # its bytes are not in the log: nothing to resend
    row.locator("summary").first.click()
    assert detail.is_hidden()


def test_events_are_peeked_at_and_left_on_the_queue(deployed, page):
    running, _, _ = deployed
    for user in ("9100001", "9100002"):
        page.locator(f"li.event[data-user='{user}']").wait_for(timeout=WAIT_MS)
    sqs = running.client("sqs")
    queue = running.state["resources"]["EventsQueue"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= 2  # nothing taken
    assert "peeking as `xwebhook tail` does" in page.text_content("#feed-note")


def test_the_copy_button_copies_an_events_json(deployed, page):
    row = page.locator("li.event[data-user='9100001']")
    row.wait_for(timeout=WAIT_MS)
    press(page, row, "button.copy")
    copied = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert (copied["event_type"], copied["for_user_id"]) == ("post.create", "9100001")


def test_health_is_admin_status_with_the_last_ensure_in_words(deployed, page):
    page.wait_for_selector("#webhook-valid.ok", timeout=WAIT_MS)
    assert page.text_content("#webhook-valid").startswith("valid (webhook ")
    assert page.text_content("#last-ensure").startswith("ok at ")
    assert "crc-check runs one" in page.text_content("#crc-area")


def test_it_only_reads_there_is_nothing_to_send_and_no_invite(deployed, page):
    assert page.locator("button.send").count() == 0
    assert "This console only reads" in page.text_content("#send")
    assert page.locator("#invite-button").count() == 0
    answer = page.evaluate(
        """async (token) => (await fetch('/api/send', {method: 'POST', body: '{"kind": "aaa/favorite"}',
             headers: {'Content-Type': 'application/json', 'X-Console-Token': token}})).status""",
        page.evaluate("JSON.parse(document.getElementById('boot').textContent).token"),
    )
    assert answer == 405


def test_times_have_the_one_format(deployed, page):
    page.locator("li.delivery").nth(2).wait_for(timeout=WAIT_MS)
    page.wait_for_selector("#last-ensure time", timeout=WAIT_MS)
    times = page.locator("time").evaluate_all("nodes => nodes.map(n => [n.textContent, n.title])")
    assert [text for text, _ in times if not TIME_TEXT.match(text)] == []
    assert [title for _, title in times if not ISO.match(title)] == []
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "console-stack-desktop.png"), full_page=True)


def test_at_400_px_every_panel_stays_and_nothing_is_wider_than_the_window(deployed, browser):
    page = open_page(browser, deployed[2], 400)
    try:
        page.locator("li.delivery").nth(2).wait_for(timeout=WAIT_MS)
        page.locator("li.event").first.wait_for(timeout=WAIT_MS)
        page.locator("li.delivery summary").first.click()
        page.locator("li.event summary").first.click()
        for panel in ("#deliveries-panel", "#events-panel", "#health"):
            assert page.locator(panel).bounding_box()["width"] >= 360, panel
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "console-stack-400.png"), full_page=True)
        assert page.script_errors == []
    finally:
        page.context.close()


# --- the command itself -------------------------------------------------------------------------------------


def test_without_a_stack_console_prints_the_local_stacks_console_url(deployed):
    running, _, _ = deployed
    done = xwebhook(running, "console")
    assert done.returncode == 0
    assert running.state["console_url"] + "/" in done.stdout


def test_a_duration_it_cannot_read_is_a_usage_error(deployed):
    running, _, _ = deployed
    assert xwebhook(running, "console", "--stack", STACK, "--since", "yesterday").returncode == 2


def test_a_stack_that_does_not_exist_is_no_target(deployed):
    running, _, _ = deployed
    done = subprocess.run(
        [sys.executable, "-m", "xwebhook.cli", "console", "--stack", "no-such-stack", "--port", "0"],
        env=console_environment(running),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert "no stack 'no-such-stack'" in done.stderr
