"""Bounded concurrency for the AWS calls of one large delivery (SQS batches, DynamoDB chunks).

One pool per ingest instance, made at the first delivery that needs more than one call, shared by the
publisher and the dedup store. Calls are I/O-bound (botocore releases the GIL while waiting), so a
few threads overlap the round trips that a large delivery would otherwise make one after another.
"""


class Concurrently:
    def __init__(self, limit=8):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._pool = None

    def map(self, function, items):
        """[function(item) for item in items], at most `limit` at a time. The first error is raised once
        every call has ended, so nothing is still in flight when the caller answers."""
        if self.limit == 1 or len(items) <= 1:
            return [function(item) for item in items]
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor  # paid once, at the first large delivery

            self._pool = ThreadPoolExecutor(self.limit, thread_name_prefix="xwebhook-aws")
        futures = [self._pool.submit(function, item) for item in items]
        results, failure = [], None
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return results
