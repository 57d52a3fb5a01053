"""`make load`: the end-to-end load test. Signed POSTs from concurrent senders through the local stack
(`make run`: gateway, real handlers in worker processes, moto in its own process), consumers draining
the queue as they would in production; then every activity must be on the queue exactly once.

The deliveries are X's 45 samples with fresh ids and times (localdev.send.freshen: events happening
now), and with them the copies X makes: a share sent twice (X retrying a delivery whose answer it did
not get) and, for AAA posts, the XAA copy X sends of the same post (post.create for the account's own,
post.mention.create for a mention, ...: the AAA -> XAA overlap: one event, two families). Copies must
be dropped, whichever arrives first: `lost` counts expected activities that never arrived, `doubled`
the messages beyond one per activity.

Budget (bench/__main__.py budgets()): a couple of thousand POSTs from 16 senders, 0 lost, 0 doubled, 100+
deliveries/s.

    make load                       2000 deliveries (+ copies), ReplayDedup enabled then disabled
    make load ARGS='400 enabled'    400 deliveries, the dedup table only
"""

import json
import random
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
from xwebhook.receive.post_kinds import aaa_kinds  # noqa: E402
from xwebhook.receive.signing import sign  # noqa: E402
from xwebhook.receive.splitting import split_delivery  # noqa: E402

SECRET = "load-consumer-secret"
RETRY_SHARE = 0.1  # of the deliveries, sent a second time


def _xaa_copy(delivery, salt):
    """The XAA copy of the post in an AAA tweet_create delivery: the type the post is for the account."""
    (item,) = delivery["tweet_create_events"]
    stamp_ms = int(item.get("timestamp_ms") or time.time() * 1000)
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp_ms // 1000)) + f".{stamp_ms % 1000:03d}Z"
    author = (item.get("user") or {}).get("id_str")
    payload = {"id": item["id_str"], "created_at": created, "text": item.get("text", ""), "author_id": author}
    kind = aaa_kinds(item, delivery["for_user_id"])[0][0]
    data = {"event_uuid": f"-{salt}", "filter": {"user_id": delivery["for_user_id"]}, "event_type": kind}
    return {"data": {**data, "tag": "load", "payload": payload}}


def deliveries(count, seed=7):
    """(bodies to POST in order, the activity ids that must each arrive once, copies among the bodies)."""
    rng = random.Random(seed)
    names = all_sample_names()
    originals, expected, copies = [], [], []
    for n in range(count):
        delivery = freshen(sample(names[n % len(names)]), f"{n:06d}")
        body = json.dumps(delivery, separators=(",", ":")).encode()
        originals.append(body)
        expected.extend(message.activity_id for message in split_delivery(delivery, ""))
        if rng.random() < RETRY_SHARE:
            copies.append(body)
        if "tweet_create_events" in delivery and len(delivery["tweet_create_events"]) == 1:
            copies.append(json.dumps(_xaa_copy(delivery, f"{n:06d}"), separators=(",", ":")).encode())
    work = originals + copies
    rng.shuffle(work)  # copies land before or after their originals: either must be dropped
    return work, expected, len(copies)


class Consumer(threading.Thread):
    """Receives and deletes messages until told to stop, recording every activity id it saw.

    Long polls of 1 s, as a production consumer would (the local endpoint's long poll waits for a
    message without spinning; see localdev.moto_server). Each message's id and receive count are kept:
    a doubled activity is reported as one message received twice or as two messages enqueued."""

    def __init__(self, sqs, queue_url, seen, lock, stop):
        super().__init__(daemon=True)
        self.sqs, self.queue_url, self.seen, self.lock, self.stop = sqs, queue_url, seen, lock, stop

    def run(self):
        while not self.stop.is_set():
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
            )
            messages = answer.get("Messages", [])
            if not messages:
                continue
            with self.lock:
                self.seen.extend((json.loads(m["Body"]), m["MessageId"], m.get("Attributes", {})) for m in messages)
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )


def measure(count=2000, senders=16, consumers=2, instances=8, replay_dedup="enabled", drain_timeout=120.0):
    # A warm-up round of 2 deliveries per sender first starts every function instance (Lambda's cold
    # starts are not what this measures); its events are checked for exactly-once like the rest.
    warmup_count = 2 * senders
    work, expected, copies = deliveries(warmup_count + count)
    warmup, timed = work[:warmup_count], work[warmup_count:]
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

        def post(body):
            started = time.perf_counter()
            status, _answer = sender.post(body, sign(SECRET.encode(), body))
            return status, time.perf_counter() - started

        with ThreadPoolExecutor(max_workers=senders) as pool:
            warmup_results = list(pool.map(post, warmup))
            start = time.perf_counter()
            results = list(pool.map(post, timed))
        sent_seconds = time.perf_counter() - start
        deadline = time.monotonic() + drain_timeout
        while time.monotonic() < deadline:
            with lock:
                if len(seen) >= len(expected):
                    break
            time.sleep(0.05)
        drained_seconds = time.perf_counter() - start
        time.sleep(1.5)  # anything doubled would arrive now
        stop.set()
        for reader in readers:
            reader.join(timeout=5)
        with lock:
            received = list(seen)
    statuses = [status for status, _ in warmup_results + results]
    latencies = sorted(seconds for _, seconds in results)
    wanted = set(expected)
    counts, copies_of = {}, {}
    for body, message_id, attributes in received:
        activity_id = body["activity_id"]
        counts[activity_id] = counts.get(activity_id, 0) + 1
        copies_of.setdefault(activity_id, []).append((message_id, body, attributes))
    # A doubled activity is either one message received twice (the queue gave it out again: its
    # visibility ran out or the local endpoint raced) or two messages (ingest enqueued it twice).
    doubled_detail = [
        {
            "activity_id": activity_id,
            "same_message": len({message_id for message_id, _, _ in found}) == 1,
            "copies": [
                {
                    "message_id": message_id,
                    "source": body.get("source"),
                    "event_type": body.get("event_type"),
                    "event_id": body.get("event_id"),
                    "received_at": body.get("received_at"),
                    "receive_count": attributes.get("ApproximateReceiveCount"),
                    "sent": attributes.get("SentTimestamp"),
                }
                for message_id, body, attributes in found
            ],
        }
        for activity_id, found in sorted(copies_of.items())
        if len(found) > 1
    ][:5]
    return {
        "deliveries": len(timed),
        "copies": copies,
        "senders": senders,
        "instances": instances,
        "replay_dedup": replay_dedup,
        "activities": len(wanted),
        "expected_distinct": len(wanted) == len(expected),
        "warmup": warmup_count,
        "non_200": sum(1 for status in statuses if status != 200),
        "sent_seconds": sent_seconds,
        "deliveries_per_second": len(timed) / sent_seconds,
        "events_on_queue_seconds": drained_seconds,
        "received": len(received),
        "lost": len(wanted - set(counts)),
        "lost_ids": sorted(wanted - set(counts))[:5],
        "doubled_detail": doubled_detail,
        "doubled_ids": sorted(a for a, n in counts.items() if n > 1 or a not in wanted)[:5],
        "doubled": sum(n - 1 for n in counts.values()) + sum(1 for a in counts if a not in wanted),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def report(result):
    ok = result["lost"] == 0 and result["doubled"] == 0 and result["non_200"] == 0
    calls = "2 AWS calls per fresh delivery" if result["replay_dedup"] == "enabled" else "1 AWS call per delivery"
    print(
        f"local end-to-end load, ReplayDedup={result['replay_dedup']} ({calls}): {result['senders']} senders,"
        f" {result['instances']} instances per function, consumers draining"
    )
    print(
        f"  POSTs                        {result['deliveries']} timed (+{result['warmup']} warm-up), of which"
        f" {result['copies']} copies (retries, XAA copies of AAA posts); non-200 answers: {result['non_200']}"
    )
    print(f"  all answered in              {result['sent_seconds']:7.1f} s")
    print(f"  deliveries per second        {result['deliveries_per_second']:7.1f}     (budget 100+)")
    print(f"  latency p50 / p99            {result['p50_ms']:7.1f} / {result['p99_ms']:.1f} ms")
    print(f"  every activity on the queue  {result['events_on_queue_seconds']:7.1f} s")
    print(
        f"  exactly once                 {'yes' if ok else 'NO'}: {result['lost']} lost / {result['doubled']} doubled"
        f"  ({result['activities']} activities, {result['received']} messages received)"
    )
    for label in ("lost_ids", "doubled_ids"):
        if result[label]:
            print(f"  {label.replace('_', ' ')} (first 5)  {', '.join(result[label])}")
    for doubled in result["doubled_detail"]:
        how = "one message received twice" if doubled["same_message"] else "enqueued twice"
        print(f"  {doubled['activity_id']}: {how}")
        for copy in doubled["copies"]:
            print(f"    {json.dumps(copy)}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    count = int(argv[0]) if argv else 2000
    modes = argv[1:] or ("enabled", "disabled")
    results = []
    for replay_dedup in modes:
        results.append(measure(count, replay_dedup=replay_dedup))
        report(results[-1])
    return 0 if all(r["lost"] == 0 and r["doubled"] == 0 and r["non_200"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
