"""The local console in a real headless browser (Chromium through Playwright) against a running `make run`:
each delivery with its headers, signature verdict, status, time and counts; resend (its copy shows as a
duplicate); events sent by the CLI appear without a reload, collapsed, each with a copy button; the invite
URL in full with a copy button; each action's result next to its button; one time format; usable at
400 px; and pages of other sites can neither act through it nor read it.

XWEBHOOK_SCREENSHOTS=<dir> leaves the pages' PNGs there."""

import json
import os
import re
from http.server import BaseHTTPRequestHandler

import pytest

from tests.e2e.conftest import xwebhook
from tests.local_server import LocalServer
from xwebhook.cli.local_endpoint import QueueTap, queue_name

WAIT_MS = 20000
SCREENSHOTS = os.environ.get("XWEBHOOK_SCREENSHOTS")
# The one time format: local time with its zone (the date first when not today); ISO 8601 on hover.
TIME_TEXT = re.compile(r"^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \S+$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def open_page(browser, url, width=1280, timezone_id="Europe/Paris", wait_ms=WAIT_MS):
    """A console page at `url` in a fresh context (a zone of its own, the clipboard allowed), its script errors
    kept in page.script_errors, once its feed says live."""
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        timezone_id=timezone_id,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#connection:has-text('live')", timeout=wait_ms)
    return page


def press(page, row, selector):
    """Open `row` (a delivery or an event), press its button `selector`; the result it shows, which must stand
    next to the button pressed."""
    row.locator("summary").first.click()
    button = row.locator(selector)
    button.click()
    result = row.locator("output.result.ok")
    result.wait_for(timeout=WAIT_MS)
    assert next_to(page, button, result)
    return result


def open_console(browser, running, width=1280):
    return open_page(browser, running.state["console_url"] + "/", width)


@pytest.fixture
def console(emulated_run, browser):
    page = open_console(browser, emulated_run)
    yield page
    page.context.close()
    assert page.script_errors == []  # the page's script ran through, every part of it


def events(page, event_type, visible_only=True):
    selector = f"li.event[data-type='{event_type}']"
    return page.locator(selector + (":visible" if visible_only else ""))


def delivery_for(page, user_id):
    """The newest delivery row whose events are for `user_id` (send --user)."""
    row = page.locator(f"li.delivery[data-users~='{user_id}']").first
    row.wait_for(timeout=WAIT_MS)
    return row


def next_to(page, button, output):
    """Whether `output` sits beside `button`: on its line, just after it (not a panel away)."""
    b, o = button.bounding_box(), output.bounding_box()
    same_line = abs((b["y"] + b["height"] / 2) - (o["y"] + o["height"] / 2)) < b["height"]
    just_after = 0 <= o["x"] - (b["x"] + b["width"]) < 40
    wrapped_below = 0 <= o["y"] - (b["y"] + b["height"]) < 30 and abs(o["x"] - b["x"]) < 400
    return (same_line and just_after) or wrapped_below


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


# --- deliveries --------------------------------------------------------------------------------------------


def test_a_delivery_shows_its_time_status_signature_counts_and_headers(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/favorite_multi", "--user", "8100001").returncode == 0
    row = delivery_for(console, "8100001")

    assert TIME_TEXT.match(row.locator("summary time").text_content())
    assert row.locator("summary .status").text_content() == "200"
    assert row.locator("summary .verdict").text_content() == "signature valid"
    assert row.locator("summary .counts").text_content() == "3 events · 3 enqueued"
    row.locator("summary").first.click()
    row.locator("details.headers > summary").click()
    headers = row.locator("table.headers").inner_text()
    assert "X-Twitter-Webhooks-Signature" in headers
    assert "sha256=" in headers
    assert row.locator("details.json pre").first.is_hidden()  # the body: collapsed until asked for


def test_a_forged_delivery_shows_its_signature_as_invalid_and_the_401(emulated_run, console):
    xwebhook(emulated_run, "send", "--forge", "aaa/favorite", "--user", "8100002")
    row = delivery_for(console, "8100002")
    assert row.locator("summary .status").text_content() == "401"
    assert row.get_attribute("data-verdict") == "invalid"
    assert "signature does not match the body" in row.locator("summary .counts").text_content()


def test_a_resent_delivery_that_ingest_finds_delivered_shows_as_duplicates_not_enqueued(emulated_run, console):
    # The samples' own ids and times (2018): ingest reads its dedup table for such old events.
    assert xwebhook(emulated_run, "send", "--same-ids", "aaa/favorite_multi", "--user", "8100003").returncode == 0
    original = delivery_for(console, "8100003")
    result = press(console, original, "button.resend")
    assert result.text_content() == "sent again: 200 · 3 events · 0 enqueued · 3 duplicates"
    copy = console.locator(f"li.delivery[data-resend-of='{original.get_attribute('data-id')}']")
    copy.wait_for(timeout=WAIT_MS)
    assert copy.locator("summary .counts").text_content() == "3 events · 0 enqueued · 3 duplicates"
    assert copy.locator("summary .resent").count() == 1


def test_a_fresh_delivery_resent_within_five_minutes_shows_as_a_duplicate_sqs_dropped(emulated_run, console):
    # Fresh events skip ingest's dedup read (the FIFO queue drops a copy by its deduplication id): ingest
    # knows only that SQS accepted it; the local endpoint's tap says the queue dropped it, and the page says so.
    assert xwebhook(emulated_run, "send", "aaa/favorite", "--user", "8100004").returncode == 0
    original = delivery_for(console, "8100004")
    original.locator("summary").first.click()
    original.locator("button.resend").click()
    copy = console.locator(f"li.delivery[data-resend-of='{original.get_attribute('data-id')}']")
    copy.wait_for(timeout=WAIT_MS)
    copy.locator("summary").first.click()
    assert copy.locator("summary .counts").text_content() == "1 event · 0 enqueued · 1 duplicate"
    assert "1 dropped by SQS as copies of messages of the last 5 minutes" in copy.inner_text()
    tap = QueueTap(emulated_run.state["aws_endpoint"], queue_name(emulated_run.state["resources"]["EventsQueue"]))
    held, _ = tap.held()
    assert [m for m in held if '"for_user_id":"8100004"' in m["body"].replace(" ", "")] != []
    assert len([m for m in held if '"for_user_id":"8100004"' in m["body"].replace(" ", "")]) == 1


# --- events ------------------------------------------------------------------------------------------------


def test_an_event_sent_by_the_cli_appears_on_the_page_without_a_reload(emulated_run, console):
    sent = xwebhook(emulated_run, "send", "xaa/post.quote.create", "--user", "7000001")
    assert sent.returncode == 0, sent.stderr

    row = events(console, "post.quote.create").first
    row.wait_for(timeout=WAIT_MS)

    assert row.get_attribute("data-user") == "7000001"
    assert console.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    row.locator("summary").click()  # the message as JSON
    shown = json.loads(row.locator("pre").text_content())
    assert (shown["event_type"], shown["for_user_id"]) == ("post.quote.create", "7000001")


def test_an_events_json_is_collapsed_until_clicked_and_scrolls_within_its_box(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/tweet_create_longform", "--user", "8100005").returncode == 0
    row = events(console, "tweet_create").filter(has_text="8100005").first
    row.wait_for(timeout=WAIT_MS)
    assert row.locator("pre").is_hidden()

    row.locator("summary").click()
    box = row.locator("pre").bounding_box()
    assert row.locator("pre").evaluate("pre => pre.scrollHeight > pre.clientHeight")  # more to scroll to
    assert box["height"] <= 320

    row.locator("summary").click()
    assert row.locator("pre").is_hidden()


def test_the_copy_button_puts_an_events_json_on_the_clipboard(emulated_run, console):
    assert xwebhook(emulated_run, "send", "xaa/dm.received", "--user", "8100006").returncode == 0
    row = events(console, "dm.received").filter(has_text="8100006").first
    row.wait_for(timeout=WAIT_MS)
    assert press(console, row, "button.copy").text_content() == "copied"
    copied = json.loads(console.evaluate("navigator.clipboard.readText()"))
    assert (copied["event_type"], copied["for_user_id"]) == ("dm.received", "8100006")


def test_newest_events_come_first(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/mute").returncode == 0
    events(console, "mute.mute").first.wait_for(timeout=WAIT_MS)
    assert xwebhook(emulated_run, "send", "aaa/unmute").returncode == 0
    events(console, "mute.unmute").first.wait_for(timeout=WAIT_MS)
    types = console.locator("li.event").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types.index("mute.unmute") < types.index("mute.mute")


def test_the_type_and_account_filters_hide_the_rest(emulated_run, console):
    assert xwebhook(emulated_run, "send", "aaa/block", "--user", "8000001").returncode == 0
    assert xwebhook(emulated_run, "send", "xaa/dm.sent", "--user", "8000002").returncode == 0
    events(console, "block.block").first.wait_for(timeout=WAIT_MS)
    events(console, "dm.sent").first.wait_for(timeout=WAIT_MS)

    console.fill("#filter-type", "dm.*")
    assert events(console, "dm.sent").count() >= 1
    assert events(console, "block.block").count() == 0

    console.fill("#filter-type", "")
    console.fill("#filter-user", "8000001")
    assert events(console, "block.block").count() == 1
    assert events(console, "dm.sent").count() == 0
    assert set(console.locator("li.event:visible").evaluate_all("rows => rows.map(r => r.dataset.user)")) == {"8000001"}


# --- actions and their results -------------------------------------------------------------------------------


def test_a_send_buttons_result_appears_next_to_it_and_the_event_shows_up(emulated_run, console):
    button = console.locator("button.send[data-kind='xaa/profile.update.bio']")
    button.click()

    result = console.locator("span.kind[data-kind='xaa/profile.update.bio'] output.result.ok")
    result.wait_for(timeout=WAIT_MS)
    # ingest's answer says what SQS accepted; whether the FIFO queue kept it shows on the delivery's row
    assert result.text_content() == "200 · 1 event · 1 sent"
    assert next_to(console, button, result)
    events(console, "profile.update.bio").first.wait_for(timeout=WAIT_MS)


def test_health_shows_crc_answers_the_webhook_and_the_last_ensure_in_words(emulated_run, console):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0  # X's CRC runs through the gateway
    assert xwebhook(emulated_run, "crc-check").returncode == 0
    button = console.locator("#refresh-health")
    button.click()

    console.wait_for_selector("#webhook-valid.ok", timeout=WAIT_MS)
    assert "valid (webhook" in console.text_content("#webhook-valid")
    assert next_to(console, button, console.locator("#refresh-health + output.result"))
    console.wait_for_selector("#crc-list li.ok", timeout=WAIT_MS)
    assert re.search(r"200 \d+\.\d ms", console.text_content("#crc-list"))
    last = console.text_content("#last-ensure")
    assert re.match(r"^ok at \d\d:\d\d:\d\d \S+; webhook \d+ valid; ", last), last
    assert "{" not in last
    assert re.match(r"\d+ waiting, \d+ in flight", console.text_content("#queue-depth"))
    assert re.match(r"\d+ waiting, \d+ in flight", console.text_content("#dlq-depth"))


def test_the_invite_url_is_shown_whole_beside_its_button_with_a_copy_button(emulated_run, console, browser):
    console.wait_for_selector("#invite-area:not([hidden])", timeout=WAIT_MS)
    button = console.locator("#invite-button")
    button.click()
    shown = console.locator("#invite-area .invite-url")
    shown.wait_for(timeout=WAIT_MS)
    invite_url = shown.text_content()
    assert invite_url.startswith(emulated_run.state["gateway_url"] + "/connect?invite=")
    assert next_to(console, button, console.locator("#invite-area output.result").first)

    console.locator("#invite-area button.copy").click()
    console.locator("#invite-area output.result output.result.ok").wait_for(timeout=WAIT_MS)
    assert console.evaluate("navigator.clipboard.readText()") == invite_url  # the whole URL, nothing cut

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


# --- one time format, and 400 px -------------------------------------------------------------------------------

TIME_OUTSIDE_TIME_ELEMENTS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("time, pre, table, input, script, .url")) continue;
    const text = node.textContent;
    if (/(?<!\\d)\\d\\d:\\d\\d(:\\d\\d)?(?!\\d)|\\d{4}-\\d\\d-\\d\\dT/.test(text)) found.push(text);
  }
  return found;
}"""


def test_every_time_on_the_page_has_one_format_with_iso_on_hover(emulated_run, console):
    assert xwebhook(emulated_run, "admin", "ensure").returncode == 0
    assert xwebhook(emulated_run, "send", "aaa/follow", "--user", "8100007").returncode == 0
    delivery_for(console, "8100007")
    console.locator("#refresh-health").click()
    console.wait_for_selector("#last-ensure time", timeout=WAIT_MS)
    times = console.locator("time").evaluate_all("nodes => nodes.map(n => [n.textContent, n.title])")

    assert len(times) > 3
    assert [text for text, _ in times if not TIME_TEXT.match(text)] == []
    assert [title for _, title in times if not ISO.match(title)] == []
    assert console.evaluate(TIME_OUTSIDE_TIME_ELEMENTS) == []
    shoot(console, "console-local-desktop")


@pytest.mark.parametrize("width", [400, 420])
def test_at_a_narrow_width_every_panel_stays_and_nothing_is_wider_than_the_window(emulated_run, browser, width):
    page = open_console(browser, emulated_run, width)
    try:
        assert xwebhook(emulated_run, "send", "aaa/favorite", "--user", f"82000{width}").returncode == 0
        delivery_for(page, f"82000{width}")
        events(page, "favorite").first.wait_for(timeout=WAIT_MS)
        for panel in ("#deliveries-panel", "#events-panel", "#health", "#send"):
            box = page.locator(panel).bounding_box()
            assert box["width"] >= width - 40, panel  # one column, as wide as the window allows
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        button = page.locator("button.send[data-kind='aaa/follow']")
        button.click()
        result = page.locator("span.kind[data-kind='aaa/follow'] output.result.ok")
        result.wait_for(timeout=WAIT_MS)
        assert next_to(page, button, result)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("li.delivery summary").first.click()
        page.locator("li.event summary").first.click()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, f"console-local-{width}")
        assert page.script_errors == []
    finally:
        page.context.close()


# --- other sites --------------------------------------------------------------------------------------------


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
  await attempt('deliveries', console + '/api/deliveries', {});
  await attempt('secrets', moto + '/?Action=ListSecrets', {method: 'POST'});
  await attempt('no-cors-send', console + '/api/send',
                {method: 'POST', mode: 'no-cors', body: '{"kind": "aaa/favorite"}'});
  await attempt('no-cors-resend', console + '/api/resend',
                {method: 'POST', mode: 'no-cors', body: '{"id": "x"}'});
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

    assert tries == {
        "send": "blocked",
        "health": "blocked",
        "deliveries": "blocked",
        "secrets": "blocked",
        "no-cors-send": "read 0 ",
        "no-cors-resend": "read 0 ",
    }
    after = int(
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]["ApproximateNumberOfMessages"]
    )
    assert after == before  # the no-cors POST reached the console, which refused it: nothing was sent


# --- the page alone, over a source of fixed answers ---------------------------------------------------------


class FixedSource:
    """A source whose one delivery carries a count of copies SQS dropped: the slot the receive side's count
    fills (localdev/console/server.py's dropped_copies), shown without a stack."""

    def __init__(self, counts):
        from xwebhook.cli.console.feed import Feed

        class Quiet(Feed):
            def look(self):
                self.stopping.wait(0.2)
                return []

        self.feed = Quiet()
        self.counts = counts

    def start(self):
        self.feed.start()

    def stop(self):
        self.feed.stop()

    def boot(self):
        return {
            "mode": "local",
            "title": "fixed",
            "target": "",
            "webhook_url": "http://h/webhook",
            "kinds": [],
            "fifo": True,
        }

    def deliveries(self):
        view = {
            "id": "d1",
            "time_ms": 1796400000000,
            "status": 200,
            "ms": 3.0,
            "source": "aaa",
            "seen_by": "a test",
            "signature": {"verdict": "valid", "said": "ok"},
            "counts": self.counts,
            "event_types": ["favorite"],
            "events": None,
            "reason": None,
            "headers": [],
            "body": None,
            "answer": None,
            "resendable": False,
            "repeats": 1,
        }
        return {"deliveries": [view], "error": None}

    def health(self, refresh=False):
        return {"crc": [], "webhook": {}, "last_ensure": None, "queues": {}}

    def accounts(self):
        return {"supported": True, "result": {"ok": True, "accounts": []}}


def test_copies_sqs_dropped_show_as_duplicates_not_enqueued_once_counted(browser):
    from xwebhook.cli.console.server import ServedConsole

    served = ServedConsole(FixedSource({"events": 1, "sent": 1, "duplicates": 0, "dropped": 1})).start()
    page = browser.new_page()
    try:
        page.goto(served.url + "/")
        row = page.locator("li.delivery")
        row.wait_for(timeout=WAIT_MS)
        assert row.locator("summary .counts").text_content() == "1 event · 0 enqueued · 1 duplicate"
        row.locator("summary").first.click()
        assert "1 dropped by SQS as copies of messages of the last 5 minutes" in row.inner_text()
        assert "does not know yet" not in row.inner_text()
    finally:
        page.close()
        served.stop()


def test_an_invite_on_a_stack_without_x_keys_says_beside_its_url_why_it_cannot_sign_in_yet(local_run, browser):
    page = open_console(browser, local_run)
    try:
        page.wait_for_selector("#invite-area:not([hidden])", timeout=WAIT_MS)
        page.locator("#invite-button").click()
        problem = page.locator("#invite-area .sign-in-problem")
        problem.wait_for(timeout=WAIT_MS)
        text = problem.text_content()
        assert "This stack cannot start a sign-in yet: the X credentials secret has no oauth2_client_id" in text
        assert "make run X_EMULATOR=1" in text
        assert page.locator("#invite-area .invite-url").text_content().startswith(local_run.state["gateway_url"])
    finally:
        page.context.close()
    assert page.script_errors == []
