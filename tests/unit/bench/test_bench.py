"""The bench's own logic (no timing): the AWS calls it reports, the biggest delivery it builds, and that
the docs' performance table is the one bench/results.json gives."""

import json

from bench import big, performance_page, warm
from bench.__main__ import RESULTS
from xwebhook.receive.jsontext import parse
from xwebhook.receive.splitting import split_delivery


def test_the_calls_per_delivery_the_bench_reports_are_those_ingest_makes():
    assert warm.calls_per_delivery() == {
        "fresh_fifo": 2,
        "old_fifo": 3,
        "fresh_standard": 3,
        "no_dedup_table": 1,
        "replayed_duplicate": 1,
    }


def test_the_biggest_delivery_fills_the_body_cap_with_distinct_events():
    body, events = big.biggest_delivery(1_800_000_000_000)
    assert big.MAX_BODY_BYTES - 200 < len(body) <= big.MAX_BODY_BYTES
    messages = split_delivery(parse(body), "t")
    assert len(messages) == events > 5000
    assert len({m.activity_id for m in messages}) == events


def test_the_floor_does_what_it_says_for_the_bench_body():
    body = warm.three_event_body()
    sqs = warm.AcceptingSqs()
    warm.floor(warm.SECRET.encode(), body, warm.sign(warm.SECRET.encode(), body).encode(), sqs)
    assert sqs.calls == 1


def test_the_performance_page_table_is_the_one_results_json_gives():
    text = performance_page.PAGE.read_text()
    block = text.split(performance_page.START, 1)[1].split(performance_page.END, 1)[0].strip()
    expected = performance_page.table(json.loads(RESULTS.read_text()))
    assert block == expected, "run: python -m bench.performance_page --write"
