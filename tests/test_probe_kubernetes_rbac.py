"""The probe's requests stay within deploy/kubernetes/clusterrole.yaml, and that role grants
get/list only, never Secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from probes.kubernetes.configmaps import CONFIGMAPS
from probes.kubernetes.resources import BUILTIN, OPTIONAL_APIS
from sandbox.kubernetes import SURFACE, KubeApiServer, default_estate_dir, load_objects
from tests.fixtures.kubernetes.helpers import TOKEN, scan_live

ROLE = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes" / "clusterrole.yaml"


def load_role() -> dict[str, Any]:
    doc = yaml.safe_load(ROLE.read_text(encoding="utf-8"))
    assert doc["kind"] == "ClusterRole" and doc["apiVersion"] == "rbac.authorization.k8s.io/v1"
    return dict(doc)


def grants(role: dict[str, Any], group: str, plural: str, verb: str) -> bool:
    return any(
        group in r.get("apiGroups", []) and plural in r.get("resources", []) and verb in r["verbs"]
        for r in role["rules"]
    )


def grants_url(role: dict[str, Any], path: str) -> bool:
    for r in role["rules"]:
        for u in r.get("nonResourceURLs", []):
            if (u == path or (u.endswith("*") and path.startswith(u[:-1]))) and "get" in r["verbs"]:
                return True
    return False


def test_role_is_read_only_and_never_secrets() -> None:
    role = load_role()
    for r in role["rules"]:
        assert set(r["verbs"]) <= {"get", "list", "watch"}, r
        assert "*" not in r.get("resources", []) and "*" not in r.get("apiGroups", []) and "*" not in r["verbs"]
        assert not {"secrets", "pods/exec", "pods/log"} & set(r.get("resources", []))


def test_role_covers_every_resource_the_probe_knows() -> None:
    role = load_role()
    for res, _kinds in BUILTIN:
        assert grants(role, res.group, res.plural, "list"), res
    for api in OPTIONAL_APIS:
        for _kind, plural in api.resources:
            assert grants(role, api.group, plural, "list"), (api.group, plural)
    # monitoring configured in mounted ConfigMaps: read by name, never listed
    assert grants(role, CONFIGMAPS.group, CONFIGMAPS.plural, "get")
    assert not grants(role, CONFIGMAPS.group, CONFIGMAPS.plural, "list")


_RESOURCE = re.compile(
    r"^/(api/(?P<cv>[^/]+)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))(/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(/(?P<name>[^/]+))?$"
)


def requests_granted(srv: KubeApiServer, role: dict[str, Any]) -> bool:
    """Every request the server saw is a GET the role grants (asserted per request)."""
    plurals = {(r.group, r.plural) for r in SURFACE}
    for req in srv.requests:
        assert req.method == "GET", req
        assert "secrets" not in req.path
        m = _RESOURCE.match(req.path)
        if m and (m.group("g") or "", m.group("plural")) in plurals:
            group = m.group("g") or ""
            verb = "get" if m.group("name") else "list"  # /api/v1/namespaces/shop is a get
            assert grants(role, group, m.group("plural"), verb), (req.path, verb)
        else:
            assert grants_url(role, req.path), req.path
    return True


def test_probe_requests_are_granted(tmp_path: Path) -> None:
    role = load_role()
    with KubeApiServer(load_objects(default_estate_dir()), token=TOKEN) as srv:
        scan_live(srv, tmp_path)
        scan_live(srv, tmp_path, namespaces={"include": ["shop"]})
        assert srv.secret_requests == []
        assert len(srv.requests) > 40
        assert requests_granted(srv, role)
