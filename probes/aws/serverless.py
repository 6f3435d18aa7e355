"""Serverless compute: Lambda functions with their concurrency reservation, published versions,
aliases and failure destinations (read-only; never code, environment or policies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]

# Versions and aliases are counted up to this many per function (a count, not an inventory).
_COUNT_CAP = 100


def _capped(it: Iterator[Any]) -> int:
    n = 0
    for _ in it:
        n += 1
        if n >= _COUNT_CAP:
            break
    return n


def lambda_functions(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("lambda", region)
    fns: list[dict[str, Any]] = []
    for f in pages(c, "list_functions", "Functions"):
        if len(fns) >= s.cfg.max_items_per_kind:
            break
        fns.append(f)

    def details(f: dict[str, Any]) -> dict[str, Any]:
        name = f["FunctionName"]
        reserved = c.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
        aliases = _capped(pages(c, "list_aliases", "Aliases", FunctionName=name))
        versions = _capped(
            v
            for v in pages(c, "list_versions_by_function", "Versions", FunctionName=name)
            if v.get("Version") != "$LATEST"
        )
        on_failure = False
        for cfg in pages(c, "list_function_event_invoke_configs", "FunctionEventInvokeConfigs", FunctionName=name):
            dest = ((cfg.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            on_failure = on_failure or bool(dest)
        return {"reserved": reserved, "aliases": aliases, "versions": versions, "on_failure": on_failure}

    for f, d in zip(fns, s.each(details, fns), strict=True):
        name = f["FunctionName"]
        yield s.ev(
            "aws.lambda_function",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "runtime": f.get("Runtime"),
                "memory_mb": f.get("MemorySize"),
                "timeout_s": f.get("Timeout"),
                "reserved_concurrency": d["reserved"],
                "alias_count": d["aliases"],
                "version_count": d["versions"],
                "dead_letter_queue": bool((f.get("DeadLetterConfig") or {}).get("TargetArn")),
                "on_failure_destination": d["on_failure"],
            },
            f"lambda/{region}/ListFunctions",
        )


SERVICES = (Service("lambda", (Part(("aws.lambda_function",), lambda_functions),)),)
