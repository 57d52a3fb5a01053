"""When ingest answered X with a 5xx: the minutes with DeliveriesFailed > 0, read back from CloudWatch.

Ingest writes one JSON line per delivery; the template's DeliveriesFailedMetric (a CloudWatch Logs
metric filter on `{ $.message = "delivery" && $.status >= 500 }`) turns each failed one into a
DeliveriesFailed data point (namespace XWebhook, dimension service=xwebhook). The recovery part reads
it with one GetMetricData call per ensure run: the Sum per minute over X's 24 h replay reach
(1,440 points, one page).

Why GetMetricData and not the DeliveriesFailedAlarm's history (DescribeAlarmHistory, which IAM can
scope to the one alarm's ARN): the metric has one-minute resolution where the alarm has five-minute
periods and a delay, and moto serves GetMetricData, so the same code runs against `make run` (where
localdev.metric_filters applies the template's filters to the functions' log lines). The price is
IAM: cloudwatch:GetMetricData has no resource-level permissions, so its statement needs
`Resource: "*"`; it can only read metric values, nothing else (README: Operations; the threat model).

Port: `failed_minutes(start, end) -> [minute, ...]` (minutes since the epoch, ascending). Tests use
tests/fakes.py's FakeDeliveryFailures.
"""

from datetime import UTC, datetime

from xwebhook.admin.errors import AdminError

# The names the template's DeliveriesFailedMetric filter writes (tests/unit/infra checks they agree).
NAMESPACE = "XWebhook"
METRIC = "DeliveriesFailed"
DIMENSIONS = ({"Name": "service", "Value": "xwebhook"},)
PERIOD_SECONDS = 60
MAX_PAGES = 5  # 1,440 one-minute points fit in one page (100,800); more pages mean something else is wrong


class MetricUnavailable(AdminError):
    """The failure metric could not be read; the message names the metric and the AWS error code."""


class CloudWatchDeliveryFailures:
    """`client()` -> a boto3 CloudWatch client, made on first use."""

    def __init__(self, client, namespace=NAMESPACE, metric=METRIC, dimensions=DIMENSIONS):
        self._client_factory = client
        self._client = None
        self.namespace = namespace
        self.metric = metric
        self.dimensions = [dict(dimension) for dimension in dimensions]

    def _cloudwatch(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def failed_minutes(self, start, end):
        """Minutes in [start, end) (minutes since the epoch) in which at least one delivery failed."""
        query = {
            "Id": "failed",
            "MetricStat": {
                "Metric": {"Namespace": self.namespace, "MetricName": self.metric, "Dimensions": self.dimensions},
                "Period": PERIOD_SECONDS,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        arguments = {
            "MetricDataQueries": [query],
            "StartTime": datetime.fromtimestamp(start * 60, UTC),
            "EndTime": datetime.fromtimestamp(end * 60, UTC),
            "ScanBy": "TimestampAscending",
        }
        minutes = set()
        for _ in range(MAX_PAGES):
            try:
                answer = self._cloudwatch().get_metric_data(**arguments)
            except Exception as exc:  # botocore ClientError, connection and timeout errors
                code = getattr(exc, "response", {}).get("Error", {}).get("Code") or exc.__class__.__name__
                raise MetricUnavailable(
                    f"the {self.namespace}/{self.metric} metric could not be read: {code}"
                ) from None
            for result in answer.get("MetricDataResults", []):
                for timestamp, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    minute = int(timestamp.timestamp() // 60)
                    if value > 0 and start <= minute < end:
                        minutes.add(minute)
            token = answer.get("NextToken")
            if not token:
                break
            arguments["NextToken"] = token
        return sorted(minutes)
