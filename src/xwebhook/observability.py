"""The admin function's structured logger and metrics (crc and ingest log with log_line.py: see there why).

Powertools writes JSON log lines and CloudWatch embedded-metric lines to stdout: no API calls.
Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "XWebhook"

logger = Logger(service="xwebhook")
metrics = Metrics(namespace=NAMESPACE, service="xwebhook")

__all__ = ["logger", "metrics", "MetricUnit", "NAMESPACE"]
