"""Helm charts in a repository: find them, and render them with `helm template` when helm is on
PATH (bounded in time and output), so their objects are read like any manifest.

A chart's templates are never parsed as they are: `{{ ... }}` is not YAML, and what a template
produces depends on values. Unrendered, a chart's objects are unknown, so the kinds they could
feed are reported absent (with the chart named), never "observed, zero".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Chart", "ChartIndex", "render"]

RENDER_TIMEOUT_S = 60.0
MAX_RENDERED_BYTES = 20_000_000


@dataclass
class Chart:
    """One chart folder (holding Chart.yaml) and the template texts found under it."""

    root: Path
    rel: str
    templates: int = 0
    kinds: set[str] = field(default_factory=set)  # evidence kinds the templates could feed (unrendered)
    why: str = ""  # why it was not rendered (empty: rendered)


class ChartIndex:
    """Which files of the walk belong to a chart's templates/ folder (cached per folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.charts: dict[Path, Chart] = {}
        self._owner: dict[Path, Chart | None] = {}

    def chart_of_template(self, path: Path) -> Chart | None:
        """The chart whose templates/ folder holds `path` (at any depth), else None."""
        folder = path.parent
        if folder not in self._owner:
            self._owner[folder] = self._find(folder)
        return self._owner[folder]

    def _find(self, folder: Path) -> Chart | None:
        here = folder
        while here != self.root and self.root in here.parents:
            if here.name == "templates" and (here.parent / "Chart.yaml").is_file():
                chart_dir = here.parent
                if chart_dir not in self.charts:
                    self.charts[chart_dir] = Chart(chart_dir, chart_dir.relative_to(self.root).as_posix())
                return self.charts[chart_dir]
            here = here.parent
        return None


def helm_binary() -> str | None:
    """The `helm` on PATH, if any (HELM_BINARY overrides, for tests and pinned installs)."""
    return os.environ.get("HELM_BINARY") or shutil.which("helm")


def render(helm: str, chart: Chart) -> tuple[str | None, str | None]:
    """(rendered YAML, None) or (None, why not): `helm template` with the chart's default values."""
    try:
        proc = subprocess.run(
            [helm, "template", chart.root.name, str(chart.root)],
            capture_output=True,
            timeout=RENDER_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None, f"helm template took longer than {RENDER_TIMEOUT_S:.0f}s"
    except OSError as exc:
        return None, f"helm could not run: {exc.strerror or exc}"
    if proc.returncode != 0:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        return None, f"helm template failed: {first[0][:300] if first else f'exit {proc.returncode}'}"
    if len(proc.stdout) > MAX_RENDERED_BYTES:
        return None, f"rendered output larger than {MAX_RENDERED_BYTES} bytes"
    return proc.stdout.decode("utf-8", "replace"), None
