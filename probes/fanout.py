"""Per-object calls spread over a probe's own bounded pool, results in input order.

A probe that runs its tasks on a pool of `concurrency` threads often meets, inside one task, a
list of objects that each need a call of their own (an S3 bucket's versioning, a DynamoDB
table's backups, a PromQL query per SLI). Run one after another, those calls leave the other
workers idle once the task queue drains. `ordered_map` lets the idle workers help:

- the calling thread (a worker of the pool, or the probe's own thread) takes items itself, and
  offers up to `width - 1` helpers to the same pool, so the pool's size still bounds how many
  requests are in flight; the shared rate limit and retry policy live in the client and apply
  to every thread alike;
- the caller never waits for a helper that has not started (a helper that starts after the
  items ran out returns at once), so a pool whose workers all fan out at once cannot deadlock;
- items are claimed in order and none is started after a failure; the failure raised is the
  one of the first failing item in order, which is the one a plain loop would have met (every
  item before it was claimed earlier and ran to the end), so what fails is deterministic;
- results come back in the order of the items, so evidence never depends on which answer
  arrived first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["IN_CALLER", "Fanout", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")


class _Run(Generic[T, R]):
    """One fan-out: items claimed in order by whichever thread asks next."""

    def __init__(self, fn: Callable[[T], R], items: Sequence[T]) -> None:
        self.fn = fn
        self.items = items
        self.results: list[R | None] = [None] * len(items)
        self.errors: dict[int, BaseException] = {}
        self.claimed = 0
        self.finished = 0
        self.cond = threading.Condition()

    def work(self) -> None:
        while True:
            with self.cond:
                if self.claimed >= len(self.items) or self.errors:
                    return
                i = self.claimed
                self.claimed += 1
            try:
                result = self.fn(self.items[i])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                with self.cond:
                    self.errors[i] = exc
                    self.finished += 1
                    self.cond.notify_all()
                continue
            with self.cond:
                self.results[i] = result
                self.finished += 1
                self.cond.notify_all()

    def wait(self) -> list[R]:
        with self.cond:
            self.cond.wait_for(lambda: self.finished == self.claimed)
            if self.errors:
                raise self.errors[min(self.errors)]
        return self.results  # type: ignore[return-value]  # every slot was filled


def ordered_map(pool: Executor | None, fn: Callable[[T], R], items: Sequence[T], width: int) -> list[R]:
    """`[fn(x) for x in items]`, up to `width` at once on `pool` (see the module's notes)."""
    if pool is None or width <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    run: _Run[T, R] = _Run(fn, items)
    for _ in range(min(width, len(items)) - 1):
        try:
            pool.submit(run.work)
        except RuntimeError:  # the pool is shutting down: the caller does the rest alone
            break
    run.work()
    return run.wait()


@dataclass(frozen=True)
class Fanout:
    """A pool and how many of its workers one fan-out may use; the default runs in the caller."""

    pool: Executor | None = None
    width: int = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return ordered_map(self.pool, fn, list(items), self.width)


IN_CALLER = Fanout()  # one item after another, in the calling thread
