"""JSON in and out: what X sends comes back exactly, in bodies SQS takes; what cannot be stored is refused."""

import json
from decimal import Decimal

import pytest

from tests.sqs_rules import sqs_accepts_text
from xwebhook.log_line import json_scalar
from xwebhook.receive.errors import TooDeep
from xwebhook.receive.jsontext import MAX_NESTING, RawNumber, canonical, dumps, parse


def read(text):
    return parse(text.encode("utf-8"))


def roundtrip(text):
    out = dumps(read(text)).decode()
    assert sqs_accepts_text(out)
    return out


def exact(text):
    """The value of JSON text with numbers as decimals: what X meant, digit for digit."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_noncharacters_are_escaped_and_decode_to_themselves(char):
    text = json.dumps({"text": f"a{char}b", f"k{char}": 1}, ensure_ascii=False)
    out = roundtrip(text)
    assert char not in out
    assert json.loads(out) == {"text": f"a{char}b", f"k{char}": 1}


def test_lone_surrogates_in_keys_and_values_are_escaped_and_kept():
    text = '{"\\ud800": "x\\udfff", "ok": "é𝕏", "n": 1}'
    out = roundtrip(text)
    assert json.loads(out) == {"\ud800": "x\udfff", "ok": "é𝕏", "n": 1}
    assert "é𝕏" in out  # the rest stays UTF-8, not \\u escapes


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1E+400", "1e-400", "-2.5e-999"])
def test_numbers_a_double_cannot_hold_are_kept_as_written(number):
    out = roundtrip('{"n": %s, "big": 123456789012345678901234567890}' % number)
    assert "Infinity" not in out
    assert "null" not in out
    assert exact(out) == {"n": Decimal(number), "big": 123456789012345678901234567890}
    assert read(number) == RawNumber(number)


@pytest.mark.parametrize("number", ["0.0", "-0.0", "0e5", "1.5", "-2.25e-3", "1e308"])
def test_numbers_a_double_holds_are_doubles(number):
    assert read(number) == float(number)
    assert json.loads(roundtrip(number)) == float(number)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant):
    with pytest.raises(ValueError, match="not JSON"):
        read('{"n": %s}' % constant)


def test_integers_beyond_64_bits_are_exact_next_to_anything_else():
    value = {"a": 2**64, "b": -(2**63) - 1, "c": "\ufffe", "d": 1.5}
    assert json.loads(dumps(value)) == value


def test_nesting_beyond_the_parser_is_too_deep_not_a_crash():
    with pytest.raises(TooDeep):
        read("[" * 20000 + "]" * 20000)


def test_nesting_is_written_up_to_the_limit_and_refused_beyond():
    value = []
    for _ in range(MAX_NESTING - 1):
        value = [value]
    assert json.loads(dumps(value)) == value
    with pytest.raises(TooDeep):
        dumps([value, [[value]]])


def test_canonical_text_ignores_key_order_in_both_writers():
    assert canonical({"b": 1, "a": {"d": 2, "c": 3}}) == canonical({"a": {"c": 3, "d": 2}, "b": 1})
    odd = {"b": "\ud800", "a": 2**70}  # takes the iterative writer
    assert canonical(odd) == canonical({"a": 2**70, "b": "\ud800"})
    assert json.loads(canonical(odd)) == odd


def test_control_characters_are_escaped_as_json_requires():
    out = roundtrip(json.dumps({"t": "a\x00\x1f\x7f"}))
    assert json.loads(out) == {"t": "a\x00\x1f\x7f"}


STRICT = json.JSONDecoder()


@pytest.mark.parametrize(
    "text",
    [
        "-9223372036854775809",  # below int64: orjson would read a double
        "18446744073709551616",  # beyond uint64
        "123456789012345678901234567890",
        '{"a": 1e-400, "b": 0.0}',
        "0." + "0" * 400 + "1",
        '{"a": "\\ud800"}',
        '{"a": 1, "a": 2}',
        '["' + "9" * 25 + '"]',  # digits in a string take the exact path too, to the same value
        "[" * 2000 + "]" * 2000,  # beyond orjson's nesting limit, within the standard library's
    ],
)
def test_documents_orjson_would_not_read_exactly_are_read_exactly(text):
    value = read(text)
    expected = STRICT.decode(text)
    if isinstance(expected, float) and expected == 0.0:
        assert value == RawNumber(text)
    elif isinstance(expected, dict) and expected.get("a") == 0.0:
        assert value == {"a": RawNumber("1e-400"), "b": 0.0}
    else:
        assert value == expected
        assert type(value) is type(expected)


@pytest.mark.parametrize("body", [b"\xef\xbb\xbf{}", b"\xff{}", b"", b"{", b'{"a": NaN}', b"[1,]", b"01"])
def test_what_is_not_json_is_refused_by_both_readers(body):
    with pytest.raises(ValueError):
        parse(body)


@pytest.mark.parametrize("body", [b'  {"a": 1}', b'{"a": 1}  \n', b'\n{"a": 1}\r\n\t'])
def test_whitespace_around_the_document_is_allowed(body):
    assert parse(body) == {"a": 1}


@pytest.mark.parametrize("body", [b'{"a": 1} x', b'{"a": 1}{"b": 2}', b'{"a": 1}\xc2\xa0', b'  {"a": 1} 1'])
def test_anything_else_after_the_document_is_refused(body):
    with pytest.raises(ValueError):
        parse(body)


def test_the_message_writers_fallback_writes_scalars_as_the_log_lines_do():
    for value in (None, True, False, 0, -(2**80), 1.25, 1e-300, "plain", 'q"uote'):
        # A lone surrogate makes orjson refuse the list: the iterative writer writes it, scalar by scalar.
        assert dumps(["\ud800", value]).decode() == '["\\ud800",' + json_scalar(value) + "]"
    assert json_scalar(float("nan")) is None
    assert json_scalar([1]) is None
