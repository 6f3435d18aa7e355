"""The probe interface and probe discovery (entry-point group `maturity.probes`).

A probe collects; it never judges. It is given its source's config and a ProbeContext and
yields Evidence. When `collect` returns normally every kind it declares is *observed* unless it
said otherwise (`ctx.kind_failed`); when it raises, every kind it had not yet finished is
failed with the error as the reason. Rules then treat unobserved kinds as "unknown".

The toolkit every probe shares (so a new probe is a `kinds.py`, a `client.py`, a `collect`):
- `CollectError(reason, category)`: the one failure type, its category one of `CATEGORIES`;
  every client maps its library's errors to it (an HTTP 404 is `not_found` in every probe);
- `with ctx.step(kinds):` fails only `kinds` when a CollectError escapes the block, and turns
  `unreachable` / `unauthorized` into a failure of the whole source (`SourceFailure`);
- `ctx.evidence(...)`: an Evidence item stamped with the source and hashed once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scanner.config import SourceConfig
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.redact import bounded_redact

__all__ = [
    "CATEGORIES",
    "SOURCE_WIDE",
    "Cancelled",
    "CollectError",
    "KindFailure",
    "KindModel",
    "Probe",
    "ProbeContext",
    "ProbeRegistry",
    "SourceFailure",
    "load_probes",
]

ENTRY_POINT_GROUP = "maturity.probes"


class Cancelled(Exception):
    """Raised inside a probe when the scan was interrupted or the source timed out."""


# The one set of failure categories. A client maps whatever its library raises to one of these;
# the category decides whether a failure spoils one step's kinds or the whole source.
CATEGORIES: dict[str, str] = {
    "unreachable": "the source cannot be reached (connection refused, DNS, TLS handshake)",
    "unauthorized": "credentials missing, expired or refused (HTTP 401, an unset token variable)",
    "forbidden": "authenticated, but not allowed to read this (HTTP 403, AccessDenied)",
    "not_found": "the endpoint, API or operation does not exist here (HTTP 404, an API group or operation not served)",
    "timeout": "a request or the source's deadline ran out",
    "malformed": "the answer cannot be read: not JSON or YAML, the wrong shape, over a size or page cap, a looping cursor",
    "error": "anything else: a server error or throttling after retries, a refused redirect",
}
# Categories that no other step of the same source could escape: they fail the whole source.
SOURCE_WIDE = frozenset({"unreachable", "unauthorized"})


class CollectError(Exception):
    """A read that failed: a short reason (never a credential or a body) and its category.

    `status` is the HTTP status where there was one (0 or None otherwise); only clients use it,
    e.g. to read a 404 of an optional file as "absent".
    """

    def __init__(self, reason: str, category: str = "error", status: int | None = None) -> None:
        if category not in CATEGORIES:
            raise ValueError(f"unknown failure category {category!r} (one of {', '.join(CATEGORIES)})")
        super().__init__(reason)
        self.reason = reason
        self.category = category
        self.status = status


class SourceFailure(CollectError):
    """The whole source failed (it cannot be reached, refuses the credentials, ...)."""


@dataclass(frozen=True)
class KindFailure:
    kind: str
    reason: str
    category: str = "error"


@dataclass
class ProbeContext:
    """What a probe gets besides its config: identity, deadline, logging and bookkeeping."""

    source: str
    deadline: float
    log: logging.Logger
    cancel_event: threading.Event = field(default_factory=threading.Event)
    progress: Callable[[str], None] = lambda _msg: None
    failures: dict[str, KindFailure] = field(default_factory=dict)
    observed: set[str] = field(default_factory=set)
    absent: dict[str, str] = field(default_factory=dict)
    partial: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self) -> None:
        """Raise Cancelled when the scan was interrupted or the source's time is up."""
        if self.cancel_event.is_set():
            raise Cancelled("scan interrupted")
        if time.monotonic() > self.deadline:
            raise Cancelled("timed out")

    def remaining(self) -> float:
        return max(0.1, self.deadline - time.monotonic())

    def kind_failed(self, kind: str, reason: str, category: str = "error") -> None:
        """Record that `kind` could not be collected (forbidden, not installed, ...)."""
        reason = bounded_redact(reason, 2000)  # reasons reach every report format: no credential
        with self._lock:
            self.failures[kind] = KindFailure(kind, reason, category)
            self.observed.discard(kind)

    def kind_absent(self, kind: str, reason: str) -> None:
        """Record that this source has nothing to say about `kind` (e.g. no such files found).

        Unlike a failure, this does not spoil what other sources observed of the kind.
        """
        reason = bounded_redact(reason, 2000)
        with self._lock:
            if kind not in self.failures and kind not in self.observed:
                self.absent[kind] = reason

    def kind_partial(self, kind: str, reason: str) -> None:
        """Record that what this source holds of `kind` is only part of the system's population
        (rule files without the Prometheus that loads them): the kind is still observed, but an
        absence in it is no finding (rules read it through scanner.partial)."""
        reason = bounded_redact(reason, 2000)
        with self._lock:
            self.partial[kind] = reason

    def kind_observed(self, kind: str) -> None:
        """Record that `kind` was collected completely (possibly with zero items)."""
        with self._lock:
            if kind not in self.failures:
                self.observed.add(kind)

    def warn(self, message: str) -> None:
        """A problem that spoils no kind but belongs in the report (the source becomes partial)."""
        message = bounded_redact(message, 2000)
        with self._lock:
            self.warnings.append(message)

    def count_request(self, n: int = 1) -> None:
        with self._lock:
            self.requests += n

    def any_failed(self, kinds: Iterable[str]) -> bool:
        """Whether one of `kinds` has already failed (a step may then spare its calls)."""
        with self._lock:
            return any(k in self.failures for k in kinds)

    @contextmanager
    def step(self, kinds: Iterable[str], what: str = "") -> Iterator[None]:
        """Run one step of collection: a CollectError escaping it fails only `kinds`.

        Losing the connection or the credentials (`SOURCE_WIDE`) is raised as SourceFailure
        instead: every other step would fail the same way. A kind that already failed keeps its
        first reason (the cause, not a consequence). Evidence should be gathered in a list
        inside the block and yielded after it, so a failed step leaves nothing half-collected.
        Safe to use from worker threads.
        """
        kinds = tuple(kinds)
        self.check()
        try:
            yield
        except SourceFailure:
            raise
        except CollectError as exc:
            self.fail(kinds, exc, what)

    def fail(self, kinds: Iterable[str], exc: CollectError, what: str = "") -> None:
        """What `step` does with a failure, for probes that gather failures on worker threads
        and report them afterwards: fail `kinds` (keeping a kind's first reason), or raise
        SourceFailure when the category is source-wide."""
        if isinstance(exc, SourceFailure) or exc.category in SOURCE_WIDE:
            raise SourceFailure(exc.reason, exc.category, exc.status) from exc
        kinds = tuple(kinds)
        reason = f"{what}: {exc.reason}" if what else exc.reason
        for kind in kinds:
            if not self.any_failed((kind,)):
                self.kind_failed(kind, reason, exc.category)
        self.log.debug("source %s: %s failed: %s", self.source, ", ".join(kinds) or "(no kind)", reason)
        if kinds:
            self.progress(f"{', '.join(kinds)}: {reason}")

    def evidence(self, kind: str, subject: str, data: Mapping[str, Any], origin: str) -> Evidence:
        """An evidence item of this source: redacted, bounded, stamped and hashed once."""
        return Evidence.make(kind, subject, data, origin, source=self.source)


class KindModel(BaseModel):
    """The fields of one evidence kind's `data`: each typed and described; any other is an error.

    Models only validate: evidence keeps the probe's (redacted, bounded) dict, so nothing is
    serialised twice.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def _truncation_only(exc: ValidationError) -> bool:
    """Whether every error is a marker evidence bounding left ("[truncated: 12 more]")."""
    return all(isinstance(e.get("input"), str) and e["input"].startswith("[truncated") for e in exc.errors())


def data_problem(model: type[KindModel], data: Any) -> str | None:
    """Why `data` does not fit `model` (one line naming the fields), or None when it fits."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        if _truncation_only(exc):
            return None
        parts = [f"{'.'.join(str(p) for p in e['loc']) or '(data)'}: {e['msg']}" for e in exc.errors()[:3]]
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        return "; ".join(parts) + more
    return None


class Probe:
    """Base class of probes. Subclasses set `name`, `kinds`, `models`, `config_model`, `collect`.

    `kinds` describes each evidence kind in a line; `models` gives the fields of its `data`
    (a KindModel per kind). The runner checks every item against its kind's model
    (`accepts`), so a probe can never emit a field no rule could know about.
    """

    name: ClassVar[str] = ""
    kinds: ClassVar[dict[str, str]] = {}
    models: ClassVar[dict[str, type[KindModel]]] = {}
    config_model: ClassVar[type[SourceConfig]] = SourceConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterable[Evidence]:
        """Yield evidence about the source `config` describes. Must never write to it."""
        raise NotImplementedError

    def accepts(self, ev: Evidence, ctx: ProbeContext) -> bool:
        """Whether `ev` fits its kind's model. One that does not is dropped, and its kind fails
        for this source (logged): a malformed answer must never read as "observed, none"."""
        model = type(self).models.get(ev.kind)
        problem: str | None
        if model is None:
            if ev.kind in type(self).kinds:
                return True  # a kind without a model (third-party probe): nothing to check against
            problem = f"kind {ev.kind!r} is not declared by probe {self.name!r}"
        else:
            problem = data_problem(model, ev.data)
            if problem is None:
                return True
        ctx.log.warning("source %s: %s %r dropped: %s", ctx.source, ev.kind, ev.subject, problem)
        ctx.kind_failed(ev.kind, f"malformed item {ev.subject!r}: {problem}"[:500], "malformed")
        return False


@dataclass
class ProbeRegistry:
    probes: dict[str, type[Probe]]

    def kinds(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.probes.values():
            out.update(p.kinds)
        return out

    def models(self) -> dict[str, type[KindModel]]:
        """The model of every kind some probe declares one for."""
        out: dict[str, type[KindModel]] = {}
        for p in self.probes.values():
            out.update(p.models)
        return out

    def model(self, kind: str) -> type[KindModel] | None:
        """The fields of kind `kind` (None: no probe declares a model for it)."""
        return self.models().get(kind)

    def producers(self, kind: str) -> list[str]:
        return sorted(name for name, p in self.probes.items() if kind in p.kinds)

    def config_models(self) -> dict[str, type[SourceConfig]]:
        return {name: p.config_model for name, p in self.probes.items()}

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.probes))


def load_probes() -> ProbeRegistry:
    """Every probe registered under `maturity.probes` (built-in ones are registered the same way).

    A probe that fails to import is an input error naming its package.
    """
    found: dict[str, type[Probe]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:
            pkg = ep.dist.name if ep.dist else ep.value
            raise InputError(f"probe {ep.name!r} from package {pkg!r} failed to load: {exc}", file=ep.value) from exc
        if not (isinstance(obj, type) and issubclass(obj, Probe)):
            raise InputError(f"probe {ep.name!r} ({ep.value}) is not a Probe subclass", file=ep.value)
        found[obj.name or ep.name] = obj
    return ProbeRegistry(found)
