"""One HTTP session to X's API: auth per endpoint, timeouts, bounded retries, X's errors as exceptions.

- 2xx: the parsed JSON body (None for an empty body, e.g. v1.1's 204 No Content).
- 429: RateLimited with the reset time from `x-rate-limit-reset`. Never retried here: the window is
  15 minutes, so waiting inside a Lambda invocation would only burn its time; the caller reports when
  to try again.
- 5xx, connection errors, timeouts: retried a few times with backoff (0.5 s, then 1 s), then
  XUnavailable. With the invocation's remaining time known (Lambda's context), no attempt is started
  that could outlast it: the function always gets to answer and to emit its metric.
- other 4xx: XApiError with X's reason from the v2 problem body ({"title", "detail", "type",
  "errors": [{"message"}]}) or the v1.1 body ({"errors": [{"code", "message"}]}).

Exceptions never carry request headers (the bearer token, the OAuth signature): messages are built
from the operation's name, the status and X's own error body.
"""

import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests

from xwebhook.x_api.errors import RateLimited, UnsafePathValue, XApiError, XUnavailable

BEARER = "bearer"  # app-only: Authorization: Bearer <bearer token>
USER = "user"  # OAuth 1.0a user context: consumer key/secret + a user's access token/secret

# X waits up to 10 s (v2) for our CRC answer before it answers a register or revalidate call.
CRC_ALLOWANCE_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
MAX_REASON_CHARS = 500
# Lambda kills an invocation at its timeout, before it can answer or emit WebhookValid: keep this much.
RESERVE_SECONDS = 2.0
MIN_ATTEMPT_SECONDS = 1.0
# What a path parameter may hold: X's ids and the Premium environment's name. quote() leaves '.' alone,
# and requests resolves "/2/activity/subscriptions/.." to "/2/activity/": so '.' alone or '..' is refused.
_PATH_VALUE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
MAX_PATH_VALUE_LENGTH = 128


@dataclass(frozen=True)
class Endpoint:
    operation: str  # what the call does, as errors name it: "register", "subscribe", ...
    method: str
    path: str  # template: {webhook_id}, {user_id}, {env_name}, {subscription_id}
    auth: str  # BEARER or USER
    triggers_crc: bool = False


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self):
        return "BearerAuth(<hidden>)"


def user_auth(credentials, tokens):
    """OAuth 1.0a user context as the user whose `tokens` (UserTokens) are given."""
    # Imported here: requests-oauthlib (and oauthlib) cost ~80 ms at import, and the connect function's
    # OAuth 2.0 routes, on a browser's clock, never sign with OAuth 1.0a (bench/connect_cold.py).
    from requests_oauthlib import OAuth1

    return OAuth1(
        credentials.require("consumer_key"),
        client_secret=credentials.require("consumer_secret"),
        resource_owner_key=tokens.access_token,
        resource_owner_secret=tokens.access_token_secret,
    )


def _unique_texts(values):
    """Non-empty texts in order, leaving out any already said by an earlier one."""
    seen = []
    for value in values:
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            text = str(value).strip()
            if not any(text in earlier for earlier in seen):
                seen.append(text)
    return seen


def describe_x_error(body, status):
    """(reason, x_error) from an error answer's parsed body: a short text and X's error fields."""
    if isinstance(body, dict):
        x_error = {
            key: body[key]
            for key in ("title", "detail", "type", "errors", "error", "error_description", "reason")
            if key in body
        }
        messages = []
        errors = body.get("errors")
        for item in errors if isinstance(errors, list) else []:
            if isinstance(item, dict):
                message = item.get("message") or item.get("detail") or item.get("title")
                code = item.get("code")
                if message:
                    messages.append(f"{code}: {message}" if code is not None else str(message))
            elif isinstance(item, str):
                messages.append(item)
        parts = _unique_texts(
            [
                body.get("title"),
                *messages,
                body.get("detail"),
                body.get("error"),
                body.get("error_description"),  # OAuth 2.0 error answers (RFC 6749 5.2)
                body.get("reason"),
            ]
        )
        reason = "; ".join(parts)
    elif isinstance(body, str):
        x_error = {"text": body[:MAX_REASON_CHARS]}
        reason = body.strip()
    else:
        x_error, reason = {}, ""
    return (reason[:MAX_REASON_CHARS] or f"HTTP {status} without an error body"), x_error


def _parse_body(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.content[:MAX_REASON_CHARS].decode("utf-8", "replace")


def _header_int(headers, name):
    try:
        return int(headers.get(name, ""))
    except ValueError:
        return None


class XClient:
    def __init__(
        self,
        base_url,
        timeout_seconds=10.0,
        session=None,
        attempts=3,
        backoff_seconds=(0.5, 1.0),
        sleep=time.sleep,
        clock=time.time,
        user_agent="xwebhook-admin",
    ):
        self.base_url = base_url.rstrip("/")
        self._host = urlsplit(self.base_url).netloc
        self._timeout = timeout_seconds
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._clock = clock
        self._time_left = None
        # X's x-rate-limit-* headers of the last answer per operation: {"limit", "remaining", "reset"}
        # (epoch s). Callers that run many calls (migrate's waves) size their work with them.
        self.rate_limits = {}

    def set_time_left(self, time_left):
        """`time_left()` -> seconds the invocation has left (Lambda's context), or None to clear."""
        self._time_left = time_left

    def seconds_left(self):
        """Seconds the invocation has left, or None when no deadline is known (callers running many calls
        stop in time with it, rather than having every remaining call refused)."""
        return self._time_left() if self._time_left is not None else None

    def url(self, endpoint, path_params):
        """The URL of `endpoint`; UnsafePathValue when a path parameter is not one plain segment."""
        values = {}
        for name, value in (path_params or {}).items():
            text = str(value)
            plain = 0 < len(text) <= MAX_PATH_VALUE_LENGTH and _PATH_VALUE_CHARS.issuperset(text)
            if not plain or text.strip(".") == "":
                raise UnsafePathValue(endpoint.operation, name)
            values[name] = quote(text, safe="")
        return self.base_url + endpoint.path.format(**values)

    def call(self, endpoint, auth, path_params=None, params=None, json_body=None, form_body=None, attempts=None):
        """The parsed JSON answer of one call to `endpoint`; raises the errors described above.

        `form_body` (a dict) is sent form-encoded, as OAuth endpoints take it. `attempts` overrides the
        client's for one call: 1 for calls that must never be sent twice (spending a single-use OAuth
        code or refresh token twice loses the answer of the first)."""
        url = self.url(endpoint, path_params)
        read_timeout = self._timeout + (CRC_ALLOWANCE_SECONDS if endpoint.triggers_crc else 0.0)
        problem, status, x_error, made = "", None, {}, 0
        for attempt in range(self._attempts if attempts is None else attempts):
            delay = self._backoff[min(attempt - 1, len(self._backoff) - 1)] if attempt else 0.0
            timeout = self._timeout_within_deadline(delay, read_timeout)
            if timeout is None:
                problem = (problem + " " if problem else "") + "(no time left in this invocation for an attempt)"
                break
            if delay:
                self._sleep(delay)
            made += 1
            try:
                response = self._session.request(
                    endpoint.method,
                    url,
                    params=params,
                    json=json_body,
                    data=form_body,
                    auth=auth,
                    timeout=(min(CONNECT_TIMEOUT_SECONDS, timeout), timeout),
                    allow_redirects=False,
                )
            except TRANSIENT_ERRORS as exc:
                problem, status, x_error = f"{exc.__class__.__name__} talking to {self._host}", None, {}
                continue
            self._remember_rate(endpoint.operation, response.headers)
            body = _parse_body(response)
            if response.status_code >= 500:
                reason, x_error = describe_x_error(body, response.status_code)
                problem, status = f"HTTP {response.status_code}: {reason}", response.status_code
                continue
            if response.status_code == 429:
                reason, x_error = describe_x_error(body, 429) if body else ("", {})
                raise RateLimited(
                    endpoint.operation,
                    reset_epoch=_header_int(response.headers, "x-rate-limit-reset"),
                    limit=_header_int(response.headers, "x-rate-limit-limit"),
                    remaining=_header_int(response.headers, "x-rate-limit-remaining"),
                    clock=self._clock,
                    reason=reason,
                    x_error=x_error,
                )
            if response.status_code >= 300:
                reason, x_error = describe_x_error(body, response.status_code)
                raise XApiError(endpoint.operation, response.status_code, reason, x_error)
            return body
        raise XUnavailable(endpoint.operation, problem, made, status, x_error)

    def _remember_rate(self, operation, headers):
        found = {name: _header_int(headers, f"x-rate-limit-{name}") for name in ("limit", "remaining", "reset")}
        if found["remaining"] is not None:
            self.rate_limits[operation] = found

    def _timeout_within_deadline(self, delay, read_timeout):
        """The read timeout for an attempt after `delay`, shortened so that the invocation keeps
        RESERVE_SECONDS to answer (and emit its metric); None when no useful attempt fits.
        A first attempt may be shortened; a retry must fit whole, or it is not worth starting."""
        left = self._time_left() if self._time_left is not None else None
        if left is None:
            return read_timeout
        room = left - RESERVE_SECONDS - delay
        if delay:
            return read_timeout if room >= read_timeout else None
        return min(read_timeout, room) if room >= MIN_ATTEMPT_SECONDS else None
