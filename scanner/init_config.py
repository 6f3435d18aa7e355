"""`maturity init`: a commented maturity.yaml from what this machine shows, read locally only.

What is looked at (docs/init.md), and what is taken from it:
- the kubeconfig (KUBECONFIG, else ~/.kube/config): context names and the current context only;
- the AWS shared config (AWS_CONFIG_FILE, else ~/.aws/config) and AWS_PROFILE: profile names only
  (the credentials file is never opened); the region from AWS_REGION / AWS_DEFAULT_REGION;
- environment variables the sources document for their tokens (TOKEN_ENVS): whether each is set.
  Only the variable's NAME is written, never its value;
- URLs from PROMETHEUS_URL, ALERTMANAGER_URL, GRAFANA_URL, LOKI_URL, SENTRY_URL, GITLAB_URL (or
  CI_SERVER_URL in GitLab CI), reduced to scheme://host[:port]/path (no user, password or query).
A source whose URL or organisation is not known is written with `enabled: false` and a comment
saying what to fill in, so the file loads and a scan never calls a made-up host.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["TOKEN_ENVS", "Found", "chosen_context", "discover", "render_config"]

MAX_LOCAL_FILE = 4 << 20  # a kubeconfig or AWS config larger than this is not read
MAX_NAMES = 50

# source -> (config key, environment variable), as docs/sources/<probe>.md document them.
TOKEN_ENVS: dict[str, tuple[str, str]] = {
    "prometheus": ("bearer_token_env", "PROM_TOKEN"),
    "gitlab": ("token_env", "GITLAB_TOKEN"),
    "grafana": ("bearer_token_env", "GRAFANA_TOKEN"),
    "pagerduty": ("token_env", "PAGERDUTY_TOKEN"),
    "loki": ("bearer_token_env", "LOKI_TOKEN"),
    "sentry": ("bearer_token_env", "SENTRY_AUTH_TOKEN"),
}
URL_ENVS = {
    "prometheus": "PROMETHEUS_URL",
    "alertmanager": "ALERTMANAGER_URL",
    "grafana": "GRAFANA_URL",
    "loki": "LOKI_URL",
    "sentry": "SENTRY_URL",
    "gitlab": "GITLAB_URL",
}
_NAME = re.compile(r"^[\w.@:/+=-]{1,200}$")


@dataclass
class Found:
    kube_file: str | None = None
    kube_contexts: list[str] = field(default_factory=list)
    kube_current: str | None = None
    aws_profiles: list[str] = field(default_factory=list)
    aws_profile: str | None = None
    aws_region: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # source -> env var NAME that is set
    urls: dict[str, str] = field(default_factory=dict)  # source -> URL without credentials
    sentry_org: str | None = None
    notes: list[str] = field(default_factory=list)


def _clean_name(value: object) -> str | None:
    """A context or profile name fit to write (plain characters, bounded), else None."""
    return value if isinstance(value, str) and _NAME.match(value) else None


def _clean_url(value: str) -> str | None:
    """scheme://host[:port]/path of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(value.strip())
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or not _NAME.match(parts.hostname):
        return None
    path = parts.path.rstrip("/")
    if path and not re.fullmatch(r"[\w./~-]{1,200}", path):
        path = ""
    return f"{parts.scheme}://{parts.hostname}{port}{path}"


def _read_small(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_LOCAL_FILE:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _kube(env: Mapping[str, str], home: Path, found: Found) -> None:
    from scanner.errors import InputError
    from scanner.yamlio import load_yaml  # bounded depth and aliases: the file is not ours

    paths = [Path(p) for p in env.get("KUBECONFIG", "").split(os.pathsep) if p] or [home / ".kube" / "config"]
    for path in paths:
        text = _read_small(path)
        if text is None:
            continue
        try:
            doc = load_yaml(path, text)
        except InputError:
            found.notes.append(f"{path}: not valid YAML, skipped")
            continue
        if not isinstance(doc, dict):
            continue
        names = [_clean_name(c.get("name")) for c in doc.get("contexts") or [] if isinstance(c, dict)]
        if len(paths) == 1 and "KUBECONFIG" in env and any(names):
            found.kube_file = str(path.resolve())  # several files: the probe merges $KUBECONFIG itself
        new = [n for n in dict.fromkeys(names) if n and n not in found.kube_contexts]
        found.kube_contexts = (found.kube_contexts + new)[:MAX_NAMES]
        found.kube_current = found.kube_current or _clean_name(doc.get("current-context"))


def _aws(env: Mapping[str, str], home: Path, found: Found) -> None:
    path = Path(env["AWS_CONFIG_FILE"]) if env.get("AWS_CONFIG_FILE") else home / ".aws" / "config"
    text = _read_small(path) or ""
    for m in re.finditer(r"^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]\s*$", text, flags=re.MULTILINE):
        name = _clean_name(m.group(1))
        if name and name not in found.aws_profiles and len(found.aws_profiles) < MAX_NAMES:
            found.aws_profiles.append(name)
    found.aws_profile = _clean_name(env.get("AWS_PROFILE")) or (
        "default" if "default" in found.aws_profiles else (found.aws_profiles[0] if found.aws_profiles else None)
    )
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    found.aws_region = region if region and re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region) else None


def discover(env: Mapping[str, str], home: Path) -> Found:
    """What the local files and environment show; never a secret."""
    found = Found()
    _kube(env, home, found)
    _aws(env, home, found)
    for source, (_, var) in TOKEN_ENVS.items():
        if env.get(var):
            found.tokens[source] = var
    if "gitlab" not in found.tokens and env.get("CI_JOB_TOKEN"):
        found.tokens["gitlab"] = "CI_JOB_TOKEN"
    for source, var in URL_ENVS.items():
        url = _clean_url(env.get(var, ""))
        if env.get(var) and url is None:
            found.notes.append(f"{var} is not an http(s) URL, ignored")
        if url:
            found.urls[source] = url
    if "gitlab" not in found.urls and env.get("CI_SERVER_URL"):
        url = _clean_url(env["CI_SERVER_URL"])
        if url:
            found.urls["gitlab"] = url
    found.sentry_org = _clean_name(env.get("SENTRY_ORG"))
    return found


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


_TODO = "   # en: fill in, then delete `enabled: false` / zh: 填写后删除 enabled: false"


def _http_source(name: str, url: str, token_var: str | None, extra: list[str], *, todo: bool) -> list[str]:
    """One HTTP source; `todo`: a value is a placeholder, so the source is written disabled."""
    out = [f"  - name: {name}", f"    probe: {name}", f"    url: {_q(url)}", *extra]
    if todo:
        out.append(f"    enabled: false{_TODO}")
    if token_var:
        key = "job_token_env" if token_var == "CI_JOB_TOKEN" else TOKEN_ENVS[name][0]  # noqa: S105 - a name
        out.append(f"    {key}: {token_var}   # en: the variable's name, not its value / zh: 环境变量名，不是令牌本身")
    return out


def chosen_context(f: Found) -> str | None:
    """The context written: the current one when it is among the names, else the first."""
    if not f.kube_contexts:
        return None
    return f.kube_current if f.kube_current in f.kube_contexts else f.kube_contexts[0]


def _kubernetes(f: Found) -> list[str]:
    ctx = chosen_context(f) or ""
    out = ["  - name: kubernetes", "    probe: kubernetes"]
    if f.kube_file:
        out.append(f"    kubeconfig: {_q(f.kube_file)}")
    out.append(f"    context: {_q(ctx)}")
    others = [c for c in f.kube_contexts if c != ctx]
    if others:
        out.append(
            f"    # other contexts / 其他上下文: {', '.join(others)} (`contexts: [...]` scans several / 扫描多个集群)"
        )
    return out


def _aws_source(f: Found, profile: str) -> list[str]:
    note = "" if f.aws_region else "   # en: check the regions / zh: 请确认区域"
    out = ["  - name: aws", "    probe: aws", f"    regions: [{_q(f.aws_region or 'us-east-1')}]{note}"]
    out.append(f"    profile: {_q(profile)}")
    others = [p for p in f.aws_profiles if p != profile]
    if others:
        out.append(f"    # other profiles / 其他配置档: {', '.join(others)}")
    return out


def _sources(f: Found) -> list[str]:
    out: list[str] = []
    has = set(f.tokens) | set(f.urls)
    if "prometheus" in f.urls:
        out += _http_source("prometheus", f.urls["prometheus"], f.tokens.get("prometheus"), [], todo=False)
    if "alertmanager" in f.urls:
        out += _http_source("alertmanager", f.urls["alertmanager"], None, [], todo=False)
    if f.kube_contexts:
        out += _kubernetes(f)
    if f.aws_profile:
        out += _aws_source(f, f.aws_profile)
    if "gitlab" in has:
        out += _http_source(
            "gitlab", f.urls.get("gitlab", "https://gitlab.com"), f.tokens.get("gitlab"), [], todo=False
        )
        out.append("    # groups: [platform]   # en: groups to read / zh: 要读取的群组")
    for name, placeholder in (("grafana", "https://grafana.example.com"), ("loki", "https://loki.example.com")):
        if name in has:
            url = f.urls.get(name)
            out += _http_source(name, url or placeholder, f.tokens.get(name), [], todo=url is None)
    if "pagerduty" in f.tokens:
        out += _http_source("pagerduty", "https://api.pagerduty.com", f.tokens["pagerduty"], [], todo=False)
    if "sentry" in has:
        org = [f"    organization: {_q(f.sentry_org or 'your-org')}"]
        url = f.urls.get("sentry", "https://sentry.io")
        out += _http_source("sentry", url, f.tokens.get("sentry"), org, todo=f.sentry_org is None)
    return out


def render_config(found: Found, version: str) -> str:
    """The maturity.yaml text: what was found, as sources, with bilingual comments."""
    head = [
        f"# maturity.yaml, written by `maturity init` (maturity-scanner {version}).",
        "# en: Sources below come from what this machine shows (docs/init.md); each source's keys are",
        "#     in docs/sources/<probe>.md, the rest in maturity.example.yaml. Tokens are named by their",
        "#     environment variable, never written here. Check it, then: maturity scan -c maturity.yaml",
        "# zh: 以下数据源根据本机发现的信息生成（见 docs/init.md）。令牌只写环境变量名，不写令牌本身。",
        "#     确认后运行：maturity scan -c maturity.yaml",
    ]
    sources = _sources(found)
    if sources:
        body = ["sources:", *sources]
    else:
        body = ["# en: no source found: uncomment one / zh: 未发现数据源，请取消注释并填写", "sources: []"]
    body += [
        "  # - name: repo          # en: a GitOps repository on disk / zh: 本地的 GitOps 仓库",
        "  #   probe: files",
        "  #   path: ./gitops",
    ]
    rest = [
        "frameworks: [ydt1756-4, aws-wa-ops]",
        "# attestations: [attestations/]   # en: statement files or folders (maturity attest template) / zh: 声明文件或目录",
        "# waivers: [waivers.yaml]",
        "# not_used: [pagerduty]           # en: systems you do not run / zh: 本组织不使用的系统",
    ]
    return "\n".join([*head, *body, *rest]) + "\n"
