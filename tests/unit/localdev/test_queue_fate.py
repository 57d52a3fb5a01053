"""The invocation trace that ties a delivery to what the local queue did with its messages."""

from localdev.lambda_runtime import trace_header, trace_key
from localdev.moto_guard import trace_key as tapped_key
from localdev.queue_fate import DeliveryFate


def test_the_tap_reads_back_the_key_of_the_invocation_whose_trace_header_botocore_sent():
    header = trace_header("a request id", now=1_800_000_000)
    assert header.startswith("Root=1-6b49d200-")
    assert header.endswith(";Sampled=0")
    assert tapped_key(header) == trace_key("a request id")


def test_two_invocations_have_two_trace_keys():
    assert trace_key("one") != trace_key("two")


def test_a_request_without_a_trace_header_has_no_trace_key():
    assert tapped_key(None) is None
    assert tapped_key("Self=1-5759e988-bd862e3fe1be46a994272793") is None


def test_a_delivery_fate_counts_kept_and_dropped_sends():
    fate = DeliveryFate([{"kept": True}, {"kept": False}, {"kept": True}])
    assert fate.as_dict() == {"kept": 2, "dropped": 1}
