"""connect function: "Sign in with X" for account owners, on the HTTP API.

  GET /connect?invite=<token>[&flow=oauth2|oauth1]  -> 302 to X's authorize page (or a page saying why not)
  GET /connect/callback                             <- X sends the browser back: the account is stored and
                                                       subscribed, and a small page says what happened
Thin: settings at import (a bad one answers every request with a "not set up" page, 503), then
route -> one call of ConnectFlow -> its Answer as a page or a redirect (xwebhook/http_api.py; every failure's
status is connect/failures.py's), and one log line per request (no query string, cookie or
token in it: the outcome's name, the flow, the user id). See src/xwebhook/connect/.
"""

from xwebhook.connect.pages import HEADERS
from xwebhook.connect.wiring import flow_from_env
from xwebhook.http_api import html_response, redirect_response
from xwebhook.lambda_context import time_left
from xwebhook.log_line import emit, level_for

flow = flow_from_env()


def handler(event, context):
    path = event.get("rawPath") or ""
    query = event.get("queryStringParameters") or {}
    if path.endswith("/connect/callback"):
        answer = flow.finish(query, event.get("cookies") or [], time_left(context))
    elif path.endswith("/connect"):
        answer = flow.start(query, time_left(context))
    else:
        from xwebhook.connect.flow import not_found

        answer = not_found()
    emit(level_for(answer.status), "connect", context, status=answer.status, **answer.log)
    if answer.location:
        return redirect_response(answer.status, answer.location, HEADERS, answer.cookies)
    return html_response(answer.status, answer.body, HEADERS, answer.cookies)
