"""AWS clients (botocore) with the timeouts of their caller.

Clients find their endpoint the standard way: AWS in Lambda, `AWS_ENDPOINT_URL` (or
`AWS_ENDPOINT_URL_<SERVICE>`) for local runs and tests (the moto server). FAST_FAIL is for calls on
X's clock: X waits 3 s at most (legacy) for an answer, so a connection that does not come up in 1 s is
better answered with a 5xx that X retries.

botocore's session rather than boto3's: the clients are the same botocore clients, and `import boto3`
also loads boto3's resource layer and s3transfer, which ingest never uses and pays for at every cold
start (bench/cold.py prints the biggest imports). One session for every client: models and endpoint
rules are loaded once. Each caller's Config is here (FAST_FAIL, ADMIN_CALLS, TABLE_CALLS), beside the one
`client` they are made with.
"""

import botocore.session
from botocore.config import Config

FAST_FAIL = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2})
# The admin function's calls (its state in SSM, the failure metric, the dedup table's indexes): no one waits
# on them but the schedule.
ADMIN_CALLS = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# The accounts table's, from the connect and admin functions: a browser may wait on connect's, so a few quick
# attempts, not botocore's default minute.
TABLE_CALLS = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})

_session = None


def client(service, config=FAST_FAIL):
    global _session
    if _session is None:
        _session = botocore.session.get_session()
    return _session.create_client(service, config=config)


def client_on_first_use(service, config=ADMIN_CALLS):
    """() -> the `service` client, made by the first call and the same one after: for adapters that an
    invocation may never need (the admin state, the failure metric, the dedup table's index)."""
    made = []

    def get():
        if not made:
            made.append(client(service, config))
        return made[0]

    return get


def error_code(exc):
    """The AWS error code of a failed call (a botocore ClientError's Error.Code); for any other failure (a
    timeout, no connection) its class name. What adapters put in their errors: never a request or a value."""
    return getattr(exc, "response", {}).get("Error", {}).get("Code") or exc.__class__.__name__
