"""The real connect and admin handlers on the template provisioned in moto, with X's emulator as X: an invite
made by the admin function opens a sign-in in the connect function; what the handler answers (redirect,
cookie, security headers) and what it logs (never an invite signature, a code, a state or a token)."""

import contextlib
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from localdev.events import connect_event
from localdev.testing import DEV_SECRET, invoke
from localdev.x_emulator import XEmulator

CLIENT_ID, CLIENT_SECRET = "it-client-id", "it-client-secret"
CREDENTIALS = {
    "consumer_key": "it-consumer-key",
    "bearer_token": "it-bearer",
    "access_token": "2244994945-it-owner",
    "access_token_secret": "it-owner-secret",
    "oauth2_client_id": CLIENT_ID,
    "oauth2_client_secret": CLIENT_SECRET,
}


@pytest.fixture
def x():
    with XEmulator(
        consumer_key=CREDENTIALS["consumer_key"],
        consumer_secret=DEV_SECRET,
        bearer_token=CREDENTIALS["bearer_token"],
        users={"2244994945": (CREDENTIALS["access_token"], CREDENTIALS["access_token_secret"])},
        oauth_options={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    ) as emulator:
        yield emulator


@pytest.fixture
def stack(stack_factory, x):
    return stack_factory(
        credentials=CREDENTIALS,
        x_api_base_url=x.base_url,
        x_web_base_url=x.base_url,
        webhook_url="https://hooks.example.com/webhook",
        public_base_url="https://hooks.example.com",
    )


def logged(function, event):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        answer = invoke(function, event)
    return answer, [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


def test_an_invite_from_the_admin_function_starts_a_sign_in_in_the_connect_function(stack, x):
    result = invoke(stack.load("admin"), {"action": "invite", "expires_in": "1h"})
    assert result["ok"], result
    url = urlsplit(result["invite_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://hooks.example.com/connect"
    connect = stack.load("connect")
    answer, lines = logged(connect, connect_event("/connect", url.query, name="it-start"))
    assert answer["statusCode"] == 302
    location = answer["headers"]["location"]
    assert location.startswith(x.base_url + "/i/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == ["https://hooks.example.com/connect/callback"]
    assert query["client_id"] == [CLIENT_ID]
    (cookie,) = answer["cookies"]
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/connect"} <= {p.strip() for p in cookie.split(";")}
    assert "default-src 'none'" in answer["headers"]["content-security-policy"]
    assert answer["headers"]["referrer-policy"] == "no-referrer"
    (line,) = lines
    assert line["message"] == "connect"
    assert line["outcome"] == "redirected"
    assert line["status"] == 302
    shown = json.dumps(lines)
    signature = parse_qs(url.query)["invite"][0].split(".")[1]
    assert signature not in shown
    assert query["state"][0] not in shown
    assert query["code_challenge"][0] not in shown
    assert line["invite_id"] == result["invite_id"]


def test_the_accounts_table_unreachable_is_a_503_page(stack, x):
    token = parse_qs(urlsplit(invoke(stack.load("admin"), {"action": "invite"})["invite_url"]).query)["invite"][0]
    connect = stack.load("connect", ACCOUNTS_TABLE="not-this-stacks-table")
    answer, (line,) = logged(connect, connect_event("/connect", f"invite={token}", name="it-down"))
    assert answer["statusCode"] == 503
    assert answer["headers"]["content-type"].startswith("text/html")
    assert line["outcome"] == "store_unavailable"
    assert "ResourceNotFoundException" in line["detail"]
    assert "ResourceNotFoundException" not in answer["body"]


def test_a_bad_setting_is_a_503_page_naming_the_variable_in_the_log(stack):
    connect = stack.load("connect", X_WEB_BASE_URL="ftp://x.com")
    answer, (line,) = logged(connect, connect_event("/connect", "", name="it-bad"))
    assert answer["statusCode"] == 503
    assert line["outcome"] == "misconfigured"
    assert "X_WEB_BASE_URL" in line["detail"]


@pytest.mark.parametrize("variable", ["X_API_BASE_URL", "X_WEB_BASE_URL"])
def test_an_edited_environment_cannot_send_the_client_secret_or_a_sign_in_over_plain_http(stack, x, variable):
    token = parse_qs(urlsplit(invoke(stack.load("admin"), {"action": "invite"})["invite_url"]).query)["invite"][0]
    connect = stack.load("connect", **{variable: "http://api.x.example"})
    answer, (line,) = logged(connect, connect_event("/connect", f"invite={token}", name="it-plain-http"))
    assert answer["statusCode"] == 503
    assert line["outcome"] == "misconfigured"
    assert f"{variable} must be https, or http only to a loopback host" in line["detail"]
    assert "location" not in answer["headers"]  # no browser is sent to sign in over http


def test_connect_mode_off_provisions_no_connect_function_and_no_routes(stack_factory):
    off = stack_factory(parameters={"ConnectMode": "off"})
    assert "connect" not in off.provisioned.functions
    assert ("GET", "/connect") not in off.provisioned.routes
    assert ("GET", "/webhook") in off.provisioned.routes
    assert "ConnectCallbackUrl" not in off.provisioned.outputs
    result = invoke(off.load("admin"), {"action": "invite"})
    assert not result["ok"]
    assert "CONNECT_MODE is off" in result["error"]


def test_the_admin_function_emits_accounts_need_reconnect_and_never_logs_an_invite_url(stack, x, capsys, caplog):
    x.add_webhook("https://hooks.example.com/webhook", valid=True)
    admin = stack.load("admin")
    capsys.readouterr()
    invited = invoke(admin, {"action": "invite"})
    ensured = invoke(admin, {"action": "ensure"})
    assert invited["ok"], ensured
    assert ensured["ok"], ensured
    # (other parts add their own figures: the recovery's depend on what earlier tests left in moto's CloudWatch)
    assert ensured["metrics"]["AccountsNeedingReconnect"] == 0
    emitted = capsys.readouterr().out  # the EMF metric lines
    records = [r for r in caplog.records if r.name == "xwebhook"]  # the log lines (Powertools)
    printed = emitted + caplog.text + json.dumps([getattr(r, "result", None) for r in records])
    assert invited["invite_url"] not in printed
    assert invited["invite_url"].split("invite=")[1] not in printed
    assert records[0].result["invite_url"] == "<not logged>"
    assert records[0].result["invite_id"] == invited["invite_id"]
    metrics = [json.loads(line)["_aws"] for line in emitted.splitlines() if '"_aws"' in line]
    names = {m["Name"] for aws in metrics for block in aws["CloudWatchMetrics"] for m in block["Metrics"]}
    assert {"WebhookValid", "AccountsNeedingReconnect"} <= names
