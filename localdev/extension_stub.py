"""A local stand-in for the AWS Parameters and Secrets Lambda Extension, backed by the local AWS endpoint.

In Lambda the extension listens on localhost:2773 and answers
  GET /secretsmanager/get?secretId=<id>[&versionId=..|&versionStage=..]
  GET /systemsmanager/parameters/get?name=<name>[&withDecryption=true][&version=..|&label=..]
with the GetSecretValue / GetParameter JSON of Secrets Manager / SSM, caching each answer for
SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL seconds (default 300). Requests must carry the
function's AWS_SESSION_TOKEN in `X-Aws-Parameters-Secrets-Token`.

The Lambda extension itself is closed source; its open-source successor, the AWS Secrets Manager Agent
(github.com/aws/aws-secretsmanager-agent), documents the error answers this stub gives:
  403 "Bad Token"            token header missing or wrong
  400 "Forwarded"            an X-Forwarded-For header (the agent refuses proxied requests)
  405 "Not allowed"          anything but GET
  404 "Not found"            other paths
  4xx {"__type": "ResourceNotFoundException", "message": ...}  errors from the service, with the
                             service's status (400 in AWS for every client error)
  502 / 504                  the service could not be reached / timed out
  500 {"__type": "InternalFailure"}
Failed look-ups are not cached. The stub binds 127.0.0.1 only.
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from localdev.loopback import LoopbackServer
from localdev.moto_server import LOCALHOST

TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 - a header name


def _json_default(value):
    if hasattr(value, "timestamp"):
        return value.timestamp()  # GetSecretValue's CreatedDate is epoch seconds on the wire
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _strip_metadata(answer):
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


class ExtensionError(Exception):
    def __init__(self, status, body):
        super().__init__(status, body)
        self.status = status
        self.body = body


def _service_error(exc):
    """An ExtensionError for a botocore exception, as the extension/agent reports it."""
    from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        # AWS's JSON protocols answer every client error with 400 (moto says 404 for some).
        status = 400 if 400 <= status < 500 else status
        body = json.dumps({"__type": error.get("Code", "InternalFailure"), "message": error.get("Message", "")})
        return ExtensionError(status, body)
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return ExtensionError(504, json.dumps({"__type": "TimeoutError", "message": "Timeout"}))
    if isinstance(exc, EndpointConnectionError):
        return ExtensionError(502, json.dumps({"__type": "ConnectionError", "message": "Read Error"}))
    return ExtensionError(500, json.dumps({"__type": "InternalFailure"}))


class _Cache:
    def __init__(self, ttl_seconds, size, clock):
        self.ttl = ttl_seconds
        self.size = size
        self.clock = clock
        self.entries = {}
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry and self.clock() - entry[0] < self.ttl:
                return entry[1]
            return None

    def put(self, key, value):
        if self.ttl <= 0:
            return
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.pop(next(iter(self.entries)))
            self.entries[key] = (self.clock(), value)

    def clear(self):
        with self.lock:
            self.entries.clear()


class ExtensionStub(LoopbackServer):
    """Serves the extension's HTTP API on 127.0.0.1:`port` (0 = any free port) in a thread."""

    port_setting = ("secrets extension", "EXTENSION_PORT")
    thread_name = "extension-stub"

    def __init__(
        self,
        endpoint,
        token,
        region="us-east-1",
        port=0,
        host=LOCALHOST,
        secrets_ttl=300,
        ssm_ttl=300,
        cache_size=1000,
        max_connections=50,
        timeout_seconds=5.0,
        clock=time.monotonic,
    ):
        super().__init__(port, host)
        self.endpoint = endpoint
        self.token = token
        self.region = region
        self.secrets = _Cache(float(secrets_ttl), int(cache_size), clock)
        self.parameters = _Cache(float(ssm_ttl), int(cache_size), clock)
        self.max_connections = max_connections
        self.timeout_seconds = timeout_seconds
        self.upstream_calls = 0  # calls made to Secrets Manager / SSM (tests check caching with it)
        self.requests = 0
        self._clients = {}
        self._lock = threading.Lock()

    def _client(self, service):
        with self._lock:
            if service not in self._clients:
                import boto3
                from botocore.config import Config

                from localdev.stack import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

                self._clients[service] = boto3.client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name=self.region,
                    aws_access_key_id=LOCAL_ACCESS_KEY_ID,
                    aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
                    config=Config(connect_timeout=2, read_timeout=self.timeout_seconds, retries={"max_attempts": 1}),
                )
            return self._clients[service]

    def clear_cache(self):
        self.secrets.clear()
        self.parameters.clear()

    # the API

    def answer(self, method, path, headers):
        """(status, body text) for one request; `headers` is a case-insensitive mapping."""
        self.requests += 1
        if urllib.parse.urlsplit(path).path == "/ping":
            return 200, "healthy"  # the agent's health check needs no token
        if headers.get("X-Forwarded-For") is not None:
            return 400, "Forwarded"
        if headers.get(TOKEN_HEADER) != self.token or not self.token:
            return 403, "Bad Token"
        if method != "GET":
            return 405, "Not allowed"
        parsed = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        try:
            if parsed.path == "/secretsmanager/get":
                return 200, self._get_secret(query)
            if parsed.path == "/systemsmanager/parameters/get":
                return 200, self._get_parameter(query)
        except ExtensionError as exc:
            return exc.status, exc.body
        return 404, "Not found"

    def _get_secret(self, query):
        secret_id = query.get("secretId")
        if not secret_id:
            raise ExtensionError(400, json.dumps({"__type": "InvalidParameterException", "message": "secretId"}))
        arguments = {"SecretId": secret_id}
        if query.get("versionId"):
            arguments["VersionId"] = query["versionId"]
        if query.get("versionStage"):
            arguments["VersionStage"] = query["versionStage"]
        key = tuple(sorted(arguments.items()))
        cached = self.secrets.get(key)
        if cached is not None:
            return cached
        self.upstream_calls += 1
        try:
            answer = self._client("secretsmanager").get_secret_value(**arguments)
        except Exception as exc:  # ClientError, connection and timeout errors
            raise _service_error(exc) from None
        body = json.dumps(_strip_metadata(answer), default=_json_default)
        self.secrets.put(key, body)
        return body

    def _get_parameter(self, query):
        name = query.get("name")
        if not name:
            raise ExtensionError(400, json.dumps({"__type": "ValidationException", "message": "name"}))
        selector = query.get("version") or query.get("label")
        selector = f":{selector}" if selector else ""
        decrypt = query.get("withDecryption", "false").lower() == "true"
        key = (name + selector, decrypt)
        cached = self.parameters.get(key)
        if cached is not None:
            return cached
        self.upstream_calls += 1
        try:
            answer = self._client("ssm").get_parameter(Name=name + selector, WithDecryption=decrypt)
        except Exception as exc:
            raise _service_error(exc) from None
        body = json.dumps(_strip_metadata(answer), default=_json_default)
        self.parameters.put(key, body)
        return body

    # serving

    def handler_class(self):
        stub = self
        slots = threading.BoundedSemaphore(self.max_connections)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # seconds a connection may idle

            def _serve(self):
                if not slots.acquire(blocking=False):
                    self._reply(429, "Connection limit exceeded")
                    return
                try:
                    status, body = stub.answer(self.command, self.path, self.headers)
                finally:
                    slots.release()
                self._reply(status, body)

            def _reply(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if body.startswith("{") else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format, *args):
                pass  # the stub is quiet; errors reach the function as statuses

        return Handler
