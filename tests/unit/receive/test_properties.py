"""Properties that must hold for any input (hypothesis): signing agrees with hmac, the CRC token rules,
and splitting: arbitrary JSON never raises, ids are stable under key order and retries, one message per
event, every body is valid for SQS and decodes to what X sent, and ingest never answers a 5xx for a
signed delivery when SQS works (a 5xx no retry can cure is a lost event)."""

import base64
import hashlib
import hmac
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeSqs, StaticSecret, answered
from tests.sqs_rules import assert_entry_acceptable, sqs_accepts_text
from xwebhook.receive.crc import MAX_TOKEN_LENGTH, TOKEN_ALPHABET, BadToken, answer_crc, token_problem
from xwebhook.receive.errors import BadDelivery
from xwebhook.receive.ingest import DeliveryIngestor
from xwebhook.receive.jsontext import RawNumber, dumps, parse
from xwebhook.receive.publisher import SqsEventPublisher
from xwebhook.receive.signing import hmac_sha256, sign, verify_signature
from xwebhook.receive.splitting import AAA_CONTEXT_KEYS, deduplication_id, split_delivery, xaa_envelopes

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
REAL_COMPARE = hmac.compare_digest
PROPERTY = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
AT = "2026-11-28T03:00:00.000Z"

# --- strategies: JSON as X could send it, odd characters included -------------------------------

ODD_CHARACTERS = ["\ud800", "\udfff", "\ud83d", "\ufffe", "\uffff", "\x00", "\x1f", '"', "\\", "é", "𝕏", ":"]
texts = st.text(st.one_of(st.characters(), st.sampled_from(ODD_CHARACTERS)), max_size=12)
numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(texts, children, max_size=4)),
    max_leaves=20,
)
ids = st.one_of(st.from_regex(r"[0-9]{1,19}", fullmatch=True), texts, st.integers(0, 2**70))


@st.composite
def aaa_deliveries(draw):
    delivery = {}
    if draw(st.booleans()):
        delivery["for_user_id"] = draw(ids)
    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "tweet_create_events",
                    "favorite_events",
                    "follow_events",
                    "block_events",
                    "direct_message_events",
                    "direct_message_indicate_typing_events",
                    "tweet_delete_events",
                    "future_kind_events",
                    "user_event",
                ]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    for kind in kinds:
        item = st.dictionaries(
            st.sampled_from(["id", "id_str", "type", "created_timestamp", "timestamp_ms", "status", "source", "x"]),
            st.one_of(ids, json_values),
            max_size=5,
        )
        delivery[kind] = draw(st.lists(st.one_of(item, json_values), max_size=4) if kind != "user_event" else item)
    if draw(st.booleans()):
        delivery["users"] = draw(st.dictionaries(ids.map(str), json_values, max_size=4))
    return delivery


@st.composite
def xaa_envelope(draw):
    envelope = {
        "event_uuid": draw(ids),
        "event_type": draw(
            st.one_of(
                st.sampled_from(["post.create", "like.create", "dm.received", "follow.follow", "oauth.revoke"]), texts
            )
        ),
        "filter": draw(
            st.one_of(st.just({}), st.fixed_dictionaries({"user_id": ids}), st.fixed_dictionaries({"keyword": texts}))
        ),
        "payload": draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(["id", "created_at", "timestamp_ms", "source"]), st.one_of(ids, json_values)
                ),
                json_values,
            )
        ),
    }
    return envelope


xaa_deliveries = st.one_of(
    xaa_envelope().map(lambda envelope: {"data": envelope}),
    st.lists(st.one_of(xaa_envelope(), json_values), min_size=1, max_size=4).map(
        lambda items: {"data": [*items, {"event_type": "post.create", "event_uuid": "1"}]}
    ),
)
deliveries = st.one_of(aaa_deliveries(), xaa_deliveries, st.dictionaries(texts, json_values, max_size=4))


def reordered(value):
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def expected_events(delivery):
    envelopes = xaa_envelopes(delivery)
    if envelopes is not None:
        return list(envelopes)
    events = []
    for key, value in delivery.items():
        if key not in AAA_CONTEXT_KEYS:
            events.extend(value if isinstance(value, list) else [value])
    return events


def split(delivery):
    try:
        return split_delivery(delivery, AT)
    except BadDelivery:
        return None


# --- splitting ------------------------------------------------------------------------------------


@PROPERTY
@given(deliveries)
def test_any_json_object_splits_or_is_refused_with_a_reason_never_a_crash(delivery):
    split(delivery)


@PROPERTY
@given(deliveries)
def test_one_message_per_event_each_valid_for_sqs_and_decoding_to_what_x_sent(delivery):
    messages = split(delivery)
    if messages is None:
        return
    events = expected_events(delivery)
    assert len(messages) == len(events)
    for message, event in zip(messages, events, strict=True):
        assert sqs_accepts_text(message.body)
        assert json.loads(message.body)["event"] == event
        for text in (message.event_id, message.activity_id, message.group_id, message.deduplication_id):
            assert sqs_accepts_text(text)
            assert text.isprintable()


@PROPERTY
@given(deliveries)
def test_ids_are_stable_under_key_order_and_retries(delivery):
    messages = split(delivery)
    if messages is None:
        return
    again = split_delivery(reordered(delivery), "2026-11-29T00:00:00.000Z")
    assert sorted((m.event_id, m.activity_id) for m in messages) == sorted((m.event_id, m.activity_id) for m in again)


@PROPERTY
@given(deliveries)
def test_every_entry_is_one_sqs_accepts(delivery):
    messages = split(delivery)
    if not messages:
        return
    sqs = FakeSqs()
    SqsEventPublisher(sqs, "https://sqs.us-east-1.amazonaws.com/1/q.fifo").publish(messages)
    for entry in sqs.accepted:
        assert_entry_acceptable(entry)


post_ids = st.one_of(
    st.from_regex(r"[0-9]{1,19}", fullmatch=True), texts, st.text(st.sampled_from("0123456789 é"), max_size=130)
)
accounts = st.one_of(ids, st.text(st.sampled_from("0123456789 é~"), min_size=1, max_size=130))


def post_message(account, post, author="other"):
    item = {"id_str": post, "user": {"id_str": author}, "timestamp_ms": "1764300000000"}
    [message] = split_delivery({"for_user_id": account, "tweet_create_events": [item]}, AT)
    return message


@PROPERTY
@given(accounts, post_ids)
def test_the_deduplication_id_the_splitter_gives_a_post_is_the_one_its_dedup_key_makes(account, post):
    """aaa_post gives a post's deduplication id without the per-key checks: it must be what
    deduplication_id(dedup_key) makes, for any account and post id (long, spaced, not ASCII)."""
    message = post_message(account if isinstance(account, str) else str(account), post)
    assert message.deduplication_id == deduplication_id(message.dedup_key)


@pytest.mark.parametrize("account", ["2244994945", "1" * 100, "with space", "é"])
@pytest.mark.parametrize("author", ["other", "self"])
def test_a_post_dedup_key_of_128_characters_or_fewer_is_its_own_deduplication_id_and_a_longer_one_a_digest(
    account, author
):
    # Post ids around the length where `post:<account>:<id>/<type>` passes 128 characters, for the shortest
    # (post.create, the account's own post) and the longest (post.mention.create) type.
    for extra in range(-2, 24):
        post = "9" * max(1, 128 - len(f"post:{account}:/post.mention.create") + extra)
        message = post_message(account, post, account if author == "self" else "other")
        assert message.deduplication_id == deduplication_id(message.dedup_key), len(message.dedup_key)


@PROPERTY
@given(json_values.map(lambda value: json.dumps({"for_user_id": "1", "x_events": [value]})))
def test_a_signed_delivery_is_never_a_5xx_when_sqs_works(text):
    body = text.encode("utf-8", "surrogatepass")  # json.dumps escapes: the body is valid UTF-8
    ingestor = DeliveryIngestor(StaticSecret(), SqsEventPublisher(FakeSqs(), "https://q/e.fifo"), 512 * 1024)
    outcome = answered(ingestor, body, sign(b"dev-consumer-secret", body))
    assert outcome.status in (200, 400, 413), outcome.reason


# --- JSON text ---------------------------------------------------------------------------------------

json_numbers = st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)


@PROPERTY
@given(json_numbers)
def test_every_json_number_comes_back_as_written_or_as_the_same_double(text):
    value = parse(text.encode())
    out = dumps(value).decode()
    if isinstance(value, RawNumber):
        assert out == text
    else:
        assert float(out) == float(text)


@PROPERTY
@given(json_values, st.booleans())
def test_parse_reads_any_json_document_as_the_standard_library_does(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: X sends it escaped
        body = json.dumps(value).encode()
    assert parse(body) == json.loads(body)


@PROPERTY
@given(json_values)
def test_dumps_decodes_to_the_same_value_in_a_body_sqs_takes(value):
    out = dumps(value).decode()
    assert sqs_accepts_text(out)
    assert json.loads(out) == value


# --- signing -----------------------------------------------------------------------------------------


@PROPERTY
@given(st.binary(max_size=300), st.binary(max_size=5000))
def test_sign_and_verify_agree_with_hmac_for_any_key_and_body(secret, body):
    digest = hmac.digest(secret, body, hashlib.sha256)
    assert hmac_sha256(secret, body) == digest
    header = "sha256=" + base64.b64encode(digest).decode()
    assert sign(secret, body) == header
    assert verify_signature(secret, body, header)
    assert verify_signature(secret, body, f"  {header}\t")


@PROPERTY
@given(st.binary(max_size=64), st.binary(min_size=1, max_size=500), st.data())
def test_any_other_body_or_header_fails_verification(secret, body, data):
    header = sign(secret, body)
    position = data.draw(st.integers(0, len(body) - 1))
    tampered = body[:position] + bytes([body[position] ^ 1]) + body[position + 1 :]
    assert not verify_signature(secret, tampered, header)
    other = data.draw(st.text(max_size=60))
    if other.strip() != header:
        assert not verify_signature(secret, body, other)


@PROPERTY
@given(st.binary(max_size=64), st.binary(max_size=200), st.text(max_size=80))
def test_every_header_is_compared_in_constant_time(monkeypatch_module, secret, body, header):
    compared = []
    monkeypatch_module.setattr(hmac, "compare_digest", lambda a, b: compared.append((a, b)) or REAL_COMPARE(a, b))
    verify_signature(secret, body, header or "x")
    assert len(compared) == 1  # whatever the header: never an early exit on length or prefix


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


# --- CRC token rules ---------------------------------------------------------------------------------

tokens = st.one_of(
    st.text(st.sampled_from(sorted(TOKEN_ALPHABET)), min_size=1, max_size=MAX_TOKEN_LENGTH),
    st.text(max_size=40),
    st.text(st.sampled_from(sorted(TOKEN_ALPHABET) + list('{}":, \n')), max_size=40),
)


@PROPERTY
@given(tokens)
def test_a_token_is_signed_exactly_when_it_is_1_to_1024_alphabet_characters(token):
    valid = 1 <= len(token) <= MAX_TOKEN_LENGTH and set(token) <= TOKEN_ALPHABET
    assert (token_problem(token) is None) == valid
    try:
        answer = answer_crc(token, StaticSecret())
    except BadToken:
        assert not valid
    else:
        assert valid
        assert json.loads(answer.body) == {"response_token": sign(b"dev-consumer-secret", token.encode())}


@PROPERTY
@given(st.text(st.sampled_from(sorted(TOKEN_ALPHABET)), min_size=1, max_size=200))
def test_no_signable_token_is_a_json_object_a_delivery_could_be(token):
    try:
        value = json.loads(token)
    except ValueError:
        return
    assert not isinstance(value, dict)


def test_the_token_alphabet_is_the_documented_one():
    assert set(string.ascii_letters + string.digits + "-_.~+/=") == TOKEN_ALPHABET
