"""Kubernetes manifests in a GitOps repository (plain YAML, Kustomize or Helm output on disk,
`kind: List` included) -> the same evidence kinds, through the same derivation as the live
probe (probes/kubernetes/derive.py and join.py). Nodes and API discovery exist only in a live
cluster, so those kinds are not offered here.

Optional tools' kinds (Velero schedules, chaos experiments, rollouts) are observed once any
Kubernetes manifest was found: a repository that declares the workloads but no chaos
experiment is read as "declares none", the same as a cluster without them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from probes.files.base import FileParser
from probes.kubernetes.join import FILE_KINDS, Joiner
from scanner.evidence import Evidence

__all__ = ["KubernetesFiles"]

MAX_LIST_DEPTH = 3  # a List inside a List inside a List is already odd


def _is_object(doc: Any) -> bool:
    return (
        isinstance(doc, Mapping)
        and isinstance(doc.get("apiVersion"), str)
        and isinstance(doc.get("kind"), str)
        and isinstance(doc.get("metadata"), Mapping)
    )


class KubernetesFiles(FileParser):
    family = "kubernetes"
    kinds: ClassVar[dict[str, str]] = FILE_KINDS
    markers: ClassVar[tuple[str, ...]] = ("apiVersion",)

    def __init__(self) -> None:
        super().__init__()
        self.joiner = Joiner(live=False, make=Evidence.draft)  # the files probe seals each item

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        return list(self._accept(f"file://{path}#{index + 1}", doc, 0))

    def _accept(self, origin: str, doc: Any, depth: int) -> Iterator[Evidence]:
        if not _is_object(doc) and not (isinstance(doc, Mapping) and str(doc.get("kind", "")).endswith("List")):
            return
        kind = str(doc.get("kind"))
        if kind == "List" or (kind.endswith("List") and isinstance(doc.get("items"), list)):
            if depth >= MAX_LIST_DEPTH:
                return
            for item in doc.get("items") or []:
                if isinstance(item, Mapping):
                    if kind != "List" and "kind" not in item:
                        item = {**item, "kind": kind[: -len("List")], "apiVersion": doc.get("apiVersion")}
                    yield from self._accept(origin, item, depth + 1)
            return
        before = self.joiner.seen
        yield from self.joiner.add(doc, origin)
        if self.joiner.seen > before:
            self.found = True

    def finish(self) -> Iterable[Evidence]:
        return self.joiner.finish()
