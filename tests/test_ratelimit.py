"""scanner/ratelimit.py: the token bucket's arithmetic (a fake clock) and its behaviour under
real threads (reservations never collide)."""

from __future__ import annotations

import threading

import pytest

from scanner.ratelimit import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


def test_first_request_is_free_then_spaced_by_one_over_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)
    waits = [bucket.reserve() for _ in range(4)]  # all at the same instant
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_tokens_refill_with_time_but_never_beyond_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, burst=3, clock=clock, sleep=clock.sleep)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    clock.now += 60  # a long pause saves up at most `burst` tokens
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)


def test_acquire_sleeps_until_due_and_respects_max_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(4, clock=clock, sleep=clock.sleep)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.25)
    assert clock.slept == pytest.approx([0.25])
    bucket.reserve()
    bucket.reserve()  # two ahead: the next is due in 0.75 s
    assert bucket.acquire(max_wait_s=0.1) == pytest.approx(0.1)


def test_a_steady_caller_is_held_to_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(11):
        bucket.acquire()
    assert clock.now - start == pytest.approx(2.0)  # 10 intervals of 0.2 s after the free first


def test_concurrent_callers_get_distinct_slots() -> None:
    clock = FakeClock()  # frozen time: every reservation queues behind the previous ones
    bucket = TokenBucket(100, clock=clock, sleep=clock.sleep)
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(50):
            w = bucket.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w * 100) for w in waits) == list(range(400))


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5)])
def test_rejects_impossible_settings(rate: float, burst: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)


def test_retry_after_in_both_forms() -> None:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    from scanner.ratelimit import retry_after_seconds

    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 0.5 ") == 0.5
    assert retry_after_seconds("-2") == 0.0
    assert retry_after_seconds(None) is None and retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
    when = format_datetime(datetime(2030, 1, 1, 0, 0, 10, tzinfo=UTC), usegmt=True)
    now = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    assert retry_after_seconds(when, now=lambda: now) == 10.0
    assert retry_after_seconds(when, now=lambda: now + 60) == 0.0
