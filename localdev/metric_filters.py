"""A local stand-in for CloudWatch Logs metric filters: the template's AWS::Logs::MetricFilter resources applied
to the functions' log lines, the metrics put into the local AWS endpoint's CloudWatch (moto). Never deployed.

In AWS, ingest's one JSON line per delivery becomes DeliveriesFailed, EventsSent, ... through metric
filters on its log group; the alarms and the admin function's recovery read those metrics. moto stores
log events and metrics but applies no filter, so without this `make run` would never show a failure
metric and the recovery could not be tried locally. The local gateway hands each function's output
lines here (Gateway(log_sink=...)); `make run` starts it.

    filters = MetricFilters.from_template(template)        # {function name: [MetricFilter, ...]}
    sink = MetricFilterSink(filters, cloudwatch_client)    # a thread: put_metric_data every FLUSH_SECONDS
    sink("ingest", '{"message":"delivery","status":503,"service":"xwebhook",...}')

Patterns: CloudWatch's JSON filter patterns, `{ $.a = "x" && ($.b >= 500 || $.c IS TRUE) }`: selectors
`$.a.b` and `$.a[0]`, = and != on strings (with * wildcards) and numbers, < <= > >= on numbers, IS TRUE /
IS FALSE / IS NULL, NOT EXISTS, && before ||, parentheses; and term patterns, `"Task timed out"` or
`ERROR`, every term in the raw line. Any other pattern (space-delimited, ?OR or -exclusion terms) is
refused when the template is read, naming the filter. A transformation's MetricValue is a
number or `$.field`, its Dimensions take `$.field` values, DefaultValue is put when a line does not
match, as CloudWatch does. Data points of one flush are summed per metric, dimensions and minute
(CloudWatch keeps statistic sets too; the recovery and the alarms read Sum).
"""

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

FLUSH_SECONDS = 0.5
MAX_DATA_PER_CALL = 1000  # PutMetricData's limit


class UnsupportedPattern(ValueError):
    """A filter pattern this stand-in cannot evaluate; the message names the filter."""


# --- patterns --------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) | (?P<and>&&) | (?P<or>\|\|) |
        (?P<op>!=|<=|>=|=|<|>) |
        (?P<selector>\$(?:\.[A-Za-z0-9_@-]+|\[\d+\])+) |
        (?P<string>"(?:[^"\\]|\\.)*") |
        (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?) |
        (?P<word>[A-Za-z_][A-Za-z0-9_*-]*)
    )""",
    re.VERBOSE,
)
_MISSING = object()


def _tokens(text, name):
    position, tokens = 0, []
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise UnsupportedPattern(f"{name}: cannot read the filter pattern at {text[position : position + 20]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _select(document, selector):
    value = document
    for part in re.findall(r"\.([A-Za-z0-9_@-]+)|\[(\d+)\]", selector):
        key, index = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare(actual, operator, expected):
    if actual is _MISSING or actual is None or isinstance(actual, (dict, list)):
        return False
    if isinstance(expected, str):
        if operator not in ("=", "!="):
            return False
        text = json.dumps(actual) if isinstance(actual, bool) else str(actual)
        pattern = "^" + ".*".join(re.escape(part) for part in expected.split("*")) + "$"
        return bool(re.match(pattern, text, re.DOTALL)) == (operator == "=")
    if not _is_number(actual):
        return False
    return {
        "=": actual == expected,
        "!=": actual != expected,
        "<": actual < expected,
        "<=": actual <= expected,
        ">": actual > expected,
        ">=": actual >= expected,
    }[operator]


class _Parser:
    """Recursive descent over the tokens: a predicate document -> bool."""

    def __init__(self, tokens, name):
        self.tokens = tokens
        self.position = 0
        self.name = name

    def _peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def _take(self, kind=None):
        token = self._peek()
        if token[0] is None or (kind and token[0] != kind):
            raise UnsupportedPattern(f"{self.name}: expected {kind or 'more'} in the filter pattern, got {token[1]!r}")
        self.position += 1
        return token

    def parse(self):
        predicate = self._or()
        if self.position != len(self.tokens):
            raise UnsupportedPattern(f"{self.name}: unexpected {self._peek()[1]!r} in the filter pattern")
        return predicate

    def _or(self):
        return self._chain("or", self._and, any)

    def _and(self):
        return self._chain("and", self._term, all)

    def _chain(self, joiner, operand, combine):
        """operand (joiner operand)*, combined with any/all: && binds tighter than || as it calls _and."""
        terms = [operand()]
        while self._peek()[0] == joiner:
            self._take()
            terms.append(operand())
        return terms[0] if len(terms) == 1 else (lambda doc: combine(term(doc) for term in terms))

    def _term(self):
        kind, _ = self._peek()
        if kind == "lparen":
            self._take()
            inner = self._or()
            self._take("rparen")
            return inner
        _, selector = self._take("selector")
        kind, text = self._peek()
        if kind == "word" and text.upper() == "IS":
            self._take()
            _, what = self._take("word")
            expected = {"TRUE": True, "FALSE": False, "NULL": None}.get(what.upper(), _MISSING)
            if expected is _MISSING:
                raise UnsupportedPattern(f"{self.name}: IS takes TRUE, FALSE or NULL, not {what!r}")
            return lambda doc: (value := _select(doc, selector)) is not _MISSING and value is expected
        if kind == "word" and text.upper() == "NOT":
            self._take()
            _, what = self._take("word")
            if what.upper() != "EXISTS":
                raise UnsupportedPattern(f"{self.name}: NOT takes EXISTS, not {what!r}")
            return lambda doc: _select(doc, selector) is _MISSING
        _, operator = self._take("op")
        kind, literal = self._take()
        if kind == "string":
            expected = json.loads(literal)
        elif kind == "number":
            expected = float(literal)
        elif kind == "word":
            expected = literal  # an unquoted string
        else:
            raise UnsupportedPattern(f"{self.name}: {operator} needs a value, got {literal!r}")
        return lambda doc: _compare(_select(doc, selector), operator, expected)


def is_json_pattern(pattern):
    text = pattern.strip()
    return text.startswith("{") and text.endswith("}")


def compile_pattern(pattern, name="filter"):
    """A predicate for a CloudWatch filter pattern: JSON patterns take the parsed line (a dict), term
    patterns (`"Task timed out"`, `ERROR`) the raw line."""
    text = pattern.strip()
    if is_json_pattern(text):
        return _Parser(_tokens(text[1:-1], name), name).parse()
    return _terms(text, name)


def _terms(text, name):
    """Every term (a word, or a quoted phrase) must occur in the line, as CloudWatch matches term patterns.
    OR (?term), exclusion (-term) and space-delimited ([a, b]) patterns are not applied locally."""
    terms = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', text)
    words = [quoted or word for quoted, word in terms]
    if not words or any(word.startswith(("?", "-", "[")) for quoted, word in terms if word):
        raise UnsupportedPattern(f"{name}: only JSON patterns and plain or quoted terms are applied locally")
    return lambda line: isinstance(line, str) and all(word in line for word in words)


# --- filters ---------------------------------------------------------------------------------------


@dataclass
class MetricFilter:
    name: str  # the template's logical id
    matches: object  # predicate
    transformations: list = field(default_factory=list)
    on_json: bool = True  # a JSON pattern (matches parsed lines) or a term pattern (matches raw lines)

    def data(self, line, document, when):
        """PutMetricData entries for one log line, raw and parsed (`document` is None when the line is no
        JSON object); none when it neither matches nor has a default."""
        matched = (document is not None and self.matches(document)) if self.on_json else self.matches(line)
        document = document or {}
        entries = []
        for transformation in self.transformations:
            if matched:
                value = _value(transformation.get("MetricValue", "1"), document)
            elif "DefaultValue" in transformation:
                value = float(transformation["DefaultValue"])
            else:
                continue
            dimensions = _dimensions(transformation.get("Dimensions") or [], document) if matched else []
            if value is None or dimensions is None:
                continue  # CloudWatch publishes nothing when a selector finds no number / dimension
            entry = {
                "Namespace": transformation["MetricNamespace"],
                "MetricName": transformation["MetricName"],
                "Value": value,
                "Timestamp": when,
                "Dimensions": dimensions,
            }
            if transformation.get("Unit"):
                entry["Unit"] = transformation["Unit"]
            entries.append(entry)
        return entries


def _value(spec, document):
    if isinstance(spec, str) and spec.startswith("$"):
        value = _select(document, spec)
        return float(value) if _is_number(value) else None
    return float(spec)


def _dimensions(specs, document):
    dimensions = []
    for spec in specs:
        value = spec["Value"]
        if isinstance(value, str) and value.startswith("$"):
            value = _select(document, value)
            if value is _MISSING or value is None or isinstance(value, (dict, list)):
                return None
        dimensions.append({"Name": spec["Key"], "Value": str(value)})
    return dimensions


def _logical_id(reference):
    if isinstance(reference, dict) and set(reference) == {"Ref"}:
        return reference["Ref"]
    return None


FUNCTION_IDS = {"crc": "CrcFunction", "ingest": "IngestFunction", "admin": "AdminFunction"}


class MetricFilters(dict):
    """{function name: [MetricFilter]}, from the template: each filter on the log group a function logs to."""

    @classmethod
    def from_template(cls, template, functions=None, resolve=lambda value, path: value):
        resources = template.get("Resources") or {}
        functions = functions or {
            name: logical_id for name, logical_id in FUNCTION_IDS.items() if logical_id in resources
        }
        groups = {}
        for name, logical_id in functions.items():
            config = (resources.get(logical_id, {}).get("Properties") or {}).get("LoggingConfig") or {}
            group = _logical_id(config.get("LogGroup"))
            if group:
                groups.setdefault(group, []).append(name)
        filters = cls({name: [] for name in functions})
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Logs::MetricFilter":
                continue
            properties = resource.get("Properties") or {}
            path = f"Resources.{logical_id}.Properties"
            group = _logical_id(properties.get("LogGroupName"))
            pattern = resolve(properties.get("FilterPattern", ""), f"{path}.FilterPattern")
            transformations = resolve(properties.get("MetricTransformations") or [], f"{path}.MetricTransformations")
            metric_filter = MetricFilter(
                logical_id, compile_pattern(pattern, logical_id), transformations, is_json_pattern(pattern)
            )
            for name in groups.get(group, []):
                filters[name].append(metric_filter)
        return filters

    def data(self, function, line, when=None):
        """PutMetricData entries for one log line of `function` (JSON patterns see only JSON object lines)."""
        filters = self.get(function)
        if not filters:
            return []
        try:
            document = json.loads(line)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            document = None
        when = when or datetime.now(UTC)
        return [entry for metric_filter in filters for entry in metric_filter.data(line, document, when)]


class MetricFilterSink:
    """Takes (function, line) from the gateway, puts the metrics into CloudWatch from a thread of its own.

    `cloudwatch` is a boto3 CloudWatch client (on the local endpoint). Failures to put are counted in
    `errors` and dropped, as a log line's metric would be if CloudWatch were down: never the function's
    problem."""

    def __init__(self, filters, cloudwatch, flush_seconds=FLUSH_SECONDS, clock=time.time):
        self.filters = filters
        self.cloudwatch = cloudwatch
        self.flush_seconds = flush_seconds
        self.clock = clock
        self.pending = {}  # (namespace, name, dimensions, unit, minute) -> summed value
        self.put = 0  # data points put
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def __call__(self, function, line):
        entries = self.filters.data(function, line, datetime.fromtimestamp(self.clock(), UTC))
        if not entries:
            return
        with self._lock:
            for entry in entries:
                dimensions = tuple((d["Name"], d["Value"]) for d in entry["Dimensions"])
                minute = int(entry["Timestamp"].timestamp() // 60)
                key = (entry["Namespace"], entry["MetricName"], dimensions, entry.get("Unit"), minute)
                self.pending[key] = self.pending.get(key, 0.0) + entry["Value"]

    def flush(self):
        """Put what is pending now; returns the number of data points put."""
        with self._lock:
            pending, self.pending = self.pending, {}
        by_namespace = {}
        for (namespace, name, dimensions, unit, minute), value in pending.items():
            datum = {
                "MetricName": name,
                "Dimensions": [{"Name": key, "Value": value_} for key, value_ in dimensions],
                "Value": value,
                "Timestamp": datetime.fromtimestamp(minute * 60 + 30, UTC),
            }
            if unit:
                datum["Unit"] = unit
            by_namespace.setdefault(namespace, []).append(datum)
        put = 0
        for namespace, data in by_namespace.items():
            for start in range(0, len(data), MAX_DATA_PER_CALL):
                chunk = data[start : start + MAX_DATA_PER_CALL]
                try:
                    self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
                    put += len(chunk)
                except Exception:  # the local endpoint is gone or refuses: drop, as CloudWatch would
                    self.errors += 1
        self.put += put
        return put

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="metric-filters", daemon=True)
            self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.flush()
