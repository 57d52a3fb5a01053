"""Local end-to-end load: signed POSTs from concurrent senders through the local stack (`make run`:
gateway, real handlers in worker processes, moto in its own process), with consumers draining the
queue as they would in production. Budget (design.md): a couple of thousand POSTs from 16 senders,
every event in the queue exactly once, 100+ deliveries/s on this machine.

Every delivery is a sample with fresh event ids (so neither SQS nor the dedup table may drop it),
cycling through all 45 samples; the expected event ids come from xwebhook.splitting.
"""

import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from localdev.send import Sender, freshen  # noqa: E402
from localdev.testing import run_local_stack  # noqa: E402
from tests.conftest import all_sample_names, sample  # noqa: E402
from xwebhook.receive.signing import sign  # noqa: E402
from xwebhook.receive.splitting import split_delivery  # noqa: E402

SECRET = "load-consumer-secret"


def deliveries(count):
    """(body bytes, expected event ids) for `count` fresh deliveries."""
    names = all_sample_names()
    made = []
    for n in range(count):
        delivery = freshen(sample(names[n % len(names)]), f"{n:06d}")
        body = json.dumps(delivery, separators=(",", ":")).encode()
        made.append((body, [message.event_id for message in split_delivery(delivery, "")]))
    return made


class Consumer(threading.Thread):
    """Receives and deletes messages until told to stop, recording every event id it saw.

    Short polls with a brief pause when empty: moto's long polling (WaitTimeSeconds) re-scans the
    queue in a busy loop and took a third of its CPU here, which real SQS does not charge for."""

    def __init__(self, sqs, queue_url, seen, lock, stop):
        super().__init__(daemon=True)
        self.sqs, self.queue_url, self.seen, self.lock, self.stop = sqs, queue_url, seen, lock, stop

    def run(self):
        while not self.stop.is_set():
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = answer.get("Messages", [])
            if not messages:
                self.stop.wait(0.05)
                continue
            with self.lock:
                self.seen.extend(json.loads(m["Body"])["event_id"] for m in messages)
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )


def measure(count=2000, senders=16, consumers=2, instances=8, replay_dedup="enabled", drain_timeout=120.0):
    # A warm-up round of 2 deliveries per sender first starts every function instance (Lambda's cold
    # starts are not what this measures); its events are checked for exactly-once like the rest.
    warmup_count = 2 * senders
    work = deliveries(warmup_count + count)
    warmup, work_timed = work[:warmup_count], work[warmup_count:]
    expected = [event_id for _, ids in work for event_id in ids]
    with (
        tempfile.TemporaryDirectory() as tmp,
        run_local_stack(
            Path(tmp),
            env={"X_CONSUMER_SECRET": SECRET},
            args=("--instances", str(instances), "--parameter", f"ReplayDedup={replay_dedup}"),
        ) as stack,
    ):
        state = stack.state
        queue_url = state["resources"]["EventsQueue"]
        sender = Sender(state["webhook_url"])
        seen, lock, stop = [], threading.Lock(), threading.Event()
        readers = [Consumer(stack.client("sqs"), queue_url, seen, lock, stop) for _ in range(consumers)]
        for reader in readers:
            reader.start()

        def post(item):
            body, _ = item
            started = time.perf_counter()
            status, _answer = sender.post(body, sign(SECRET.encode(), body))
            return status, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=senders) as pool:
            warmup_results = list(pool.map(post, warmup))
            start = time.perf_counter()
            results = list(pool.map(post, work_timed))
        sent_seconds = time.perf_counter() - start
        deadline = time.monotonic() + drain_timeout
        while time.monotonic() < deadline:
            with lock:
                if len(seen) >= len(expected):
                    break
            time.sleep(0.05)
        drained_seconds = time.perf_counter() - start
        time.sleep(1.5)  # anything duplicated would arrive now
        stop.set()
        for reader in readers:
            reader.join(timeout=5)
        with lock:
            received = list(seen)
    statuses = [status for status, _ in warmup_results + results]
    latencies = sorted(seconds for _, seconds in results)
    missing = set(expected) - set(received)
    duplicates = len(received) - len(set(received))
    return {
        "deliveries": count,
        "senders": senders,
        "instances": instances,
        "replay_dedup": replay_dedup,
        "events": len(expected),
        "warmup": warmup_count,
        "non_200": sum(1 for status in statuses if status != 200),
        "sent_seconds": sent_seconds,
        "deliveries_per_second": count / sent_seconds,
        "events_on_queue_seconds": drained_seconds,
        "received": len(received),
        "missing": len(missing),
        "duplicates": duplicates,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def report(result):
    exactly_once = result["missing"] == 0 and result["duplicates"] == 0 and result["received"] == result["events"]
    calls = "3 AWS calls" if result["replay_dedup"] == "enabled" else "1 AWS call"
    print(
        f"local end-to-end load, ReplayDedup={result['replay_dedup']} ({calls} per delivery):"
        f" {result['senders']} senders, {result['instances']} instances per function, consumers draining"
    )
    print(
        f"  deliveries / events          {result['deliveries']} (+{result['warmup']} warm-up) / {result['events']}"
        f"  (non-200 answers: {result['non_200']})"
    )
    print(f"  all answered in              {result['sent_seconds']:7.1f} s")
    print(f"  deliveries per second        {result['deliveries_per_second']:7.1f}     (budget 100+)")
    print(f"  latency p50 / p99            {result['p50_ms']:7.1f} / {result['p99_ms']:.1f} ms")
    print(f"  every event on the queue in  {result['events_on_queue_seconds']:7.1f} s")
    print(
        f"  exactly once                 {'yes' if exactly_once else 'NO'}"
        f"  (received {result['received']}, missing {result['missing']}, duplicates {result['duplicates']})"
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for replay_dedup in ("enabled", "disabled"):
        report(measure(count, replay_dedup=replay_dedup))
