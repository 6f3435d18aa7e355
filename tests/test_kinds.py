"""Typed evidence kinds: every kind has a model, models are exact, a probe's item that does not
fit fails its kind (not the source), `rules lint` rejects a path no kind has, and
docs/sources/kinds.md is current."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from probes.files import FilesConfig
from scanner.cli import main
from scanner.config import ScanConfig
from scanner.evidence import Evidence
from scanner.kindcheck import check_rule, lint_rule_files
from scanner.kindinfo import kinds_json, kinds_markdown
from scanner.probe import KindModel, Probe, ProbeContext, data_problem, load_probes
from scanner.rules import default_rules_dir
from scanner.runner import run_sources
from scanner.yamlio import load_yaml_documents

ROOT = Path(__file__).resolve().parent.parent
SANDBOX = ROOT / "sandbox"


def test_every_kind_of_every_probe_has_a_model() -> None:
    reg = load_probes()
    for name in reg:
        p = reg.probes[name]
        assert set(p.models) == set(p.kinds), name
        for kind, model in p.models.items():
            assert issubclass(model, KindModel), kind
            assert model.model_fields, kind


def test_models_forbid_fields_they_do_not_declare() -> None:
    model = load_probes().models()["kubernetes.namespace"]
    good: dict[str, Any] = {
        "name": "shop",
        "labels": {},
        "owner": None,
        "owner_key": None,
        "system": False,
        "declared": True,
        "workloads": 1,
        "resource_quota": False,
        "limit_range": False,
        "network_policies": 0,
        "default_deny_ingress": False,
    }
    model.model_validate(good)
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate({**good, "ownr": "x"})
    problem = data_problem(model, {**good, "workloads": "many"})
    assert problem is not None and "workloads" in problem


def test_aliased_fields_are_named_as_the_probe_writes_them() -> None:
    models = load_probes().models()
    fields = {f["field"] for p in kinds_json(load_probes()) for k in p["kinds"] for f in k["fields"] or []}
    assert "class" in fields and "routes[].continue" in fields and "class_" not in fields
    problem = data_problem(models["kubernetes.ingress"], {"class_": "nginx"})
    assert problem is not None


def test_the_sandbox_repositories_fit_the_models(tmp_path: Path) -> None:
    """The files probe over the bundled estates: every item it yields fits its kind's model."""
    models = load_probes().models()
    probe = load_probes().probes["files"]()
    seen: set[str] = set()
    for estate in ("kubernetes/estate", "prometheus/estate"):
        cfg = FilesConfig(name="repo", probe="files", path=str(SANDBOX / estate))
        ctx = ProbeContext("repo", time.monotonic() + 60, logging.getLogger("test"))
        for ev in probe.collect(cfg, ctx):
            assert data_problem(models[ev.kind], ev.data) is None, (ev.kind, ev.subject)
            seen.add(ev.kind)
    assert {"kubernetes.workload", "kubernetes.hpa", "prometheus.alert_rule", "alertmanager.config"} <= seen


def _deployment(name: str, max_unavailable: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: 2
  strategy: {{rollingUpdate: {{maxUnavailable: {max_unavailable}}}}}
  template:
    spec:
      containers: [{{name: app, image: "example/{name}:1"}}]
"""


def test_an_item_that_does_not_fit_fails_its_kind_not_the_source(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(_deployment("ok", "1"), encoding="utf-8")
    (tmp_path / "odd.yaml").write_text(_deployment("odd", "[1, 2]"), encoding="utf-8")
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}}\n",
        encoding="utf-8",
    )
    src = FilesConfig(name="repo", probe="files", path=str(tmp_path))
    result = run_sources(ScanConfig(sources=[src]), load_probes())
    obs = result.observations["kubernetes.workload"]
    assert not obs.observed
    assert "malformed item" in (obs.reason or "") and "max_unavailable" in (obs.reason or "")
    assert result.observations["kubernetes.service"].observed  # the rest of the source stands
    assert result.sources[0].status == "partial"
    assert not any(e.subject == "shop/Deployment/odd" for e in result.evidence)


class _Odd(KindModel):
    n: int


class _OddProbe(Probe):
    name = "odd"
    kinds: ClassVar[dict[str, str]] = {"odd.thing": "a thing", "odd.other": "another"}
    models: ClassVar[dict[str, type[KindModel]]] = {"odd.thing": _Odd, "odd.other": _Odd}


def test_accepts_checks_the_kind_and_the_data() -> None:
    ctx = ProbeContext("s", time.monotonic() + 5, logging.getLogger("test"), cancel_event=threading.Event())
    probe = _OddProbe()
    assert probe.accepts(Evidence.make("odd.thing", "a", {"n": 1}, "t://"), ctx)
    assert not probe.accepts(Evidence.make("odd.thing", "b", {"n": 1, "m": 2}, "t://"), ctx)
    assert not probe.accepts(Evidence.make("odd.unknown", "c", {"n": 1}, "t://"), ctx)
    assert set(ctx.failures) == {"odd.thing", "odd.unknown"}
    assert ctx.failures["odd.thing"].category == "malformed"


def test_a_list_cut_short_by_evidence_bounding_still_fits() -> None:
    model = load_probes().models()["gitlab.release"]
    latest: list[Any] = [{"tag": "v1", "released_at": None}]
    data: dict[str, Any] = {
        "project": "g/p",
        "window": {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z", "days": 31.0},
        "releases": 1,
        "with_notes": 0,
        "with_evidence": 0,
        "latest": latest,
    }
    assert data_problem(model, data) is None
    assert data_problem(model, {**data, "latest": [*latest, "[truncated: 600 more]"]}) is None
    assert data_problem(model, {**data, "latest": [*latest, "v2"]}) is not None


def test_installed_rules_read_only_declared_fields() -> None:
    files = [f for f in sorted(default_rules_dir().rglob("*.yaml")) if ".cases." not in f.name]
    assert files
    assert lint_rule_files(files, load_probes().models()) == []


_TYPO_RULE = """id: test.typo
title: A rule with a typo
evidence: [kubernetes.workload]
decides:
  - requirement: "ydt:9.1.2:L2.1"
    rationale: a rule made up for this test only
condition:
  ratio:
    kind: kubernetes.workload
    where: {path: data.sytem, ne: true}
    that:
      path: data.containers
      any: {path: imag, regex: x}
    gte: 1
remediation: none
"""


def test_rules_lint_rejects_a_misspelled_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = tmp_path / "typo.yaml"
    rule.write_text(_TYPO_RULE, encoding="utf-8")
    assert main(["rules", "lint", str(rule)]) == 2
    err = capsys.readouterr().err
    assert f"{rule}:10: test.typo: kubernetes.workload: path 'data.sytem'" in err
    assert "did you mean 'system'" in err
    assert f"{rule}:13:" in err and "'imag'" in err and "did you mean 'image'" in err
    assert "fields: " in err and "readiness_all" in err


def test_paths_through_nested_models_maps_and_lists() -> None:
    models = load_probes().models()

    def problems(kind: str, path: str) -> list[str]:
        doc = {"condition": {"some": {"kind": kind, "that": {"path": path, "exists": True}}}}
        return [p.message for p in check_rule(doc, models)]

    assert problems("gitlab.dora", "data.lead_time_for_changes_hours.median") == []
    assert problems("gitlab.dora", "data.gitlab_api.metrics.anything") == []  # a map: any key
    assert problems("kubernetes.namespace", "data.labels.team") == []
    assert problems("kubernetes.workload", "data.containers.0.image") == []
    assert problems("kubernetes.api_groups", "data.optional.velero") == []
    assert problems("kubernetes.workload", "subject") == []
    assert "no field 'medain'" in problems("gitlab.dora", "data.lead_time_for_changes_hours.medain")[0]
    assert "no field 'veloro'" in problems("kubernetes.api_groups", "data.optional.veloro")[0]
    assert "has no field" in problems("kubernetes.workload", "data.name.first")[0]
    assert "not a field of evidence" in problems("kubernetes.workload", "dta.name")[0]


def test_a_label_naming_an_unknown_field_is_rejected() -> None:
    doc: dict[str, Any] = {
        "condition": {
            "some": {
                "kind": "kubernetes.workload",
                "that": {"path": "data.system", "eq": False},
                "label": "data.sytem is false",
            }
        }
    }
    [p] = check_rule(doc, load_probes().models())
    assert "data.sytem" in p.message


def test_probes_verb_lists_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probes"]) == 0
    text = capsys.readouterr().out
    assert "kubernetes.workload" in text and "data.readiness_all: bool" in text
    assert main(["probes", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    k8s = next(p for p in doc if p["probe"] == "kubernetes")
    wl = next(k for k in k8s["kinds"] if k["kind"] == "kubernetes.workload")
    f = next(f for f in wl["fields"] if f["field"] == "replicas")
    assert f == {"field": "replicas", "type": "int | null", "description": f["description"], "always": True}
    assert f["description"]


def test_kinds_doc_is_current() -> None:
    doc = ROOT / "docs" / "sources" / "kinds.md"
    assert doc.read_text(encoding="utf-8") == kinds_markdown(load_probes()), (
        "docs/sources/kinds.md is stale: python -m scanner.kindinfo > docs/sources/kinds.md"
    )


def test_every_described_field() -> None:
    for probe in kinds_json(load_probes()):
        for k in probe["kinds"]:
            for f in k["fields"]:
                assert f["description"].strip(), (k["kind"], f["field"])


def test_rule_docs_load_with_lines() -> None:
    """kindcheck reads the rule files the way the loader does (lines kept for messages)."""
    f = next(f for f in sorted(default_rules_dir().rglob("*.yaml")) if ".cases." not in f.name)
    docs = [d for d in load_yaml_documents(f) if d]
    assert docs and getattr(docs[0], "line", 0) >= 1
