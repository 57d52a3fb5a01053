"""The one table per function of what each failure answers (receive/errors.py FAILURES for ingest,
receive/crc.py FAILURES for crc), and that the handlers answer by it: bugs included (500)."""

import json

import pytest

from localdev.handlers import load_function
from tests.conftest import sample_bytes, signature
from xwebhook.credentials.extension import SecretUnavailable
from xwebhook.http_api import BadRequest, failure_answer
from xwebhook.receive import crc, errors
from xwebhook.receive.ingest import IngestOutcome

ENV = {
    "CONSUMER_SECRET_ID": "test-secret",
    "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/events.fifo",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (errors.BodyTooLarge("body exceeds 100 bytes"), 413),
        (errors.SignatureMissing("x-twitter-webhooks-signature header is missing"), 401),
        (errors.SignatureMismatch("signature does not match the body"), 401),
        (errors.SyntheticMarkerMismatch("x-xwebhook-synthetic does not match the body"), 401),
        (errors.BadDelivery("body is not JSON (UTF-8, RFC 8259)"), 400),
        (errors.EmptyDelivery("delivery holds no event"), 400),
        (errors.TooDeep("JSON nests deeper than 512 levels"), 400),
        (errors.MessageTooLarge("event x makes a message over SQS's 1048576 bytes"), 413),
        (BadRequest("body is marked base64-encoded but is not valid base64"), 400),
    ],
)
def test_a_delivery_that_can_never_be_stored_is_a_4xx_whose_reason_is_the_failure_itself(failure, status):
    assert failure_answer(failure, errors.FAILURES) == (status, str(failure), "")


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (SecretUnavailable("extension answered 500"), "consumer secret unavailable"),
        (errors.DedupUnavailable("DynamoDB batch_get_item failed: ClientError"), "events could not be checked"),
        (errors.NotRecorded("DynamoDB batch_write_item failed: ClientError"), "stored but not recorded"),
        (errors.PublishError("SQS did not accept the delivery: ConnectionError: down"), "could not be stored"),
    ],
)
def test_a_dependency_failure_is_a_503_with_a_fixed_reason_and_its_own_text_logged(failure, reason):
    status, told, detail = failure_answer(failure, errors.FAILURES)
    assert status == 503
    assert reason in told
    assert detail == str(failure)


def test_anything_the_table_does_not_name_is_a_500_logged_with_its_class():
    assert failure_answer(KeyError("x"), errors.FAILURES) == (500, "internal error", "KeyError: 'x'")


def test_the_table_is_the_only_place_a_status_is_written():
    for failure in (errors.PublishError, errors.DedupUnavailable, errors.BadDelivery, errors.MessageTooLarge):
        assert not hasattr(failure, "status")


def test_a_failed_outcome_keeps_the_figures_of_what_was_done_before_the_failure():
    figures = IngestOutcome(200, 4)
    figures.source, figures.sent, figures.duplicates, figures.sqs_calls, figures.dedup_calls = "aaa", 2, 1, 2, 1
    failure = errors.PublishError("SQS did not accept the delivery: 1 of 3 entries failed")
    failure.figures = figures
    outcome = IngestOutcome.failed(failure, errors.FAILURES)
    assert (outcome.status, outcome.events, outcome.source, outcome.duplicates) == (503, 4, "aaa", 1)
    assert outcome.sent == 2  # what SQS took before the 503
    assert outcome.aws_calls == 3
    assert json.loads(outcome.body()) == {"error": "events could not be stored; retry"}


@pytest.mark.parametrize(
    ("failure", "status", "reason"),
    [
        (crc.BadToken("crc_token query parameter is missing"), 400, "crc_token query parameter is missing"),
        (SecretUnavailable("no secret"), 503, "consumer secret unavailable"),
        (ZeroDivisionError("bug"), 500, "internal error"),
    ],
)
def test_the_crc_table_answers_each_failure_with_a_json_reason(failure, status, reason):
    answer = crc.CrcAnswer.failed(failure, crc.FAILURES)
    assert (answer.status, json.loads(answer.body)) == (status, {"error": reason})


class Raising:
    def __init__(self, failure):
        self.failure = failure

    def ingest(self, body, signature, text=None, synthetic=None):
        raise self.failure

    def get(self):
        raise self.failure


@pytest.fixture
def ingest_function():
    return load_function("ingest", ENV, module_name="test_errors_ingest")


@pytest.fixture
def crc_function():
    return load_function("crc", ENV, module_name="test_errors_crc")


def post(function, capsys):
    body = sample_bytes("aaa/favorite")
    capsys.readouterr()
    answer = function.handler(
        {"headers": {"x-twitter-webhooks-signature": signature(body)}, "body": body.decode()}, None
    )
    (line,) = capsys.readouterr().out.splitlines()
    return answer, json.loads(line)


@pytest.mark.parametrize(
    ("failure", "status"),
    [(errors.SignatureMismatch("signature does not match the body"), 401), (errors.PublishError("down"), 503)],
)
def test_the_ingest_handler_answers_what_ingest_raised_by_the_table(ingest_function, capsys, failure, status):
    ingest_function.ingestor = Raising(failure)
    answer, line = post(ingest_function, capsys)
    assert (answer["statusCode"], line["status"]) == (status, status)
    assert json.loads(answer["body"])["error"] == failure_answer(failure, errors.FAILURES)[1]


def test_the_ingest_handler_answers_a_bug_with_a_500_and_logs_what_broke(ingest_function, capsys):
    ingest_function.ingestor = Raising(AttributeError("'NoneType' object has no attribute 'get'"))
    answer, line = post(ingest_function, capsys)
    assert (answer["statusCode"], json.loads(answer["body"])) == (500, {"error": "internal error"})
    assert line["detail"] == "AttributeError: 'NoneType' object has no attribute 'get'"


def test_the_crc_handler_logs_why_the_secret_could_not_be_read_but_not_the_token(crc_function, capsys):
    crc_function._secret = Raising(SecretUnavailable("the extension answered 500"))
    capsys.readouterr()
    answer = crc_function.handler({"queryStringParameters": {"crc_token": "challenge"}}, None)
    (line,) = capsys.readouterr().out.splitlines()
    assert answer["statusCode"] == 503
    assert json.loads(line)["detail"] == "the extension answered 500"
    assert "challenge" not in line
