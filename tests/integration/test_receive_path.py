"""The crc and ingest handlers against moto over HTTP: SQS, Secrets Manager (through the extension stub)
and DynamoDB as the template provisions them. Each test gets its own freshly provisioned stack."""

import hashlib
import json
import time
from decimal import Decimal

import pytest

from localdev.events import crc_event, delivery_event, oversize_body, signed_delivery_event
from localdev.extension_stub import ExtensionStub
from localdev.moto_server import free_port
from localdev.testing import SESSION_TOKEN, invoke, message_bodies
from tests.conftest import DEV_SECRET, all_sample_names, sample, sample_bytes
from xwebhook.receive.splitting import split_delivery

X_TEST_VECTOR = "sha256=xHgZcz09m35qwbyhR9BRzhnX8yXbAZpOn2dqCPp6Enw="


def post(ingest, body, secret=DEV_SECRET, **options):
    answer = invoke(ingest, signed_delivery_event(body, secret, **options))
    return answer["statusCode"], json.loads(answer["body"])


def dedup_items(stack):
    return stack.client("dynamodb").scan(TableName=stack.table, Select="COUNT")["Count"]


# --- CRC ---------------------------------------------------------------------------------------------


def test_crc_answers_the_x_test_vector(stack_factory):
    # Given a stack whose consumer secret is the one in X's documentation
    stack = stack_factory(consumer_secret="my_consumer_secret")
    crc = stack.load("crc")
    # When X sends its documented challenge
    answer = invoke(crc, crc_event("challenge_string"))
    # Then the response token is X's documented answer, as JSON
    assert answer["statusCode"] == 200
    assert answer["headers"]["content-type"] == "application/json"
    assert json.loads(answer["body"]) == {"response_token": X_TEST_VECTOR}


@pytest.mark.parametrize(
    ("raw_query", "why"),
    [("", "missing"), ("crc_token=", "empty"), ("crc_token=%7B%22a%22%3A1%7D", "could be a JSON body")],
)
def test_crc_rejects_bad_tokens_with_400(local_stack, raw_query, why):
    crc = local_stack.load("crc")
    answer = invoke(crc, crc_event(None, raw_query=raw_query))
    assert answer["statusCode"] == 400, why
    assert "response_token" not in answer["body"]


def test_crc_reads_the_secret_once_then_serves_it_from_its_cache(local_stack):
    crc = local_stack.load("crc")
    before = local_stack.extension.upstream_calls
    first = invoke(crc, crc_event("token-one"))
    second = invoke(crc, crc_event("token-two"))
    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert first["body"] != second["body"]
    # The stub's own cache is off in tests (TTL 0), so every extension call reaches Secrets Manager.
    assert local_stack.extension.upstream_calls - before == 1


# --- deliveries --------------------------------------------------------------------------------------


def expected_messages(name):
    return split_delivery(sample(name), "2026-01-01T00:00:00.000Z")


def test_every_sample_delivery_lands_on_the_fifo_queue_as_its_events(local_stack):
    ingest = local_stack.load("ingest")
    assert local_stack.queue_url.endswith(".fifo")
    for name in all_sample_names():
        # When X delivers the sample, signed
        status, answer = post(ingest, sample_bytes(name))
        expected = expected_messages(name)
        # Then ingest answers 200 only once each event is on the queue, one message per event
        assert status == 200, (name, answer)
        assert answer == {"status": "ok", "events": len(expected), "sent": len(expected), "duplicates": 0}, name
        messages = local_stack.drain()
        assert len(messages) == len(expected), name
        for message, event in zip(messages, expected, strict=True):
            attributes = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
            wanted = {"event_type": event.event_type, "source": event.source}
            if event.for_user_id:
                wanted["for_user_id"] = event.for_user_id
            assert attributes == wanted, name
            assert message["Attributes"]["MessageGroupId"] == (event.for_user_id or "unattributed"), name
            # the dedup key (the activity_id, for a post with its XAA type), or its digest when SQS could not take it
            dedup_id = event.deduplication_id
            assert dedup_id in (event.dedup_key, hashlib.sha256(event.dedup_key.encode()).hexdigest())
            assert message["Attributes"]["MessageDeduplicationId"] == dedup_id, name
            body = json.loads(message["Body"])
            wanted_body = json.loads(event.body)
            assert body.pop("received_at").endswith("Z")
            wanted_body.pop("received_at")
            assert body == wanted_body, name


def test_a_retried_delivery_is_dropped_by_fifo_deduplication(local_stack):
    # Given ingest without the dedup table: only SQS's 5-minute FIFO deduplication applies
    ingest = local_stack.load("ingest", DEDUP_TABLE="")
    body = sample_bytes("aaa/favorite_multi")
    # When X delivers the same body twice (a retry after a lost answer)
    assert post(ingest, body)[0] == 200
    assert post(ingest, body)[0] == 200
    # Then each event is on the queue once
    bodies = message_bodies(local_stack.drain())
    assert sorted(b["event_id"] for b in bodies) == sorted(e.event_id for e in expected_messages("aaa/favorite_multi"))


def test_a_replayed_delivery_is_reported_as_duplicates_and_not_enqueued(local_stack):
    # Given the template's dedup table (replays come after SQS's 5-minute window)
    assert local_stack.table
    ingest = local_stack.load("ingest")
    body = sample_bytes("xaa/post.create")
    assert post(ingest, body) == (200, {"status": "ok", "events": 1, "sent": 1, "duplicates": 0})
    assert len(local_stack.drain()) == 1
    # When the same event is delivered again (a replay)
    status, answer = post(ingest, body)
    # Then it is acknowledged but nothing new reaches the queue
    assert (status, answer) == (200, {"status": "ok", "events": 1, "sent": 0, "duplicates": 1})
    assert local_stack.drain() == []


def test_a_base64_encoded_body_is_verified_over_its_decoded_bytes(local_stack):
    ingest = local_stack.load("ingest")
    body = sample_bytes("aaa/tweet_create")
    status, answer = post(ingest, body, base64_body=True)
    assert status == 200
    assert answer["sent"] == 1
    assert message_bodies(local_stack.drain())[0]["event_id"] == expected_messages("aaa/tweet_create")[0].event_id


def test_a_body_marked_base64_that_is_not_is_a_400(local_stack):
    ingest = local_stack.load("ingest")
    event = signed_delivery_event(b'{"a": 1}')
    event["isBase64Encoded"] = True
    event["body"] = "not base64!"
    assert invoke(ingest, event)["statusCode"] == 400
    assert local_stack.peek_count() == 0


@pytest.mark.parametrize(
    ("make_event", "status"),
    [
        (lambda: delivery_event(sample_bytes("aaa/favorite"), None), 401),
        (lambda: delivery_event(sample_bytes("aaa/favorite"), "sha256=AAAA"), 401),
        (lambda: signed_delivery_event(sample_bytes("aaa/favorite"), "another-secret"), 401),
        (lambda: signed_delivery_event(b'{"favorite_events": ['), 400),
        (lambda: signed_delivery_event(b"[1, 2]"), 400),
        (lambda: signed_delivery_event(b"{}"), 400),
        (lambda: signed_delivery_event(oversize_body()), 413),
    ],
    ids=["unsigned", "garbage-signature", "wrong-secret", "invalid-json", "json-array", "no-events", "oversize"],
)
def test_rejected_deliveries_leave_the_queue_and_the_dedup_table_empty(local_stack, make_event, status):
    ingest = local_stack.load("ingest")
    answer = invoke(ingest, make_event())
    assert answer["statusCode"] == status
    assert "error" in json.loads(answer["body"])
    assert local_stack.peek_count() == 0
    assert dedup_items(local_stack) == 0


# --- faults: SQS -------------------------------------------------------------------------------------


def test_a_deleted_queue_gives_503_and_nothing_recorded(local_stack):
    ingest = local_stack.load("ingest")
    local_stack.client("sqs").delete_queue(QueueUrl=local_stack.queue_url)
    status, answer = post(ingest, sample_bytes("aaa/favorite_multi"))
    assert status == 503
    assert answer == {"error": "events could not be stored; retry"}
    assert dedup_items(local_stack) == 0  # not remembered: X's retry will be enqueued


def test_an_unreachable_sqs_gives_503_and_the_retry_enqueues_everything(local_stack):
    # Given SQS (only SQS) unreachable: its endpoint is a closed port
    broken = local_stack.load("ingest", AWS_ENDPOINT_URL_SQS=f"http://127.0.0.1:{free_port()}")
    body = sample_bytes("aaa/favorite_multi")
    # When a delivery arrives
    status, _ = post(broken, body)
    # Then ingest answers 503, nothing is on the queue and nothing is marked as delivered
    assert status == 503
    assert local_stack.peek_count() == 0
    assert dedup_items(local_stack) == 0
    # And X's retry, once SQS is back, enqueues every event (none is taken for a duplicate)
    status, answer = post(local_stack.load("ingest"), body)
    assert (status, answer["sent"], answer["duplicates"]) == (200, 3, 0)
    assert len(local_stack.drain()) == 3


# --- faults: Secrets Manager and the extension ---------------------------------------------------------


def _delete_secret(stack):
    stack.client("secretsmanager").delete_secret(SecretId=stack.secret_arn, ForceDeleteWithoutRecovery=True)
    return {}


def _secret_without_value(stack):
    # CloudFormation creates the template's secret without a value until someone puts one.
    arn = stack.client("secretsmanager").create_secret(Name=f"{stack.provisioned.stack_name}/no-value")["ARN"]
    return {"CONSUMER_SECRET_ID": arn}


def _empty_secret_json(stack):
    stack.set_consumer_secret('{"consumer_secret": ""}')
    return {}


def _extension_down(stack):
    return {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(free_port())}


def _wrong_session_token(stack):
    return {"AWS_SESSION_TOKEN": "not-the-token"}


SECRET_FAULTS = {
    "secret-deleted": _delete_secret,
    "secret-without-value": _secret_without_value,
    "secret-empty": _empty_secret_json,
    "extension-down": _extension_down,
    "wrong-extension-token": _wrong_session_token,
}


@pytest.mark.parametrize("fault", sorted(SECRET_FAULTS))
def test_crc_answers_503_never_200_when_the_secret_cannot_be_read(local_stack, fault):
    overrides = SECRET_FAULTS[fault](local_stack)
    crc = local_stack.load("crc", **overrides)
    answer = invoke(crc, crc_event("challenge_string"))
    assert answer["statusCode"] == 503
    assert json.loads(answer["body"]) == {"error": "consumer secret unavailable"}


@pytest.mark.parametrize("fault", sorted(SECRET_FAULTS))
def test_ingest_answers_503_and_enqueues_nothing_when_the_secret_cannot_be_read(local_stack, fault):
    overrides = SECRET_FAULTS[fault](local_stack)
    ingest = local_stack.load("ingest", **overrides)
    status, answer = post(ingest, sample_bytes("aaa/favorite"))
    assert status == 503
    assert answer == {"error": "consumer secret unavailable"}
    assert local_stack.peek_count() == 0


def test_secrets_manager_unreachable_behind_the_extension_gives_503(local_stack):
    with ExtensionStub(f"http://127.0.0.1:{free_port()}", SESSION_TOKEN, secrets_ttl=0, timeout_seconds=1) as cut_off:
        overrides = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(cut_off.port)}
        assert invoke(local_stack.load("crc", **overrides), crc_event("t"))["statusCode"] == 503
        assert post(local_stack.load("ingest", **overrides), sample_bytes("aaa/favorite"))[0] == 503
    assert local_stack.peek_count() == 0


def test_a_secret_put_after_a_failure_is_used_on_the_next_call(local_stack):
    # The failed read is not cached: once the value exists, the same instance answers.
    arn = local_stack.client("secretsmanager").create_secret(Name=f"{local_stack.provisioned.stack_name}/later")["ARN"]
    crc = local_stack.load("crc", CONSUMER_SECRET_ID=arn)
    assert invoke(crc, crc_event("challenge_string"))["statusCode"] == 503
    local_stack.client("secretsmanager").put_secret_value(SecretId=arn, SecretString="my_consumer_secret")
    answer = invoke(crc, crc_event("challenge_string"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"response_token": X_TEST_VECTOR})


# --- faults: DynamoDB --------------------------------------------------------------------------------


def test_a_deleted_dedup_table_gives_503_and_enqueues_nothing(local_stack):
    ingest = local_stack.load("ingest")
    local_stack.client("dynamodb").delete_table(TableName=local_stack.table)
    status, answer = post(ingest, sample_bytes("aaa/favorite"))
    assert status == 503
    assert answer == {"error": "events could not be checked for duplicates; retry"}
    assert local_stack.peek_count() == 0


def test_an_unreachable_dynamodb_gives_503_and_enqueues_nothing(local_stack):
    ingest = local_stack.load("ingest", AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{free_port()}")
    status, _ = post(ingest, sample_bytes("xaa/like.create"))
    assert status == 503
    assert local_stack.peek_count() == 0


# --- the dedup table's indexes, odd deliveries, and the two families over real SQS and DynamoDB ---------


def _now_ms():
    return str(int(time.time() * 1000))


def test_the_dedup_items_are_queryable_by_user_and_revokes_by_signal(local_stack):
    # What the admin function reads from the dedup table's indexes: XAA seen per account, and revokes.
    ingest = local_stack.load("ingest")
    for name in ("xaa/post.create", "xaa/like.create", "aaa/favorite", "aaa/user_event_revoke", "xaa/oauth.revoke"):
        assert post(ingest, sample_bytes(name))[0] == 200

    def query(index, key, value):
        return local_stack.client("dynamodb").query(
            TableName=local_stack.table,
            IndexName=index,
            KeyConditionExpression="#key = :value AND received_at >= :since",
            ExpressionAttributeNames={"#key": key},
            ExpressionAttributeValues={":value": {"S": value}, ":since": {"N": "0"}},
        )["Items"]

    by_user = query("by_user", "for_user_id", "1111111111111111111")
    assert sorted((item["source"]["S"], item["event_type"]["S"]) for item in by_user) == [
        ("xaa", "like.create"),
        ("xaa", "post.create"),
    ]
    revokes = query("signals", "signal", "revoke")
    assert sorted(item["signal_user_id"]["S"] for item in revokes) == ["1111111111111111111", "63046977"]


def test_odd_but_valid_deliveries_are_stored_exactly_in_sqs_and_dynamodb(local_stack):
    ingest = local_stack.load("ingest")
    body = (
        '{"for_user_id":"1\\ud800","favorite_events":[{"id":"\\udfff","t":"\ufffe\uffff","n":1e400,'
        '"big":123456789012345678901234567890,"\\ud83d":1}]}'
    ).encode()
    status, answer = post(ingest, body)
    assert (status, answer["sent"]) == (200, 1)
    (message,) = local_stack.drain()
    event = json.loads(message["Body"], parse_float=Decimal)["event"]
    assert event == {
        "id": "\udfff",
        "t": "\ufffe\uffff",
        "n": Decimal("1e400"),
        "big": 123456789012345678901234567890,
        "\ud83d": 1,
    }
    assert dedup_items(local_stack) == 1
    assert post(ingest, body) == (200, {"status": "ok", "events": 1, "sent": 0, "duplicates": 1})


def test_a_delivery_nested_too_deep_is_a_400_and_leaves_nothing(local_stack):
    ingest = local_stack.load("ingest")
    body = ('{"for_user_id":"1","x_events":[' + "[" * 50000 + "]" * 50000 + "]}").encode()
    status, answer = post(ingest, body)
    assert status == 400
    assert "nests deeper" in answer["error"]
    assert local_stack.peek_count() == 0
    assert dedup_items(local_stack) == 0


@pytest.mark.parametrize("first", ["aaa", "xaa"])
def test_the_aaa_and_xaa_copies_of_a_fresh_post_reach_the_queue_once(local_stack, first):
    ingest = local_stack.load("ingest")
    at = time.time()
    post_item = {"id_str": "9001", "timestamp_ms": str(int(at * 1000)), "user": {"id_str": "77"}}  # its own post
    aaa = {"for_user_id": "77", "tweet_create_events": [post_item]}
    payload = {"id": "9001", "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at)), "author_id": "77"}
    xaa = {"data": {"event_uuid": "-1", "filter": {"user_id": "77"}, "event_type": "post.create", "payload": payload}}
    copies = [aaa, xaa] if first == "aaa" else [xaa, aaa]
    for delivery in copies:  # young events: no dedup read, SQS's FIFO deduplication drops the second
        assert post(ingest, json.dumps(delivery).encode())[0] == 200
    bodies = message_bodies(local_stack.drain())
    assert [(b["activity_id"], b["source"]) for b in bodies] == [("post:77:9001", first)]
    items = local_stack.client("dynamodb").scan(TableName=local_stack.table)["Items"]
    # each family's copy recorded under its own key, whichever came first (the admin function counts both)
    assert sorted(item["event_id"]["S"] for item in items) == [
        "post:77:9001/post.create#aaa",
        "post:77:9001/post.create#xaa",
    ]


def test_the_local_sqs_drops_a_copy_even_after_the_original_was_consumed(local_stack):
    # SQS remembers accepted deduplication ids for 5 minutes, deleted messages included (moto, as
    # launched by localdev.moto_server, is made to do the same): the XAA copy of a fresh AAA post that
    # a consumer already took must not reach the queue again.
    ingest = local_stack.load("ingest")
    at = time.time()
    post_item = {"id_str": "9002", "timestamp_ms": str(int(at * 1000)), "user": {"id_str": "78"}}  # its own post
    aaa = {"for_user_id": "78", "tweet_create_events": [post_item]}
    payload = {"id": "9002", "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(at)), "author_id": "78"}
    xaa = {"data": {"event_uuid": "-2", "filter": {"user_id": "78"}, "event_type": "post.create", "payload": payload}}
    assert post(ingest, json.dumps(aaa).encode())[0] == 200
    assert len(local_stack.drain()) == 1
    assert post(ingest, json.dumps(xaa).encode())[0] == 200
    assert local_stack.drain() == []
