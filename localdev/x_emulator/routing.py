"""The pieces route modules are written with: Request, Response and the route table."""

import json
import re
from urllib.parse import parse_qsl

from localdev.x_emulator import errors

# Who may call a route: app-only bearer, OAuth 1.0a user context, either, or nobody checks (control plane).
BEARER = ("bearer",)
USER = ("oauth1",)
EITHER = ("bearer", "oauth1")
ANY = ("bearer", "oauth1", "oauth2")  # app-only, or a user by OAuth 1.0a or an OAuth 2.0 user token
# Who may call is what X's published document says for the operation (referee.py checks its security
# requirements, scopes included); with the referee off, any authenticated caller.
DOCUMENT = ("document",)


class Request:
    def __init__(self, method, path, query, headers, body, host):
        self.method = method
        self.path = path
        self.query = query
        self.params = dict(parse_qsl(query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.host = host
        self.caller = None
        self.args = {}

    def json(self):
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise errors.invalid_request(None, f"the request body is not valid JSON: {exc}") from exc


class Response:
    def __init__(self, status=200, body=None, headers=None, after=None, outside_document=False):
        self.status = status
        self.body = body  # dict/list (JSON), bytes/str, or None (no body)
        self.headers = dict(headers or {})
        self.after = after  # called once the answer has been written
        # An answer in a reading a test chose that X's document does not allow: not checked against it.
        self.outside_document = outside_document


class Route:
    def __init__(self, method, pattern, handler, family, auth, bucket, limit, per_app=False):
        self.method = method
        parts = re.split(r":(\w+)", pattern)  # literal, name, literal, name, ...
        self.regex = re.compile(
            "^" + "".join(f"(?P<{p}>[^/]+?)" if i % 2 else re.escape(p) for i, p in enumerate(parts)) + "$"
        )
        self.pattern = pattern
        self.handler = handler
        self.family = family
        self.auth = auth
        self.bucket = bucket or f"{method} {pattern}"
        self.limit = limit
        self.per_app = per_app  # one counter for the app whoever calls (XAA: 500 / 15 min per app)


class RouteTable:
    def __init__(self, family):
        self.family = family
        self.routes = []

    def route(self, method, pattern, auth=None, limit=15, bucket=None, per_app=False):
        """Decorator: `pattern` with :name segments (a segment ending in .json keeps the suffix literal)."""

        def register(handler):
            self.routes.append(Route(method, pattern, handler, self.family, auth, bucket, limit, per_app))
            return handler

        return register


def match(tables, method, path):
    """(route, args) for the request, or raise 404/405 ApiError."""
    path_matched = False
    for table in tables:
        for route in table.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict()
    if path_matched:
        raise errors.method_not_allowed(method, path)
    raise errors.route_not_found(path)
