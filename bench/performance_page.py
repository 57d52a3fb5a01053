"""The performance table of the docs site's Performance and cost page, from one `make bench` run
(bench/results.json).

python -m bench.performance_page            print the table
python -m bench.performance_page --write    put it in docs/performance.md between its `bench-table` markers
"""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "performance.md"
START = "<!-- bench-table: start (python -m bench.performance_page --write) -->"
END = "<!-- bench-table: end -->"


def table(results):
    machine, cold, warm, big = results["machine"], results["cold"], results["warm"], results["big"]
    calls = warm["aws_calls"]

    def top(function):
        return ", ".join(f"{item['package']} {item['ms']:.0f} ms" for item in cold[function]["top_imports"])

    rows = [
        ("| | measured | budget |", None),
        ("|---|---|---|", None),
        (
            f"| crc cold start: fresh interpreter to its first CRC answer (secret over HTTP from the extension "
            f"stand-in), against a bare interpreter | **{cold['crc']['ratio']:.2f}x** ({cold['crc']['cold_ms']:.1f} ms "
            f"against {cold['crc']['bare_ms']:.1f} ms) | ≤ 1.5x |",
            None,
        ),
        (
            f"| ingest cold start: to its first 3-event delivery on SQS and DynamoDB (botocore over HTTP) | "
            f"**{cold['ingest']['ratio']:.1f}x** ({cold['ingest']['cold_ms']:.0f} ms: import and clients "
            f"{cold['ingest']['import_ms']:.0f}, first call {cold['ingest']['first_call_ms']:.0f}); biggest imports "
            f"{top('ingest')} | printed |",
            None,
        ),
        (
            f"| admin cold start: to its first `status` through the X API emulator | "
            f"**{cold['admin']['ratio']:.1f}x** ({cold['admin']['cold_ms']:.0f} ms); biggest imports {top('admin')} "
            "| printed |",
            None,
        ),
        (
            f"| connect cold start: to the 302 of a first `GET /connect?invite=` (DynamoDB on moto, secrets from "
            f"the extension stand-in) | **{cold['connect']['ratio']:.1f}x** ({cold['connect']['to_answer_ms']:.0f} ms:"
            f" init {cold['connect']['init_ms']:.0f}, first request {cold['connect']['first_request_ms']:.0f}); "
            f"warm {cold['connect']['warm_ms']:.0f} ms | printed |",
            None,
        )
        if "connect" in cold
        else None,
        (f"| crc warm call | **{warm['crc_warm_us']:.1f} µs** | < 20 µs |", None),
        (
            f"| ingest warm, whole handler, POST of a 3-event {warm['body_bytes'] / 1024:.0f} KB AAA delivery, SQS I/O "
            f"excluded, against the floor (HMAC + parse + one serialisation per event + SendMessageBatch entries: "
            f"{warm['ingest_floor_us']:.1f} µs) | **{warm['ingest_floor_ratio']:.2f}x** "
            f"({warm['ingest_handler_us']:.1f} µs; {warm['ingest_handler_dedup_us']:.1f} µs with the dedup table "
            "in memory) | ≤ 1.5x |",
            None,
        ),
        (
            f"| AWS calls on X's clock per delivery of ≤ 10 events | **{calls['fresh_fifo']}** fresh; "
            f"{calls['old_fifo']} older than 240 s or on a standard queue; {calls['replayed_duplicate']} for a "
            f"replayed copy; {calls['no_dedup_table']} without the table | ≤ 2 |",
            None,
        ),
        (
            f"| SQS calls | **{warm['sqs_calls_per_3_event_post']} per 3-event POST, "
            f"{warm['sqs_calls_per_25_event_post']} per 25** | 1 per 10 events |",
            None,
        ),
        (
            f"| biggest delivery X can send: {big['events']:,} events in 512 KiB, real handler and botocore, "
            f"{big['round_trip_ms']:.0f} ms round trips, {big['concurrency']} calls in flight | "
            f"**{big['old']['wall_s']:.1f} s** here ({big['old']['cpu_s']:.1f} s CPU, "
            f"{sum(big['old']['calls'].values())} calls); on Lambda at {big['memory_mb']} MB ~"
            f"**{big['lambda_estimate_s']:.1f} s** (estimate: a vCPU taken as "
            f"{big.get('lambda_vcpu_additions_s', 0):.2f} s per 5 M additions; at the build machine's "
            f"{big.get('machine_additions_s', 0):.2f} s, {big.get('estimate_at_this_speed_s', 0):.1f} s) "
            "| < 3 s (X's deadline) |",
            None,
        ),
    ]
    rows.append(
        (
            f"| memory: peak RSS of the cold start | crc **{cold['crc']['rss_kib'] / 1024:.1f} MiB** (bare "
            f"{cold['crc']['bare_rss_kib'] / 1024:.1f}), ingest {cold['ingest']['rss_kib'] / 1024:.0f} MiB, admin "
            f"{cold['admin']['rss_kib'] / 1024:.0f} MiB; an ingest POST allocates {warm['ingest_peak_alloc_kib']:.0f} "
            "KiB at peak | crc = bare |",
            None,
        )
    )
    for load in results.get("load", []):
        rows.append(
            (
                f"| local end to end, {load['deliveries']:,} signed POSTs ({load['copies']} of them retries or "
                f"XAA copies of AAA posts) from {load['senders']} senders, consumers draining, "
                f"`ReplayDedup={load['replay_dedup']}` | **{load['deliveries_per_second']:.0f} deliveries/s**, "
                f"p99 {load['p99_ms']:.0f} ms, {load['activities']:,} activities: **{load['lost']} lost, "
                f"{load['doubled']} doubled** | 100+/s, 0 / 0 |",
                None,
            )
        )
    head = (
        f"Figures from one `make bench` run ({machine['date']}) on this project's build machine: {machine['cpu']}, "
        f"{machine['cores']} cores shared with other work, {machine['machine']}, Python {machine['python']}; "
        f"5 M Python additions take {machine['python_5m_additions_s']:.2f} s there. Runs vary by ±10-20%."
    )
    return "\n".join([head, "", *(row for row, _ in filter(None, rows))])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    results = json.loads((REPO / "bench" / "results.json").read_text())
    text = table(results)
    if "--write" not in argv:
        print(text)
        return 0
    content = PAGE.read_text()
    if START not in content or END not in content:
        print(f"{PAGE.relative_to(REPO)} has no bench-table markers", file=sys.stderr)
        return 1
    before, rest = content.split(START, 1)
    _, after = rest.split(END, 1)
    PAGE.write_text(f"{before}{START}\n{text}\n{END}{after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
