"""Facts about a project's `.gitlab-ci.yml`: environments, manual gates, rollout, tests, security.

Only the project's own file is read (includes from other projects or templates are listed,
not fetched), so facts are what the file itself shows; templates that imply a job (e.g.
`Security/SAST.gitlab-ci.yml`) count by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

__all__ = ["ci_facts"]

RESERVED = {
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
    "pages:deploy",
}
_TEST = re.compile(r"(?i)(^|[^a-z])(test|tests|spec|specs|check|lint|qa|e2e|smoke|regression)([^a-z]|$)")
_SECURITY = re.compile(
    r"(?i)(sast|dast|secret[-_ ]?detection|dependency[-_ ]?scanning|container[-_ ]?scanning|license[-_ ]?scanning|fuzz|security)"
)
_CANARY = re.compile(r"(?i)canary")
_INCREMENTAL = re.compile(r"(?i)(incremental|rollout|timed[-_ ]?rollout|percent|\b\d{1,2}%)")
_BLUE_GREEN = re.compile(r"(?i)blue[-_ ]?green")
_BLUE = re.compile(r"(?i)\bblue\b")
_GREEN = re.compile(r"(?i)\bgreen\b")


def _blue_green(text: str) -> bool:
    """`blue-green`, or `blue` then `green` on one line. (`blue.*green` as one pattern rescans the
    rest of the line from every `blue`: quadratic on a hostile CI file.)"""
    if _BLUE_GREEN.search(text):
        return True
    for line in text.splitlines():
        m = _BLUE.search(line)
        if m is not None and _GREEN.search(line, m.end()):
            return True
    return False


_ROLLBACK = re.compile(r"(?i)(rollback|roll[-_ ]back|revert|undo)")
# A setting that switches a canary off (`--set canary.weight=0`, `CANARY_ENABLED: "false"`): the
# word alone does not make a job shift traffic.
_CANARY_OFF = re.compile(
    r"(?i)canary[\w.\-]{0,40}[\"']?[ \t]*[=: ][ \t]*[\"']?(0+(\.0+)?%?|false|off|no|disabled)(?![\w.%])"
)


def _switches_traffic(name: str, env: str, text: str) -> bool:
    """The production job runs a canary or blue-green stage: its name or environment says so, or
    its script enables one (a canary switched off by a zero weight is not one)."""
    if _CANARY.search(name) or _CANARY.search(env) or _blue_green(f"{name}\n{env}"):
        return True
    rest = _CANARY_OFF.sub("", text)
    return bool(_CANARY.search(rest) or _blue_green(rest))


# Database schema changes: the common migration tools and framework commands.
_MIGRATION = re.compile(
    r"(?i)(migrat|flyway|liquibase|alembic\s+upgrade|sqitch|dbmate|goose\s+(up|-dir)|schema[-_ ]?(change|update))"
)
# Tests of infrastructure and configuration (IaC validation, manifest and config checks).
_CONFIG_CHECK = re.compile(
    r"(?i)(\b(terraform|tofu|terragrunt)\s+(validate|plan|fmt\s+-check)|\btflint\b|\btfsec\b|\bcheckov\b|\bterrascan\b"
    r"|trivy\s+config|\bkubeconform\b|\bkubeval\b|kube-linter|kube-score|\bconftest\b|\bhelm\s+(lint|template)\b"
    r"|\bkustomize\s+build\b|ansible-lint|--syntax-check|\byamllint\b|promtool\s+check|amtool\s+check-config"
    r"|cfn-lint|cfn_nag|pulumi\s+preview|\bcdk\s+(synth|diff)\b|--dry-run|\bpolaris\s+audit\b|\bopa\s+test\b)"
)
# Jobs that apply infrastructure or configuration.
_CONFIG_APPLY = re.compile(
    r"(?i)(\b(terraform|tofu|terragrunt)\s+apply|\bpulumi\s+up\b|\bcdk\s+deploy\b|cloudformation\s+(deploy|create-stack|update-stack)"
    r"|\bansible-playbook\b|\bhelm\s+(upgrade|install)\b|\bhelmfile\s+(apply|sync)\b|\bkubectl\s+apply\b)"
)
# Jobs that build and push a container image (the artefact a GitOps repository deploys).
_IMAGE_BUILD = re.compile(
    r"(?i)(/kaniko/executor|\bdocker\s+(buildx\s+build|build|push)\b|\bbuildah\s+(bud|build|push)\b|\bpodman\s+(build|push)\b"
    r"|\bko\s+(build|publish)\b|\bjib(Build)?\b|\bpack\s+build\b|\bbuildctl\b|\bcrane\s+push\b)"
)
_IMAGE_BUILD_TEMPLATE = re.compile(r"(?i)(^template:Jobs/Build\.|Auto-DevOps)")
# Jobs that hand the built image to a GitOps repository: a GitOps bump tool, or rewriting an
# image reference and pushing it (or opening a merge request) to another repository. That is how
# a project whose CI deploys nothing still reaches production, through the GitOps controller.
_GITOPS = re.compile(r"(?i)gitops")
_IMAGE_EDIT = re.compile(r"(?i)(kustomize\s+edit\s+set\s+image|\byq\b[^\n]*image|\bsed\b[^\n]*image|helm[-_]values)")
_PUSH = re.compile(r"(?i)(\bgit\s+push\b|merge[-_ ]?request|\bglab\s+mr\b|\bgh\s+pr\b)")


def _gitops_handoff(text: str) -> bool:
    """Whether a job's script hands an image to a GitOps repository (see _GITOPS)."""
    return bool(_GITOPS.search(text) and (_PUSH.search(text) or "--image" in text)) or bool(
        _IMAGE_EDIT.search(text) and _PUSH.search(text)
    )


# Tests beyond unit tests: functional, integration, end-to-end, acceptance, smoke, load.
_FUNCTIONAL = re.compile(
    r"(?i)(integration|\be2e\b|end[-_ ]to[-_ ]end|functional|acceptance|smoke|system[-_ ]tests?|api[-_ ]tests?|contract[-_ ]tests?"
    r"|\bload[-_ ]?tests?\b|perf(ormance)?[-_ ]?tests?|stress|\bk6\b|locust|jmeter|gatling|artillery|cypress|playwright"
    r"|selenium|newman|\bkarate\b|robot\s|dast)"
)
_FUNCTIONAL_TEMPLATE = re.compile(r"(?i)(dast|browser-performance|load-performance|accessibility)")
# A check run against what was just deployed.
_VERIFY = re.compile(
    r"(?i)(smoke|verif|health|sanity|synthetic|post[-_ ]?deploy|e2e|acceptance|\bprobe\b|canary[-_ ]?analysis)"
)
_DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]


def _text(job: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key in ("script", "before_script", "after_script"):
        v = job.get(key)
        parts.extend(str(x) for x in (v if isinstance(v, list) else [v] if v else []))
    return "\n".join(parts)


def _env(job: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    env = job.get("environment")
    if isinstance(env, str):
        return env, None, None
    if isinstance(env, Mapping):
        name = env.get("name")
        return (
            (str(name) if name else None),
            (str(env["deployment_tier"]) if env.get("deployment_tier") else None),
            (str(env["action"]) if env.get("action") else None),
        )
    return None, None, None


def _when(job: Mapping[str, Any], value: str) -> bool:
    """The job runs `when: value`, set on the job or in one of its `rules:` (GitLab rejects a
    job-level `when` beside `rules`, so a job with rules says it there)."""
    if job.get("when") == value:
        return True
    rules = job.get("rules")
    return isinstance(rules, list) and any(isinstance(r, Mapping) and r.get("when") == value for r in rules)


def _manual(job: Mapping[str, Any]) -> bool:
    return _when(job, "manual")


def _junit(job: Mapping[str, Any]) -> bool:
    """The job publishes a JUnit test report GitLab shows on the pipeline and the merge request."""
    artifacts = job.get("artifacts")
    reports = artifacts.get("reports") if isinstance(artifacts, Mapping) else None
    return isinstance(reports, Mapping) and bool(reports.get("junit"))


def _needs(job: Mapping[str, Any]) -> set[str]:
    needs = job.get("needs")
    out: set[str] = set()
    for n in needs if isinstance(needs, list) else []:
        if isinstance(n, str):
            out.add(n)
        elif isinstance(n, Mapping) and isinstance(n.get("job"), str):
            out.add(n["job"])
    return out


def _resolve(jobs: dict[str, Any], name: str, depth: int = 0) -> dict[str, Any]:
    """A job with its `extends` merged in (shallowly, a few levels deep, like GitLab's precedence)."""
    job = jobs.get(name)
    if not isinstance(job, Mapping):
        return {}
    ext = job.get("extends")
    merged: dict[str, Any] = {}
    if depth < 5:
        for parent in ext if isinstance(ext, list) else [ext] if isinstance(ext, str) else []:
            merged.update(_resolve(jobs, str(parent), depth + 1))
    merged.update(job)
    return merged


def _includes(doc: Mapping[str, Any]) -> list[str]:
    inc = doc.get("include")
    items = inc if isinstance(inc, list) else [inc] if inc else []
    out: list[str] = []
    for it in items:
        if isinstance(it, str):
            out.append(it)
        elif isinstance(it, Mapping):
            for key in ("template", "local", "remote", "component", "project"):
                if it.get(key):
                    out.append(f"{key}:{it[key]}" + (f":{it['file']}" if key == "project" and it.get("file") else ""))
                    break
    return out[:50]


def ci_facts(text: str | None, is_production: Callable[[str, str | None], bool]) -> dict[str, Any]:
    """Derived facts of one CI file; `is_production(env_name, tier)` says which environments count."""
    if text is None:
        return {"present": False}
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return {"present": True, "parse_error": f"invalid YAML{f' at line {mark.line + 1}' if mark else ''}"}
    if not isinstance(doc, Mapping):
        return {"present": True, "parse_error": "the file is not a mapping"}
    raw_jobs = {str(k): v for k, v in doc.items() if isinstance(v, Mapping)}
    names = [k for k in raw_jobs if k not in RESERVED and not k.startswith(".")]
    includes = _includes(doc)
    raw_vars = doc.get("variables")
    variables: Mapping[str, Any] = raw_vars if isinstance(raw_vars, Mapping) else {}
    envs: dict[str, dict[str, Any]] = {}
    prod_jobs: list[str] = []
    manual_prod: list[str] = []
    tests: list[str] = []
    security = [i for i in includes if _SECURITY.search(i)]
    rollout: set[str] = set()
    rollback_jobs: list[str] = []
    traffic_switch: list[str] = []
    auto_rollback = False
    junit: list[str] = []
    verify_jobs: list[str] = []
    migrations: list[str] = []
    migrating_deploys: list[str] = []
    config_checks = [i for i in includes if re.search(r"(?i)(sast-iac|terraform)", i)]
    config_applies: list[str] = []
    functional = [i for i in includes if _FUNCTIONAL_TEMPLATE.search(i)]
    image_builds = [i for i in includes if _IMAGE_BUILD_TEMPLATE.search(i)]
    handoffs: list[str] = []
    raw_stages = doc.get("stages")
    stages = [".pre", *(str(x) for x in raw_stages), ".post"] if isinstance(raw_stages, list) else _DEFAULT_STAGES
    resolved = {name: _resolve(raw_jobs, name) for name in names}
    for name in names:
        job = resolved[name]
        env, tier, action = _env(job)
        text_ = _text(job)
        stage = str(job.get("stage") or "test")  # GitLab's default stage is `test`
        if _SECURITY.search(name):
            security.append(name)
        elif (stage == "test" and not env) or _TEST.search(name):
            tests.append(name)
        if env:
            e = envs.setdefault(env, {"name": env, "tier": tier, "jobs": []})
            e["jobs"].append(name)
        # GitLab's non-deploying environment actions: a `verify` job checks what was deployed; a
        # `prepare` job (a migration, say) touches the environment without deploying it.
        deploying = not (env and action in ("verify", "access", "prepare", "stop"))
        if env and action == "verify" and is_production(env, tier):
            verify_jobs.append(name)
        # a canary job may `prepare` production (no deployment record) and still take its traffic
        switching = bool(env) and action not in ("verify", "access", "stop") and is_production(env or "", tier)
        if switching and not _ROLLBACK.search(name) and _switches_traffic(name, env or "", text_):
            traffic_switch.append(name)
        if deploying and env and is_production(env, tier):
            prod_jobs.append(name)
            if _manual(job):
                manual_prod.append(name)
            blob = f"{name}\n{env}\n{_CANARY_OFF.sub('', text_)}"  # a canary switched off is none
            if _CANARY.search(blob):
                rollout.add("canary")
            if _blue_green(blob):
                rollout.add("blue_green")
            if _INCREMENTAL.search(blob) and not _ROLLBACK.search(name):
                rollout.add("incremental")
            if _ROLLBACK.search(name) or action == "rollback" or _ROLLBACK.search(text_):
                rollback_jobs.append(name)
                auto_rollback |= _when(job, "on_failure")
        if _junit(job):
            junit.append(name)
        if _MIGRATION.search(name):
            migrations.append(name)
        elif _MIGRATION.search(text_):
            migrations.append(name)
            if deploying and env and is_production(env, tier):
                migrating_deploys.append(name)  # the app's deployment job also changes the schema
        if _CONFIG_CHECK.search(text_):
            config_checks.append(name)
        if _CONFIG_APPLY.search(text_):
            config_applies.append(name)
        if not env and (_FUNCTIONAL.search(name) or _FUNCTIONAL.search(text_)):
            functional.append(name)
        if _IMAGE_BUILD.search(text_) or _IMAGE_BUILD.search(str(job.get("image") or "")):
            image_builds.append(name)
        if not env and _gitops_handoff(text_):
            handoffs.append(name)
    auto_devops = any("Auto-DevOps" in i for i in includes)
    if auto_devops and str(variables.get("INCREMENTAL_ROLLOUT_MODE") or ""):
        rollout.add("incremental")
    if auto_devops and str(variables.get("CANARY_ENABLED") or "").lower() in ("1", "true", "yes"):
        rollout.add("canary")
        traffic_switch.append("canary (Auto DevOps)")
    non_prod = sorted(n for n, e in envs.items() if not is_production(n, e["tier"]))
    post_deploy = verify_jobs + _after_production(resolved, set(prod_jobs), set(rollback_jobs), stages)
    return {
        "present": True,
        "jobs": len(names),
        "includes": includes,
        # GitLab's own templates count by name; any other include (local, project, remote,
        # component, or a bare path/URL) adds jobs this file alone does not show.
        "includes_unread": [i for i in includes if not i.startswith("template:")],
        "auto_devops": auto_devops,
        "environments": sorted(envs)[:50],
        "production_deploy_jobs": prod_jobs[:50],
        "preproduction_environments": non_prod[:50],
        "manual_production_gate": bool(manual_prod),
        "manual_production_jobs": manual_prod[:50],
        "rollout_strategies": sorted(rollout),
        "rollback_jobs": rollback_jobs[:50],
        "automatic_rollback": auto_rollback,
        "traffic_switch_jobs": traffic_switch[:50],
        "test_jobs": tests[:50],
        "security_jobs": sorted(set(security))[:50],
        "test_report_jobs": junit[:50],
        "functional_test_jobs": sorted(set(functional))[:50],
        "post_deploy_test_jobs": post_deploy[:50],
        "migration_jobs": migrations[:50],
        "migration_in_deploy_jobs": migrating_deploys[:50],
        "config_check_jobs": sorted(set(config_checks))[:50],
        "config_apply_jobs": config_applies[:50],
        "image_build_jobs": image_builds[:50],
        "gitops_handoff_jobs": handoffs[:50],
    }


def _after_production(
    jobs: Mapping[str, Mapping[str, Any]], prod: set[str], rollbacks: set[str], stages: list[str]
) -> list[str]:
    """Checks that run after a production deployment job: a later stage, or `needs` on it."""
    if not prod:
        return []

    def index(job: Mapping[str, Any]) -> int:
        stage = str(job.get("stage") or "test")
        return stages.index(stage) if stage in stages else -1

    deploy_at = min((index(jobs[n]) for n in prod if index(jobs[n]) >= 0), default=-1)
    out = []
    for name, job in jobs.items():
        if name in prod or name in rollbacks or _when(job, "on_failure") or _env(job)[0]:
            continue
        after = bool(_needs(job) & prod) or (deploy_at >= 0 and index(job) > deploy_at)
        if after and (_VERIFY.search(name) or _TEST.search(name) or _VERIFY.search(_text(job))):
            out.append(name)
    return out
