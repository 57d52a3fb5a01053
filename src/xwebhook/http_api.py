"""API Gateway HTTP API (payload format 2.0) requests and responses: JSON (crc, ingest), HTML pages and
redirects (connect).

No imports at module level: the crc function loads this on its cold path.
"""


class BadRequest(Exception):
    """The request cannot be read; the message is the reason given to the caller."""


def header(event, name):
    """The value of header `name` (lower case). HTTP APIs lower-case header names; other front
    ends (sam local, test tools) may not, so fall back to a case-insensitive look-up."""
    headers = event.get("headers") or {}
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                return candidate
    return value


def query_parameter(event, name):
    """A query parameter as API Gateway decoded it; repeated parameters arrive comma-joined."""
    return (event.get("queryStringParameters") or {}).get(name)


def raw_body(event):
    """The request body as the bytes the sender signed (API Gateway may hand them base64-encoded)."""
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        import binascii

        try:
            return binascii.a2b_base64(body.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise BadRequest("body is marked base64-encoded but is not valid base64") from None
    return body.encode("utf-8")


def failure_answer(failure, table):
    """(status, reason told to the caller, detail for the log) of the exception `failure` by a function's
    table of (exception class, status, reason) rows: the first row `failure` is an instance of answers. A
    row's reason None: the failure's own text is the reason, and there is no detail; else the row's text is
    the reason and the failure's own the detail. An exception no row names is a bug: 500."""
    for kind, status, reason in table:
        if isinstance(failure, kind):
            return (status, str(failure), "") if reason is None else (status, reason, str(failure))
    return 500, "internal error", f"{failure.__class__.__name__}: {failure}"


def body_text(event):
    """The request body as the text API Gateway handed over, or None when it came base64-encoded (raw_body
    then gives its bytes; for a text body raw_body's bytes are this text in UTF-8)."""
    body = event.get("body")
    return body if body.__class__ is str and not event.get("isBase64Encoded") else None


def json_response(status, body, extra_headers=None):
    """A payload 2.0 response with a JSON text `body` (already serialised)."""
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if extra_headers:
        headers.update(extra_headers)
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def html_response(status, body, headers, cookies=()):
    """A payload 2.0 response with an HTML page `body`: `headers` are the page's (content type, its security
    policy), `cookies` the Set-Cookie values (payload 2.0 sends each as its own header)."""
    return {
        "statusCode": status,
        "headers": dict(headers),
        "cookies": list(cookies),
        "body": body,
        "isBase64Encoded": False,
    }


def redirect_response(status, location, headers, cookies=()):
    """A redirect (302) to `location`, with `headers` and `cookies` as html_response's and an empty body. The
    caller builds `location` from its settings, never from the request (no open redirect)."""
    response = html_response(status, "", headers, cookies)
    response["headers"]["location"] = location
    return response
