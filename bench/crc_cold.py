"""The crc cold start alone (`python -m bench.crc_cold`), and the helpers other benchmarks take from here.

The measurement itself is bench/cold.py's (crc, ingest and admin the same way); `measure()` gives its
crc figures with the key names the cost model reads (`crc_ms`).
"""

import time

from bench import cold
from bench.cold import base_interpreter
from bench.cold import max_rss_kib as _max_rss_kib

__all__ = ["_max_rss_kib", "_timed", "base_interpreter", "measure", "report"]


def _timed(command, env):
    """Seconds `command` takes from spawn to exit (for benchmarks of a whole process)."""
    import subprocess

    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs=30):
    return cold.measure_function("crc", runs)


def report(result):
    cold.report({"crc": result})


if __name__ == "__main__":
    report(measure())
