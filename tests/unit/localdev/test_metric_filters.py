"""localdev.metric_filters: CloudWatch JSON filter patterns, the template's filters on ingest's own lines, the sink."""

import json
from datetime import UTC, datetime

import pytest

from localdev.metric_filters import MetricFilters, MetricFilterSink, UnsupportedPattern, compile_pattern
from localdev.provision import load_template

WHEN = datetime(2026, 11, 27, 15, 30, 12, tzinfo=UTC)


def line(**fields):
    return json.dumps({"level": "INFO", "message": "delivery", "service": "xwebhook", **fields})


@pytest.mark.parametrize(
    ("pattern", "document", "matches"),
    [
        ('{ $.message = "delivery" }', {"message": "delivery"}, True),
        ('{ $.message = "delivery" }', {"message": "crc"}, False),
        ('{ $.message = "deliv*" }', {"message": "delivery"}, True),
        ('{ $.message != "crc" }', {"message": "delivery"}, True),
        ('{ $.message != "crc" }', {}, False),  # no field, no match
        ("{ $.status >= 500 }", {"status": 503}, True),
        ("{ $.status >= 500 }", {"status": "503"}, False),  # a string is no number
        ("{ $.status < 400 }", {"status": 200}, True),
        ("{ $.status = 200 }", {"status": 200.0}, True),
        ('{ $.a.b[1] = "x" }', {"a": {"b": ["w", "x"]}}, True),
        ('{ $.a.b[2] = "x" }', {"a": {"b": ["w", "x"]}}, False),
        ("{ $.flag IS TRUE }", {"flag": True}, True),
        ("{ $.flag IS FALSE }", {"flag": True}, False),
        ("{ $.gone IS NULL }", {"gone": None}, True),
        ("{ $.gone NOT EXISTS }", {}, True),
        ("{ $.gone NOT EXISTS }", {"gone": 1}, False),
        ('{ $.status = 200 || $.message = "crc" }', {"status": 500, "message": "crc"}, True),
        ('{ $.status = 200 || $.status = 503 && $.message = "x" }', {"status": 200, "message": "y"}, True),
        ('{ ($.status = 200 || $.status = 503) && $.message = "x" }', {"status": 200, "message": "y"}, False),
        ("{ $.message = delivery }", {"message": "delivery"}, True),  # unquoted strings
    ],
)
def test_json_filter_patterns(pattern, document, matches):
    assert compile_pattern(pattern)(document) is matches


@pytest.mark.parametrize(
    "pattern",
    ["?ERROR ?WARN", "ERROR -debug", "[ip, user, status=5*]", "{ $.a = }", "{ $.a === 1 }", "{ $.a IS MAYBE }"],
)
def test_patterns_it_cannot_apply_are_refused_naming_the_filter(pattern):
    with pytest.raises(UnsupportedPattern) as caught:
        compile_pattern(pattern, "SomeFilter")
    assert str(caught.value).startswith("SomeFilter: ")


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ('"Task timed out"', "2026-11-27T15:30:12.000Z 8f1c Task timed out after 10.00 seconds", True),
        ('"Task timed out"', "Task timed", False),
        ("ERROR secret", "ERROR: the secret is unavailable", True),
        ("ERROR secret", "ERROR: the key", False),
    ],
)
def test_term_patterns_match_raw_lines(pattern, text, matches):
    assert compile_pattern(pattern)(text) is matches


@pytest.fixture(scope="module")
def filters():
    return MetricFilters.from_template(load_template())


def names(entries):
    return sorted((entry["MetricName"], entry["Value"]) for entry in entries)


def by_name(entries):
    return {entry["MetricName"]: entry for entry in entries}


def test_the_templates_delivery_filters_apply_to_ingest_lines_only(filters):
    assert {f.name for f in filters["ingest"]} >= {"DeliveriesFailedMetric", "DeliveriesTimedOutMetric"}
    assert filters["admin"] == []
    crc_names = set(by_name(filters.data("crc", line(status=503))))
    assert not crc_names & {"DeliveriesFailed", "DeliveriesAccepted", "EventsSent"}


def test_a_failed_delivery_line_becomes_deliveries_failed_with_the_service_dimension(filters):
    entry = by_name(filters.data("ingest", line(status=503, sent=0, duplicates=0), WHEN))["DeliveriesFailed"]
    assert entry == {
        "Namespace": "XWebhook",
        "MetricName": "DeliveriesFailed",
        "Value": 1.0,
        "Timestamp": WHEN,
        "Dimensions": [{"Name": "service", "Value": "xwebhook"}],
        "Unit": "Count",
    }


def test_lambda_timeout_lines_become_deliveries_timed_out(filters):
    entries = by_name(filters.data("ingest", "2026-11-27T15:30:12Z 8f1c Task timed out after 10.00 seconds\n", WHEN))
    assert set(entries) == {"DeliveriesTimedOut"}
    assert entries["DeliveriesTimedOut"]["Dimensions"] == []


def test_an_accepted_delivery_counts_its_events_and_duplicates(filters):
    entries = by_name(filters.data("ingest", line(status=200, events=4, sent=3, duplicates=1), WHEN))
    counts = {name: entries[name]["Value"] for name in ("DeliveriesAccepted", "DuplicatesSkipped", "EventsSent")}
    assert counts == {"DeliveriesAccepted": 1.0, "DuplicatesSkipped": 1.0, "EventsSent": 3.0}
    assert "DeliveriesRejected" in by_name(filters.data("ingest", line(status=401), WHEN))
    assert "DeliveriesFailed" not in entries


@pytest.mark.parametrize("text", ["not json", "[1, 2]", "", "Traceback (most recent call last):"])
def test_lines_that_are_not_json_objects_match_nothing(filters, text):
    assert filters.data("ingest", text) == []


def ingest_template(**filters):
    """A template whose ingest function logs to group G, with filters {logical id: (pattern, [transformations])}."""
    resources = {
        "IngestFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"LoggingConfig": {"LogGroup": {"Ref": "G"}}},
        }
    }
    for logical_id, (pattern, transformations) in filters.items():
        resources[logical_id] = {
            "Type": "AWS::Logs::MetricFilter",
            "Properties": {
                "LogGroupName": {"Ref": "G"},
                "FilterPattern": pattern,
                "MetricTransformations": transformations,
            },
        }
    return {"Resources": resources}


def test_a_value_or_dimension_the_line_lacks_puts_nothing_and_a_default_is_put_on_no_match():
    enqueued = {"MetricNamespace": "N", "MetricName": "Enqueued", "MetricValue": "$.enqueued", "DefaultValue": 0}
    by_user = {
        "MetricNamespace": "N",
        "MetricName": "ByUser",
        "MetricValue": "1",
        "Dimensions": [{"Key": "user", "Value": "$.user"}],
    }
    template = ingest_template(F=('{ $.message = "delivery" }', [enqueued, by_user]))
    filters = MetricFilters.from_template(template)
    assert filters.data("ingest", line()) == []  # neither $.enqueued nor $.user
    assert names(filters.data("ingest", json.dumps({"message": "crc"}))) == [("Enqueued", 0.0)]
    assert names(filters.data("ingest", line(enqueued=2, user=7))) == [("ByUser", 1.0), ("Enqueued", 2.0)]


class RecordingCloudWatch:
    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def put_metric_data(self, Namespace, MetricData):
        if self.fail:
            raise ConnectionError("moto is gone")
        self.calls.append((Namespace, MetricData))


SINK_TEMPLATE = ingest_template(
    Failed=(
        '{ $.message = "delivery" && $.status >= 500 }',
        [{"MetricNamespace": "XWebhook", "MetricName": "DeliveriesFailed", "MetricValue": "1"}],
    ),
    Sent=(
        '{ $.message = "delivery" && $.status = 200 }',
        [{"MetricNamespace": "XWebhook", "MetricName": "EventsSent", "MetricValue": "$.sent"}],
    ),
)


def test_the_sink_sums_one_minute_of_lines_per_metric_and_puts_them_in_one_call():
    cloudwatch = RecordingCloudWatch()
    sink = MetricFilterSink(MetricFilters.from_template(SINK_TEMPLATE), cloudwatch, clock=lambda: WHEN.timestamp())
    for _ in range(3):
        sink("ingest", line(status=503))
    sink("ingest", line(status=200, sent=2, duplicates=0))
    sink("ingest", line(status=200, sent=5, duplicates=0))
    assert sink.flush() == 2
    ((namespace, data),) = cloudwatch.calls
    assert namespace == "XWebhook"
    assert {datum["MetricName"]: datum["Value"] for datum in data} == {"DeliveriesFailed": 3.0, "EventsSent": 7.0}
    assert {datum["Timestamp"] for datum in data} == {datetime(2026, 11, 27, 15, 30, 30, tzinfo=UTC)}
    assert sink.flush() == 0  # nothing left


def test_a_cloudwatch_that_refuses_costs_the_metrics_never_the_function(filters):
    sink = MetricFilterSink(filters, RecordingCloudWatch(fail=True))
    sink("ingest", line(status=503))
    assert sink.flush() == 0
    assert sink.errors == 1
