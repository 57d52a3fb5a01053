"""`make cost`: what a stack costs a month on AWS at 10 thousand, 1 million and 100 million events, beside
an always-on small server running a peer receiver.

    make cost                                  the tables, for every region in PRICES
    make cost ARGS='--events-per-delivery 3'   X packs more events per AAA delivery
    make cost ARGS='--markdown'                the tables of docs/performance.md (What it costs)
    make cost ARGS='--results other.json'      measurements from another bench run

What it computes from (printed with the tables):
  measured   the functions' CPU time per call and their cold starts (bench/results.json, written by
             `make bench`; whatever is missing is measured here with the same bench code), the size of a
             queue message (every sample split by the real splitting.py), of each log line and answer
             (the real handlers' output), the template's memory sizes, queues, tables, secrets, alarms
  assumed    the round-trip time of an SQS and a DynamoDB call from Lambda, how long `ensure` waits on
             X's API, how often X sends a CRC, how long an idle Lambda environment lives (ASSUMPTIONS)
  prices     PRICES below: on-demand list prices, no free tier (an account that already uses its free
             tier elsewhere pays these), dated PRICES_AS_OF

Expected keys in bench/results.json, found at any depth (bench/warm.py and bench/crc_cold.py's names):
  crc_warm_us, ingest_handler_us (3-event POST, SQS I/O excluded), sqs_calls_per_25_event_post,
  crc_ms (crc cold start: fresh interpreter, import + first call), and optionally ingest_init_ms and
  admin_init_ms (fresh interpreter, import of the handler with the template's environment).
"""

import argparse
import json
import math
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
VOLUMES = (10_000, 1_000_000, 100_000_000)
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
LAMBDA_VCPU_MB = 1769  # Lambda gives a function one full vCPU at 1769 MB, a proportional share below

# Monthly list prices, USD, on-demand, without free tiers. Lambda x86_64 (first price tier); HTTP API
# first 300 M requests; SQS per request, every 64 KiB of payload a request; DynamoDB on-demand (the
# November 2024 prices), Standard table class; CloudWatch Logs Standard class; custom metrics first
# 10 000; standard-resolution alarms; EC2 Linux on-demand; ALB fixed hourly + LCU-hour; public IPv4.
# Compiled from AWS's public pricing pages; this project's build machines cannot reach AWS, so the
# table was not re-read by a program: check https://aws.amazon.com/pricing/ before budgeting on it.
PRICES_AS_OF = "2026-12-01"
# The same in every region of this table:
_EVERYWHERE = {
    "lambda_request_per_million": 0.20,
    "lambda_gb_second": 0.0000166667,
    "sqs_fifo_per_million": 0.50,
    "sqs_standard_per_million": 0.40,
    "secret_month": 0.40,
    "secrets_api_per_10k": 0.05,
    "kms_key_month": 1.00,
    "kms_requests_per_10k": 0.03,
    "ssm_standard_parameter_month": 0.0,
    "ssm_standard_api_per_10k": 0.0,
    "custom_metric_month": 0.30,
    "dashboard_month": 3.00,
    "alarm_month": 0.10,
    "alb_lcu_hour": 0.008,
    "public_ipv4_hour": 0.005,
}
PRICES = {
    "us-east-1": _EVERYWHERE
    | {
        "http_api_per_million": 1.00,
        "dynamodb_write_per_million": 0.625,
        "dynamodb_read_per_million": 0.125,
        "dynamodb_storage_gb_month": 0.25,
        "logs_ingest_gb": 0.50,
        "logs_storage_gb_month": 0.03,
        "data_transfer_out_gb": 0.09,
        "ec2_t4g_small_hour": 0.0168,
        "ebs_gp3_gb_month": 0.08,
        "alb_hour": 0.0225,
    },
    "eu-west-1": _EVERYWHERE
    | {
        "http_api_per_million": 1.11,
        "dynamodb_write_per_million": 0.7063,
        "dynamodb_read_per_million": 0.1413,
        "dynamodb_storage_gb_month": 0.283,
        "logs_ingest_gb": 0.57,
        "logs_storage_gb_month": 0.03,
        "data_transfer_out_gb": 0.09,
        "ec2_t4g_small_hour": 0.0184,
        "ebs_gp3_gb_month": 0.088,
        "alb_hour": 0.0252,
    },
    "ap-northeast-1": _EVERYWHERE
    | {
        "http_api_per_million": 1.29,
        "dynamodb_write_per_million": 0.715,
        "dynamodb_read_per_million": 0.143,
        "dynamodb_storage_gb_month": 0.285,
        "logs_ingest_gb": 0.76,
        "logs_storage_gb_month": 0.033,
        "data_transfer_out_gb": 0.114,
        "ec2_t4g_small_hour": 0.0216,
        "ebs_gp3_gb_month": 0.096,
        "alb_hour": 0.0243,
    },
}

# What no benchmark here can measure, each with why this value.
ASSUMPTIONS = {
    "sqs_call_ms": (15.0, "SendMessageBatch round trip from Lambda in the same region (typical 5-20 ms)"),
    "dynamodb_call_ms": (6.0, "BatchGetItem / BatchWriteItem round trip (single-digit ms)"),
    "ensure_seconds": (2.0, "an ensure run: a few X API calls at a few hundred ms each"),
    "crc_per_hour": (1.0, "X's periodic CRC (its docs say hourly)"),
    "environment_lifetime_hours": (1.0, "how long Lambda keeps an idle environment: one cold start per hour"),
    "platform_log_bytes": (330, "Lambda's START, END and REPORT lines per invocation (text format)"),
    "log_event_overhead_bytes": (26, "CloudWatch Logs counts 26 bytes per log event"),
    "admin_log_bytes": (2000, "admin's Powertools line per ensure (the result), with its metric line"),
    "active_event_types": (6, "event types seen each hour: one EventsByType metric each"),
    "consumer_pollers": (5, "an SQS event source's long pollers (20 s waits) while the queue is idle"),
    "dedup_item_bytes": (300, "a dedup item with its attributes (decision 1), in the table and each index"),
    "server_disk_gb": (20, "the peer server's gp3 root volume"),
}


@dataclass(frozen=True)
class Inputs:
    """Everything the arithmetic needs, per delivery and per month."""

    events_per_delivery: float = 1.0
    # measured
    ingest_cpu_ms: float = 0.1
    crc_cpu_ms: float = 0.01
    ingest_init_ms: float = 300.0
    crc_init_ms: float = 25.0
    admin_init_ms: float = 600.0
    message_bytes: int = 2000
    ingest_log_bytes: int = 400
    crc_log_bytes: int = 200
    access_log_bytes: int = 330
    response_bytes: int = 200
    # from the template
    memory_mb: dict = field(default_factory=lambda: {"crc": 256, "ingest": 512, "admin": 256})
    fifo: bool = True
    replay_dedup: bool = True
    dedup_index_writes: int = 0
    secrets: int = 2
    kms_keys: int = 0
    alarms: int = 3
    dashboards: int = 1
    log_retention_days: int = 30
    ensure_interval_minutes: int = 60
    secret_cache_seconds: int = 300
    filter_metrics_per_hour: int = 4  # filter metrics with data whatever the traffic (the 200-line counters, CRC)
    ensure_metrics: int = 2  # WebhookValid, AccountsNeedingReconnect
    # assumed
    assumptions: dict = field(default_factory=lambda: {name: value for name, (value, _) in ASSUMPTIONS.items()})


@dataclass(frozen=True)
class Item:
    service: str
    what: str
    quantity: float
    unit: str
    cost: float


def lambda_ms(cpu_ms, memory_mb, wait_ms=0.0):
    """Billed milliseconds of one invocation: CPU time scaled to the function's vCPU share, plus waits,
    rounded up to the millisecond as Lambda bills."""
    return math.ceil(cpu_ms * max(1.0, LAMBDA_VCPU_MB / memory_mb) + wait_ms)


def monthly_items(events, inputs, prices):
    """The line items of one month with `events` events."""
    a = inputs.assumptions
    mem = inputs.memory_mb
    epd = inputs.events_per_delivery
    deliveries = events / epd
    sqs_price = prices["sqs_fifo_per_million" if inputs.fifo else "sqs_standard_per_million"]
    sends_per_delivery = max(1, math.ceil(epd / 10))
    send_chunks = max(1, math.ceil(min(epd, 10) * inputs.message_bytes / 65536))
    ensure_runs = HOURS_PER_MONTH * 60 / inputs.ensure_interval_minutes
    crcs = HOURS_PER_MONTH * a["crc_per_hour"]
    items = []

    def add(service, what, quantity, unit, price_per_unit):
        items.append(Item(service, what, quantity, unit, quantity * price_per_unit))

    # Lambda: invocations, their billed time, and init (billed like the handler since August 2025). The wait
    # counts a dedup read and write per delivery: fresh events skip the read, so this is the most it takes.
    wait = sends_per_delivery * a["sqs_call_ms"] + (2 * a["dynamodb_call_ms"] if inputs.replay_dedup else 0)
    ingest_ms = lambda_ms(inputs.ingest_cpu_ms, mem["ingest"], wait)
    crc_ms = lambda_ms(inputs.crc_cpu_ms, mem["crc"])
    admin_ms = lambda_ms(0, mem["admin"], a["ensure_seconds"] * 1000)
    cold = HOURS_PER_MONTH / a["environment_lifetime_hours"]
    gb_seconds = {
        "ingest": deliveries * ingest_ms / 1000 * mem["ingest"] / 1024,
        "crc": crcs * crc_ms / 1000 * mem["crc"] / 1024,
        "admin": ensure_runs * admin_ms / 1000 * mem["admin"] / 1024,
    }
    init_gb_seconds = (
        min(deliveries, cold) * inputs.ingest_init_ms / 1000 * mem["ingest"] / 1024
        + min(crcs, cold) * inputs.crc_init_ms / 1000 * mem["crc"] / 1024
        + ensure_runs * inputs.admin_init_ms / 1000 * mem["admin"] / 1024
    )
    add(
        "Lambda",
        "requests (ingest, crc, admin)",
        (deliveries + crcs + ensure_runs) / 1e6,
        "M",
        prices["lambda_request_per_million"],
    )
    add(
        "Lambda",
        f"ingest {ingest_ms} ms x {mem['ingest']} MB per delivery",
        gb_seconds["ingest"],
        "GB-s",
        prices["lambda_gb_second"],
    )
    add(
        "Lambda",
        "crc, admin (ensure) and cold starts",
        gb_seconds["crc"] + gb_seconds["admin"] + init_gb_seconds,
        "GB-s",
        prices["lambda_gb_second"],
    )
    # HTTP API: one request per delivery and per CRC (each under 512 KB).
    add("API Gateway", "HTTP API requests", (deliveries + crcs) / 1e6, "M", prices["http_api_per_million"])
    # SQS: ingest's sends; a consumer's receives and deletes, batches filled as traffic allows.
    add(
        "SQS",
        f"sends ({'FIFO' if inputs.fifo else 'standard'}, 64 KiB chunks)",
        deliveries * sends_per_delivery * send_chunks / 1e6,
        "M",
        sqs_price,
    )
    fill = max(1.0, min(10.0, events / SECONDS_PER_MONTH))  # messages waiting per one-second poll
    receive_chunks = max(1, math.ceil(fill * inputs.message_bytes / 65536))
    consumer_requests = events / fill * (receive_chunks + 1)
    idle_polls = a["consumer_pollers"] * SECONDS_PER_MONTH / 20 * max(0.0, 1 - events / SECONDS_PER_MONTH)
    add(
        "SQS",
        "consumer receives and deletes (+ idle long polls)",
        (consumer_requests + idle_polls) / 1e6,
        "M",
        sqs_price,
    )
    # DynamoDB: one write per event, repeated in each index; 30 h kept. Reads: an event that is read first
    # reads two keys (its activity under each family, one RRU each even when absent, consistent). Fresh
    # events with a time of their own skip the read; counted as if every event were read (an upper bound).
    if inputs.replay_dedup:
        add(
            "DynamoDB",
            "dedup reads (consistent, 2 keys per event read; at most)",
            2 * events / 1e6,
            "M RRU",
            prices["dynamodb_read_per_million"],
        )
        writes = events * (1 + inputs.dedup_index_writes)
        add(
            "DynamoDB",
            f"dedup writes (table + {inputs.dedup_index_writes} index)",
            writes / 1e6,
            "M WRU",
            prices["dynamodb_write_per_million"],
        )
        stored = events * 30 / HOURS_PER_MONTH * a["dedup_item_bytes"] * (1 + inputs.dedup_index_writes) / 1e9
        add("DynamoDB", "dedup storage (30 h of ids)", stored, "GB-month", prices["dynamodb_storage_gb_month"])
    # Secrets Manager: the secrets, and reads once per cache period per warm environment (the
    # extension's cache), plus one per cold start and per ensure run.
    reads = 2 * SECONDS_PER_MONTH / inputs.secret_cache_seconds + 2 * cold + 2 * ensure_runs
    add("Secrets Manager", f"{inputs.secrets} secrets", inputs.secrets, "secret-months", prices["secret_month"])
    add("Secrets Manager", "GetSecretValue", reads / 1e4, "10k", prices["secrets_api_per_10k"])
    # KMS: the decrypts behind the secret reads (AWS-managed keys), and the template's customer keys.
    add("KMS", "decrypts for the secret reads", reads / 1e4, "10k", prices["kms_requests_per_10k"])
    add("KMS", f"{inputs.kms_keys} customer keys", inputs.kms_keys, "key-months", prices["kms_key_month"])
    # SSM: admin's state parameter (Standard tier, standard throughput): no charge.
    add("SSM", "admin state parameter (Standard)", ensure_runs * 2 / 1e4, "10k", prices["ssm_standard_api_per_10k"])
    # CloudWatch Logs: every line written, kept for the retention period.
    per_event = a["log_event_overhead_bytes"]
    ingested = (
        deliveries * (inputs.ingest_log_bytes + a["platform_log_bytes"] + inputs.access_log_bytes + 5 * per_event)
        + crcs * (inputs.crc_log_bytes + a["platform_log_bytes"] + inputs.access_log_bytes + 5 * per_event)
        + ensure_runs * (a["admin_log_bytes"] + a["platform_log_bytes"] + 5 * per_event)
    ) / 1e9
    add("CloudWatch Logs", "ingestion", ingested, "GB", prices["logs_ingest_gb"])
    add(
        "CloudWatch Logs",
        f"storage ({inputs.log_retention_days} days kept)",
        ingested * inputs.log_retention_days / 30,
        "GB-month",
        prices["logs_storage_gb_month"],
    )
    # CloudWatch: custom metrics (billed by the hour they get data), the dashboard, the alarms.
    metrics = (
        inputs.filter_metrics_per_hour + inputs.ensure_metrics + min(a["active_event_types"], events / HOURS_PER_MONTH)
    )
    add("CloudWatch", "custom metrics", metrics, "metric-months", prices["custom_metric_month"])
    add("CloudWatch", "dashboard", inputs.dashboards, "dashboard-months", prices["dashboard_month"])
    add("CloudWatch", "alarms", inputs.alarms, "alarm-months", prices["alarm_month"])
    # Answers to X leave AWS.
    add(
        "Data transfer",
        "answers to X",
        (deliveries + crcs) * inputs.response_bytes / 1e9,
        "GB",
        prices["data_transfer_out_gb"],
    )
    return items


def server_items(events, inputs, prices, load_balancer):
    """An always-on t4g.small running a peer receiver (TLS on the instance, or behind an ALB), queueing
    to its own disk: what a self-hosted receiver costs before any queue, database or second instance."""
    a = inputs.assumptions
    items = [
        Item("EC2", "t4g.small, always on", HOURS_PER_MONTH, "hours", HOURS_PER_MONTH * prices["ec2_t4g_small_hour"]),
        Item(
            "EBS",
            f"{a['server_disk_gb']} GB gp3",
            a["server_disk_gb"],
            "GB-month",
            a["server_disk_gb"] * prices["ebs_gp3_gb_month"],
        ),
        Item("VPC", "public IPv4 address", HOURS_PER_MONTH, "hours", HOURS_PER_MONTH * prices["public_ipv4_hour"]),
    ]
    deliveries = events / inputs.events_per_delivery
    if load_balancer:
        # One LCU is 25 new connections a second; count each delivery as a new connection.
        lcu_hours = HOURS_PER_MONTH * max(deliveries / SECONDS_PER_MONTH / 25, 0.04)
        items += [
            Item("ELB", "application load balancer", HOURS_PER_MONTH, "hours", HOURS_PER_MONTH * prices["alb_hour"]),
            Item("ELB", "load balancer capacity units", lcu_hours, "LCU-hours", lcu_hours * prices["alb_lcu_hour"]),
        ]
    transfer = deliveries * inputs.response_bytes / 1e9
    items.append(Item("Data transfer", "answers to X", transfer, "GB", transfer * prices["data_transfer_out_gb"]))
    return items


def total(items):
    return sum(item.cost for item in items)


# --- inputs from the template, the code and bench/results.json ----------------------------------------


def find(document, key):
    """The first value of `key` at any depth of a JSON document, or None."""
    if isinstance(document, dict):
        if key in document:
            return document[key]
        values = document.values()
    elif isinstance(document, list):
        values = document
    else:
        return None
    for value in values:
        found = find(value, key)
        if found is not None:
            return found
    return None


def template_inputs(template=None):
    from localdev.provision import TemplateEvaluator, load_template

    template = template or load_template()
    resources = template["Resources"]
    evaluator = TemplateEvaluator(template)
    parameter = evaluator.parameters.get

    def of_type(kind):
        return [r for r in resources.values() if r.get("Type") == kind]

    table = resources.get("DedupTable", {}).get("Properties", {})
    # An index whose hash key only some items carry (the `signals` one, revokes only) costs ~nothing.
    sparse = {"signal"}
    indexes = [
        index
        for index in table.get("GlobalSecondaryIndexes", [])
        if not {k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH"} & sparse
    ]
    functions = {"crc": "CrcFunction", "ingest": "IngestFunction", "admin": "AdminFunction"}
    ingest_env = resources["IngestFunction"]["Properties"]["Environment"]["Variables"]
    return {
        "memory_mb": {name: int(resources[lid]["Properties"]["MemorySize"]) for name, lid in functions.items()},
        "fifo": parameter("QueueType") == "fifo",
        "replay_dedup": parameter("ReplayDedup") == "enabled",
        "dedup_index_writes": len(indexes),
        "secrets": len(of_type("AWS::SecretsManager::Secret")),
        "kms_keys": len(of_type("AWS::KMS::Key")),
        "alarms": len(of_type("AWS::CloudWatch::Alarm")),
        "dashboards": len(of_type("AWS::CloudWatch::Dashboard")),
        "log_retention_days": int(parameter("LogRetentionDays")),
        "ensure_interval_minutes": int(parameter("EnsureIntervalMinutes")),
        "secret_cache_seconds": int(ingest_env.get("SECRET_CACHE_SECONDS", "300")),
        "access_log_bytes": access_log_bytes(template),
    }


def access_log_bytes(template):
    """The HTTP API's access log line for a delivery, as its Format renders it with typical values."""
    line = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    typical = {
        "requestId": "Jx7QbiFrIAMEVZA=",
        "identity.sourceIp": "199.59.150.183",
        "requestTime": "01/Dec/2026:22:02:16 +0000",
        "routeKey": "POST /webhook",
        "status": "200",
        "protocol": "HTTP/1.1",
        "responseLength": "62",
        "integrationStatus": "200",
        "integrationLatency": "31",
        "responseLatency": "33",
        "integrationErrorMessage": "-",
    }
    for name, value in typical.items():
        line = line.replace(f"$context.{name}", value)
    return len(line.encode())


def code_inputs():
    """Sizes the real code produces: a queue message (mean over every sample), log lines and answers."""
    import io
    from contextlib import redirect_stdout

    from bench.warm import ENV, SECRET, http_event
    from localdev.events import sample_bytes, sample_names
    from localdev.handlers import load_function
    from xwebhook.credentials.cache import CachedSecret
    from xwebhook.credentials.consumer_secret import consumer_secret_from_value
    from xwebhook.receive.signing import sign
    from xwebhook.receive.splitting import split_delivery

    deliveries = [json.loads(sample_bytes(name)) for name in sample_names()]
    bodies = [m.body for delivery in deliveries for m in split_delivery(delivery, "2026-12-01T22:02:16.500Z")]
    ingest = load_function("ingest", ENV, module_name="cost_ingest")
    ingest.ingestor._secret = CachedSecret(lambda: SECRET, ttl_seconds=3600, parse=consumer_secret_from_value)
    ingest.ingestor._publisher._client = type("Sqs", (), {"send_message_batch": _accept})()
    crc = load_function("crc", ENV, module_name="cost_crc")
    crc._secret = ingest.ingestor._secret
    body = sample_bytes("aaa/favorite")
    out = io.StringIO()
    with redirect_stdout(out):
        answer = ingest.handler(
            http_event("POST", body, headers={"x-twitter-webhooks-signature": sign(SECRET.encode(), body)}), None
        )
        crc.handler(http_event("GET", query={"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"}), None)
    ingest_line, crc_line = out.getvalue().splitlines()
    return {
        "message_bytes": round(statistics.mean(len(b.encode()) for b in bodies)),
        "ingest_log_bytes": len(ingest_line.encode()),
        "crc_log_bytes": len(crc_line.encode()),
        "response_bytes": len(answer["body"]) + 120,  # + status line and headers
    }


def _accept(self, QueueUrl, Entries):
    return {"Successful": [{"Id": e["Id"], "MessageId": e["Id"]} for e in Entries]}


def init_ms(function, runs=5):
    """How long a fresh interpreter takes to import the function's handler (its module-level setup
    included) with a working environment: its Lambda init on this machine, median of `runs`."""
    probe = (
        "import time; t = time.perf_counter(); from bench.warm import ENV; from localdev.handlers import "
        f"load_function; load_function({function!r}, ENV); print(time.perf_counter() - t)"
    )

    def once():
        result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
        return float(result.stdout.strip().splitlines()[-1]) * 1000

    return statistics.median(once() for _ in range(runs))


def measured_inputs(results_path=RESULTS, out=None):
    """Inputs from bench/results.json, measuring here whatever it does not hold; and where each came from."""
    out = out or sys.stderr
    results = json.loads(Path(results_path).read_text()) if Path(results_path).exists() else {}
    sources = {}
    values = {}
    wanted = {
        "crc_warm_us": None,
        "ingest_handler_us": None,
        "crc_ms": None,
        "ingest_init_ms": None,
        "admin_init_ms": None,
    }
    for key in wanted:
        wanted[key] = find(results, key)
    field_of = {
        "ingest_handler_us": "ingest_cpu_ms",
        "crc_warm_us": "crc_cpu_ms",
        "crc_ms": "crc_init_ms",
        "ingest_init_ms": "ingest_init_ms",
        "admin_init_ms": "admin_init_ms",
    }
    for key, name in field_of.items():
        sources[name] = f"{Path(results_path).name}: {key}" if wanted[key] is not None else f"measured now ({key})"
    if wanted["crc_warm_us"] is None or wanted["ingest_handler_us"] is None:
        out.write("bench/results.json has no warm figures: measuring them (bench/warm.py) ...\n")
        from bench import warm

        hot = warm.measure()
        wanted["crc_warm_us"] = wanted["crc_warm_us"] or hot["crc_warm_us"]
        wanted["ingest_handler_us"] = wanted["ingest_handler_us"] or hot["ingest_handler_us"]
    if wanted["crc_ms"] is None:
        out.write("bench/results.json has no crc cold start: measuring it (bench/crc_cold.py) ...\n")
        from bench import crc_cold

        wanted["crc_ms"] = crc_cold.measure(runs=10)["crc_ms"]
    for function in ("ingest", "admin"):
        if wanted[f"{function}_init_ms"] is None:
            out.write(f"measuring the {function} function's import in a fresh interpreter ...\n")
            wanted[f"{function}_init_ms"] = init_ms(function)
    values |= {
        "ingest_cpu_ms": wanted["ingest_handler_us"] / 1000,
        "crc_cpu_ms": wanted["crc_warm_us"] / 1000,
        "crc_init_ms": wanted["crc_ms"],
        "ingest_init_ms": wanted["ingest_init_ms"],
        "admin_init_ms": wanted["admin_init_ms"],
    }
    values |= template_inputs()
    values |= code_inputs()
    for key in (
        "memory_mb",
        "fifo",
        "replay_dedup",
        "dedup_index_writes",
        "secrets",
        "kms_keys",
        "alarms",
        "dashboards",
        "log_retention_days",
        "ensure_interval_minutes",
        "secret_cache_seconds",
        "access_log_bytes",
    ):
        sources[key] = "infra/template.yaml"
    for key in ("message_bytes", "ingest_log_bytes", "crc_log_bytes", "response_bytes"):
        sources[key] = "the code (samples, handlers)"
    sources["events_per_delivery"] = "--events-per-delivery"
    sources["filter_metrics_per_hour"] = "the 200-line counters and CrcAnswered, which get data every hour"
    sources["ensure_metrics"] = "WebhookValid, AccountsNeedingReconnect"
    return values, sources


# --- output --------------------------------------------------------------------------------------------


def money(value):
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else "<$0.01"


def volume_name(events):
    return {10_000: "10 thousand", 1_000_000: "1 million", 100_000_000: "100 million"}.get(events, f"{events:,}")


def render(inputs, regions=None, volumes=VOLUMES, markdown=False, sources=None):
    regions = regions or list(PRICES)
    home = regions[0]
    lines = []

    def table(header, rows, numeric=True):
        if markdown:
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---:" if i and numeric else "---" for i in range(len(header))) + "|")
            lines.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
        else:
            widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
            for row in [header, *rows]:
                lines.append(
                    "  ".join(
                        str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))
                    )
                )
        lines.append("")

    per_volume = {events: monthly_items(events, inputs, PRICES[home]) for events in volumes}
    keys = [(item.service, item.what) for item in per_volume[volumes[-1]]]
    rows = []
    for service, what in keys:
        row = [f"{service}: {what}"]
        for events in volumes:
            match = [i for i in per_volume[events] if (i.service, i.what) == (service, what)]
            row.append(money(match[0].cost) if match else "-")
        rows.append(row)
    rows.append(
        [f"**total, {home}**" if markdown else f"total, {home}"] + [money(total(per_volume[e])) for e in volumes]
    )
    for region in regions[1:]:
        rows.append([f"total, {region}"] + [money(total(monthly_items(e, inputs, PRICES[region]))) for e in volumes])
    for region in regions:
        for balancer in (False, True):
            label = f"peer server, t4g.small{' + ALB' if balancer else ''}, {region}"
            rows.append([label] + [money(total(server_items(e, inputs, PRICES[region], balancer))) for e in volumes])
    lines.append(f"Monthly cost, {inputs.events_per_delivery:g} event(s) per delivery, prices of {PRICES_AS_OF}:")
    lines.append("")
    table(["", *(f"{volume_name(e)} events" for e in volumes)], rows)
    price_keys = list(PRICES[home])
    table(["price (USD)", *regions], [[key, *(f"{PRICES[r][key]:g}" for r in regions)] for key in price_keys])
    used = asdict(inputs)
    used.pop("assumptions")
    sources = sources or {}
    table(["input", "value", "from"], [[k, _short(v), sources.get(k, "default")] for k, v in used.items()])
    table(
        ["assumption", "value", "why"], [[k, _short(inputs.assumptions[k]), why] for k, (_, why) in ASSUMPTIONS.items()]
    )
    return "\n".join(lines)


def _short(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make cost ARGS=...", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events-per-delivery", type=float, default=1.0, help="events X puts in one delivery")
    parser.add_argument("--region", action="append", choices=list(PRICES), help="regions (default: all)")
    parser.add_argument("--results", default=str(RESULTS), help="bench results (default bench/results.json)")
    parser.add_argument("--markdown", action="store_true", help="Markdown tables (for docs/performance.md)")
    for name, (value, why) in ASSUMPTIONS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value, help=why)
    return parser.parse_args(argv)


def main(argv=None, out=None):
    out = out or sys.stdout
    args = parse_args(argv)
    values, sources = measured_inputs(args.results)
    assumptions = {name: getattr(args, name) for name in ASSUMPTIONS}
    inputs = replace(Inputs(), events_per_delivery=args.events_per_delivery, assumptions=assumptions, **values)
    out.write(render(inputs, args.region, markdown=args.markdown, sources=sources) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
