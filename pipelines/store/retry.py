"""Retrying S3 requests through transient failures, with a budget per request.

botocore's ``standard`` and ``adaptive`` retry modes share one retry quota per client: every retried error
takes tokens from it and only successful calls give some back, so under a steady error rate (every 3rd
request, or 20% of them, answering 500) the quota drains and from then on no error is retried at all. The
store therefore turns botocore's retries off and retries here instead: every request (PUT, HEAD, GET, LIST,
DELETE) has its own budget of ``retries`` retries, so earlier failures never take retries away from a later
request. The waits grow exponentially up to ``max_delay_s`` with "equal jitter" (half the wait fixed, half
random), which spreads clients apart while guaranteeing a minimum total wait: with the defaults (10 retries,
0.25 s base, 10 s cap) a request keeps trying for at least 28 s and at most 56 s, which rides out a 20 s
outage.

This is the only retry layer on every S3 call path: the store's requests, ``s3://`` inbox listings and
reads, and ``s3://`` model downloads all go through :func:`call_with_retries` with the budget of
``store.retries``, on boto3 clients that make one attempt per call (:func:`pipelines.store.s3.make_client`),
and the Prefect tasks above them do not retry. A request therefore reaches the server at most
``store.retries + 1`` times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

if TYPE_CHECKING:
    from pipelines.store.config import StoreConfig

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequests",
        "429",
        "500",
        "502",
        "503",
        "504",
    }
)


def is_transient(exc: BaseException) -> bool:
    """A failure that another try may not meet: a 5xx, throttling, a dropped or refused connection."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return str(error.get("Code", "")) in TRANSIENT_CODES or status >= 500 or status == 429
    return isinstance(exc, BotoConnectionError | HTTPClientError)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 10
    base_s: float = 0.25
    max_delay_s: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_config(cls, config: StoreConfig) -> RetryPolicy:
        """The budget of ``store.retries``, ``store.retry_base_s`` and ``store.retry_max_delay_s``."""
        return cls(config.retries, config.retry_base_s, config.retry_max_delay_s)

    def delay(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0-based): equal jitter over a capped exponential."""
        ceiling = min(self.max_delay_s, self.base_s * 2.0**retry)
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


class RetriesExhausted(Exception):
    """The last transient error of a request after its whole budget, and how many attempts were made."""

    def __init__(self, error: ClientError | BotoCoreError, attempts: int, seconds: float) -> None:
        super().__init__(f"{type(error).__name__} after {attempts} attempts")
        self.error = error
        self.attempts = attempts
        self.seconds = seconds


def call_with_retries(request: Callable[[], T], policy: RetryPolicy) -> T:
    """``request()``, retried on transient errors within the policy's budget.

    A non-transient error is raised as it is, on the first attempt; a transient one that lasts past the
    budget raises :class:`RetriesExhausted` with the real number of attempts.
    """
    started = time.monotonic()
    retry = 0
    while True:
        try:
            return request()
        except (ClientError, BotoCoreError) as exc:
            if not is_transient(exc):
                raise
            if retry >= policy.retries:
                raise RetriesExhausted(exc, retry + 1, time.monotonic() - started) from exc
            policy.sleep(policy.delay(retry))
            retry += 1
