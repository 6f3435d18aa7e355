"""A thread-safe token bucket that keeps a source's requests within `rate_limit_per_s`.

Probes that read with several threads share one bucket per source: each request first takes a
token. Tokens refill at `rate_per_s` up to `burst`; a caller that finds none reserves the next
one and sleeps until it is due, so concurrent callers queue up fairly and requests are never
closer together than 1 / rate (with burst 1) however many threads ask.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket", "retry_after_seconds"]


def retry_after_seconds(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """The wait a Retry-After header asks for: delta-seconds or an HTTP date; None if absent or bad.

    Every live probe reads the header through this one function, so they agree on its forms.
    """
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


class TokenBucket:
    """`rate_per_s` tokens a second, at most `burst` saved up (a fresh bucket is full)."""

    def __init__(
        self,
        rate_per_s: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if not rate_per_s > 0:
            raise ValueError("rate_per_s must be positive")
        if not burst >= 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate_per_s)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()

    def reserve(self) -> float:
        """Take a token now or reserve the next free one; return how long to wait for it (s).

        The token is the caller's either way: it must wait the returned time before its request.
        """
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, max_wait_s: float | None = None) -> float:
        """Take a token, sleeping until it is due (never longer than `max_wait_s`, e.g. what is
        left of the source's time); return the time slept."""
        wait = self.reserve()
        if max_wait_s is not None:
            wait = min(wait, max(0.0, max_wait_s))
        if wait > 0:
            self._sleep(wait)
        return wait
