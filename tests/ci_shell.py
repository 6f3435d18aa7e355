"""Run a CI job's shell the way a runner does: in bash, from the checkout, with a fake CI
environment and the scanner's `maturity` first on PATH.

GitLab's runner stops a job at the first failing script line (bash with errexit and pipefail);
`run_script` does the same with the lines joined. GitLab expands `$[[ inputs.x ]]` when it
includes a component, before any shell sees the text: `expand_inputs` does that from the
component's spec defaults and the values a test gives.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["BIN", "expand_inputs", "run_script"]

BIN = Path(sys.executable).parent  # the venv's bin: `maturity` lives beside the interpreter
_INPUT = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")


def expand_inputs(text: str, spec: Mapping[str, Any], given: Mapping[str, Any] | None = None) -> str:
    """`$[[ inputs.NAME ]]` replaced by the given value or the spec's default (KeyError when neither)."""
    values = {k: v.get("default") for k, v in spec.items() if isinstance(v, dict) and "default" in v}
    values.update(given or {})

    def sub(m: re.Match[str]) -> str:
        value = values[m.group(1)]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _INPUT.sub(sub, text)


def run_script(
    lines: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The job's lines in one `bash -eo pipefail`, with only `env` (plus PATH and HOME) set."""
    full = {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        # the test run's compiled-catalog cache (tests/conftest.py), so each `maturity` starts warm
        **({"XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]} if "XDG_CACHE_HOME" in os.environ else {}),
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
