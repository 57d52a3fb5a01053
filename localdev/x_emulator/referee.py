"""X's published document as the emulator's referee: every request to an operation of our extract
(localdev/x_contract) is checked against it, and every answer the emulator gives is checked too.

Requests (before the handler runs; refusals in X's shapes):
  parameters and body   openapi-core (a maintained validator) against the operation: a missing required
                        body, an unknown enum value, a pattern or length, an unexpected property, a
                        missing or malformed parameter -> 400, X's invalid-request problem with one
                        `errors` item per problem (`parameters` naming the parameter, as X does)
  security              the operation's `security` requirements against the caller auth.py verified:
                        BearerToken = the app's bearer token, UserToken = an OAuth 1.0a user signature,
                        OAuth2UserToken = a user's OAuth 2.0 token holding every scope the requirement
                        lists. A kind of credential no requirement names -> 403 unsupported-authentication
                        (X's answer); an OAuth 2.0 token lacking scopes -> 403 Forbidden naming them.
                        This part is ours: openapi-core does not check OAuth 2.0 scopes, and its HTTP
                        scheme check compares `OAuth` case-sensitively (RFC 7235 says it is not).
Answers: openapi-core's response validator (status, media type, schema). Problem bodies whose `type` the
document's Problem schema lists are validated by it; the generic types X's errors page documents
(about:blank, client-forbidden, usage-capped, rate-limit-exceeded) and X's unsupported-authentication are
not in that schema and must carry type, title and detail. An answer the emulator gives in a reading
outside X's document (a setting a test chose) or an injected fault is not checked. What breaks the
document is recorded in VIOLATIONS (the test suite fails on any: tests/conftest.py) and logged.

Routes outside our extract (v1.1, the OAuth endpoints and pages, the control plane) are not refereed:
X's document does not describe them.
"""

import json
import logging
import threading
from functools import cache
from urllib.parse import parse_qsl

from localdev.x_emulator import errors

log = logging.getLogger("localdev.x_emulator.referee")
VIOLATIONS = []  # (method, path, status, problem) of every answer that broke X's document, process-wide
_violations_lock = threading.Lock()
ERRORS_PAGE_TYPES = frozenset(
    {
        "about:blank",
        errors.PROBLEMS + "client-forbidden",
        errors.PROBLEMS + "usage-capped",
        errors.PROBLEMS + "rate-limit-exceeded",
        errors.UNSUPPORTED_AUTH,  # what X sends for a credential kind an endpoint does not take
    }
)
SCHEMES = {"BearerToken": "bearer", "UserToken": "oauth1", "OAuth2UserToken": "oauth2"}


def doc_path(route_pattern):
    """The document's path for an emulator route pattern: `/2/webhooks/:webhook_id` -> `/2/webhooks/{webhook_id}`."""
    return "/".join(f"{{{part[1:]}}}" if part.startswith(":") else part for part in route_pattern.split("/"))


class _Request:
    """openapi-core's Request protocol, for one request the emulator received."""

    def __init__(self, method, path_pattern, args, query, headers, body):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = "https://api.x.com"
        self.path = self.path_pattern = path_pattern
        self.method = method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query or "", keep_blank_values=True)),
            header=Headers({k: v for k, v in headers.items()} if headers else {}),
            cookie=ImmutableMultiDict(),
            path=dict(args or {}),
        )
        self.body = body or b""
        content_type = (headers or {}).get("Content-Type") or ""
        self.content_type = content_type.split(";", 1)[0].strip()


class _Response:
    def __init__(self, status, content_type, payload):
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.content_type = content_type.split(";", 1)[0].strip()
        self.headers = Headers({"Content-Type": content_type})
        self.data = payload


def _json_path(path):
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _schema_messages(exc):
    """jsonschema's messages under an openapi-core error, as X words them: `$.path: message`."""
    cause = exc.__cause__
    found = []
    for error in getattr(cause, "schema_errors", None) or ():
        for leaf in _leaves(error):
            message = leaf.message
            if leaf.validator == "enum":  # jsonschema lists every value: too long for an answer
                message = f"{leaf.instance!r} is not one of the {len(leaf.validator_value)} values the document allows"
            found.append(f"{_json_path(leaf.absolute_path)}: {message}")
    return found or [str(cause or exc)]


def _leaves(error):
    """The innermost errors of a jsonschema error (oneOf/anyOf keep theirs in `context`)."""
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in _leaves(sub)]


class Referee:
    def __init__(self, document):
        from openapi_core import OpenAPI
        from openapi_core.validation.request.validators import (
            V30RequestBodyValidator,
            V30RequestParametersValidator,
        )
        from openapi_core.validation.response.validators import V30ResponseDataValidator

        self.document = document
        spec = OpenAPI.from_dict(document).spec  # validates the extract as an OpenAPI document, once
        extra = {"extra_media_type_deserializers": {"application/problem+json": json.loads}}
        self._request_validators = (
            V30RequestParametersValidator(spec, **extra),
            V30RequestBodyValidator(spec, **extra),
        )
        self._answer_validator = V30ResponseDataValidator(spec, **extra)
        problem = document["components"]["schemas"].get("Problem", {})
        self.problem_types = frozenset(problem.get("discriminator", {}).get("mapping", {}))

    def operation(self, method, path):
        """The document's operation for (method, document path), or None."""
        return (self.document["paths"].get(path) or {}).get(method.lower())

    # ---- requests ---------------------------------------------------------------------------------------

    def check_security(self, method, path, caller):
        """ApiError (403) unless `caller` meets one of the operation's security requirements."""
        requirements = self.operation(method, path).get("security") or []
        if not requirements:
            return
        lacking = None
        for requirement in requirements:
            missing = []
            for scheme, scopes in requirement.items():
                if SCHEMES.get(scheme) != caller.kind:
                    break
                missing += [scope for scope in scopes if scope not in caller.scopes]
            else:
                if not missing:
                    return
                lacking = missing if lacking is None else min(lacking, missing, key=len)
        if lacking is not None:
            detail = (
                f"Forbidden: the OAuth 2.0 token lacks the scope(s) {', '.join(sorted(lacking))} this endpoint "
                f"requires; it holds {', '.join(sorted(caller.scopes)) or 'none'}"
            )
            raise errors.forbidden(detail)
        kinds = [SCHEMES[name] for requirement in requirements for name in requirement if name in SCHEMES]
        raise errors.unsupported_authentication(caller.kind, tuple(dict.fromkeys(kinds)))

    def check_request(self, method, path, args, query, headers, body):
        """ApiError (400, X's invalid-request problem) listing what X's document refuses in the request."""
        from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
        from openapi_core.validation.request.exceptions import (
            InvalidParameter,
            InvalidRequestBody,
            MissingParameter,
            MissingRequiredParameter,
            MissingRequiredRequestBody,
        )

        request = _Request(method, path, args, query, headers, body)
        items = []
        for validator in self._request_validators:
            for exc in validator.iter_errors(request):
                if isinstance(exc, (MissingRequiredParameter, MissingParameter)):
                    items.append(
                        {
                            "parameters": {exc.name: []},
                            "message": f"The `{exc.name}` {exc.location} parameter is missing",
                        }
                    )
                elif isinstance(exc, InvalidParameter):
                    values = _parameter_values(request, exc.location, exc.name)
                    for message in _schema_messages(exc):
                        items.append(
                            {
                                "parameters": {exc.name: values},
                                "message": f"The `{exc.name}` {exc.location} parameter value {values} is not "
                                f"valid: {message}",
                            }
                        )
                elif isinstance(exc, MissingRequiredRequestBody):
                    items.append({"message": "$: a JSON request body is required"})
                elif isinstance(exc, InvalidRequestBody):
                    items.extend({"message": message} for message in _schema_messages(exc))
                elif isinstance(exc.__cause__, MediaTypeNotFound) or isinstance(exc, MediaTypeNotFound):
                    items.append(
                        {"message": f"Content-Type {request.content_type or '(none)'} is not application/json"}
                    )
                else:
                    items.append({"message": str(exc)})
        if items:
            raise errors.invalid_parameters(items)

    # ---- answers --------------------------------------------------------------------------------------------

    def answer_problems(self, method, path, args, query, headers, body, status, content_type, payload):
        """What in the emulator's answer breaks X's document (empty when nothing does)."""
        if status >= 400 and content_type.startswith("application/problem+json"):
            try:
                problem = json.loads(payload)
            except ValueError:
                return ["a problem answer that is not JSON"]
            kind = problem.get("type") if isinstance(problem, dict) else None
            if kind not in self.problem_types:
                if kind not in ERRORS_PAGE_TYPES:
                    return [f"problem type {kind!r} is neither in the document's Problem schema nor on X's errors page"]
                missing = [key for key in ("type", "title", "detail") if not isinstance(problem.get(key), str)]
                return [f"problem lacks {', '.join(missing)}"] if missing else []
        request = _Request(method, path, args, query, headers, body)
        response = _Response(status, content_type, payload)
        found = []
        for exc in self._answer_validator.iter_errors(request, response):
            found.extend(_schema_messages(exc) if exc.__cause__ is not None else [str(exc) or type(exc).__name__])
        return found


def _parameter_values(request, location, name):
    if location == "query":
        return request.parameters.query.getlist(name)
    if location == "path":
        value = request.parameters.path.get(name)
        return [] if value is None else [value]
    return []


@cache
def default():
    """The referee over the committed extract (built once per process: ~0.5 s with openapi-core's import)."""
    from localdev.x_contract.extract import load

    return Referee(load())


def record(method, path, status, problems):
    with _violations_lock:
        for problem in problems:
            VIOLATIONS.append((method, path, status, problem))
    for problem in problems:
        log.warning("answer breaks X's document: %s %s -> %s: %s", method, path, status, problem)
