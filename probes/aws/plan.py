"""What the probe reads: services, the parts of each (a part yields some kinds), and the
shared state a part gets (`Scan`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from probes.aws.config import AwsConfig
from probes.aws.session import Clients, portable
from probes.fanout import ordered_map
from scanner.evidence import Evidence

__all__ = ["Part", "Scan", "Service"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Scan:
    """Shared, read-only state for the parts of one scan."""

    cfg: AwsConfig
    clients: Clients
    account: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    pool: Executor | None = None  # the source's pool of `concurrency` workers, while it runs

    def client(self, service: str, region: str) -> Any:
        return self.clients.get(service, region)

    def ev(self, kind: str, subject: str, data: Mapping[str, Any], origin: str) -> Evidence:
        """An evidence item of this source (stamped and hashed once); the origin names the API."""
        return self.clients.ctx.evidence(kind, subject, data, f"aws://{origin}")

    def each(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` (a few calls about one object: a bucket, a table) for every item, in order,
        spread over the source's pool (probes/fanout.py): same calls, `concurrency` at once."""
        return ordered_map(self.pool, portable(fn), list(items), self.cfg.concurrency)

    def since(self) -> dt.datetime:
        return self.now - dt.timedelta(days=self.cfg.window_days)


PartFn = Callable[[Scan, str], Iterator[Evidence]]


@dataclass(frozen=True)
class Part:
    """A group of calls that yields `kinds`; if any call fails, only these kinds fail."""

    kinds: tuple[str, ...]
    fn: PartFn


@dataclass(frozen=True)
class Service:
    """One boto3 service; global ones are read once in `global_region`."""

    name: str
    parts: tuple[Part, ...]
    is_global: bool = False
    also: tuple[str, ...] = ()  # other boto3 clients its parts use (e.g. elb beside elbv2)
    regional_clients: bool = False  # a global service whose parts also call each scanned region

    @property
    def clients(self) -> tuple[str, ...]:
        return (self.name, *self.also)
