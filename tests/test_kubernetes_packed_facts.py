"""The Kubernetes joiner holds its facts packed until `finish` (issue 22, memory at 100k items):
unpacked, every fact is the dict the derivation made (equal, keys in the same order, lists as
lists, tuples as tuples), so evidence is unchanged; and packed it is smaller. Not timed."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from bench.estate.kubernetes import estate_objects
from probes.kubernetes import derive
from probes.kubernetes.join import Joiner, _pack, _Packed, _unpack
from scanner.evidence import Evidence
from scanner.jsonio import load_json


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, dict keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _decoded(n: int) -> list[dict[str, Any]]:
    """Estate objects as a list page decodes them (each string its own object)."""
    return [load_json(json.dumps(o).encode()) for o in estate_objects(n, 7)]


def test_unpacked_facts_are_the_derived_ones() -> None:
    shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    derived = []
    for obj in _decoded(60):
        kind = obj["kind"]
        if kind in ("Deployment", "StatefulSet"):
            derived.append(derive.workload_facts(kind, obj))
        elif kind == "Service":
            derived.append(derive.service_facts(obj))
        elif kind == "HorizontalPodAutoscaler":
            derived.append(derive.autoscaler_facts(kind, obj))
        elif kind == "PodDisruptionBudget":
            derived.append(derive.pdb_facts(obj))
    assert len(derived) > 100
    for facts in derived:
        packed = _pack(facts, shapes)
        assert type(packed) is _Packed
        assert _same(_unpack(packed), facts)
    odd = {
        "t": ("a", ["b", {"c": ()}]),
        "l": [[], (), {}, "x" * 40, 1.5, None, True],
        "d": {"z": 1, "a": {"k": []}},
        "": [{"same": 1}, {"same": 2}],
    }
    assert _same(_unpack(_pack(odd, shapes)), odd)
    assert _unpack(odd) is odd  # an unpacked fact is left as it is


def test_packed_facts_are_smaller_and_share_their_strings() -> None:
    objects = _decoded(400)

    def held(pack: bool) -> int:
        shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        tracemalloc.start()
        try:
            kept = []
            for obj in objects:
                if obj["kind"] == "Deployment":
                    facts = derive.workload_facts("Deployment", obj)
                    kept.append(_pack(facts, shapes) if pack else facts)
            return int(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()

    assert held(True) < 0.6 * held(False)


def test_joined_evidence_is_unchanged_by_packing(monkeypatch: Any) -> None:
    """The same objects joined with facts packed and with packing switched off give the same items."""

    def evidence() -> list[tuple[str, str, str]]:
        def make(kind: str, subject: str, data: Any, origin: str) -> Evidence:
            return Evidence.make(kind, subject, data, origin, collected_at="2026-12-03T00:00:00Z")

        j = Joiner(make=make)
        out = [ev for obj in _decoded(300) for ev in j.add(obj, "k8s:///list")]
        j.replicasets_listed = j.endpointslices_listed = True
        out += list(j.finish())
        return [(e.kind, e.subject, e.sha256) for e in out]

    packed = evidence()
    monkeypatch.setattr(Joiner, "_pack", lambda self, facts: facts)
    assert packed == evidence()
    assert len(packed) > 600
