"""What Lambda's context object tells a handler about its invocation.

No imports: every handler may load this.
"""


def time_left(context):
    """() -> the seconds this invocation has left, from Lambda's context; None without one (a test, a local
    call without a context). Callers stop retrying and leave work for the next run in time."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() / 1000.0) if remaining else None
