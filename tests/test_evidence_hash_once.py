"""Each evidence item is canonicalised and hashed exactly once, and its hash is the hash of the
fields it ends with (line-stamped origin, source): through the runner, for the files probe (every
family's parser: Kubernetes manifests, GitOps objects, Prometheus rules and configuration,
Alertmanager configuration, parse errors, the repository summary), the live kubernetes probe and
a live Prometheus.

The count is taken by wrapping `scanner.evidence.canonical_json` (the real function still does
the work): every seal goes through it once, so calls per kind == items per kind.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scanner.evidence
from probes.files import FilesConfig
from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects
from sandbox.prometheus import start_prometheus
from scanner.canonical import canonical_json
from scanner.config import ScanConfig
from scanner.evidence import Evidence
from scanner.probe import load_probes
from scanner.runner import ScanResult, run_sources
from tests.fixtures.kubernetes.helpers import TOKEN, scan_live

ESTATES = Path(__file__).parent / "estates"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Hash computations per evidence kind while the test runs."""
    seen: Counter[str] = Counter()

    def counting(value: Any) -> bytes:
        if isinstance(value, dict) and "kind" in value:
            seen[str(value["kind"])] += 1
        return canonical_json(value)

    monkeypatch.setattr(scanner.evidence, "canonical_json", counting)
    yield seen


def _assert_hashed_once(result: ScanResult, seen: Counter[str]) -> None:
    items = Counter(e.kind for e in result.evidence)
    assert items and dict(seen) == dict(items)  # no item hashed twice, none hashed and dropped
    for ev in result.evidence:  # the hash is that of the item as recorded, source and line included
        fields = {k: v for k, v in ev.to_json().items() if k not in ("id", "sha256")}
        digest = hashlib.sha256(canonical_json(fields)).hexdigest()
        assert (ev.sha256, ev.id) == (digest, "ev-" + digest[:20]), ev.subject


def test_files_probe_hashes_each_item_once(hashes: Counter[str]) -> None:
    sources = [
        FilesConfig(name="monitoring", probe="files", path=str(ESTATES / "kube-prom" / "manifests")),
        FilesConfig(name="argocd", probe="files", path=str(ESTATES / "gitlab-argocd" / "repo")),
    ]
    result = run_sources(ScanConfig(sources=sources), load_probes())
    kinds = {e.kind.split(".")[0] for e in result.evidence}
    assert {"kubernetes", "gitops", "files", "prometheus", "alertmanager"} <= kinds
    assert {e.source for e in result.evidence} == {"monitoring", "argocd"}
    assert any(";line=" in e.origin for e in result.evidence if e.kind.startswith("prometheus."))
    _assert_hashed_once(result, hashes)


def test_kubernetes_probe_hashes_each_item_once(hashes: Counter[str], tmp_path: Path) -> None:
    with KubeApiServer(load_objects(default_estate_dir()), token=TOKEN) as srv:
        result = scan_live(srv, tmp_path)
    assert "kubernetes.api_groups" in {e.kind for e in result.evidence}
    assert {e.source for e in result.evidence} == {"cluster"}
    _assert_hashed_once(result, hashes)


def test_a_draft_is_sealed_once_with_its_final_fields() -> None:
    data = {"token": "x" * 40, "n": 1}
    draft = Evidence.draft("t.k", "s", data, "file://a.yaml#1")
    assert (draft.sha256, draft.id, draft.data["token"]) == ("", "", "[REDACTED]")
    stamped = draft.unsealed(origin=draft.origin + ";line=3").sealed(source="repo")
    made = Evidence.make("t.k", "s", data, "file://a.yaml#1;line=3", source="repo", collected_at=draft.collected_at)
    assert (stamped.sha256, stamped.id, stamped.origin, stamped.source) == (made.sha256, made.id, made.origin, "repo")


def test_live_prometheus_hashes_each_item_once(hashes: Counter[str], tmp_path: Path) -> None:
    alerts = "".join(
        f'  - alert: Down{i}\n    expr: up{{job="j{i}"}} == 0\n    for: 5m\n    labels: {{severity: page}}\n'
        f"    annotations: {{summary: 'j{i} down', runbook_url: 'https://runbooks.example.com/down'}}\n"
        for i in range(24)
    )
    records = "".join(f"  - record: job:r{i}:rate5m\n    expr: sum(rate(x_total[5m])) by (job)\n" for i in range(16))
    rules = {"rules.yaml": f"groups:\n- name: a\n  interval: 30s\n  rules:\n{alerts}- name: r\n  rules:\n{records}"}
    config = "global: {scrape_interval: 15s}\nrule_files: [rules.yaml]\nscrape_configs:\n- job_name: self\n"
    prom = start_prometheus(tmp_path / "prom", config + "  static_configs: [{targets: ['127.0.0.1:9']}]\n", rules)
    try:
        source = (
            load_probes()
            .config_models()["prometheus"]
            .model_validate({"name": "prom", "probe": "prometheus", "url": prom.url})
        )
        result = run_sources(ScanConfig(sources=[source]), load_probes())
    finally:
        prom.stop()
    assert result.sources[0].status in ("ok", "partial"), result.sources[0].error
    kinds = Counter(e.kind for e in result.evidence)
    assert kinds["prometheus.alert_rule"] == 24 and kinds["prometheus.recording_rule"] == 16
    _assert_hashed_once(result, hashes)
