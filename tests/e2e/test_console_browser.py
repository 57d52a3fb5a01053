"""The local console in a real headless browser (Chromium through Playwright) against a running `make run`:
events sent by the CLI appear without a reload, the send buttons work, the filters filter, health and
accounts show what the stack says, and pages of other sites can neither act through it nor read it."""

import json
import re
from http.server import BaseHTTPRequestHandler

import pytest

from tests.e2e.conftest import xwebhook
from tests.local_server import LocalServer

WAIT_MS = 20000


@pytest.fixture
def console(emulated_run, browser):
    page = browser.new_page()
    page.goto(emulated_run.state["console_url"] + "/")
    page.wait_for_selector("#connection:has-text('live')", timeout=WAIT_MS)
    yield page
    page.close()


def events(page, event_type, visible_only=True):
    selector = f"li.event[data-type='{event_type}']"
    return page.locator(selector + (":visible" if visible_only else ""))


def test_an_event_sent_by_the_cli_appears_on_the_page_without_a_reload(emulated_run, console):
    sent = xwebhook(emulated_run, "send", "xaa/post.quote.create", "--user", "7000001")
    assert sent.returncode == 0, sent.stderr

    row = events(console, "post.quote.create").first
    row.wait_for(timeout=WAIT_MS)

    assert row.get_attribute("data-user") == "7000001"
    assert console.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    row.click()  # the message as JSON
    shown = json.loads(row.locator("pre").text_content())
    assert shown["event_type"] == "post.quote.create" and shown["for_user_id"] == "7000001"


def test_newest_events_come_first(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/mute").returncode == 0
    events(console, "mute.mute").first.wait_for(timeout=WAIT_MS)
    assert xwebhook(emulated_run, "send", "aaa/unmute").returncode == 0
    events(console, "mute.unmute").first.wait_for(timeout=WAIT_MS)
    types = console.locator("li.event").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types.index("mute.unmute") < types.index("mute.mute")


def test_a_send_button_delivers_a_signed_sample_that_then_shows_up(emulated_run, console):
    console.click("button.send[data-kind='xaa/profile.update.bio']")

    events(console, "profile.update.bio").first.wait_for(timeout=WAIT_MS)
    console.wait_for_selector("#send-result:has-text('200')", timeout=WAIT_MS)
    assert '"sent":1' in console.text_content("#send-result")


def test_the_type_and_account_filters_hide_the_rest(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/block", "--user", "8000001").returncode == 0
    assert xwebhook(emulated_run, "send", "xaa/dm.sent", "--user", "8000002").returncode == 0
    events(console, "block.block").first.wait_for(timeout=WAIT_MS)
    events(console, "dm.sent").first.wait_for(timeout=WAIT_MS)

    console.fill("#filter-type", "dm.*")
    assert events(console, "dm.sent").count() >= 1 and events(console, "block.block").count() == 0

    console.fill("#filter-type", "")
    console.fill("#filter-user", "8000001")
    assert events(console, "block.block").count() == 1 and events(console, "dm.sent").count() == 0
    assert set(console.locator("li.event:visible").evaluate_all("rows => rows.map(r => r.dataset.user)")) == {"8000001"}


def test_health_shows_crc_answers_the_webhook_and_queue_depths(emulated_run, console):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0  # X's CRC runs through the gateway
    assert xwebhook(emulated_run, "crc-check").returncode == 0
    console.click("#refresh-health")

    console.wait_for_selector("#webhook-valid.ok", timeout=WAIT_MS)
    assert "valid (webhook" in console.text_content("#webhook-valid")
    console.wait_for_selector("#crc-list li.ok", timeout=WAIT_MS)
    assert re.search(r"200 \d+\.\d ms", console.text_content("#crc-list"))
    assert re.match(r"\d+ waiting, \d+ in flight", console.text_content("#queue-depth"))
    assert re.match(r"\d+ waiting, \d+ in flight", console.text_content("#dlq-depth"))


def test_the_invite_button_makes_an_invite_that_connects_an_account_the_page_then_lists(emulated_run, console, browser):
    console.wait_for_selector("#invite-area:not([hidden])", timeout=WAIT_MS)
    console.click("#invite-button")
    result = console.locator("#invite-result")
    result.filter(has_text="/connect?invite=").wait_for(timeout=WAIT_MS)
    invite_url = result.text_content().strip()
    assert invite_url.startswith(emulated_run.state["gateway_url"] + "/connect?invite=")

    owner = browser.new_context().new_page()  # the account's owner, in a browser of their own
    owner.goto(invite_url)
    assert owner.url.startswith(emulated_run.state["emulator_url"] + "/i/oauth2/authorize?")
    owner.check("input[value='1500000001']")
    with owner.expect_navigation(url="**/connect/callback**", timeout=30_000):
        owner.click("button[value=authorize]")
    assert owner.title() == "Connected as @alice_dev"

    # the panel refreshes on its own (every 10 s): no reload
    console.wait_for_selector("#accounts li:has-text('@alice_dev')", timeout=WAIT_MS)
    assert "active" in console.text_content("#accounts")
    assert console.evaluate("performance.getEntriesByType('navigation').length") == 1


class OtherSite(BaseHTTPRequestHandler):
    """A page of another site (another origin) the developer happens to visit."""

    def do_GET(self):
        body = b"<title>another site</title>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ATTACK = """async ([console, moto]) => {
  const tries = {};
  async function attempt(name, url, options) {
    try { const r = await fetch(url, options); tries[name] = 'read ' + r.status + ' ' + (await r.text()); }
    catch (e) { tries[name] = 'blocked'; }
  }
  await attempt('send', console + '/api/send', {method: 'POST', body: JSON.stringify({kind: 'aaa/favorite'}),
                                                headers: {'Content-Type': 'text/plain'}});
  await attempt('health', console + '/api/health', {});
  await attempt('secrets', moto + '/?Action=ListSecrets', {method: 'POST'});
  await attempt('no-cors-send', console + '/api/send',
                {method: 'POST', mode: 'no-cors', body: '{"kind": "aaa/favorite"}'});
  return tries;
}"""


def test_a_page_of_another_site_can_neither_use_nor_read_the_console_or_the_aws_endpoint(emulated_run, browser):
    sqs = emulated_run.client("sqs")
    queue = emulated_run.state["resources"]["EventsQueue"]
    before = int(
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]["ApproximateNumberOfMessages"]
    )
    site = LocalServer(OtherSite)
    try:
        page = browser.new_page()
        page.goto(f"http://localhost:{site.port}/")
        tries = page.evaluate(ATTACK, [emulated_run.state["console_url"], emulated_run.state["aws_endpoint"]])
    finally:
        site.close()

    assert tries == {"send": "blocked", "health": "blocked", "secrets": "blocked", "no-cors-send": "read 0 "}
    after = int(
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]["ApproximateNumberOfMessages"]
    )
    assert after == before  # the no-cors POST reached the console, which refused it: nothing was sent
