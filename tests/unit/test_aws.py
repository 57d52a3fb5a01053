"""The AWS helpers (aws.py): an error's code, and a client made on first use."""

from botocore.exceptions import ClientError, ConnectTimeoutError

from xwebhook import aws
from xwebhook.aws import error_code


def test_an_aws_error_code_is_read_from_the_answer_else_the_failure_is_named_by_its_class():
    refused = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")
    assert error_code(refused) == "AccessDeniedException"
    assert error_code(ConnectTimeoutError(endpoint_url="http://127.0.0.1:1")) == "ConnectTimeoutError"


def test_a_client_on_first_use_is_made_once_by_its_first_call(monkeypatch):
    made = []
    monkeypatch.setattr(aws, "client", lambda service, config: made.append((service, config)) or object())
    get = aws.client_on_first_use("ssm")
    assert made == []
    assert get() is get()
    assert made == [("ssm", aws.ADMIN_CALLS)]
