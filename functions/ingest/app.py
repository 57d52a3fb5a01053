"""ingest function: takes X's signed deliveries on POST /webhook and puts each event on SQS.

Thin: read the raw body and signature, hand them to DeliveryIngestor, map its outcome to HTTP, log
one line and a few metrics. 200 only once SQS has every event of the delivery.
"""

from xwebhook.aws import build_ingestor
from xwebhook.http_api import BadRequest, header, json_response, raw_body
from xwebhook.ingest import IngestOutcome
from xwebhook.observability import MetricUnit, logger, metrics
from xwebhook.settings import SIGNATURE_HEADER, IngestSettings

ingestor = build_ingestor(IngestSettings.from_env())


def _delivery_metric(status):
    if status >= 500:
        return "DeliveriesFailed"  # X will retry; alarmed on
    return "DeliveriesRejected" if status >= 400 else "DeliveriesAccepted"


@metrics.log_metrics
def handler(event, context):
    try:
        outcome = ingestor.ingest(raw_body(event), header(event, SIGNATURE_HEADER))
    except BadRequest as exc:
        outcome = IngestOutcome(400, str(exc))
    logger.info(
        "delivery",
        status=outcome.status,
        reason=outcome.reason,
        detail=outcome.detail,
        source=outcome.source,
        events=outcome.events,
        enqueued=outcome.enqueued,
        duplicates=outcome.duplicates,
        event_types=outcome.event_types,
    )
    if outcome.status == 200:
        metrics.add_metric(name="EventsEnqueued", unit=MetricUnit.Count, value=outcome.enqueued)
        metrics.add_metric(name="DuplicatesSkipped", unit=MetricUnit.Count, value=outcome.duplicates)
    metrics.add_metric(name=_delivery_metric(outcome.status), unit=MetricUnit.Count, value=1)
    return json_response(outcome.status, outcome.body())
