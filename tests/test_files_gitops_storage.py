"""Storage backends of Thanos, Mimir/Cortex, Loki and Tempo read from a GitOps repository
(`gitops.monitoring_store`), and the storage rules over them (rules/gitops/storage.yaml)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.fixtures.kubernetes.helpers import by_subject, scan_files
from tests.test_files_gitops import gitops_rules

SECRET_KEY = "AKIA-not-a-real-key-0000"

THANOS_SECRET = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: thanos-objstore, namespace: monitoring}}
stringData:
  objstore.yml: |
    type: S3
    config:
      bucket: metrics-long-term
      endpoint: s3.eu-west-1.amazonaws.com
      access_key: {SECRET_KEY}
"""

LOKI_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: loki, namespace: logging}
data:
  config.yaml: |
    auth_enabled: false
    schema_config:
      configs:
        - {from: "2022-01-01", store: boltdb-shipper, object_store: filesystem, schema: v12, index: {prefix: i_, period: 24h}}
        - {from: "2024-04-01", store: tsdb, object_store: gcs, schema: v13, index: {prefix: i_, period: 24h}}
  notes.yaml: "::: [ not yaml"
"""

MIMIR_VALUES = """\
mimir:
  structuredConfig:
    blocks_storage:
      backend: azure
"""

TEMPO_CONFIG = """\
server: {http_listen_port: 3200}
storage:
  trace:
    backend: local
    local: {path: /var/tempo/traces}
"""


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_store_backends_from_secret_configmap_values_and_config_file(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {
            "thanos/objstore-secret.yaml": THANOS_SECRET,
            "loki/configmap.yaml": LOKI_CONFIGMAP,
            "mimir/values.yaml": MIMIR_VALUES,
            "tempo/tempo.yaml": TEMPO_CONFIG,
        },
    )
    result = scan_files(repo)
    stores = by_subject(result, "gitops.monitoring_store")
    assert stores == {
        "monitoring/Secret/thanos-objstore/objstore.yml": {
            "tool": "thanos", "backend": "s3", "object_storage": True, "in_cluster_endpoint": False, "found_in": "secret",
        },
        "logging/ConfigMap/loki/config.yaml": {  # the newest schema period decides
            "tool": "loki", "backend": "gcs", "object_storage": True, "in_cluster_endpoint": False, "found_in": "configmap",
        },
        "mimir/values.yaml": {"tool": "mimir", "backend": "azure", "object_storage": True, "in_cluster_endpoint": False, "found_in": "helm_values"},
        "tempo/tempo.yaml": {"tool": "tempo", "backend": "local", "object_storage": False, "in_cluster_endpoint": False, "found_in": "file"},
    }  # fmt: skip
    # the Secret's values are read for the type only: no bucket, endpoint or key is kept
    dumped = json.dumps([e.to_json() for e in result.evidence])
    assert SECRET_KEY not in dumped and "metrics-long-term" not in dumped
    status = gitops_rules(result)
    assert status["gitops.storage.raw-data-object-storage"] == "met"
    assert status["gitops.storage.hot-cold-tiers"] == "met"


def test_base64_secret_is_read(tmp_path: Path) -> None:
    encoded = base64.b64encode(b"type: GCS\nconfig: {bucket: b}\n").decode()
    doc = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: objstore}}\ndata:\n  bucket.yaml: {encoded}\n"
    stores = by_subject(scan_files(_repo(tmp_path, {"s.yaml": doc})), "gitops.monitoring_store")
    assert stores == {"default/Secret/objstore/bucket.yaml": {
        "tool": "thanos", "backend": "gcs", "object_storage": True, "in_cluster_endpoint": False, "found_in": "secret",
    }}  # fmt: skip


def test_local_disk_only_is_unknown_never_not_met(tmp_path: Path) -> None:
    status = gitops_rules(scan_files(_repo(tmp_path, {"tempo/tempo.yaml": TEMPO_CONFIG})))
    assert status["gitops.storage.raw-data-object-storage"] == "unknown"
    assert status["gitops.storage.hot-cold-tiers"] == "unknown"


def test_backend_left_to_the_default_is_not_guessed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"mimir.yaml": "blocks_storage:\n  tsdb: {dir: /data}\n", "objstore.yml": "type: S3\n"})
    result = scan_files(repo)
    assert by_subject(result, "gitops.monitoring_store") == {}
    assert not result.observations["gitops.monitoring_store"].observed


def test_in_cluster_minio_is_no_cost_scheme_but_still_a_tier(tmp_path: Path) -> None:
    values = (
        "loki:\n  storage:\n    type: s3\n    s3: {endpoint: loki-minio.logging.svc:9000}\nminio: {enabled: true}\n"
    )
    result = scan_files(_repo(tmp_path, {"loki/values.yaml": values}))
    assert by_subject(result, "gitops.monitoring_store")["loki/values.yaml"]["in_cluster_endpoint"] is True
    status = gitops_rules(result)
    assert status["gitops.storage.raw-data-object-storage"] == "unknown"
    assert status["gitops.storage.hot-cold-tiers"] == "met"


def test_loki_s3_url_with_a_slash_in_the_secret_is_not_read_as_in_cluster(tmp_path: Path) -> None:
    # AWS secret keys hold `/`; the host is what follows the last `@`, and no part of the URL is kept
    config = (
        "schema_config:\n  configs:\n    - {from: '2024-01-01', store: tsdb, object_store: aws, schema: v13}\n"
        "storage_config:\n  aws:\n    s3: s3://AKIAXXXX:ab/cd+ef@eu-west-1/loki-chunks\n"
    )
    stores = by_subject(scan_files(_repo(tmp_path, {"loki/loki.yaml": config})), "gitops.monitoring_store")
    assert stores["loki/loki.yaml"]["in_cluster_endpoint"] is False
    assert "AKIAXXXX" not in json.dumps(stores) and "loki-chunks" not in json.dumps(stores)


def test_loki_named_store_is_resolved_and_its_name_never_kept(tmp_path: Path) -> None:
    config = (
        "schema_config:\n  configs:\n    - {from: '2024-01-01', store: tsdb, object_store: acme-prod-logs-bucket, schema: v13}\n"
        "storage_config:\n  named_stores:\n    aws:\n      acme-prod-logs-bucket: {bucketnames: acme-prod-logs}\n"
    )
    other = config.replace("named_stores:\n    aws:\n      acme-prod-logs-bucket: {bucketnames: acme-prod-logs}", "{}")
    result = scan_files(_repo(tmp_path, {"a/loki.yaml": config, "b/loki.yaml": other}))
    stores = by_subject(result, "gitops.monitoring_store")
    assert stores["a/loki.yaml"]["backend"] == "aws" and stores["a/loki.yaml"]["object_storage"] is True
    assert stores["b/loki.yaml"]["backend"] == "other" and stores["b/loki.yaml"]["object_storage"] is False
    assert "acme" not in json.dumps([e.to_json() for e in result.evidence if e.kind == "gitops.monitoring_store"])


def test_a_charts_own_default_values_are_not_a_deployment(tmp_path: Path) -> None:
    # the grafana/loki chart's values.yaml says `storage.type: s3` with no bucket: its defaults,
    # not what the organisation deploys; the same values beside no Chart.yaml are the deployment's
    values = "loki:\n  schemaConfig: {}\n  storage:\n    type: s3\n    s3: {endpoint: null}\n"
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: loki}\nspec: {ports: [{port: 3100}]}\n"
    repo = _repo(
        tmp_path,
        {
            "vendor-charts/loki/Chart.yaml": "apiVersion: v2\nname: loki\nversion: 6.0.0\n",
            "vendor-charts/loki/values.yaml": values,
            "vendor-charts/loki/templates/service.yaml": service,
            "apps/loki/values.yaml": values,
        },
    )
    stores = by_subject(scan_files(repo), "gitops.monitoring_store")
    assert list(stores) == ["apps/loki/values.yaml"]


def test_hostile_embedded_configs_are_bounded(tmp_path: Path) -> None:
    deep = "type: S3\nconfig:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(300)) + "  " * 301 + "x: 1\n"
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    big = base64.b64encode(b"type: GCS\nconfig: {bucket: b}\n" + b"#" * 1_100_000).decode()
    not_utf8 = base64.b64encode(b"type: S3\xff\xfe\n").decode()
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: hostile}\ndata:\n"
        f"  big.yaml: {big}\n  bad.yaml: {not_utf8}\n  junk.yaml: '%%%not base64'\n"
    )
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hostile}\ndata:\n" + "".join(
        f"  {name}: {json.dumps(text)}\n" for name, text in (("deep.yaml", deep), ("laughs.yaml", laughs))
    )
    result = scan_files(_repo(tmp_path, {"secret.yaml": secret, "cm.yaml": cm}))
    assert by_subject(result, "gitops.monitoring_store") == {}  # read as nothing, nothing kept, no crash
    assert not [e for e in result.evidence if e.kind == "files.parse_error"]


def test_a_loki_period_dated_ahead_is_not_in_use_yet(tmp_path: Path) -> None:
    config = (
        "schema_config:\n  configs:\n"
        "    - {from: 2023-01-01, store: tsdb, object_store: filesystem, schema: v13}\n"
        "    - {from: 2999-01-01, store: tsdb, object_store: s3, schema: v13}\n"
    )
    stores = by_subject(scan_files(_repo(tmp_path, {"loki.yaml": config})), "gitops.monitoring_store")
    assert stores["loki.yaml"]["backend"] == "filesystem"
