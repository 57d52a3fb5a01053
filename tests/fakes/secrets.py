"""The consumer secret as the code reads it (StaticSecret: a CachedSecret stand-in), and the Parameters and
Secrets Lambda Extension it reads secrets through (FakeExtension, over HTTP)."""

import json
from urllib.parse import parse_qs, urlsplit

from tests.local_server import LocalServer, QuietHandler
from xwebhook.credentials.extension import SecretUnavailable

SESSION_TOKEN = "test-session-token"


class StaticSecret:
    """A CachedSecret stand-in: a fixed value, or unavailable."""

    def __init__(self, value=b"dev-consumer-secret", available=True):
        self.value = value
        self.available = available
        self.refreshes = 0

    def get(self):
        if not self.available:
            raise SecretUnavailable("secret store down")
        return self.value

    def refresh_if_older_than(self, seconds):
        self.refreshes += 1
        return False


class FakeExtension:
    """The Parameters and Secrets Lambda Extension as a function meets it, on 127.0.0.1: GET
    /secretsmanager/get?secretId=ID with the session token in X-Aws-Parameters-Secrets-Token answers
    GetSecretValue's JSON for the `secrets` it holds ({id: string}); a wrong token is 403 "Bad Token" and an
    unknown secret 400 ResourceNotFoundException, as localdev/extension_stub.py (the full stand-in, over moto)
    answers. `seen` holds each request's (path, query, token), `reads` the secret ids asked for; `raw_answer`
    (bytes), when set, is written instead of an HTTP answer."""

    def __init__(self, secrets, token=SESSION_TOKEN):
        self.secrets = dict(secrets)
        self.token = token
        self.raw_answer = None
        self.seen = []
        extension = self

        class Handler(QuietHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                token = self.headers.get("X-Aws-Parameters-Secrets-Token")
                extension.seen.append((url.path, query, token))
                if extension.raw_answer is not None:
                    self.wfile.write(extension.raw_answer)
                    return None
                if token != extension.token:
                    return self.answer(403, b"Bad Token")
                secret_id = query.get("secretId", [""])[0]
                if url.path != "/secretsmanager/get" or secret_id not in extension.secrets:
                    missing = {
                        "__type": "ResourceNotFoundException",
                        "message": "Secrets Manager can't find the secret.",
                    }
                    return self.answer(400, json.dumps(missing).encode())
                document = {"ARN": secret_id, "Name": secret_id, "SecretString": extension.secrets[secret_id]}
                return self.answer(200, json.dumps(document).encode())

        self._server = LocalServer(Handler)

    @property
    def port(self):
        return self._server.port

    @property
    def reads(self):
        return [query.get("secretId", [""])[0] for _path, query, _token in self.seen]

    def close(self):
        self._server.close()
