"""Warm costs of the real handlers, in process: a CRC answer, and an ingest POST with SQS I/O excluded.

Budgets (design.md): warm crc call under 20 us; ingest under 150 us per POST of a 3-event ~4 KB AAA
body, one SQS call per 10 events. The ingest handler runs whole (signature, parse, split, batch,
Powertools log line and metrics) against an in-memory SQS client that accepts every entry.
"""

import copy
import json
import os
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from localdev.handlers import load_function  # noqa: E402
from xwebhook.credentials.cache import CachedSecret  # noqa: E402
from xwebhook.credentials.consumer_secret import consumer_secret_from_value  # noqa: E402
from xwebhook.receive.signing import sign  # noqa: E402

SECRET = "bench-consumer-secret"
ENV = {
    "CONSUMER_SECRET_ID": "bench",
    "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/xwebhook-events.fifo",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_SERVICE_NAME": "xwebhook",
    "POWERTOOLS_METRICS_NAMESPACE": "XWebhook",
}


class AcceptingSqs:
    """SendMessageBatch that accepts every entry, counting calls."""

    def __init__(self):
        self.calls = 0

    def send_message_batch(self, QueueUrl, Entries):
        self.calls += 1
        return {"Successful": [{"Id": entry["Id"], "MessageId": entry["Id"]} for entry in Entries]}


@contextmanager
def quiet_stdout():
    """Send fd 1 (Powertools' log and metric lines) to /dev/null while timing."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def three_event_body(target_bytes=4096):
    """A signed-looking AAA delivery of 3 tweet_create events, about `target_bytes` long."""
    base = json.loads((REPO / "tests" / "samples" / "aaa" / "tweet_create.json").read_text())
    item = base["tweet_create_events"][0]
    events = []
    for n in range(3):
        event = copy.deepcopy(item)
        event["id_str"] = str(int(item["id_str"]) + n)
        event["id"] = int(event["id_str"])
        events.append(event)
    delivery = {"for_user_id": base["for_user_id"], "tweet_create_events": events}
    size = len(json.dumps(delivery, separators=(",", ":")))
    pad = max(0, (target_bytes - size) // 3)
    for event in events:
        event["text"] = (event["text"] + " " + "x" * pad)[: 280 + pad]
    return json.dumps(delivery, separators=(",", ":")).encode()


def http_event(method, body=b"", query=None, headers=None):
    return {
        "version": "2.0",
        "routeKey": f"{method} /webhook",
        "rawPath": "/webhook",
        "rawQueryString": "",
        "headers": headers or {},
        "queryStringParameters": query,
        "requestContext": {"http": {"method": method, "path": "/webhook"}},
        "body": body.decode(),
        "isBase64Encoded": False,
    }


def per_call_us(function, calls, rounds=7):
    """Best round's mean, as timeit reports: other load on the machine only ever adds time."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return min(samples)


def measure():
    crc = load_function("crc", ENV, module_name="bench_crc")
    crc._secret = CachedSecret(lambda: SECRET, ttl_seconds=3600, parse=consumer_secret_from_value)
    crc_event = http_event("GET", query={"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"})

    ingest = load_function("ingest", ENV, module_name="bench_ingest")
    ingestor = ingest.ingestor
    ingestor._secret = CachedSecret(lambda: SECRET, ttl_seconds=3600, parse=consumer_secret_from_value)
    sqs = AcceptingSqs()
    ingestor._publisher._client = sqs
    body = three_event_body()
    header = sign(SECRET.encode(), body)
    post = http_event("POST", body, headers={"x-twitter-webhooks-signature": header})

    with quiet_stdout():
        assert crc.handler(crc_event, None)["statusCode"] == 200
        answer = ingest.handler(post, None)
        assert answer["statusCode"] == 200 and json.loads(answer["body"])["enqueued"] == 3, answer
        crc_us = per_call_us(lambda: crc.handler(crc_event, None), 20000)
        sqs.calls = 0
        handler_us = per_call_us(lambda: ingest.handler(post, None), 2000)
        handler_calls = sqs.calls
        core_us = per_call_us(lambda: ingestor.ingest(body, header), 2000)
        # SQS calls per POST for larger deliveries
        big = json.loads(body)
        big["tweet_create_events"] = [dict(big["tweet_create_events"][0], id_str=str(n), id=n) for n in range(1, 26)]
        big_body = json.dumps(big).encode()
        sqs.calls = 0
        ingestor.ingest(big_body, sign(SECRET.encode(), big_body))
        big_calls = sqs.calls
        tracemalloc.start()
        ingest.handler(post, None)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "crc_warm_us": crc_us,
        "body_bytes": len(body),
        "ingest_handler_us": handler_us,
        "ingest_core_us": core_us,
        "sqs_calls_per_3_event_post": handler_calls / (2000 * 7),
        "sqs_calls_per_25_event_post": big_calls,
        "ingest_peak_alloc_kib": peak / 1024,
    }


def report(result):
    print("warm handlers, in process")
    print(f"  crc call                          {result['crc_warm_us']:7.1f} us   (budget 20 us)")
    ingest = f"ingest POST, {result['body_bytes']} B, 3 events"
    print(f"  {ingest:34s}{result['ingest_handler_us']:7.1f} us   (budget 150 us)")
    print(f"    of which ingest() itself         {result['ingest_core_us']:7.1f} us   (rest: event, log, answer)")
    print(f"  SQS calls per 3-event POST        {result['sqs_calls_per_3_event_post']:7.2f}")
    print(f"  SQS calls per 25-event POST       {result['sqs_calls_per_25_event_post']:7d}      (one per 10 events)")
    print(f"  ingest peak allocation per POST   {result['ingest_peak_alloc_kib']:7.1f} KiB")


if __name__ == "__main__":
    report(measure())
