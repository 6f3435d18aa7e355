"""A fleet of clusters: one Kubernetes source over several contexts of one kubeconfig.

`contexts: [a, b]` or `all_contexts: true` makes each context a unit of work named
`SOURCE/CONTEXT` (scanner/fleet.py), scanned, sharded and reported on its own. A listed context
the kubeconfig does not have is reported as a failed unit, not dropped in silence.
"""

from __future__ import annotations

from typing import Any

from scanner.fleet import Unit, member_name, narrowed
from scanner.probe import ProbeContext, SourceFailure

__all__ = ["cluster_units"]


def _contexts_in(kubeconfig: str | None) -> list[str]:
    """The context names of a kubeconfig (its file or the default chain)."""
    from probes.kubernetes.client import kube_client  # the client, imported when needed

    client = kube_client()
    try:
        found, _current = client.config.list_kube_config_contexts(config_file=kubeconfig)
    except (client.ConfigException, OSError, ValueError, TypeError) as exc:
        raise SourceFailure(f"cannot read the kubeconfig's contexts: {exc}", category="unauthorized") from exc
    return [str(c.get("name")) for c in found or [] if isinstance(c, dict) and c.get("name")]


def cluster_units(cfg: Any, _ctx: ProbeContext) -> list[Unit]:
    """One unit per context the source asks for (module docstring)."""
    kubeconfig = str(cfg.resolve(cfg.kubeconfig)) if cfg.kubeconfig else None
    present = _contexts_in(kubeconfig)
    wanted = sorted(present) if cfg.all_contexts else list(dict.fromkeys(cfg.contexts))
    units: list[Unit] = []
    for context in wanted:
        member = narrowed(
            cfg, member_name(cfg.name, context), {"context": context, "contexts": [], "all_contexts": False}
        )
        missing = None if context in present else ("error", f"the kubeconfig has no context {context!r}")
        units.append(Unit(member, cfg.weight, missing))
    return units
