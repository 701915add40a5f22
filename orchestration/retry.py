"""Retry policy for steps that talk to APIs or the warehouse: backoff with jitter."""

import dagster as dg

TRANSIENT_RETRY = dg.RetryPolicy(
    max_retries=2,
    delay=5,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
