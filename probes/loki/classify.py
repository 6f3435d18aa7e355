"""What a Loki stream is (system, application, access, audit or event log) and what a LogQL
expression does (which parsers it runs): pure functions, so rules and tests share them.

A stream is known only by its labels. The conventions are those of the common shippers
(Promtail, Grafana Alloy, the OpenTelemetry collector, Fluent Bit, Vector): `job`, `unit`,
`filename`, `container`, `app`, `service_name`, ... The first family whose pattern matches a
stream's labels wins, in the order of FAMILIES: audit before system (auditd writes under
/var/log), access before application (an nginx container's log is its access log).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["FAMILIES", "LOG_TYPES", "classify_stream", "logql_parsers", "logql_unwraps"]

LOG_TYPES = ("audit", "system", "access", "event", "application")

# Labels whose values name what wrote the stream (the others, like `level` or `namespace`, do not).
SOURCE_LABELS = (
    "job",
    "unit",
    "systemd_unit",
    "filename",
    "source",
    "source_type",
    "log_type",
    "logtype",
    "type",
    "app",
    "container",
    "service_name",
    "service",
    "component",
    "syslog_identifier",
)
# Labels that, present at all, say the stream comes from the host's journal or syslog.
SYSTEM_LABELS = frozenset({"unit", "systemd_unit", "syslog_identifier", "syslog_facility", "hostname_journal"})
APP_LABELS = frozenset({"container", "app", "service_name", "service", "pod", "component", "job"})

FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("audit", re.compile(r"(?i)(audit|cloudtrail)")),
    (
        "system",
        re.compile(
            r"(?i)(journal|syslog|systemd|kernel|kmsg|dmesg|/var/log/(messages|kern|auth|secure|daemon|cron)"
            r"|\bnode[-_]?logs?\b|\bhost[-_]?logs?\b|\bsystem[-_]?logs?\b|\bvarlogs?\b)"
        ),
    ),
    (
        "access",
        re.compile(
            r"(?i)(access|nginx|ingress|apache|httpd|envoy|haproxy|traefik|gateway|istio-proxy|caddy|kong"
            r"|\bapi[-_]?logs?\b|\binterface\b|\balb\b|\belb\b|cloudfront)"
        ),
    ),
    ("event", re.compile(r"(?i)(event[-_]?(router|exporter)|kubernetes[-_]?events|k8s[-_]?events|kube[-_]?events)")),
)


def classify_stream(labels: Mapping[str, str]) -> str:
    """The log type of a stream from its labels: one of LOG_TYPES, or "unclassified"."""
    values = " ".join(str(labels[k]) for k in SOURCE_LABELS if k in labels)
    for family, pattern in FAMILIES:
        if values and pattern.search(values):
            return family
    if SYSTEM_LABELS & labels.keys():
        return "system"
    if APP_LABELS & labels.keys():
        return "application"
    return "unclassified"


# LogQL parser and formatting stages (`| json`, `| logfmt`, `| pattern "..."`, `| regexp "..."`,
# `| unpack`) turn a line's text into fields; `| unwrap x` turns a parsed field into a sample.
_PARSER = re.compile(r"\|\s*(json|logfmt|pattern|regexp|unpack)\b")
_UNWRAP = re.compile(r"\|\s*unwrap\b")


def logql_parsers(expr: str) -> list[str]:
    """The parser stages a LogQL expression runs, in order of first use, without repeats."""
    seen: list[str] = []
    for name in _PARSER.findall(expr or ""):
        if name not in seen:
            seen.append(name)
    return seen


def logql_unwraps(expr: str) -> bool:
    """Whether the expression unwraps a parsed field into a numeric sample."""
    return bool(_UNWRAP.search(expr or ""))
