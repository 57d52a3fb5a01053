"""ingest function: takes X's signed deliveries on POST /webhook and puts each event on SQS.

Thin: read the raw body and signature, hand them to DeliveryIngestor, answer its outcome, or what
receive/errors.py's FAILURES table says for what it raised; log one line per delivery (CloudWatch metric
filters turn those lines into the ingest metrics). 200 only once SQS has every event of the delivery.
"""

import orjson

from xwebhook.http_api import body_text, header, json_response, raw_body
from xwebhook.log_line import level_for, record, write
from xwebhook.receive.errors import FAILURES
from xwebhook.receive.ingest import IngestOutcome
from xwebhook.receive.settings import SIGNATURE_HEADER, SYNTHETIC_HEADER, IngestSettings
from xwebhook.receive.wiring import build_ingestor

ingestor = build_ingestor(IngestSettings.from_env())
_NONE = {}


def handler(event, context):
    try:
        # X never sends the synthetic marker: one dict look-up by its lower-case name (HTTP API lower-cases).
        marker = (event.get("headers") or _NONE).get(SYNTHETIC_HEADER)
        outcome = ingestor.ingest(raw_body(event), header(event, SIGNATURE_HEADER), body_text(event), marker)
    except Exception as exc:  # every failure answers as FAILURES says; one it does not name is a bug (500)
        outcome = IngestOutcome.failed(exc, FAILURES)
    line = record(level_for(outcome.status), "delivery", context)
    line["status"] = outcome.status
    line["source"] = outcome.source
    line["events"] = outcome.events
    line["sent"] = outcome.sent
    line["duplicates"] = outcome.duplicates
    line["event_types"] = outcome.event_types
    line["aws_calls"] = outcome.sqs_calls + outcome.dedup_calls
    if outcome.synthetic:  # a synthetic delivery (xwebhook doctor): its messages are marked
        line["synthetic"] = True
    if outcome.status != 200:  # why, for the caller (reason) and for the operator (detail)
        line["reason"], line["detail"] = outcome.reason, outcome.detail
    write(line, orjson.dumps)
    return json_response(outcome.status, outcome.body())
