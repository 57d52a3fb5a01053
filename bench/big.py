"""The biggest delivery X can send: as many events as fit in MAX_BODY_BYTES (512 KiB), stored through the
real ingest handler with real botocore clients over HTTP to bench/fake_aws.py, which answers after an
AWS-like round trip, in its own process.

The smallest events X sends are AAA tweet deletes (~95 bytes: a post id, its author, a time), so the
biggest delivery in events is ~5,100 of them for one account: 514 SendMessageBatch calls and 206
BatchWriteItem calls (and one BatchGetItem per 50 events, two keys each, when they are older than 240 s). X waits
3 s (legacy) for the answer. Printed: wall time here with no round trip and with ROUND_TRIP_MS, the
CPU the handler used, and what that means on Lambda at the template's MemorySize.

On Lambda, CPU is allocated in proportion to memory (1,769 MB = one vCPU), and botocore's CPU per
call is most of the cost. The build machine's speed varies from day to day (it is shared: 5 M Python
additions have taken 0.24 s and 0.50 s on it), so the CPU measured here is scaled to an assumed Lambda
vCPU, LAMBDA_VCPU_ADDITIONS_S for the same loop (a current server core; no Lambda is reachable from here
to measure it), by the loop's time on this machine in the same run; the round trips overlap
`PUBLISH_CONCURRENCY` at a time. The estimate at this machine's own speed is printed beside it.
"""

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fake_aws import FakeAws  # noqa: E402
from bench.warm import ENV, SECRET, http_event, quiet_stdout  # noqa: E402
from localdev.handlers import load_function  # noqa: E402
from xwebhook.credentials.cache import CachedSecret  # noqa: E402
from xwebhook.credentials.consumer_secret import consumer_secret_from_value  # noqa: E402
from xwebhook.receive.signing import sign  # noqa: E402

MAX_BODY_BYTES = 512 * 1024
ROUND_TRIP_MS = 15.0  # SQS SendMessageBatch / DynamoDB BatchWriteItem in the same region, typical
LAMBDA_VCPU_MB = 1769
LAMBDA_VCPU_ADDITIONS_S = 0.25  # assumed: 5 M additions in a Python 3.13 loop on one Lambda vCPU
ADDITIONS = 5_000_000


def python_speed_s():
    """CPU seconds this machine takes for ADDITIONS additions in a Python loop (the bench's speed unit)."""
    start = time.process_time()
    total = 0
    for number in range(ADDITIONS):
        total += number
    return time.process_time() - start


def biggest_delivery(at_ms, cap=MAX_BODY_BYTES):
    """(body, events): AAA tweet deletes of one account, as many as fit in `cap` bytes."""
    head = '{"for_user_id":"930524282358325248","tweet_delete_events":['
    items, size = [], len(head) + 2
    while True:
        item = '{"status":{"id":"%d","user_id":"930524282358325248"},"timestamp_ms":"%d"}' % (
            1045405559317569537 + len(items),
            at_ms,
        )
        if size + len(item) + 1 > cap:
            break
        items.append(item)
        size += len(item) + 1
    return (head + ",".join(items) + "]}").encode(), len(items)


def _run(latency_ms, fresh, concurrency):
    with FakeAws(latency_ms) as aws:
        env = dict(
            ENV,
            AWS_ENDPOINT_URL=aws.url,
            EVENTS_QUEUE_URL=f"{aws.url}/123456789012/xwebhook-events.fifo",
            DEDUP_TABLE="xwebhook-dedup",
            PUBLISH_CONCURRENCY=str(concurrency),
        )
        ingest = load_function("ingest", env, module_name=f"bench_big_{latency_ms}_{fresh}")
        ingest.ingestor._secret = CachedSecret(lambda: SECRET, ttl_seconds=3600, parse=consumer_secret_from_value)
        warm_up, _ = biggest_delivery(int(time.time() * 1000), cap=4096)  # connections and the thread pool
        with quiet_stdout():
            ingest.handler(
                http_event("POST", warm_up, headers={"x-twitter-webhooks-signature": sign(SECRET.encode(), warm_up)}),
                None,
            )
        at_ms = int(time.time() * 1000) if fresh else 1432228155593
        body, events = biggest_delivery(at_ms)
        post = http_event("POST", body, headers={"x-twitter-webhooks-signature": sign(SECRET.encode(), body)})
        before = aws.calls()
        with quiet_stdout():
            wall, cpu = time.perf_counter(), time.process_time()
            answer = ingest.handler(post, None)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = aws.calls()
    assert answer["statusCode"] == 200 and f'"sent":{events}' in answer["body"], answer
    calls = {name: after[name] - before.get(name, 0) for name in after}
    return {"events": events, "body_bytes": len(body), "wall_s": wall, "cpu_s": cpu, "calls": calls}


def measure(memory_mb=1769, concurrency=16):
    fresh_local = _run(0.0, True, concurrency)
    fresh = _run(ROUND_TRIP_MS, True, concurrency)
    old = _run(ROUND_TRIP_MS, False, concurrency)
    share = min(1.0, memory_mb / LAMBDA_VCPU_MB)
    calls = sum(old["calls"].values())
    network = calls * ROUND_TRIP_MS / 1000 / concurrency
    # CPU and round trips overlap (threads wait on sockets while others run): the longer of the two,
    # plus a fifth of the shorter for what does not overlap.
    speed_s = min(python_speed_s() for _ in range(3))
    at_this_speed = old["cpu_s"] / share
    cpu_on_lambda = at_this_speed * LAMBDA_VCPU_ADDITIONS_S / speed_s

    def overlapped(cpu):
        return max(cpu, network) + 0.2 * min(cpu, network)

    estimate = overlapped(cpu_on_lambda)
    return {
        "events": fresh["events"],
        "body_bytes": fresh["body_bytes"],
        "concurrency": concurrency,
        "round_trip_ms": ROUND_TRIP_MS,
        "fresh_no_round_trip": fresh_local,
        "fresh": fresh,
        "old": old,
        "memory_mb": memory_mb,
        "lambda_estimate_s": estimate,
        "machine_additions_s": speed_s,
        "lambda_vcpu_additions_s": LAMBDA_VCPU_ADDITIONS_S,
        "estimate_at_this_speed_s": overlapped(at_this_speed),
    }


def report(result):
    print(
        f"biggest delivery: {result['events']} events in {result['body_bytes']} bytes (AAA tweet deletes, one account),"
        f" real handler and botocore, {result['concurrency']} calls in flight"
    )
    for label, key in (
        ("fresh events, no round trip", "fresh_no_round_trip"),
        (f"fresh events, {result['round_trip_ms']:.0f} ms round trips", "fresh"),
        (f"old events (read first), {result['round_trip_ms']:.0f} ms", "old"),
    ):
        run = result[key]
        calls = ", ".join(f"{count} {name}" for name, count in sorted(run["calls"].items()))
        print(f"  {label:38s} {run['wall_s']:5.2f} s wall, {run['cpu_s']:5.2f} s CPU   ({calls})")
    print(
        f"  on Lambda at {result['memory_mb']} MB (estimate, see bench/big.py): {result['lambda_estimate_s']:.1f} s"
        f"   (X's deadline: 3 s; a vCPU taken as {result['lambda_vcpu_additions_s']:.2f} s per 5 M additions,"
        f" this machine {result['machine_additions_s']:.2f} s: {result['estimate_at_this_speed_s']:.1f} s at its speed)"
    )


if __name__ == "__main__":
    report(measure())
