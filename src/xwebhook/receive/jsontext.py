"""JSON in and out on the receive path: X's deliveries parsed strictly, message bodies SQS always takes.

In (`parse`): RFC 8259 JSON in UTF-8, no NaN/Infinity, no byte order mark. Every value comes back exactly:
- integers of any size are Python ints;
- a number a double cannot hold (`1e400` overflows to infinity, `1e-400` underflows to zero) becomes a
  RawNumber that keeps X's text and is written back as that text. Other numbers are doubles, as any
  JSON decoder reads them;
- a string may hold a lone surrogate (X may escape one: "\\ud800"); it is kept and written escaped.
Nesting beyond what the parser takes is TooDeep (a 400: it can never be parsed, retries cannot help).

Out (`dumps`): compact UTF-8 JSON bytes that decode to the same value, and in which every character is
one SQS accepts in a message body (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF):
JSON escapes control characters itself; lone surrogates and the noncharacters U+FFFE and U+FFFF are
written as \\uXXXX escapes. orjson writes (about 10x faster than json, bench/warm.py); what orjson
refuses (lone surrogates, integers beyond 64 bits, nesting beyond 255 levels) takes `_portable`, an
iterative writer with the same output rules. A message nesting deeper than MAX_NESTING is TooDeep.
"""

import json
from _json import encode_basestring as _quote_utf8  # json's C string encoder, non-ASCII kept

import orjson  # in ingest's requirements.txt and the dev environment

from xwebhook.log_line import json_scalar
from xwebhook.receive.errors import TooDeep

MAX_NESTING = 512  # levels of objects/arrays in one message (X's own payloads nest about 10)


class RawNumber:
    """A JSON number kept as the text X wrote, because a double cannot hold its value."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, RawNumber) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return f"RawNumber({self.text!r})"


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


def _number(text):
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        return RawNumber(text)
    if value == 0.0 and any(digit in "123456789" for digit in text.lower().split("e", 1)[0]):
        return RawNumber(text)  # underflow: a nonzero number read as zero
    return value


_INFINITY = float("inf")
# Made once: JSONDecoder with hooks builds its scanner per instance.
_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_number)


def parse(body):
    """The value of the JSON document `body`: UTF-8 bytes, or the str they decode to (the text API Gateway
    handed over: not decoded a second time). Raises ValueError (not JSON) or TooDeep.

    The standard library's decoder, not orjson's: orjson.loads reads integers beyond 64 bits as
    doubles, turns 1e-400 into 0.0 and refuses lone surrogates, and finding where it would
    (bench: a byte scan of the body) costs more than it saves.
    """
    text = body if body.__class__ is str else body.decode("utf-8")
    try:
        # raw_decode skips decode()'s two whitespace regexes; X's bodies have no leading whitespace,
        # and anything after the value but whitespace is refused as decode() refuses it.
        value, end = _DECODER.raw_decode(text)
    except RecursionError:
        raise TooDeep(f"JSON nests deeper than {MAX_NESTING} levels") from None
    except ValueError:
        value, end = _decode_padded(text), len(text)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        raise ValueError("extra data after the JSON value")
    return value


def _decode_padded(text):
    try:
        return _DECODER.decode(text)  # leading whitespace, or not JSON (the error says why)
    except RecursionError:
        raise TooDeep(f"JSON nests deeper than {MAX_NESTING} levels") from None


def _fragment(value):
    if isinstance(value, RawNumber):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _encoded(value):
    """orjson's bytes (noncharacters still raw), or the iterative writer's (already escaped)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:  # a RawNumber (rare: without `default`, orjson is faster on the usual document)
        return orjson.dumps(value, default=_fragment)
    except orjson.JSONEncodeError:  # lone surrogates, integers beyond 64 bits, nesting beyond 255
        return _portable(value, sort_keys=False)


def message_text(value):
    """(JSON text, its size in UTF-8 bytes) of a message body: `dumps`, as the str SQS is sent.

    U+FFFE/U+FFFF are looked for in the str, where an ASCII text (most bodies) answers at once and a
    character search is fast; a byte search of orjson's output costs more than writing it."""
    try:
        out = orjson.dumps(value)
    except orjson.JSONEncodeError:
        out = _encoded(value)
    text = out.decode()
    if text.isascii() or ("\ufffe" not in text and "\uffff" not in text):
        return text, len(out)
    return escaped_noncharacters(text)


def escaped_noncharacters(text):
    """(text with U+FFFE/U+FFFF written as \\uXXXX escapes, its size in UTF-8 bytes), for JSON text."""
    text = text.replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")
    return text, len(text.encode())


def dumps(value):
    """Compact JSON bytes of `value`, valid UTF-8 and accepted by SQS. Raises TooDeep."""
    return message_text(value)[0].encode()


def canonical(value):
    """JSON bytes with object keys sorted: equal values give equal bytes, whatever the key order.
    (Only digested, never sent: noncharacters may stay raw.)"""
    try:
        return orjson.dumps(value, default=_fragment, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _portable(value, sort_keys=True)


def _escape_unsafe(match):
    return "\\u%04x" % ord(match.group())


_UNSAFE = None


def _string(text):
    """JSON string literal of `text` with every character SQS refuses escaped."""
    global _UNSAFE
    quoted = _quote_utf8(text)  # escapes '"', '\\' and control characters
    try:
        quoted.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        if "\ufffe" not in quoted and "\uffff" not in quoted:
            return quoted
    if _UNSAFE is None:  # only deliveries with odd text get here: re is not loaded before
        import re

        _UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]")
    return _UNSAFE.sub(_escape_unsafe, quoted)


def _scalar(value):
    text = json_scalar(value, _string)
    if text is not None:
        return text
    if isinstance(value, RawNumber):
        return value.text
    if isinstance(value, float):
        raise ValueError("NaN and Infinity are not JSON")
    raise TypeError(f"{type(value).__name__} is not JSON")


def _portable(value, sort_keys):
    """Iterative JSON writer (no recursion: any depth up to MAX_NESTING) with dumps' output rules."""
    out = []
    # Each frame: an iterator over the container's children, and whether it is an object.
    stack = []
    pending = [value]
    while True:
        if pending:
            item = pending.pop()
            if isinstance(item, dict):
                if len(stack) >= MAX_NESTING:
                    raise TooDeep(f"an event nests deeper than {MAX_NESTING} levels")
                items = sorted(item.items()) if sort_keys else item.items()
                stack.append((iter(items), True))
                out.append("{")
            elif isinstance(item, (list, tuple)):
                if len(stack) >= MAX_NESTING:
                    raise TooDeep(f"an event nests deeper than {MAX_NESTING} levels")
                stack.append((iter(item), False))
                out.append("[")
            else:
                out.append(_scalar(item))
        if not stack:
            break
        children, is_object = stack[-1]
        child = next(children, _END)
        if child is _END:
            stack.pop()
            out.append("}" if is_object else "]")
            if not stack:
                break
            continue
        if out[-1] not in ("{", "["):
            out.append(",")
        if is_object:
            key, child = child
            out.append(_string(key if isinstance(key, str) else str(key)))
            out.append(":")
        pending.append(child)
    return "".join(out).encode("utf-8")


_END = object()
