"""Distributed tracing: the AWS X-Ray service graph of one region over a recent window (names,
types and edges of services only; no trace, segment or annotation contents are read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES", "graph_facts"]

# X-Ray keeps traces for 30 days but a service graph is built from the window asked for; six
# hours of traffic is enough to show services that call each other in normal operation.
WINDOW_HOURS = 6
# Node types of services that emit segments themselves (the X-Ray SDK, OpenTelemetry via ADOT,
# or active tracing on the AWS service). Other nodes are inferred from a caller's subsegments
# (AWS::DynamoDB::Table, AWS::S3::Bucket, remote HTTP endpoints, SQL databases) or are the
# client: they show one service's outgoing calls, not a request crossing instrumented services.
TRACED_TYPES = (
    "AWS::EC2::Instance",
    "AWS::ECS::Container",
    "AWS::EKS::Container",
    "AWS::Lambda::Function",
    "AWS::ElasticBeanstalk::Environment",
    "AWS::ApiGateway::Stage",
    "AWS::AppSync::GraphQLAPI",
    "AWS::StepFunctions::StateMachine",
)
MAX_NAMES = 50
MAX_NODES = 5000  # graph nodes read at most (a graph this size is far past any threshold)


def _traced(node: Mapping[str, Any]) -> bool:
    """A node of an instrumented service: a known origin type, or none (SDK without a plugin)."""
    kind = str(node.get("Type") or "")
    return kind in TRACED_TYPES or kind == ""


def graph_facts(services: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts from a GetServiceGraph answer: traced services, and those joined to another
    traced service by an edge (in either direction)."""
    by_ref = {s.get("ReferenceId"): s for s in services if s.get("ReferenceId") is not None}
    traced = {ref for ref, s in by_ref.items() if _traced(s)}
    connected: set[Any] = set()
    for ref in traced:
        for edge in by_ref[ref].get("Edges") or []:
            other = edge.get("ReferenceId")
            if other in traced and other != ref:
                connected |= {ref, other}
    names = sorted(str(by_ref[r].get("Name") or r) for r in traced)
    return {
        "services": len([s for s in by_ref.values() if str(s.get("Type") or "") != "client"]),
        "traced_services": len(traced),
        "traced_names": names[:MAX_NAMES],
        "connected_services": len(connected),
        "connected_names": sorted(str(by_ref[r].get("Name") or r) for r in connected)[:MAX_NAMES],
    }


def service_graph(s: Scan, region: str) -> Iterator[Evidence]:
    """One item per region, so a region without traces is a visible fact."""
    c = s.client("xray", region)
    end = s.now
    start = end - dt.timedelta(hours=WINDOW_HOURS)
    graph = list(islice(pages(c, "get_service_graph", "Services", StartTime=start, EndTime=end), MAX_NODES))
    yield s.ev(
        "aws.xray_service_graph",
        region,
        {
            "region": region,
            "window_hours": WINDOW_HOURS,
            **graph_facts(graph),
        },
        f"xray/{region}/GetServiceGraph",
    )


SERVICES = (Service("xray", (Part(("aws.xray_service_graph",), service_graph),)),)
