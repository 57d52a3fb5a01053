"""How long an invocation has left, read from Lambda's context (lambda_context.py)."""

from xwebhook.lambda_context import time_left


def test_time_left_counts_down_in_seconds_from_lambdas_context():
    class Context:
        def get_remaining_time_in_millis(self):
            return 2500

    assert time_left(Context())() == 2.5


def test_without_lambdas_context_there_is_no_time_left_to_read():
    assert time_left(None) is None
