"""bench/cost.py's arithmetic on tiny, hand-checkable inputs and price tables, and where its inputs come from."""

import copy
import json
import math

import pytest

from bench import cost
from localdev.provision import load_template

ONE = {key: 1.0 for key in cost.PRICES["us-east-1"]}  # every unit costs $1: each cost is its quantity


def tiny(**changes):
    assumptions = dict(cost.Inputs().assumptions, sqs_call_ms=10.0, dynamodb_call_ms=5.0, crc_per_hour=1.0)
    assumptions |= changes.pop("assumptions", {})
    base = cost.Inputs(
        events_per_delivery=2,
        ingest_cpu_ms=1.0,
        crc_cpu_ms=0.5,
        memory_mb={"crc": 1769, "ingest": 1024, "admin": 1024},
        message_bytes=1000,
        replay_dedup=True,
        dedup_index_writes=1,
        assumptions=assumptions,
    )
    return cost.replace(base, **changes)


def item(items, service, starts):
    (found,) = [i for i in items if i.service == service and i.what.startswith(starts)]
    return found


def test_lambda_time_is_cpu_scaled_to_the_functions_vcpu_share_plus_waits_rounded_up_to_the_ms():
    assert cost.lambda_ms(1.0, 1769) == 1  # a full vCPU
    assert cost.lambda_ms(1.0, 1024, wait_ms=20) == 22  # 1.73 ms of CPU + 20 ms waiting
    assert cost.lambda_ms(0.01, 256) == 1  # never less than a millisecond
    assert cost.lambda_ms(0, 1024, wait_ms=2000) == 2000


def test_each_line_item_of_a_tiny_month_is_its_quantity_times_its_price():
    events = 1_000_000  # 500 000 deliveries of 2 events
    items = cost.monthly_items(events, tiny(), ONE)
    deliveries, crcs, ensures = 500_000, 730, 730
    assert item(items, "Lambda", "requests").quantity == pytest.approx((deliveries + crcs + ensures) / 1e6)
    # 1 ms of CPU at 1024 MB (x1.73) + one SQS send (10 ms) + a dedup read and write (2 x 5 ms) = 22 ms
    ingest = item(items, "Lambda", "ingest 22 ms x 1024 MB")
    assert ingest.quantity == pytest.approx(deliveries * 0.022 * 1.0)
    assert item(items, "API Gateway", "HTTP API").quantity == pytest.approx((deliveries + crcs) / 1e6)
    assert item(items, "SQS", "sends (FIFO").quantity == pytest.approx(deliveries / 1e6)  # 2 x 1 KB: one chunk
    assert item(items, "DynamoDB", "dedup reads").quantity == pytest.approx(2.0)  # two keys per event, at most
    assert item(items, "DynamoDB", "dedup writes").quantity == pytest.approx(2.0)  # the table and one index
    assert item(items, "Secrets Manager", "2 secrets").quantity == 2
    assert item(items, "CloudWatch", "dashboard").quantity == 1
    assert item(items, "CloudWatch", "alarms").quantity == 3
    for each in items:
        assert each.cost == pytest.approx(each.quantity * 1.0), each
    assert cost.total(items) == pytest.approx(sum(each.quantity for each in items))


def test_a_price_scales_only_its_own_items():
    base = cost.monthly_items(1_000_000, tiny(), ONE)
    dearer = cost.monthly_items(1_000_000, tiny(), dict(ONE, http_api_per_million=3.0))
    for before, after in zip(base, dearer, strict=True):
        factor = 3.0 if before.service == "API Gateway" else 1.0
        assert after.cost == pytest.approx(before.cost * factor), before


def test_a_standard_queue_is_billed_at_the_standard_price():
    items = cost.monthly_items(1_000_000, tiny(fifo=False), dict(ONE, sqs_standard_per_million=0.5))
    assert item(items, "SQS", "sends (standard").cost == pytest.approx(0.5 * 500_000 / 1e6)


def test_deliveries_of_25_events_take_three_sends_and_large_messages_more_chunks():
    items = cost.monthly_items(2_500_000, tiny(events_per_delivery=25), ONE)  # 100 000 deliveries
    assert item(items, "SQS", "sends").quantity == pytest.approx(100_000 * 3 / 1e6)  # as bench/warm.py measures
    big = cost.monthly_items(2_500_000, tiny(events_per_delivery=25, message_bytes=20_000), ONE)
    # 10 messages of 20 KB in a batch: 200 KB = 4 chunks of 64 KiB per send
    assert item(big, "SQS", "sends").quantity == pytest.approx(100_000 * 3 * math.ceil(200_000 / 65536) / 1e6)


def test_without_replay_dedup_there_is_no_table_and_no_wait_for_it():
    items = cost.monthly_items(1_000_000, tiny(replay_dedup=False), ONE)
    assert not [i for i in items if i.service == "DynamoDB"]
    item(items, "Lambda", "ingest 12 ms")  # 1.73 ms of CPU + 10 ms for SQS


def test_a_consumer_polls_idle_queues_and_fills_batches_as_traffic_grows():
    quiet = item(cost.monthly_items(10_000, tiny(), ONE), "SQS", "consumer")
    # 10 000 receives and deletes of one message, and 5 pollers x 131 400 empty 20 s polls (less the busy share)
    idle = 5 * cost.SECONDS_PER_MONTH / 20 * (1 - 10_000 / cost.SECONDS_PER_MONTH)
    assert quiet.quantity == pytest.approx((10_000 * 2 + idle) / 1e6)
    busy = item(cost.monthly_items(100_000_000, tiny(), ONE), "SQS", "consumer")
    assert busy.quantity == pytest.approx(100_000_000 / 10 * 2 / 1e6)  # full batches of 10, no idle polls


def test_custom_metrics_count_the_event_types_seen_while_traffic_allows():
    few = item(cost.monthly_items(730, tiny(), ONE), "CloudWatch", "custom metrics").quantity
    many = item(cost.monthly_items(1_000_000, tiny(), ONE), "CloudWatch", "custom metrics").quantity
    assert few == 4 + 2 + 1  # one event an hour: one type
    assert many == 4 + 2 + 6


def test_a_peer_server_costs_its_hours_disk_and_address_and_a_load_balancer_its_capacity():
    items = cost.server_items(1_000_000, tiny(), ONE, load_balancer=False)
    assert [i.quantity for i in items[:3]] == [730, 20, 730]
    with_alb = cost.server_items(1_000_000, tiny(), ONE, load_balancer=True)
    lcu = item(with_alb, "ELB", "load balancer capacity")
    assert lcu.quantity == pytest.approx(730 * 0.04)  # the floor: 500 000 deliveries a month is ~0.008 LCU
    assert cost.total(with_alb) == pytest.approx(cost.total(items) + 730 + 730 * 0.04)


def test_every_region_prices_the_same_items_and_the_table_is_dated():
    keys = set(cost.PRICES["us-east-1"])
    assert len(cost.PRICES) >= 3
    for region, prices in cost.PRICES.items():
        assert set(prices) == keys, region
        assert all(value >= 0 for value in prices.values())
    assert cost.PRICES_AS_OF.count("-") == 2


def test_measurements_are_found_at_any_depth_of_the_results_file():
    results = {"warm": {"crc_warm_us": 9.1}, "load": [{"crc_ms": 25.0}]}
    assert cost.find(results, "crc_warm_us") == 9.1
    assert cost.find(results, "crc_ms") == 25.0
    assert cost.find(results, "missing") is None


def test_the_template_gives_memory_sizes_counts_and_the_dedup_indexes_that_cost_writes():
    values = cost.template_inputs()
    assert values["memory_mb"] == {"crc": 256, "ingest": 1769, "admin": 256}  # ingest: one vCPU (docs, Capacity)
    resources = load_template()["Resources"].values()

    def unconditional(kind):
        return sum(1 for r in resources if r.get("Type") == kind and "Condition" not in r)

    assert values["secrets"] == unconditional("AWS::SecretsManager::Secret") >= 3  # consumer, X, signing key
    assert values["alarms"] == unconditional("AWS::CloudWatch::Alarm") >= 4
    assert values["dashboards"] == 1
    assert values["fifo"]
    assert values["replay_dedup"]
    template = copy.deepcopy(load_template())
    table = template["Resources"]["DedupTable"]["Properties"]
    table["GlobalSecondaryIndexes"] = [
        {"IndexName": "by_user", "KeySchema": [{"AttributeName": "for_user_id", "KeyType": "HASH"}]},
        {"IndexName": "signals", "KeySchema": [{"AttributeName": "signal", "KeyType": "HASH"}]},
    ]
    assert cost.template_inputs(template)["dedup_index_writes"] == 1  # `signals` is sparse (revokes only)


def test_make_cost_prints_the_three_volumes_for_each_region_from_a_results_file(tmp_path, capsys):
    results = tmp_path / "results.json"
    measured = {"crc_warm_us": 9.0, "ingest_handler_us": 104.0, "crc_ms": 25.0, "ingest_init_ms": 300.0}
    results.write_text(json.dumps({"warm": measured, "cold": {"admin_init_ms": 600.0}}))
    assert cost.main(["--results", str(results), "--markdown"]) == 0
    out, err = capsys.readouterr()
    assert "measuring" not in err  # everything came from the file
    assert "|  | 10 thousand events | 1 million events | 100 million events |" in out
    for region in cost.PRICES:
        assert f"total, {region}" in out
    assert "results.json: ingest_handler_us" in out
