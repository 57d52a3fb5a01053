"""`make bench`: every benchmark, one after the other, the figures against their budgets (budgets() below), and
bench/results.json with every figure (the docs' performance table and the cost model read it).

make bench                      all of them (several minutes: the load test runs twice); rewrites
                                docs/performance.md's table from bench/results.json
make bench ARGS='--quick'       400 deliveries instead of 2000 in the load test, 10 cold-start runs
make bench ARGS='--skip-load'   no end-to-end load test (`make load` runs it alone)

bench/results.json (one run; times in ms or us as the key says):
  machine             platform, python, cpu model, cores, python_5m_additions_s (its speed: the time
                      CPython takes for 5 million additions in a loop), date (UTC), quick
  cold.connect        connect (bench/connect_cold.py): bare_ms, to_answer_ms (to the 302 of a first
                      GET /connect?invite=), ratio, init_ms, first_request_ms, warm_ms, biggest_imports_ms
  cold.<function>     crc | ingest | admin: bare_ms (a bare interpreter to its first output), cold_ms
                      (to the function's first answer: import + first call, median), ratio, import_ms,
                      first_call_ms, p90_ms, runs, top_imports [{package, ms}] (the three root packages
                      whose modules cost most to import, by -X importtime), rss_kib and bare_rss_kib (peak
                      RSS); crc_ms (= crc's cold_ms), ingest_init_ms / admin_init_ms (= import_ms): the
                      names bench/cost.py reads
  cold.clients        ms from a fresh interpreter to AWS clients ready, per way of making them
  warm                crc_warm_us; body_bytes; ingest_floor_us (HMAC + parse + one serialisation per
                      event + SendMessageBatch entries); ingest_handler_us (the whole handler, SQS I/O
                      excluded); ingest_floor_ratio; ingest_handler_dedup_us (with the dedup table, in
                      memory); ingest_core_us (DeliveryIngestor.ingest alone); sqs_calls_per_3_event_post;
                      sqs_calls_per_25_event_post; ingest_peak_alloc_kib; aws_calls {fresh_fifo, old_fifo,
                      fresh_standard, replayed_duplicate, no_dedup_table}: AWS calls on X's clock per
                      3-event delivery in each case
  big                 the biggest delivery (bench/big.py): events, body_bytes, concurrency,
                      round_trip_ms, fresh_no_round_trip / fresh / old {events, body_bytes, wall_s, cpu_s,
                      calls {operation: n}}, memory_mb, lambda_estimate_s (at an assumed Lambda vCPU's
                      speed, lambda_vcpu_additions_s, scaled by machine_additions_s measured beside it),
                      estimate_at_this_speed_s
  load                [one per ReplayDedup mode] deliveries, copies, senders, instances, replay_dedup,
                      activities, non_200, sent_seconds, deliveries_per_second, events_on_queue_seconds,
                      received, lost, doubled, p50_ms, p99_ms (and lost_ids/doubled_ids, first 5)
  budgets             [{name, value, budget, within}] the summary table below
"""

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

from bench import big, cold, connect_cold, load, performance_page, warm

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine(quick):
    additions = big.python_speed_s()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu": model,
        "cores": os.cpu_count(),
        "python_5m_additions_s": round(additions, 3),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%MZ"),
        "quick": quick,
    }


def budgets(results):
    cold_results, hot, biggest = results["cold"], results["warm"], results["big"]
    rows = [
        (
            "crc cold start / bare python",
            f"{cold_results['crc']['ratio']:.2f}x",
            "<= 1.50x",
            cold_results["crc"]["ratio"] <= 1.5,
        ),
        ("ingest cold start / bare python", f"{cold_results['ingest']['ratio']:.1f}x", "printed", True),
        ("admin cold start / bare python", f"{cold_results['admin']['ratio']:.1f}x", "printed", True),
        *(
            [("connect cold start / bare python", f"{cold_results['connect']['ratio']:.1f}x", "printed", True)]
            if "connect" in cold_results
            else []
        ),
        ("crc warm call", f"{hot['crc_warm_us']:.1f} us", "< 20 us", hot["crc_warm_us"] < 20),
        (
            "ingest warm / floor",
            f"{hot['ingest_floor_ratio']:.2f}x ({hot['ingest_handler_us']:.1f} us)",
            "<= 1.50x",
            hot["ingest_floor_ratio"] <= 1.5,
        ),
        (
            "AWS calls per fresh delivery",
            str(hot["aws_calls"]["fresh_fifo"]),
            "<= 2",
            hot["aws_calls"]["fresh_fifo"] <= 2,
        ),
        (
            "SQS calls per 10 events",
            f"{hot['sqs_calls_per_3_event_post']} per 3, {hot['sqs_calls_per_25_event_post']} per 25",
            "1 per 10",
            hot["sqs_calls_per_3_event_post"] == 1 and hot["sqs_calls_per_25_event_post"] == 3,
        ),
        (
            f"biggest delivery ({biggest['events']} events) on Lambda",
            f"~{biggest['lambda_estimate_s']:.1f} s (estimate)",
            "< 3 s",
            biggest["lambda_estimate_s"] < 3,
        ),
    ]
    for result in results.get("load", []):
        exact = result["lost"] == 0 and result["doubled"] == 0 and result["non_200"] == 0
        rows.append(
            (
                f"load, ReplayDedup={result['replay_dedup']}",
                f"{result['deliveries_per_second']:.0f}/s, {result['lost']} lost / {result['doubled']} doubled",
                "100+/s, 0 / 0",
                exact and result["deliveries_per_second"] >= 100,
            )
        )
    return [{"name": name, "value": value, "budget": budget, "within": within} for name, value, budget, within in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 deliveries in the load test, fewer cold runs")
    parser.add_argument("--skip-load", action="store_true", help="no end-to-end load test")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the results (JSON)")
    args = parser.parse_args(argv)
    results = {"machine": machine(args.quick)}
    figures = results["machine"]
    print(
        f"machine: {figures['cpu']} x{figures['cores']}, {figures['machine']}, Python {figures['python']},"
        f" 5 M additions in {figures['python_5m_additions_s']:.2f} s\n"
    )
    results["cold"] = cold.measure(runs=10 if args.quick else 20)
    cold.report(results["cold"])
    print()
    results["cold"]["connect"] = connect_cold.measure(runs=5 if args.quick else 10)
    connect_cold.report(results["cold"]["connect"])
    print()
    results["warm"] = warm.measure()
    warm.report(results["warm"])
    print()
    results["big"] = big.measure()
    big.report(results["big"])
    if not args.skip_load:
        results["load"] = []
        for replay_dedup in ("enabled", "disabled"):
            print()
            results["load"].append(load.measure(400 if args.quick else 2000, replay_dedup=replay_dedup))
            load.report(results["load"][-1])
    results["budgets"] = budgets(results)
    print("\nsummary against the budgets")
    for row in results["budgets"]:
        print(
            f"  {row['name']:40s} {row['value']:36s} budget {row['budget']:16s} {'within' if row['within'] else 'OVER'}"
        )
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten: {args.output}")
    if args.output == RESULTS:  # the docs' performance table follows the run (tests check they agree)
        performance_page.main(["--write"])
        print(f"{performance_page.PAGE.relative_to(performance_page.REPO)}'s performance table rewritten from it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
