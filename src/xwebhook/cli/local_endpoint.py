"""Requests to the local AWS endpoint (moto behind localdev.moto_guard) that boto3 does not make.

The guard refuses unsigned requests, so these are SigV4-signed like boto3's, with the local stack's dummy
credentials. `QueueTap` reads the guard's read-only tap: the messages added to a queue, without receiving
them (no visibility change, no receive count: nothing is taken from a consumer).
"""

import json
import urllib.error
import urllib.parse
import urllib.request

LOCAL_ACCESS_KEY_ID = "local-access-key"
LOCAL_SECRET_ACCESS_KEY = "local-secret-key"  # noqa: S105 - a dummy credential for moto
TAP_PATH = "/_xwebhook/sqs/"


def signed_request(url, method="GET", body=b"", region="us-east-1", service="sqs"):
    """A urllib Request for `url`, signed with SigV4 and the local dummy credentials."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body or b"")
    SigV4Auth(Credentials(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY), service, region).add_auth(request)
    return urllib.request.Request(url, data=body or None, headers=dict(request.headers.items()), method=method)  # noqa: S310


def signed_urlopen(url, method="GET", body=b"", timeout=10.0, region="us-east-1"):
    return urllib.request.urlopen(signed_request(url, method, body, region), timeout=timeout)  # noqa: S310 - local


class TapUnavailable(RuntimeError):
    """The endpoint has no tap (not the local stack's moto, or an older one)."""


class QueueTap:
    """The guard's tap on `endpoint` for one queue (by name; None: every queue, for `added`)."""

    def __init__(self, endpoint, queue_name, region="us-east-1", timeout=30.0):
        self.endpoint = endpoint.rstrip("/")
        self.queue_name = queue_name
        self.region = region
        self.timeout = timeout

    def _get(self, what, **query):
        scope = {"queue": self.queue_name} if self.queue_name else {}
        url = f"{self.endpoint}{TAP_PATH}{what}?" + urllib.parse.urlencode({**scope, **query})
        try:
            with signed_urlopen(url, timeout=self.timeout, region=self.region) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise TapUnavailable(f"{self.endpoint} has no queue tap") from None
            raise

    def added(self, after=0, wait=0.0):
        """(messages added after `after`, the last sequence number): long-polls up to `wait` seconds."""
        document = self._get("added", after=after, wait=wait)
        return document["messages"], document["last"]

    def held(self):
        """What the queue holds now (visible or in flight), oldest first; and the last sequence number."""
        document = self._get("messages")
        return sorted(document["messages"], key=lambda m: m.get("sent_timestamp") or 0), document["last"]


def queue_name(queue_url):
    return queue_url.rstrip("/").rsplit("/", 1)[-1]
