"""The HTTP server: parse, record, inject faults, authenticate, let X's document referee (security,
parameters, body), count rate limits, route, answer, and check the answer against X's document."""

import json
import logging
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from localdev.x_emulator import api_v1, api_v2, control, control_accounts, control_xaa, errors, oauth, referee
from localdev.x_emulator.routing import DOCUMENT, Request, Response, match

MAX_REQUEST_BODY = 1024 * 1024
API_TABLES = (api_v2.ROUTES, api_v1.ROUTES, oauth.ROUTES)
DEFAULT_RATE_LIMIT = 15

log = logging.getLogger("localdev.x_emulator")


def dispatch(emu, method, target, headers, body, host):
    """The Response to one request."""
    path, _, query = target.partition("?")
    request = Request(method, path, query, headers, body, host)
    if path == "/_emulator" or path.startswith("/_emulator/"):
        return _control(emu, request)

    family = "v1" if path.startswith("/1.1/") else "v2"
    emu.record_request(method, path, headers.get("Authorization"))
    fault = emu.take_fault(method, path)
    if fault is not None:
        return _fault_response(emu, fault, family)
    try:
        route, request.args = match(API_TABLES, method, path)
    except errors.ApiError as exc:
        return _with_rate_headers(emu, _error_response(exc, family), None, None)

    rate = None
    refereed = route.auth == DOCUMENT and emu.referee is not None
    document_path = referee.doc_path(route.pattern) if refereed else None
    try:
        if route.auth == oauth.SELF:  # the sign-in endpoints check their own credentials (oauth.py)
            rate_key = "app"
        else:
            request.caller = emu.auth.authenticate(method, host, path, query, headers, body)
            if refereed:  # X's document: who may call, then what the request must hold
                emu.referee.check_security(method, document_path, request.caller)
                emu.referee.check_request(method, document_path, request.args, query, headers, body)
            elif route.auth != DOCUMENT and request.caller.kind not in route.auth:
                raise errors.unsupported_authentication(request.caller.kind, route.auth)
            rate_key = "app" if route.per_app else request.caller.rate_key
        limit = emu.rate_limits.get(route.bucket, route.limit)
        rate = emu.rate_limiter.hit(route.bucket, rate_key, limit, emu.now())
        if rate[3] and emu.enforce_rate_limits:
            raise errors.too_many_requests()
        response = route.handler(emu, request)
    except errors.ApiError as exc:
        # A /1.1/ path answers v1.1 error bodies whichever module routes it: X documents POST
        # /1.1/oauth/invalidate_token's refusal of an invalidated token as 401 {"errors": [{"code": 89}]}.
        response = _error_response(exc, "v1" if family == "v1" else route.family)
    if refereed and not response.outside_document:
        content_type, payload = encode(response)
        problems = emu.referee.answer_problems(
            method, document_path, request.args, query, headers, body, response.status, content_type, payload
        )
        if problems:
            referee.record(method, path, response.status, problems)
    return _with_rate_headers(emu, response, route, rate)


def encode(response):
    """(Content-Type, body bytes) of a Response, as _Handler writes it."""
    body = response.body
    content_type = response.headers.get("Content-Type")
    if isinstance(body, (dict, list)):
        if content_type is None:
            problem = isinstance(body, dict) and response.status >= 400 and "type" in body
            content_type = "application/problem+json" if problem else "application/json; charset=utf-8"
        return content_type, json.dumps(body).encode("utf-8")
    if isinstance(body, str):
        return content_type or "application/json; charset=utf-8", body.encode("utf-8")
    return content_type or "", body or b""


def _control(emu, request):
    refused = control.refusal(emu, request)
    if refused is not None:
        return Response(refused[0], {"error": refused[1]})
    try:
        route, request.args = match(
            (control.ROUTES, control_xaa.ROUTES, control_accounts.ROUTES), request.method, request.path
        )
        return route.handler(emu, request)
    except errors.ApiError as exc:
        return Response(exc.status, {"error": exc.v2_body.get("detail") or exc.v2_body.get("title")})


def _error_response(exc, family):
    return Response(exc.status_for(family), exc.body(family), exc.headers)


def _fault_response(emu, fault, family):
    status = fault["status"]
    headers = {}
    if status == 429:
        headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(emu.now()) + 60)}
    headers.update(fault["headers"])
    body = fault["body"] if fault["body"] is not None else errors.default_fault_body(status, family)
    return _with_rate_headers(emu, Response(status, body, headers), None, None)


def _with_rate_headers(emu, response, route, rate):
    if rate is None:
        bucket = route.bucket if route else "unrouted"
        limit = route.limit if route else DEFAULT_RATE_LIMIT
        rate = emu.rate_limiter.hit(bucket, "app", limit, emu.now(), consume=False)
    limit, remaining, reset, _exceeded = rate
    response.headers.setdefault("x-rate-limit-limit", str(limit))
    response.headers.setdefault("x-rate-limit-remaining", str(remaining))
    response.headers.setdefault("x-rate-limit-reset", str(reset))
    return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "XEmulator/1"
    timeout = 30  # an idle keep-alive connection is dropped after this
    disable_nagle_algorithm = True  # headers and body go out in separate writes; no 40 ms delayed-ACK stalls

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self):
        emu = self.server.emulator
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._write(Response(411, errors.problem(411, "Length Required")), close=True)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BODY:
            self._write(Response(413, errors.problem(413)), close=True)
            return
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        try:
            response = dispatch(emu, self.command, self.path, self.headers, body, host)
        except Exception:  # a bug in the emulator: answer 500 and say so on stderr
            traceback.print_exc(file=sys.stderr)
            response = Response(500, errors.problem(500, detail="the X emulator failed; see its stderr"))
        self._write(response)
        if response.after is not None:
            response.after()

    def _write(self, response, close=False):
        content_type, payload = encode(response)
        response.headers.pop("Content-Type", None)
        content_type = content_type or None
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            if payload or content_type:
                self.send_header("Content-Type", content_type or "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if response.status != 204 and self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format, *args):
        log.debug("%s - %s", self.address_string(), format % args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)
