"""A local Lambda Invoke API for the functions `make run` does not put behind the HTTP API (admin).

    POST /2015-03-31/functions/<FunctionName>/invocations      (what boto3's lambda.invoke sends)

so `xwebhook admin ...`, `make admin` and `aws --endpoint-url <console> lambda invoke ...` reach the real
handler exactly as they reach a deployed function: it runs in a worker process of `make run`'s function
pool, with the template's environment, its log lines in .local/functions.log. The local console serves
this path on its port. Requests must be SigV4-signed and carry no Origin (as the local AWS endpoint
requires; see localdev/moto_guard.py), so a web page cannot invoke the admin function.

Answers follow Lambda's: 200 with the function's result; 200 with `X-Amz-Function-Error: Unhandled` and
{"errorMessage", "errorType"} when it crashed or timed out; 404 ResourceNotFoundException for an unknown
name; 400 InvalidRequestContentException for a payload that is not JSON.
"""

import json
import re
from http.server import BaseHTTPRequestHandler

from localdev.gateway import FunctionFailed
from localdev.loopback import LoopbackServer

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def refusal(headers):
    """Why an invocation must be refused (a web page's request), or None."""
    if headers.get("Origin") is not None:
        return "cross-origin requests are refused"
    authorization = headers.get("Authorization") or ""
    if not (authorization.startswith("AWS4-HMAC-SHA256 ") and "Signature=" in authorization):
        return "unsigned request: sign it with SigV4 (any AWS SDK or CLI does; any credentials)"
    return None


def _error(status, kind, message):
    body = json.dumps({"__type": kind, "Type": "User", "message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", kind)], body


class LambdaEndpoint:
    """Maps function names to FunctionPools and answers invocations.

    `names` maps every name a caller may use (the stack's function name, e.g. xwebhook-local-AdminFunction,
    the logical id AdminFunction, and the short name admin) to a pool.
    """

    def __init__(self, pools, stack_name, logical_ids):
        self.pools = {}
        for short, pool in pools.items():
            logical = logical_ids.get(short, short)
            for name in (short, logical, f"{stack_name}-{logical}"):
                self.pools[name] = pool

    def handles(self, path):
        return INVOKE_PATH.match(path.partition("?")[0]) is not None

    def answer(self, method, path, body):
        """(status, headers, body) for one request to the invoke path."""
        found = INVOKE_PATH.match(path.partition("?")[0])
        if method != "POST" or found is None:
            return _error(404, "ResourceNotFoundException", "only POST .../functions/<name>/invocations")
        name = found.group("name").split(":")[-1] if ":function:" in found.group("name") else found.group("name")
        pool = self.pools.get(name)
        if pool is None:
            known = ", ".join(sorted(n for n in self.pools if "-" in n)) or "none"
            return _error(404, "ResourceNotFoundException", f"Function not found: {name} (local functions: {known})")
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
        try:
            result = pool.invoke(event)
        except FunctionFailed as exc:
            failure = {"errorMessage": str(exc), "errorType": "Unhandled"}
            return 200, [*headers, ("X-Amz-Function-Error", "Unhandled")], json.dumps(failure).encode()
        return 200, headers, json.dumps(result).encode()


class InvokeServer(LoopbackServer):
    """The invoke path alone on a loopback port (the console serves it too; tests use this one)."""

    thread_name = "invoke-endpoint"

    def __init__(self, endpoint, port=0):
        super().__init__(port)
        self.endpoint = endpoint

    def handler_class(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                reason = refusal(self.headers)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
                if reason:
                    status, headers, data = _error(403, "AccessDeniedException", reason)
                else:
                    status, headers, data = owner.endpoint.answer("POST", self.path, body)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        return Handler
