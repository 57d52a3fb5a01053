"""Error answers in X's two styles.

v2 (api.x.com/2/...) answers errors as RFC 7807 problem details, with the problem types X's published
document names (https://api.x.com/2/problems/...: its Problem schema, and its errors page for the generic
ones). A request X's document refuses (referee.py) gets X's "Invalid Request" with an `errors` item per
problem, each naming its parameter as X does:
    {"errors": [{"parameters": {"max_results": ["0"]}, "message": "The `max_results` query parameter ..."}],
     "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
     "type": "https://api.x.com/2/problems/invalid-request", "status": 400}
A 404 is X's resource-not-found problem, which carries `resource_type` (and the id as `value`).
Authentication, permission, rate-limit and server errors carry only the problem fields, as X sends them,
e.g. a 401:
    {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    {"title": "Unsupported Authentication", "detail": "Authenticating with OAuth 2.0 Application-Only is
     forbidden for this endpoint.  Supported authentication types are [...]",
     "type": "https://api.x.com/2/problems/unsupported-authentication", "status": 403}
Other request errors (400/404/409) add X's `errors` list, as in its "Invalid Request" answers.
X's webhook docs name failure *reasons* (CrcValidationFailed, UrlValidationFailed, DuplicateUrlFailed,
WebhookLimitExceeded, WebhookIdInvalid) without publishing the body; the emulator puts the reason in a
`reason` member (X uses that member name on its client-forbidden problem) and at the start of `detail` and
of `errors[0].message`, so a client that surfaces any of them shows it.

v1.1 answers {"errors": [{"code": n, "message": "..."}]} with X's documented codes and messages: 32 "Could
not authenticate you.", 34 not found, 88 rate limit, 89 bad token, 214 webhook/CRC problems (HTTP 403).
"""

PROBLEMS = "https://api.x.com/2/problems/"
INVALID_REQUEST = PROBLEMS + "invalid-request"
NOT_FOUND = PROBLEMS + "resource-not-found"
UNSUPPORTED_AUTH = PROBLEMS + "unsupported-authentication"

AUTH_NAMES = {
    "bearer": "OAuth 2.0 Application-Only",
    "oauth1": "OAuth 1.0a User Context",
    "oauth2": "OAuth 2.0 User Context",
}

# X's own v1.1 messages (Account Activity API reference, "Error Messages").
V1_URL_REQUIREMENTS = "Webhook URL does not meet the requirements."
V1_CRC_BAD_TOKEN = "Webhook URL does not meet the requirements. Invalid CRC token or json response format."  # noqa: S105
V1_CRC_LATENCY = "High latency on CRC GET request. Your webhook should respond in less than 3 seconds."
V1_CRC_NON_200 = "Non-200 response code during CRC GET request (i.e. 404, 500, etc)."
V1_TOO_MANY = "Too many resources already created."
V1_WEBHOOK_NOT_FOUND = "Webhook does not exist or is associated with a different twitter application."
V1_PAGE_NOT_FOUND = "Sorry, that page does not exist."

STATUS_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """An error answer; `body(family)` renders it for "v2" or "v1" endpoints."""

    def __init__(self, status, v2_body, v1_body, v1_status=None, headers=None):
        super().__init__(v2_body.get("detail") or v2_body.get("title"))
        self.status = status
        self.v1_status = v1_status or status
        self.v2_body = v2_body
        self.v1_body = v1_body
        self.headers = dict(headers or {})

    def status_for(self, family):
        return self.v1_status if family == "v1" else self.status

    def body(self, family):
        return self.v1_body if family == "v1" else self.v2_body


def v1_body(code, message):
    return {"errors": [{"code": code, "message": message}]}


def problem(status, title=None, detail=None, type_="about:blank", reason=None, with_errors=False):
    """A v2 problem-details body (with X's `errors` list for request errors)."""
    title = title or STATUS_TITLES.get(status, "Error")
    body = {}
    if with_errors:
        body["errors"] = [{"message": detail or title}]
        if reason:
            body["errors"][0]["reason"] = reason
    body.update({"title": title, "detail": detail or title, "type": type_, "status": status})
    if reason:
        body["reason"] = reason
    return body


def unauthorized(v1_code=32, v1_message="Could not authenticate you."):
    return ApiError(401, problem(401, "Unauthorized", "Unauthorized"), v1_body(v1_code, v1_message))


def unsupported_authentication(used, supported):
    names = ", ".join(AUTH_NAMES[kind] for kind in supported)
    detail = (
        f"Authenticating with {AUTH_NAMES.get(used, 'Unknown')} is forbidden for this endpoint.  "
        f"Supported authentication types are [{names}]."
    )
    if used == "bearer":
        legacy = v1_body(220, "Your credentials do not allow access to this resource.")
    else:
        legacy = v1_body(99, "You don't have access to this resource.")
    return ApiError(403, problem(403, "Unsupported Authentication", detail, UNSUPPORTED_AUTH), legacy)


def invalid_request(reason, detail, v1_code=214, v1_message=V1_URL_REQUIREMENTS, v1_status=403):
    """400 in v2 (reason first in the texts); X's v1.1 answers these with HTTP 403 and code 214."""
    text = f"{reason}: {detail}" if reason else detail
    body = problem(400, "Invalid Request", text, INVALID_REQUEST, reason, with_errors=True)
    return ApiError(400, body, v1_body(v1_code, v1_message), v1_status=v1_status)


def not_found(
    reason, detail, v1_code=34, v1_message=V1_WEBHOOK_NOT_FOUND, resource_type="webhook", value=None, parameter=None
):
    """X's resource-not-found problem (its schema requires `resource_type`)."""
    text = f"{reason}: {detail}" if reason else detail
    body = problem(404, "Not Found Error", text, NOT_FOUND, reason, with_errors=True)
    body["resource_type"] = resource_type
    if value is not None:
        body.update(value=str(value), resource_id=str(value), parameter=parameter or "id")
        body["errors"][0].update(resource_type=resource_type, value=str(value))
    return ApiError(404, body, v1_body(v1_code, v1_message))


def invalid_parameters(items):
    """400: X's invalid-request problem for what its document refuses, one `errors` item per problem."""
    body = {
        "errors": list(items),
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
        "status": 400,
    }
    return ApiError(400, body, v1_body(214, items[0]["message"] if items else "Invalid request"))


def forbidden(detail):
    """403 Forbidden as X answers a user token it will not take for the call (about:blank)."""
    return ApiError(403, problem(403, "Forbidden", detail), v1_body(220, detail))


def conflict(reason, detail):
    body = problem(409, "Conflict", f"{reason}: {detail}", "about:blank", reason, with_errors=True)
    return ApiError(409, body, v1_body(214, detail))


def route_not_found(path):
    body = problem(404, "Not Found Error", f"No such endpoint: {path}", NOT_FOUND, with_errors=True)
    body["resource_type"] = "endpoint"
    return ApiError(404, body, v1_body(34, V1_PAGE_NOT_FOUND))


def method_not_allowed(method, path):
    body = problem(405, "Method Not Allowed", f"{method} is not supported on {path}")
    return ApiError(405, body, v1_body(34, V1_PAGE_NOT_FOUND))


def too_many_requests(headers=None):
    body = problem(429, "Too Many Requests", "Too Many Requests")
    return ApiError(429, body, v1_body(88, "Rate limit exceeded"), headers=headers)


def default_fault_body(status, family):
    """The body an injected fault answers with when the test gives none."""
    if status == 429:
        return too_many_requests().body(family)
    if family == "v1":
        if status == 401:
            return v1_body(32, "Could not authenticate you.")
        if status == 404:
            return v1_body(34, V1_PAGE_NOT_FOUND)
        if status == 503:
            return v1_body(130, "Over capacity")
        return v1_body(131, "Internal error")
    return problem(status)
