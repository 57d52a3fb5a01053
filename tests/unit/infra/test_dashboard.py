"""The CloudWatch dashboard, the metric filters behind it, and the optional example consumer, read from
infra/template.yaml: the dashboard body is evaluated (Fn::Sub, Fn::If, Fn::FindInMap) for several
parameter sets, parsed as JSON, and every metric on it traced to a metric filter of this template (run
against the lines the real handlers write), to code that emits it, or to this stack's own resources."""

import json
import re
from pathlib import Path

import pytest

from localdev import consume
from localdev.handlers import load_function
from localdev.template import TemplateEvaluator, load_template
from tests.conftest import DEV_SECRET, sample, sample_bytes, signature
from tests.fakes import FakeSqs, StaticSecret
from tests.unit.infra import test_template as infra
from xwebhook.receive.ingest import DeliveryIngestor
from xwebhook.receive.publisher import SqsEventPublisher
from xwebhook.receive.splitting import split_delivery

REPO = Path(__file__).resolve().parents[3]
PARAMETER_SETS = [
    {},
    {"DeployExampleConsumer": "true"},
    {"EnsureIntervalMinutes": "15", "QueueType": "standard", "ReplayDedup": "disabled"},
]
# XWebhook metrics no metric filter makes: the code that emits them (embedded metric format lines).
EMITTED_BY_CODE = {
    "WebhookValid": REPO / "functions" / "admin" / "app.py",
    "AccountsNeedingReconnect": REPO / "src" / "xwebhook" / "admin" / "actions" / "accounts.py",
    "AutoReplayJobs": REPO / "src" / "xwebhook" / "recovery" / "auto_replay.py",
    "AutoReplayRefused": REPO / "src" / "xwebhook" / "recovery" / "auto_replay.py",
    "ReplayMinutesLost": REPO / "src" / "xwebhook" / "recovery" / "auto_replay.py",
}
# Metrics the dashboard shows before the code that emits them is merged: name -> who emits it. The
# docs/operations.md's "Dashboard and metrics" holds the contract. Once a module emits it, move it to EMITTED_BY_CODE
# (test_metrics_awaiting_their_emitter_are_not_emitted_yet says when).
AWAITING_EMITTER = {}
SEARCH = re.compile(r"SEARCH\('\{(?P<namespace>[^,}]+),(?P<dimensions>[^}]*)\} MetricName=\"(?P<name>[^\"]+)\"'")


# ---------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def template():
    return load_template(infra.TEMPLATE_PATH)


class Rendered:
    """The dashboard body for one parameter set, and the resources it referenced."""

    def __init__(self, template, parameters):
        self.template = template
        self.referenced = set()
        self.evaluator = TemplateEvaluator(template, parameters, ref=self._ref, get_att=self._get_att)
        body = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]
        self.text = self.evaluator.resolve(body)
        self.body = json.loads(self.text)

    def _check(self, logical_id):
        condition = self.template["Resources"][logical_id].get("Condition")
        assert condition is None or self.evaluator.condition(condition), f"{logical_id} is not created here"
        self.referenced.add(logical_id)

    def _ref(self, logical_id, path):
        self._check(logical_id)
        return f"<{logical_id}>"

    def _get_att(self, logical_id, attribute, path):
        self._check(logical_id)
        return f"<{logical_id}.{attribute}>"

    def widgets(self, kind="metric"):
        return [widget for widget in self.body["widgets"] if widget["type"] == kind]

    def metrics(self):
        """(namespace, name, {dimension: value}, options) per metric line; SEARCH lines as
        ("SEARCH:" + namespace, name, {dimension: None}, options)."""
        for widget in self.widgets():
            for line in widget["properties"]["metrics"]:
                options = line[-1] if isinstance(line[-1], dict) else {}
                if "expression" in options:
                    match = SEARCH.search(options["expression"])
                    assert match, options["expression"]
                    dimensions = dict.fromkeys(match["dimensions"].split(","))
                    yield "SEARCH:" + match["namespace"], match["name"], dimensions, options
                    continue
                fields = line[:-1] if options else line
                namespace, name, *pairs = fields
                yield namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True)), options


def rendered(template, **parameters):
    return Rendered(template, parameters)


def metric_filters(template):
    """metric name -> (log group logical id, {dimension key: selector}, value) of every metric filter."""
    found = {}
    for properties in (r["Properties"] for r in infra.resources_of_type(template, "AWS::Logs::MetricFilter").values()):
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == "XWebhook"
        dimensions = {d["Key"]: d["Value"] for d in transformation.get("Dimensions", [])}
        found[transformation["MetricName"]] = (
            properties["LogGroupName"]["Ref"],
            dimensions,
            transformation["MetricValue"],
            properties["FilterPattern"],
        )
    return found


def select(line, selector):
    """A metric filter's `$.a` or `$.a[0]` selector applied to a JSON log line."""
    match = re.fullmatch(r"\$\.(\w+)(?:\[(\d+)\])?", selector)
    assert match, selector
    value = line.get(match[1])
    if match[2] is not None:
        value = value[int(match[2])] if isinstance(value, list) and len(value) > int(match[2]) else None
    return value


def functions_created(template, parameters):
    evaluator = TemplateEvaluator(template, parameters)
    return {
        logical_id
        for logical_id, resource in infra.resources_of_type(template, "AWS::Serverless::Function").items()
        if "Condition" not in resource or evaluator.condition(resource["Condition"])
    }


# ---------------------------------------------------------------------------------------- the dashboard
@pytest.mark.parametrize("parameters", PARAMETER_SETS, ids=str)
def test_the_dashboard_body_is_json_widgets_in_the_stacks_region(template, parameters):
    dashboard = rendered(template, **parameters)
    assert dashboard.widgets("text")
    assert len(dashboard.widgets()) >= 12
    assert len(dashboard.text) < 100_000  # CloudWatch's limit on a dashboard body
    for widget in dashboard.body["widgets"]:
        assert {"type", "width", "height", "properties"} <= set(widget)
        assert widget["width"] <= 24
    for widget in dashboard.widgets():
        assert widget["properties"]["region"] == "us-east-1"  # ${AWS::Region} of the stand-in stack
        assert widget["properties"]["title"]
    name = infra.props(template, "OperationsDashboard")["DashboardName"]
    assert name == {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"}  # dashboards are account-wide


@pytest.mark.parametrize("parameters", PARAMETER_SETS, ids=str)
def test_the_dashboard_names_only_this_stacks_own_resources(template, parameters):
    dashboard = rendered(template, **parameters)
    kinds = {
        "FunctionName": ("AWS::Serverless::Function", ""),
        "QueueName": ("AWS::SQS::Queue", ".QueueName"),
        "ApiId": ("AWS::Serverless::HttpApi", ""),
    }
    assert dashboard.referenced
    for namespace, name, dimensions, _ in dashboard.metrics():
        if not namespace.startswith("AWS/"):
            continue
        for key, value in dimensions.items():
            kind, attribute = kinds[key]
            logical_id = re.fullmatch(r"<(\w+?)(\.\w+)?>", value)
            assert logical_id, (namespace, name, key, value)
            assert template["Resources"][logical_id[1]]["Type"] == kind, value
            assert (logical_id[2] or "") == attribute, value
    # The consumer's widget exists exactly when the consumer does.
    assert ("ExampleConsumerFunction" in dashboard.referenced) == (parameters.get("DeployExampleConsumer") == "true")


@pytest.mark.parametrize("parameters", PARAMETER_SETS, ids=str)
def test_every_xwebhook_metric_on_the_dashboard_is_made_by_a_filter_or_emitted_by_code(template, parameters):
    filters = metric_filters(template)
    shown = set()
    for namespace, name, dimensions, _ in rendered(template, **parameters).metrics():
        if namespace == "XWebhook":
            if name in filters and not filters[name][1]:  # a term-pattern filter (no JSON): no dimensions
                assert dimensions == {}, name
            else:
                assert dimensions == {"service": "xwebhook"}, name
                assert name in EMITTED_BY_CODE or name in AWAITING_EMITTER or set(filters[name][1]) == {"service"}, name
        elif namespace == "SEARCH:XWebhook":
            # a SEARCH names every dimension of the metric, or it finds nothing
            assert set(dimensions) == set(filters[name][1]), name
        else:
            assert namespace in ("AWS/Lambda", "AWS/SQS", "AWS/ApiGateway"), namespace
            continue
        shown.add(name)
    for name, path in EMITTED_BY_CODE.items():
        assert f'"{name}"' in path.read_text(), f"{path} no longer emits {name}"
    assert set(filters) <= shown, "a metric filter's metric is on no widget"


def test_metrics_awaiting_their_emitter_are_not_emitted_yet():
    """When the code that emits one of them is merged, move the name to EMITTED_BY_CODE with its path."""
    sources = [*REPO.glob("src/xwebhook/**/*.py"), *REPO.glob("functions/*/app.py")]
    for name in AWAITING_EMITTER:
        emitters = [str(path.relative_to(REPO)) for path in sources if f'"{name}"' in path.read_text()]
        assert not emitters, f"{name} is emitted by {emitters}: move it to EMITTED_BY_CODE"


def test_the_dashboard_shows_each_thing_an_operator_watches(template):
    metrics = list(rendered(template).metrics())

    def shows(namespace, name, **dimensions):
        return any(
            n == namespace and m == name and all(d.get(k, "") == v for k, v in dimensions.items())
            for n, m, d, _ in metrics
        )

    checklist = {
        "deliveries accepted": shows("XWebhook", "DeliveriesAccepted"),
        "deliveries rejected, by reason": shows("SEARCH:XWebhook", "DeliveriesRejectedByReason", reason=None),
        "deliveries failed": shows("XWebhook", "DeliveriesFailed"),
        "deliveries failed, by reason": shows("SEARCH:XWebhook", "DeliveriesFailedByReason", reason=None),
        "events by type": shows("SEARCH:XWebhook", "EventsByType", event_type=None),
        "CRC answers": shows("XWebhook", "CrcAnswered") and shows("SEARCH:XWebhook", "CrcRejected"),
        "CRC latency": shows("AWS/Lambda", "Duration", FunctionName="<CrcFunction>"),
        "queue depth": shows("AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName="<EventsQueue.QueueName>"),
        "oldest message age": shows("AWS/SQS", "ApproximateAgeOfOldestMessage", QueueName="<EventsQueue.QueueName>"),
        "DLQ depth": shows(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", QueueName="<EventsDeadLetterQueue.QueueName>"
        ),
        "WebhookValid": shows("XWebhook", "WebhookValid"),
        "accounts needing reconnect": shows("XWebhook", "AccountsNeedingReconnect"),
    }
    assert [item for item, shown in checklist.items() if not shown] == []


@pytest.mark.parametrize("parameters", PARAMETER_SETS, ids=str)
def test_every_function_of_the_stack_has_errors_throttles_and_duration_on_the_dashboard(template, parameters):
    lines = {
        (name, dimensions["FunctionName"])
        for namespace, name, dimensions, _ in rendered(template, **parameters).metrics()
        if namespace == "AWS/Lambda"
    }
    created = functions_created(template, parameters)
    assert {"CrcFunction", "IngestFunction", "AdminFunction"} <= created
    for function in created:
        for metric in ("Errors", "Throttles", "Duration"):
            assert (metric, f"<{function}>") in lines, f"{function}: no {metric} line (add it to OperationsDashboard)"


@pytest.mark.parametrize("minutes", ["15", "60", "720"])
def test_the_webhook_widgets_use_the_ensure_interval_as_their_period(template, minutes):
    dashboard = rendered(template, EnsureIntervalMinutes=minutes)
    period = template["Mappings"]["EnsureIntervals"][minutes]["PeriodSeconds"]
    for widget in dashboard.widgets():
        names = {line[1] for line in widget["properties"]["metrics"] if isinstance(line[0], str)}
        if names & {"WebhookValid", "AccountsNeedingReconnect"}:
            assert widget["properties"]["period"] == period


# ---------------------------------------------------------------------------------------- metric filters
@pytest.fixture
def crc_lines(template, capsys):
    """One log line each from the real crc handler for a 200, a 400 and a 503."""
    env = {
        key: str(infra.Resolver(template).resolve(value))
        for key, value in infra.function_environment(template, "CrcFunction").items()
    }
    app = load_function("crc", env, module_name="dashboard_test_crc")

    def get(token, secret):
        app._secret = secret
        capsys.readouterr()
        answer = app.handler({"queryStringParameters": {"crc_token": token} if token else None}, None)
        (line,) = capsys.readouterr().out.splitlines()
        return answer["statusCode"], json.loads(line)

    return [
        get("challenge", StaticSecret(DEV_SECRET.encode())),
        get(None, StaticSecret(DEV_SECRET.encode())),
        get("challenge", StaticSecret(available=False)),
    ]


def matching(filters, line, group):
    return {
        name
        for name, (log_group, _, _, pattern) in filters.items()
        if log_group == group and infra.filter_matches(pattern, line)
    }


def test_the_crc_filters_count_answers_and_name_the_reason(template, crc_lines):
    filters = metric_filters(template)
    assert [status for status, _ in crc_lines] == [200, 400, 503]
    expected = {200: {"CrcAnswered"}, 400: {"CrcRejected"}, 503: {"CrcFailed"}}
    for status, line in crc_lines:
        assert matching(filters, line, "CrcLogGroup") == expected[status], line
        assert matching(filters, line, "IngestLogGroup") == set()  # ingest's filters never count a CRC
    for name in ("CrcRejected", "CrcFailed"):
        (status, line) = next(pair for pair in crc_lines if name in matching(filters, pair[1], "CrcLogGroup"))
        dimensions = {key: select(line, selector) for key, selector in filters[name][1].items()}
        assert dimensions == {"service": "xwebhook", "reason": line["reason"]}, status
        assert line["reason"], status


@pytest.fixture
def post_delivery(template, capsys):
    """post(body, signed=True, secret_available=True) -> the real ingest handler's log line for it."""
    env = {
        key: str(infra.Resolver(template).resolve(value))
        for key, value in infra.function_environment(template, "IngestFunction").items()
    }
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    app = load_function("ingest", env, module_name="dashboard_test_ingest")

    def post(body, signed=True, secret_available=True):
        secret = StaticSecret(DEV_SECRET.encode(), available=secret_available)
        app.ingestor = DeliveryIngestor(secret, SqsEventPublisher(FakeSqs(), infra.FAKE_QUEUE_URL), 512 * 1024)
        headers = {"x-twitter-webhooks-signature": signature(body)} if signed else {}
        capsys.readouterr()
        app.handler({"headers": headers, "body": body.decode()}, None)
        (line,) = capsys.readouterr().out.splitlines()
        return json.loads(line)

    return post


ALARM_COUNTERS = {"DeliveriesAccepted", "DeliveriesRejected", "DeliveriesFailed", "EventsSent", "DuplicatesSkipped"}


def test_the_ingest_filters_name_the_reason_of_each_rejected_and_failed_delivery(template, post_delivery):
    filters = metric_filters(template)
    body = sample_bytes("aaa/favorite")
    lines = {
        "EventsByType": post_delivery(body),
        "DeliveriesRejectedByReason": post_delivery(body, signed=False),
        "DeliveriesFailedByReason": post_delivery(body, secret_available=False),
    }
    assert [line["status"] for line in lines.values()] == [200, 401, 503]
    for name, line in lines.items():
        assert matching(filters, line, "IngestLogGroup") - ALARM_COUNTERS == {name}, line
        assert matching(filters, line, "CrcLogGroup") == set()  # the crc filters never count a delivery
        dimensions = {key: select(line, selector) for key, selector in filters[name][1].items()}
        assert all(isinstance(value, str) and value for value in dimensions.values()), (name, dimensions)
    assert select(lines["DeliveriesRejectedByReason"], "$.reason") == "x-twitter-webhooks-signature header is missing"
    assert select(lines["DeliveriesFailedByReason"], "$.reason") == "consumer secret unavailable"


@pytest.mark.parametrize("name", ["aaa/favorite_multi", "xaa/post.create", "aaa/follow"])
def test_events_by_type_counts_a_one_type_delivery_exactly(template, post_delivery, name):
    line = post_delivery(sample_bytes(name))
    _, dimensions, value, pattern = metric_filters(template)["EventsByType"]
    assert infra.filter_matches(pattern, line)
    assert select(line, value) == line["sent"] == len(json.loads(sample_bytes(name)).get("favorite_events", [0]))
    assert {key: select(line, selector) for key, selector in dimensions.items()} == {
        "service": "xwebhook",
        "source": name.split("/")[0],
        "event_type": line["event_types"][0],
    }
    assert len(line["event_types"]) == 1


def test_a_delivery_of_two_types_counts_all_its_events_under_the_first(template, post_delivery):
    """The documented approximation: one dimension value per log line. X sends one kind per AAA delivery."""
    follow = json.loads(sample_bytes("aaa/follow"))
    (item,) = follow["follow_events"]
    follow["follow_events"] = [item, dict(item, type="unfollow")]
    line = post_delivery(json.dumps(follow).encode())
    assert line["event_types"] == ["follow.follow", "follow.unfollow"]
    assert line["sent"] == 2
    _, dimensions, value, _ = metric_filters(template)["EventsByType"]
    assert select(line, dimensions["event_type"]) == "follow.follow"
    assert select(line, value) == 2


def test_a_delivery_of_only_duplicates_adds_no_events_by_type(template):
    _, _, _, pattern = metric_filters(template)["EventsByType"]
    line = {"message": "delivery", "status": 200, "sent": 0, "duplicates": 1, "event_types": [], "source": "aaa"}
    assert not infra.filter_matches(pattern, line)  # there is no first type to name


# ---------------------------------------------------------------------------------------- example consumer
def test_the_example_consumer_exists_only_when_asked_for_with_everything_it_needs(template):
    optional = {"ExampleConsumerFunction", "ExampleConsumerFunctionRole", "ExampleConsumerLogGroup"}
    for logical_id in optional:
        assert template["Resources"][logical_id]["Condition"] == "DeployConsumer"
    assert template["Parameters"]["DeployExampleConsumer"]["Default"] == "false"
    assert not TemplateEvaluator(template, {}).condition("DeployConsumer")
    assert TemplateEvaluator(template, {"DeployExampleConsumer": "true"}).condition("DeployConsumer")
    assert template["Outputs"]["ExampleConsumerFunctionName"]["Condition"] == "DeployConsumer"


def test_the_example_consumer_reads_the_events_queue_with_partial_batch_failures(template):
    function = infra.props(template, "ExampleConsumerFunction")
    assert function["CodeUri"] == "../examples/consumer/"
    (event,) = function["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["EventsQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= event["Properties"]["BatchSize"] <= 10  # FIFO event sources take at most 10
    visibility = int(template["Parameters"]["EventsVisibilityTimeoutSeconds"]["Default"])
    assert function["Timeout"] * 6 <= visibility  # AWS's advice for SQS event sources
    assert template["Resources"]["ExampleConsumerFunction"]["Metadata"]["BuildMethod"] == "makefile"
    assert "build-ExampleConsumerFunction" in (REPO / "infra" / "Makefile").read_text()


def test_the_example_consumers_role_reaches_only_its_log_group_and_the_events_queue(template):
    resolver = infra.Resolver(template, DeployExampleConsumer="true")
    statements = list(infra.policy_statements(infra.props(template, "ExampleConsumerFunctionRole"), resolver))
    access = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        target = statement["Resource"]["Fn::GetAtt"][0]
        access.setdefault(target, set()).update(actions)
    assert access == {
        "ExampleConsumerLogGroup": {"logs:CreateLogStream", "logs:PutLogEvents"},
        "EventsQueue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
    }


def test_the_example_consumer_pins_what_the_dev_environment_pins():
    pins = dict(
        line.split("==")
        for line in (REPO / "requirements" / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    wanted = [
        line.split("==")
        for line in (REPO / "examples" / "consumer" / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    ]
    assert {name for name, _ in wanted} == {"aws-lambda-powertools", "pydantic"}
    for name, version in wanted:
        assert pins[name.replace("-", "_")] == version or pins.get(name) == version, name


def test_the_templates_environment_is_enough_for_the_example_consumer_to_start(template):
    env = consume.consumer_environment(template)
    assert env["POWERTOOLS_SERVICE_NAME"] == "xwebhook-consumer"
    app = consume.load_consumer(env, module_name="dashboard_test_consumer")
    (message,) = split_delivery(sample("xaa/post.create"), "2026-11-28T03:20:00.500Z")
    received = {"ApproximateReceiveCount": "1", "SentTimestamp": "1795836000000", "SenderId": "local"}
    received |= {"ApproximateFirstReceiveTimestamp": "1795836000000", "MessageGroupId": message.group_id}
    sqs_message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": message.body, "Attributes": received}
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:xwebhook-events.fifo"
    event = {"Records": [consume.lambda_record(sqs_message, queue_arn, "us-east-1")]}
    assert app.handler(event, None) == {"batchItemFailures": []}
    event["Records"][0]["body"] = '{"event_id": "not a message"}'
    assert app.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
