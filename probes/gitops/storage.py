"""Where the monitoring stores keep their data, read from their configuration in a GitOps
repository: Thanos object-storage configs, Mimir/Cortex blocks storage, Loki schema stores and
Tempo trace storage, written as files, inside ConfigMaps or Secrets, or as Helm values.

Only the backend type is kept (s3, gcs, azure, filesystem, ...): never a bucket, an endpoint or a
credential. A backend not written out (a tool's default) is not guessed, so such a config yields
nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.errors import InputError
from scanner.yamlio import load_yaml

__all__ = ["OBJECT_BACKENDS", "embedded_configs", "store_facts"]

# Object stores: S3 and what speaks its API, GCS, Azure Blob, Swift and the Chinese clouds' stores
# (Tencent COS, Alibaba OSS, Baidu BOS, Huawei OBS), Oracle OCI. Filesystem, local and in-memory
# backends keep the data on the server's own disk.
OBJECT_BACKENDS = frozenset(
    {"s3", "aws", "gcs", "azure", "swift", "cos", "aliyunoss", "alibabacloud", "oss", "bos", "obs", "oci"}
)
THANOS_TYPES = frozenset({*OBJECT_BACKENDS, "filesystem"})
# Every other backend name the four tools document; anything else (a Loki named store's own name,
# which may spell a bucket) is kept as "other", never as written.
LOCAL_BACKENDS = frozenset(
    {"filesystem", "local", "inmemory", "memory", "aws-dynamo", "gcp", "gcp-columnkey", "bigtable",
     "bigtable-hashed", "cassandra", "grpc-store", "grpc", "boltdb"}
)  # fmt: skip
# Loki `storage_config.named_stores.<type>.<name>`: the type a named store is of.
_LOKI_NAMED = {"aws": "aws", "gcs": "gcs", "azure": "azure", "alibabacloud": "alibabacloud", "bos": "bos",
               "cos": "cos", "swift": "swift", "filesystem": "filesystem"}  # fmt: skip
MAX_EMBEDDED_BYTES = 1_000_000
_SUFFIXES = (".yaml", ".yml")


def _m(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _backend(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 50:
        return None
    return value.strip().lower()


def _facts(tool: str, backend: str, found_in: str, *where: Any) -> dict[str, Any]:
    return {
        "tool": tool,
        "backend": backend if backend in OBJECT_BACKENDS or backend in LOCAL_BACKENDS else "other",
        "object_storage": backend in OBJECT_BACKENDS,
        "in_cluster_endpoint": any(_in_cluster(h) for w in where for h in _endpoint_hosts(w)),
        "found_in": found_in,
    }


_AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local", ".local")


def _host(value: str) -> str:
    """The host of an endpoint (`host:port`, a URL, or Loki's `s3://key:secret@host/bucket`);
    whatever precedes `@` (credentials) is dropped, never kept."""
    rest = value.strip().split("://", 1)[-1]
    rest = rest.rsplit("@", 1)[-1].split("/", 1)[0]  # `@` first: an AWS secret key may hold `/`
    return rest.rsplit(":", 1)[0].lower() if rest.count(":") == 1 else rest.lower()


def _in_cluster(host: str) -> bool:
    """A store endpoint run inside the cluster (a Service name, MinIO, localhost), not a cloud's."""
    if not host or _AWS_REGION.fullmatch(host):  # Loki's s3://<region>/<bucket> names AWS by region
        return False
    return (
        "." not in host
        or host.endswith(_CLUSTER_SUFFIXES)
        or "minio" in host
        or host == "localhost"
        or host.startswith("127.")
    )


def _endpoint_hosts(tree: Any, depth: int = 0) -> Iterator[str]:
    """Hosts of every `endpoint` (and Loki `s3` URL) under a store's configuration, bounded."""
    if depth > 8 or not isinstance(tree, Mapping):
        return
    for key, value in list(tree.items())[:200]:
        if key in ("endpoint", "s3", "endpoint_url") and isinstance(value, str) and len(value) < 2000:
            yield _host(value)
        elif key == "minio" and _m(value).get("enabled") is True:  # a chart's bundled MinIO
            yield "minio"
        elif isinstance(value, Mapping):
            yield from _endpoint_hosts(value, depth + 1)


def _thanos(doc: Mapping[str, Any]) -> str | None:
    """A Thanos objstore configuration: `type` and `config` (and at most `prefix`), nothing else."""
    if not set(doc) <= {"type", "config", "prefix"} or not isinstance(doc.get("config"), Mapping):
        return None
    backend = _backend(doc.get("type"))
    return backend if backend in THANOS_TYPES else None


def _mimir(doc: Mapping[str, Any]) -> str | None:
    """Mimir or Cortex blocks storage: `blocks_storage.backend`, else `common.storage.backend`."""
    if not isinstance(doc.get("blocks_storage"), Mapping):
        return None
    return _backend(_m(doc["blocks_storage"]).get("backend")) or _backend(
        _m(_m(doc.get("common")).get("storage")).get("backend")
    )


def _loki_schema(configs: Any, storage_config: Any = None) -> str | None:
    """The object store of the newest schema period begun (the one today's data is written to); a
    named store (`storage_config.named_stores`) is resolved to its type."""
    periods = [c for c in configs if isinstance(c, Mapping)] if isinstance(configs, list) else []
    if not periods:
        return None
    today = datetime.date.today().isoformat()  # a period dated ahead (a planned migration) is not in use yet
    started = [c for c in periods if str(c.get("from") or "") <= today]
    if not started:
        return None
    newest = max(started, key=lambda c: str(c.get("from") or ""))
    name = _backend(newest.get("object_store"))
    named = _m(_m(storage_config).get("named_stores"))
    if name is not None and name not in OBJECT_BACKENDS and name not in LOCAL_BACKENDS:
        kind = next((k for k, stores in named.items() if k in _LOKI_NAMED and name in _m(stores)), None)
        return _LOKI_NAMED[kind] if kind else name
    return name


def _tempo(doc: Mapping[str, Any]) -> str | None:
    return _backend(_m(_m(doc.get("storage")).get("trace")).get("backend"))


def store_facts(doc: Any, found_in: str) -> list[dict[str, Any]]:
    """Each store configured by one document: a tool's own config file, or Helm values."""
    if not isinstance(doc, Mapping):
        return []
    out: list[dict[str, Any]] = []
    if (b := _thanos(doc)) is not None:
        return [_facts("thanos", b, found_in, doc.get("config"))]
    if (b := _mimir(doc)) is not None:
        out.append(_facts("mimir", b, found_in, doc.get("blocks_storage"), doc.get("common"), doc.get("minio")))
    if (b := _loki_schema(_m(doc.get("schema_config")).get("configs"), doc.get("storage_config"))) is not None:
        out.append(_facts("loki", b, found_in, doc.get("storage_config"), doc.get("common")))
    if (b := _tempo(doc)) is not None:  # Tempo's config, or the tempo-distributed chart's values
        out.append(_facts("tempo", b, found_in, doc.get("storage"), {"minio": doc.get("minio")}))
    if out:
        return out
    # Helm values of the charts: mimir-distributed, loki, tempo(-distributed), bitnami thanos.
    values = "helm_values"
    mimir = _m(_m(doc.get("mimir")).get("structuredConfig"))
    if (b := _mimir(mimir)) is not None:
        out.append(_facts("mimir", b, values, mimir, {"minio": doc.get("minio")}))
    loki = _m(doc.get("loki"))
    structured = _m(loki.get("structuredConfig"))
    b = _loki_schema(_m(loki.get("schemaConfig")).get("configs"), loki.get("storage_config")) or _loki_schema(
        _m(structured.get("schema_config")).get("configs"), structured.get("storage_config")
    )
    if b is None and isinstance(loki.get("storage"), Mapping):
        b = _backend(_m(loki["storage"]).get("type"))
    if b is not None:
        out.append(_facts("loki", b, values, loki, {"minio": doc.get("minio")}))
    if (b := _tempo(_m(doc.get("tempo")))) is not None:
        out.append(_facts("tempo", b, values, doc.get("tempo"), {"minio": doc.get("minio")}))
    objstore = doc.get("objstoreConfig")
    if isinstance(objstore, str) and len(objstore) <= MAX_EMBEDDED_BYTES:
        objstore = _load(objstore)
    if isinstance(objstore, Mapping) and (b := _thanos(objstore)) is not None:
        out.append(_facts("thanos", b, values, objstore.get("config"), {"minio": doc.get("minio")}))
    return out


def _load(text: str) -> Any:
    try:
        return load_yaml("embedded configuration", text)
    except (InputError, RecursionError, MemoryError, ValueError, TypeError):
        return None  # not YAML: not a store configuration either


def embedded_configs(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(key, parsed document, configmap|secret) of each `*.yaml`/`*.yml` key of a ConfigMap or Secret.

    A key that is not YAML is skipped (the object may hold any text); a Secret's values are read
    only to find the store type and are never kept.
    """
    kind = doc.get("kind")
    if doc.get("apiVersion") != "v1" or kind not in ("ConfigMap", "Secret"):
        return
    fields = (("data", False),) if kind == "ConfigMap" else (("stringData", False), ("data", True))
    for field, encoded in fields:
        for key, value in sorted(_m(doc.get(field)).items(), key=lambda kv: str(kv[0])):
            if not str(key).endswith(_SUFFIXES) or not isinstance(value, str) or len(value) > MAX_EMBEDDED_BYTES:
                continue
            text: str | None = value
            if encoded:
                try:
                    text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
                except (binascii.Error, ValueError):
                    text = None
            if text:
                yield str(key), _load(text), str(kind).lower()
