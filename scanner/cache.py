"""A cache of compiled inputs (catalog, rules) keyed by the digest of their files.

Entries live under `$XDG_CACHE_HOME/maturity` (default ~/.cache/maturity), one pickle per kind
and digest, written atomically. A cache is only ever an optimisation: an entry that is missing,
stale (another digest, another scanner version), corrupt or of the wrong type is compiled again
and rewritten; a cache folder that cannot be written is ignored. `MATURITY_NO_CACHE=1` turns it
off. The pickles are read only from the user's own cache folder, which is as trusted as the
installed package.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from scanner import __version__

__all__ = ["cache_dir", "cached", "files_digest"]

T = TypeVar("T")
log = logging.getLogger(__name__)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "maturity"


def files_digest(files: Iterable[Path], root: Path | None = None) -> str:
    """SHA-256 over the names (relative to `root` when given) and bytes of `files`, in order of
    name: the key of a compiled input, which changes whenever any of its files does."""
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root) if root is not None else f).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _entry(kind: str, digest: str) -> Path:
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    return cache_dir() / f"{kind}-{__version__}-{py}-{digest[:32]}.pickle"


def cached(kind: str, digest: str, build: Callable[[], T], expected: type[T]) -> T:
    """`build()`, or its result from an earlier run with the same `digest`."""
    if os.environ.get("MATURITY_NO_CACHE") == "1":
        return build()
    path = _entry(kind, digest)
    try:
        with open(path, "rb") as fh:
            value = pickle.load(fh)  # noqa: S301 - our own cache folder (see the module docstring)
        if isinstance(value, expected) and getattr(value, "digest", digest) == digest:
            return value
        log.debug("cache %s: wrong content, compiling again", path)
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a corrupt entry of any kind is compiled again
        log.debug("cache %s unreadable (%s), compiling again", path, type(exc).__name__)
    value = build()
    _store(path, value)
    return value


def _store(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        log.debug("cache %s not written: %s", path, exc)
