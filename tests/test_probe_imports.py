"""Registering the probes loads no heavy client library (issue 22, memory at 100k items).

Every scan loads every registered probe (`load_probes`); boto3/botocore's client machinery,
python-gitlab, requests and httpx (which pulls in rich, pygments and click) cost about 25 MiB
of resident memory that a scan without those sources must not carry. Each is imported when its
source is scanned, as the Kubernetes client is. Checked in a fresh interpreter (this process
has imported them all already); not timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("boto3", "botocore.session", "botocore.config", "gitlab", "requests", "httpx", "rich", "kubernetes")

_PROBE = f"""
import json, sys
from scanner.probe import load_probes
registry = load_probes()
registry.models()
registry.config_models()
print(json.dumps({{"probes": sorted(registry), "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _run(code: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_registering_the_probes_imports_no_client_library() -> None:
    got = _run(_PROBE)
    assert {"aws", "gitlab", "kubernetes", "pagerduty", "prometheus", "sentry"} <= set(got["probes"])
    assert got["loaded"] == []


def test_the_clients_still_load_when_their_source_is_scanned() -> None:
    """The deferred imports are where the clients are made (a renamed module would fail here)."""
    code = _PROBE.replace(
        "print(",
        "from probes.http import _guarded_transport\n_guarded_transport(True)\n"
        "from probes.gitlab.http import Api\n"
        "from probes.aws.session import Clients\n"
        "print(",
    )
    got = _run(code)
    assert {"httpx", "gitlab", "requests"} <= set(got["loaded"])


def test_the_kubernetes_client_loads_without_its_models(tmp_path: Path) -> None:
    """`make_api_client` loads Configuration, ApiClient and the kubeconfig loaders only, leaves no
    `kubernetes` module behind, and a later `import kubernetes.client` is the whole package."""
    code = f"""
import json, sys
from pathlib import Path
from sandbox.kubernetes import write_kubeconfig
from probes.kubernetes.client import make_api_client
kc = write_kubeconfig(Path({str(tmp_path / "kubeconfig.yaml")!r}), "http://127.0.0.1:9", token="t", context="c")
api = make_api_client(str(kc), "c", False)
left = sorted(m for m in sys.modules if m.split(".")[0] == "kubernetes")
headers = {{}}
api.update_params_for_auth(headers, [], ["BearerToken"])
import kubernetes.client
print(json.dumps({{"host": [api.configuration.host], "left": left, "auth": sorted(headers),
                  "models": [str(hasattr(kubernetes.client, "V1Pod"))]}}))
"""
    got = _run(code)
    assert got == {"host": ["http://127.0.0.1:9"], "left": [], "auth": ["authorization"], "models": ["True"]}
