"""A loopback Grafana Loki HTTP API, fed by the tests through Loki's own push endpoint.

Debian's `loki` package is an unrelated genetics program (MCMC linkage analysis), so no real
Grafana Loki can run here; this server speaks the documented wire format instead:
POST /loki/api/v1/push (JSON streams, 204), GET /loki/api/v1/labels, /label/<name>/values,
/series (match[] selectors, start/end in nanoseconds), /query (the instant metric queries
`sum(rate({...}[5m]))` and `sum(bytes_rate({...}[5m]))`, a vector answer), the ruler's
Prometheus-compatible /prometheus/api/v1/rules and YAML /loki/api/v1/rules (404 "no rule
groups found" when empty), /config and /runtime_config (YAML), buildinfo (no envelope), the
401 "no org id" of a multi-tenant Loki without X-Scope-OrgID, and injected faults (429 with
Retry-After) from the base class.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

from sandbox.loopback_api import Answer, LoopbackAPI

__all__ = ["LokiAPI", "Stream"]

_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_QUERY = re.compile(r"^sum\((rate|bytes_rate)\((\{.*\})\[5m\]\)\)$")


@dataclass
class Stream:
    labels: dict[str, str]
    entries: list[tuple[int, str]] = field(default_factory=list)  # (ns, line)


def parse_selector(text: str) -> list[tuple[str, str, str]]:
    """[(label, op, value)] of a `{a="b", c=~"d"}` selector; ValueError when it is not one."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise ValueError("parse error: expected a stream selector")
    inner, out, pos = text[1:-1], [], 0
    while pos < len(inner.rstrip()):
        m = _MATCHER.match(inner, pos)
        if not m:
            raise ValueError("parse error: bad matcher")
        out.append((m.group(1), m.group(2), m.group(3).replace('\\"', '"')))
        pos = m.end()
    if not out:
        raise ValueError("parse error: queries require at least one matcher")
    return out


def matches(labels: dict[str, str], selector: list[tuple[str, str, str]]) -> bool:
    for name, op, value in selector:
        have = labels.get(name, "")
        ok = {
            "=": have == value,
            "!=": have != value,
            "=~": re.fullmatch(value, have) is not None,
            "!~": re.fullmatch(value, have) is None,
        }[op]
        if not ok:
            return False
    return True


@dataclass
class LokiAPI(LoopbackAPI):
    """A Loki holding `streams`; `config`/`runtime` are the YAML documents it reports."""

    name: str = "loki-api"
    streams: dict[str, Stream] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    runtime: dict[str, Any] | None = field(default_factory=dict)
    rule_groups: list[dict[str, Any]] = field(default_factory=list)
    ruler_enabled: bool = True
    multi_tenant: bool = False
    version: str = "3.4.2"
    # shippers keep pushing: a stream fed once gets a fresh line whenever its newest is older
    # than `shipping_every_s` (a live Loki's streams keep receiving; a scan started minutes after
    # the feed would otherwise see reception stopped). Off by default: tests control time.
    shipping: bool = False
    shipping_every_s: float = 10.0

    def unauthorized(self) -> Answer:
        return Answer(401, "Unauthorized\n")

    # -- feeding -------------------------------------------------------------------------------
    def push(self, payload: dict[str, Any]) -> None:
        for s in payload.get("streams", []):
            labels = {str(k): str(v) for k, v in s["stream"].items()}
            key = json.dumps(labels, sort_keys=True)
            stream = self.streams.setdefault(key, Stream(labels))
            stream.entries.extend((int(ts), str(line)) for ts, line in s["values"])

    def _ship(self) -> None:
        now = time.time_ns()
        for stream in list(self.streams.values()):
            newest = max((ts for ts, _ in stream.entries), default=None)
            if newest is not None and now - newest > self.shipping_every_s * 1e9:
                stream.entries.append((now, json.dumps({"level": "info", "msg": "shipped"})))

    # -- routes --------------------------------------------------------------------------------
    def route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Any:
        if self.multi_tenant and not headers.get("X-Scope-OrgID"):
            raise Answer(401, "no org id\n")
        if self.shipping:
            self._ship()
        if method == "POST":
            if path != "/loki/api/v1/push":
                raise Answer(405, "method not allowed\n")
            self.push(json.loads(body))
            raise Answer(204, b"")
        if path == "/loki/api/v1/status/buildinfo":
            return {"version": self.version, "revision": "0000000", "branch": "HEAD", "goVersion": "go1.23.4"}
        if path == "/config":
            raise Answer(200, yaml.safe_dump(self.config), {"Content-Type": "text/plain; charset=utf-8"})
        if path == "/runtime_config":
            if self.runtime is None:
                raise Answer(404, "404 page not found\n")
            raise Answer(200, yaml.safe_dump(self.runtime), {"Content-Type": "text/plain; charset=utf-8"})
        if path.startswith(("/prometheus/api/v1/rules", "/loki/api/v1/rules")):
            return self._rules(path)
        window = self._window(query)
        if path == "/loki/api/v1/labels":
            names = sorted({k for s in self._live(window) for k in s.labels})
            return {"status": "success", "data": names}
        m = re.fullmatch(r"/loki/api/v1/label/([^/]+)/values", path)
        if m:
            values = sorted({s.labels[m.group(1)] for s in self._live(window) if m.group(1) in s.labels})
            return {"status": "success", "data": values}
        if path == "/loki/api/v1/series":
            selectors = [self._selector(q) for q in query.get("match[]", [])] or [[]]
            rows = [s.labels for s in self._live(window) if any(matches(s.labels, sel) for sel in selectors)]
            return {"status": "success", "data": rows}
        if path == "/loki/api/v1/query":
            return self._instant(query.get("query", [""])[0])
        raise Answer(404, "404 page not found\n")

    def _window(self, query: dict[str, list[str]]) -> tuple[int, int]:
        end = int(query.get("end", [str(time.time_ns())])[0])
        start = int(query.get("start", [str(end - 3600 * 10**9)])[0])
        return start, end

    def _live(self, window: tuple[int, int]) -> list[Stream]:
        return [s for s in self.streams.values() if any(window[0] <= ts <= window[1] for ts, _ in s.entries)]

    @staticmethod
    def _selector(text: str) -> list[tuple[str, str, str]]:
        try:
            return parse_selector(text)
        except ValueError as exc:
            raise Answer(400, f"{exc}\n") from None

    def _instant(self, text: str) -> Any:
        m = _QUERY.match(text.strip())
        if not m:
            raise Answer(400, "parse error : this sandbox answers sum(rate|bytes_rate({...}[5m])) only\n")
        selector = self._selector(m.group(2))
        now = time.time_ns()
        since = now - 300 * 10**9
        picked = [(ts, line) for s in self.streams.values() if matches(s.labels, selector) for ts, line in s.entries]
        recent = [line for ts, line in picked if since <= ts <= now]
        total = len(recent) if m.group(1) == "rate" else sum(len(x.encode()) for x in recent)
        result = [{"metric": {}, "value": [now / 1e9, repr(total / 300.0)]}] if recent else []
        return {"status": "success", "data": {"resultType": "vector", "result": result, "stats": {}}}

    def _rules(self, path: str) -> Any:
        if not self.ruler_enabled:
            raise Answer(404, "404 page not found\n")
        if path.startswith("/loki/api/v1/rules"):
            if not self.rule_groups:
                raise Answer(404, "no rule groups found\n")
            doc: dict[str, list[Any]] = {}
            for g in self.rule_groups:
                rules = [
                    {k: v for k, v in r.items() if k in ("alert", "record", "expr", "for", "labels", "annotations")}
                    for r in g["rules"]
                ]
                doc.setdefault(g["file"], []).append({"name": g["name"], "rules": rules})
            raise Answer(200, yaml.safe_dump(doc), {"Content-Type": "application/yaml"})
        groups = []
        for g in self.rule_groups:
            rules = []
            for r in g["rules"]:
                alerting = "alert" in r
                rule = {
                    "name": r.get("alert") or r.get("record"),
                    "query": r["expr"],
                    "labels": r.get("labels", {}),
                    "health": "ok",
                    "lastError": "",
                    "type": "alerting" if alerting else "recording",
                    "lastEvaluation": "2026-01-01T00:00:00Z",
                    "evaluationTime": 0.001,
                }
                if alerting:
                    rule.update(
                        duration=_seconds(r.get("for", "0s")),
                        annotations=r.get("annotations", {}),
                        alerts=[],
                        state="inactive",
                    )
                rules.append(rule)
            groups.append(
                {
                    "name": g["name"],
                    "file": g["file"],
                    "rules": rules,
                    "interval": 60,
                    "lastEvaluation": "2026-01-01T00:00:00Z",
                    "evaluationTime": 0.001,
                }
            )
        return {"status": "success", "data": {"groups": groups}}


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    m = re.fullmatch(r"(\d+)([smh])", str(text))
    return float(m.group(1)) * units[m.group(2)] if m else 0.0
