"""The browser harness itself works: Chromium loads a page from 127.0.0.1 and runs its script."""

from tests.local_server import LocalServer, QuietHandler


def test_chromium_loads_a_local_page_and_runs_its_script(browser):
    class Page(QuietHandler):
        def do_GET(self):
            body = b"<title>t</title><p id=x>static</p><script>document.getElementById('x').textContent='ran'</script>"
            self.answer(200, body, {"content-type": "text/html"})

    server = LocalServer(Page)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.port}/")
        assert page.text_content("#x") == "ran"
    finally:
        server.close()
