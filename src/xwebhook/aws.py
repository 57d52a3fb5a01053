"""boto3 clients with the timeouts of their caller.

Clients find their endpoint the standard way: AWS in Lambda, `AWS_ENDPOINT_URL` for local runs and
tests (the moto server). FAST_FAIL is for calls on X's clock: X waits 3 s at most (legacy) for an
answer, so a connection that does not come up in 1 s is better answered with a 5xx that X retries.
"""

import boto3
from botocore.config import Config

FAST_FAIL = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2})
# The admin function's calls (its state in SSM, the failure metric, the dedup table's indexes): no one waits
# on them but the schedule.
ADMIN_CALLS = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


def client(service, config=FAST_FAIL):
    return boto3.client(service, config=config)
