"""The scan config, `maturity.yaml` (contract in DESIGN.md; JSON Schema in schema/).

Common keys are checked here; each source's own keys are checked by its probe's config model,
so a third-party probe brings its own schema. Unknown keys are errors everywhere.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from scanner.config_hints import validate_with_hint
from scanner.errors import InputError
from scanner.yamlio import LineDict, load_yaml, validate

__all__ = [
    "ScanConfig",
    "ScanSettings",
    "ScopeConfig",
    "ScopeSelectors",
    "SourceConfig",
    "StatementSettings",
    "load_config",
    "parse_matcher",
    "resolve_path",
]

FrameworkId = Literal["ydt1756-4", "aws-wa-ops"]
ALL_FRAMEWORKS: tuple[FrameworkId, ...] = ("ydt1756-4", "aws-wa-ops")


class SourceConfig(BaseModel):
    """Keys every source has; a probe's own config model subclasses this."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
    probe: str
    enabled: bool = True
    timeout_s: float = Field(default=300.0, gt=0, le=86400)
    concurrency: int = Field(default=4, ge=1, le=64)
    rate_limit_per_s: float | None = Field(default=None, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    weight: float = Field(
        default=1.0, gt=0, le=1000, description="relative work of each unit of this source, for splitting shards"
    )

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _line: int = PrivateAttr(default=0)  # the line of this source's entry in the config file

    def resolve(self, p: str) -> Path:
        """A path from this source's config, relative to the config file's folder."""
        return resolve_path(self._base_dir, p)


class _Head(BaseModel):
    """Just enough of a source entry to find its probe."""

    model_config = ConfigDict(extra="allow")
    name: str
    probe: str


class ScanSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(default=4, ge=1, le=64, description="sources scanned at once")


class StatementSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_months: int = Field(
        default=13, ge=1, le=120, description="longest validity (date to expires) a statement may have, in months"
    )


_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


def parse_matcher(text: str) -> tuple[str, str, str]:
    """(label, op, value) of a PromQL label matcher such as `team="shop"` or `team=~"shop|pay"`."""
    m = _MATCHER.match(text)
    if m is None:
        raise ValueError(f'a matcher is label, one of = != =~ !~, and a quoted value (team="shop"), got {text!r}')
    label, op, value = m.group(1), m.group(2), re.sub(r"\\(.)", r"\1", m.group(3))
    if op in ("=~", "!~"):
        from scanner.saferegex import catastrophic

        why = catastrophic(value)
        if why is not None:
            raise ValueError(f"matcher {text!r}: {why}")
        try:
            import regex

            regex.compile(value)
        except regex.error as exc:
            raise ValueError(f"matcher {text!r}: not a regular expression: {exc}") from exc
    return label, op, value


class _Selector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KubernetesSelector(_Selector):
    namespaces: list[str] = Field(default_factory=list, description="namespaces of the scope, by name")
    labels: dict[str, str] = Field(
        default_factory=dict, description="namespaces carrying all these labels belong to the scope"
    )


class GitLabSelector(_Selector):
    projects: list[str] = Field(default_factory=list, description="projects by full path (shop/api)")
    groups: list[str] = Field(default_factory=list, description="every project under these groups (and subgroups)")


class AwsSelector(_Selector):
    accounts: list[str] = Field(default_factory=list, description="12-digit account ids")
    tags: dict[str, str] = Field(
        default_factory=dict, description="tagged resources whose owner or cost tag has one of these values"
    )

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, v: list[str]) -> list[str]:
        for a in v:
            if not re.fullmatch(r"\d{12}", a):
                raise ValueError(f"an AWS account id is 12 digits, got {a!r}")
        return v


class PrometheusSelector(_Selector):
    matchers: list[str] = Field(
        default_factory=list,
        description='label matchers (team="shop", team=~"shop|pay") on alerting/recording rules, SLOs and target jobs',
    )

    @field_validator("matchers")
    @classmethod
    def _matchers(cls, v: list[str]) -> list[str]:
        for m in v:
            parse_matcher(m)
        return v


class FilesSelector(_Selector):
    paths: list[str] = Field(default_factory=list, description="folders or files of a repository (apps/shop)")

    @field_validator("paths")
    @classmethod
    def _paths(cls, v: list[str]) -> list[str]:
        for p in v:
            if not p.strip("/") or ".." in p.split("/"):
                raise ValueError(f"a scope path is a folder or file inside a repository, got {p!r}")
        return v


class ScopeSelectors(_Selector):
    kubernetes: KubernetesSelector | None = None
    gitlab: GitLabSelector | None = None
    aws: AwsSelector | None = None
    prometheus: PrometheusSelector | None = None
    files: FilesSelector | None = None


class ScopeConfig(BaseModel):
    """A project or team graded on its own evidence plus the platform's shared evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", description="no colon: gates read SCOPE:CAP=L")
    owner: str = Field(min_length=1)
    target_level: int | None = Field(default=None, ge=1, le=5)
    selectors: ScopeSelectors = Field(default_factory=ScopeSelectors)


class ScanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    sources: list[Any] = Field(default_factory=list)
    frameworks: list[FrameworkId] = Field(default_factory=lambda: list(ALL_FRAMEWORKS))
    attestations: list[str] = Field(default_factory=list)
    waivers: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list, description="extra rule files or folders")
    rule_params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    not_used: list[str] = Field(
        default_factory=list,
        description="systems this organisation does not run (e.g. pagerduty): rules that need them count as "
        "observed and not met",
    )
    statements: StatementSettings = Field(default_factory=StatementSettings)
    scopes: list[ScopeConfig] = Field(
        default_factory=list, description="projects or teams graded on their own as well as the whole estate"
    )

    # Set by load_config, not by the file.
    base_dir: Path = Field(default=Path("."), exclude=True)
    path: str = Field(default="<defaults>", exclude=True)
    digest: str = Field(default="", exclude=True)

    @field_validator("frameworks")
    @classmethod
    def _unique_frameworks(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("frameworks are listed twice")
        return v

    @field_validator("not_used")
    @classmethod
    def _system_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
                raise ValueError(f"not_used names a system in lower case (e.g. pagerduty), got {name!r}")
        if len(set(v)) != len(v):
            raise ValueError("not_used lists a system twice")
        return v

    @field_validator("scopes")
    @classmethod
    def _unique_scopes(cls, v: list[ScopeConfig]) -> list[ScopeConfig]:
        names = [s.name for s in v]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"scope name {twice[0]!r} is used twice")
        return v

    def source_configs(self) -> list[SourceConfig]:
        return [s for s in self.sources if isinstance(s, SourceConfig)]

    def resolve(self, p: str) -> Path:
        return resolve_path(self.base_dir, p)


def resolve_path(base: Path, p: str) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else (base / path)


_LOADER_SET = ("base_dir", "path", "digest")


def load_config(path: Path | str | None, *, probe_models: dict[str, type[SourceConfig]]) -> ScanConfig:
    """Load and validate `maturity.yaml`; each source is validated by its probe's model."""
    if path is None:
        cfg = ScanConfig()
        cfg.digest = hashlib.sha256(b"").hexdigest()
        return cfg
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read config: {exc.strerror or exc}", file=str(path)) from exc
    doc = load_yaml(path, raw_bytes.decode("utf-8", errors="strict") if raw_bytes else "")
    if doc is None:
        doc = LineDict()
    if not isinstance(doc, dict):
        raise InputError("the config must be a mapping", file=str(path), line=getattr(doc, "line", None))
    for key in _LOADER_SET:  # fields the loader fills in, never the user
        if key in doc:
            raise InputError(
                "unknown key",
                file=str(path),
                line=doc.key_lines.get(key) if isinstance(doc, LineDict) else None,
                field=key,
            )
    raw_sources = doc.get("sources") or []
    top = dict(doc)
    top["sources"] = []
    cfg = validate_with_hint(
        ScanConfig, LineDict(top) if not isinstance(doc, LineDict) else _with(doc, "sources", []), path
    )
    if not isinstance(raw_sources, list):
        raise InputError(
            "sources must be a list",
            file=str(path),
            line=doc.key_lines.get("sources") if isinstance(doc, LineDict) else None,
            field="sources",
        )
    seen: set[str] = set()
    sources: list[SourceConfig] = []
    for i, entry in enumerate(raw_sources):
        line = getattr(entry, "line", None)
        if not isinstance(entry, dict):
            raise InputError("each source is a mapping", file=str(path), line=line, field=f"sources.{i}")
        head = validate(_Head, entry, path)
        model = probe_models.get(head.probe)
        if model is None:
            known = ", ".join(sorted(probe_models)) or "none installed"
            raise InputError(
                f"unknown probe {head.probe!r} (known: {known})", file=str(path), line=line, field=f"sources.{i}.probe"
            )
        try:
            src = validate_with_hint(model, entry, path)
        except InputError as exc:
            raise InputError(
                exc.detail,
                file=exc.file,
                line=exc.line,
                field=f"sources.{i}.{exc.field}" if exc.field else f"sources.{i}",
            ) from exc
        if src.name in seen:
            raise InputError(
                f"source name {src.name!r} is used twice", file=str(path), line=line, field=f"sources.{i}.name"
            )
        seen.add(src.name)
        src._base_dir = path.resolve().parent
        src._line = int(line or 0)
        sources.append(src)
    cfg.sources = list(sources)
    cfg.base_dir = path.resolve().parent
    cfg.path = str(path)
    cfg.digest = hashlib.sha256(raw_bytes).hexdigest()
    return cfg


def _with(doc: LineDict, key: str, value: Any) -> LineDict:
    out = LineDict(doc)
    out.line = doc.line
    out.key_lines = dict(doc.key_lines)
    out[key] = value
    return out
