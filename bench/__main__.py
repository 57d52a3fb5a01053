"""`make bench`: every benchmark, one after the other, then the figures against design.md's budgets.

make bench                      all of them (a few minutes: the load test runs twice)
make bench ARGS='--quick'       400 deliveries instead of 2000 in the load test
make bench ARGS='--skip-load'   only the cold-start and warm figures
"""

import argparse
import platform
import sys

from bench import crc_cold, load, warm


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 deliveries in the load test")
    parser.add_argument("--skip-load", action="store_true", help="no end-to-end load test")
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.platform()}\n")
    cold = crc_cold.measure()
    crc_cold.report(cold)
    print()
    hot = warm.measure()
    warm.report(hot)
    loads = []
    if not args.skip_load:
        for replay_dedup in ("enabled", "disabled"):
            print()
            loads.append(load.measure(400 if args.quick else 2000, replay_dedup=replay_dedup))
            load.report(loads[-1])
    print("\nsummary against the budgets (design.md)")
    rows = [
        ("crc cold start / bare python", f"{cold['ratio']:.2f}x", "<= 1.50x", cold["ratio"] <= 1.5),
        ("crc warm call", f"{hot['crc_warm_us']:.1f} us", "< 20 us", hot["crc_warm_us"] < 20),
        ("ingest warm, 3-event POST", f"{hot['ingest_handler_us']:.1f} us", "< 150 us", hot["ingest_handler_us"] < 150),
        (
            "SQS calls per 10 events",
            f"{hot['sqs_calls_per_3_event_post']:.0f} per 3, {hot['sqs_calls_per_25_event_post']} per 25",
            "1 per 10",
            hot["sqs_calls_per_3_event_post"] == 1 and hot["sqs_calls_per_25_event_post"] == 3,
        ),
    ]
    for result in loads:
        exact = result["missing"] == 0 and result["duplicates"] == 0 and result["non_200"] == 0
        rows.append(
            (
                f"load, ReplayDedup={result['replay_dedup']}",
                f"{result['deliveries_per_second']:.0f}/s, exactly once: {'yes' if exact else 'NO'}",
                "100+/s, exactly once",
                exact and result["deliveries_per_second"] >= 100,
            )
        )
    for name, value, budget, within in rows:
        print(f"  {name:34s} {value:36s} budget {budget:22s} {'within' if within else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
