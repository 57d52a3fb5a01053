"""When ingest answered X with a 5xx: the minutes with DeliveriesFailed or DeliveriesTimedOut > 0, from CloudWatch.

Ingest writes one JSON line per delivery; the template's DeliveriesFailedMetric (a CloudWatch Logs
metric filter on `{ $.message = "delivery" && $.status >= 500 }`) turns each failed one into a
DeliveriesFailed data point (namespace XWebhook, dimension service=xwebhook); an invocation that Lambda
ended at its Timeout (the HTTP API answered 500) leaves Lambda's "Task timed out" line instead, which
DeliveriesTimedOutMetric counts. The recovery part reads both with one GetMetricData call per ensure
run: the Sum per minute over X's 24 h replay reach (2 x 1,440 points, one page).

Why GetMetricData and not the DeliveriesFailedAlarm's history (DescribeAlarmHistory, which IAM can
scope to the one alarm's ARN): the metric has one-minute resolution where the alarm has five-minute
periods and a delay, and moto serves GetMetricData, so the same code runs against `make run` (where
localdev.metric_filters applies the template's filters to the functions' log lines). The price is
IAM: cloudwatch:GetMetricData has no resource-level permissions, so its statement needs
`Resource: "*"`; it can only read metric values, nothing else (docs/operations.md; the threat model).

Port: `failed_minutes(start, end) -> [minute, ...]` (minutes since the epoch, ascending). Tests use
tests/fakes/stores.py's FakeDeliveryFailures.
"""

from datetime import UTC, datetime

from xwebhook.errors import ReportedError

# The names the template's DeliveriesFailedMetric and DeliveriesTimedOutMetric filters write (tests/unit/infra
# checks they agree): a 5xx that ingest answered and logged, and an invocation Lambda ended at its Timeout
# (the HTTP API answered 500; the only line is Lambda's "Task timed out").
NAMESPACE = "XWebhook"
METRIC = "DeliveriesFailed"
DIMENSIONS = ({"Name": "service", "Value": "xwebhook"},)
METRICS = ((NAMESPACE, METRIC, DIMENSIONS), (NAMESPACE, "DeliveriesTimedOut", ()))
PERIOD_SECONDS = 60
MAX_PAGES = 5  # 2 x 1,440 one-minute points fit in one page (100,800); more pages mean something else is wrong


class MetricUnavailable(ReportedError):
    """The failure metrics could not be read; the message names them and the AWS error code."""


class CloudWatchDeliveryFailures:
    """`client()` -> a botocore CloudWatch client (the admin function's is made on first use:
    xwebhook.aws.client_on_first_use). `metrics`: (namespace, name, dimensions)."""

    def __init__(self, client, metrics=METRICS):
        self._cloudwatch = client
        self.metrics = [(namespace, name, [dict(d) for d in dimensions]) for namespace, name, dimensions in metrics]

    def _queries(self):
        return [
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": name, "Dimensions": dimensions},
                    "Period": PERIOD_SECONDS,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for index, (namespace, name, dimensions) in enumerate(self.metrics)
        ]

    def failed_minutes(self, start, end):
        """Minutes in [start, end) (minutes since the epoch) in which at least one delivery failed."""
        arguments = {
            "MetricDataQueries": self._queries(),
            "StartTime": datetime.fromtimestamp(start * 60, UTC),
            "EndTime": datetime.fromtimestamp(end * 60, UTC),
            "ScanBy": "TimestampAscending",
        }
        minutes = set()
        for _ in range(MAX_PAGES):
            try:
                answer = self._cloudwatch().get_metric_data(**arguments)
            except Exception as exc:  # botocore ClientError, connection and timeout errors
                from xwebhook.aws import error_code

                names = " and ".join(f"{namespace}/{name}" for namespace, name, _ in self.metrics)
                raise MetricUnavailable(f"the {names} metrics could not be read: {error_code(exc)}") from None
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
