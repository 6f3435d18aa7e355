"""The scale-out recipes under deploy/ (Kubernetes Indexed Job, Argo Workflows, GitLab
`parallel:`, AWS Batch array job): each is parsed, its shell run with `maturity` and `aws`
replaced by functions that print their arguments, and the arguments checked against each other:
N shards 0..N-1 of one N and one run id, each writing the bundle the merge step reads, every
command accepted by the real CLI, and exit 2 (invalid input) never retried.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from scanner.cli import build_parser
from scanner.shard import parse_shard

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
# The spies write their arguments to stderr: `array=$(aws ...)` captures only stdout (the id).
SPY = """maturity() { printf '%s\n' maturity "$@" --end-- >&2; }
aws() { printf '%s\n' aws "$@" --end-- >&2; echo ARRAY-1; }
"""


def _calls(script: str, env: dict[str, str], cwd: Path | None = None) -> list[list[str]]:
    """The argument lists of every `maturity` (and `aws`) call the shell script makes."""
    body = SPY + script.replace("exec maturity", "maturity")
    run = {"PATH": "/usr/bin:/bin", **env}
    out = subprocess.run(["sh", "-c", body], env=run, cwd=cwd, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    calls: list[list[str]] = []
    cur: list[str] = []
    for line in out.stderr.splitlines():
        if line == "--end--":
            calls.append(cur)
            cur = []
        else:
            cur.append(line)
    return calls


def _parse(argv: list[str]) -> Any:
    assert argv[0] == "maturity", argv
    return build_parser().parse_args(argv[1:])


def _check(scans: list[Any], merge: Any, n: int) -> None:
    """Shards 0..N-1 of one N and one run id; the merge reads exactly the bundles they write."""
    assert sorted(parse_shard(a.shard, {}) for a in scans) == [(i, n) for i in range(n)]
    assert len({a.run_id for a in scans}) == 1 and scans[0].run_id
    assert sorted(merge.bundles) == sorted(a.evidence_dir for a in scans)
    assert len(set(merge.bundles)) == n


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def test_kubernetes_indexed_job_and_its_merge_agree() -> None:
    jobs = {d["metadata"]["name"]: d for d in _docs(DEPLOY / "kubernetes" / "indexed-job.yaml") if d["kind"] == "Job"}
    scan, merge = jobs["maturity-scan-sharded"], jobs["maturity-merge"]
    spec = scan["spec"]
    n = spec["completions"]
    assert spec["completionMode"] == "Indexed" and spec["parallelism"] == n and spec["backoffLimitPerIndex"] >= 1
    fail = [r for r in spec["podFailurePolicy"]["rules"] if r["action"] == "FailIndex"]
    assert fail and fail[0]["onExitCodes"] == {"containerName": "scan", "operator": "In", "values": [2]}
    assert any(
        r["action"] == "FailJob" and r["onExitCodes"]["values"] == [2]
        for r in merge["spec"]["podFailurePolicy"]["rules"]
    )
    scan_c, merge_c = (
        scan["spec"]["template"]["spec"]["containers"][0],
        merge["spec"]["template"]["spec"]["containers"][0],
    )
    env_s = {e["name"]: e["value"] for e in scan_c["env"]}
    env_m = {e["name"]: e["value"] for e in merge_c["env"]}
    assert env_s == env_m and env_s["SHARDS"] == str(n)  # one N and one run id in both Jobs
    wait = merge["spec"]["template"]["spec"]["initContainers"][0]["args"]
    assert "job/maturity-scan-sharded" in wait and "--for=condition=complete" in wait
    scans = [_parse(c) for i in range(n) for c in _calls(scan_c["args"][0], {**env_s, "JOB_COMPLETION_INDEX": str(i)})]
    (merge_call,) = _calls(merge_c["args"][0], env_m)
    _check(scans, _parse(merge_call), n)


def _argo(text: str, **values: str) -> str:
    return re.sub(r"\{\{([\w.]+)\}\}", lambda m: values[m.group(1)], text)


def test_argo_workflow_fans_out_and_in() -> None:
    (wf,) = _docs(DEPLOY / "argo" / "maturity-sharded-workflow.yaml")
    params = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    n = int(params["shards"])
    tpl = {t["name"]: t for t in wf["spec"]["templates"]}
    tasks = {t["name"]: t for t in tpl[wf["spec"]["entrypoint"]]["dag"]["tasks"]}
    assert tasks["shard"]["withSequence"]["count"] == "{{workflow.parameters.shards}}"
    assert tasks["merge"]["depends"] == "shard.Succeeded"
    assert "!= 2" in tpl["scan-shard"]["retryStrategy"]["expression"]
    common = {
        "workflow.parameters.shards": str(n),
        "workflow.parameters.bucket": params["bucket"],
        "workflow.uid": "uid-1",
    }
    # withSequence count N yields items 0..N-1; the container's args follow the image's entrypoint
    scans = [
        _parse(
            [
                "maturity",
                *(
                    _argo(a, **common, **{"inputs.parameters.index": str(i)})
                    for a in tpl["scan-shard"]["container"]["args"]
                ),
            ]
        )
        for i in range(n)
    ]
    (merge_call,) = _calls(_argo(tpl["merge"]["script"]["source"], **common), {})
    _check(scans, _parse(merge_call), n)


def test_gitlab_parallel_jobs_and_the_merge_job_agree(tmp_path: Path) -> None:
    ci = yaml.safe_load((DEPLOY / "gitlab" / "maturity-sharded.gitlab-ci.yml").read_text(encoding="utf-8"))
    shard, merge = ci["maturity:shard"], ci["maturity:merge"]
    n = shard["parallel"]
    assert shard["retry"]["exit_codes"] == [3]  # exit 2 is never retried
    assert merge["needs"] == [{"job": "maturity:shard", "artifacts": True}]
    scans = []
    for node in range(1, n + 1):  # CI_NODE_INDEX counts from 1
        env = {"CI_NODE_INDEX": str(node), "CI_NODE_TOTAL": str(n), "CI_PIPELINE_ID": "4242"}
        scans += [_parse(c) for line in shard["script"] for c in _calls(line, env)]
    for a in scans:  # the artifacts the shards leave, for the merge job's glob
        (tmp_path / a.evidence_dir).mkdir(parents=True)
        assert a.evidence_dir.startswith(tuple(shard["artifacts"]["paths"]))
    merge_call = next(c for line in merge["script"] for c in _calls(line, {}, tmp_path) if c[1] == "merge")
    _check(scans, _parse(merge_call), n)


def test_aws_batch_array_job_and_its_merge_agree() -> None:
    jd = json.loads((DEPLOY / "aws-batch" / "job-definition.json").read_text(encoding="utf-8"))
    assert {"onExitCode": "2", "action": "EXIT"} in jd["retryStrategy"]["evaluateOnExit"]
    submit = (DEPLOY / "aws-batch" / "submit.sh").read_text(encoding="utf-8")
    array, merge = _calls(submit, {"RUN_ID": "r-1"})
    n = int(array[array.index("--array-properties") + 1].removeprefix("size="))
    params = dict(kv.split("=", 1) for kv in array[array.index("--parameters") + 1].split(","))
    command = [
        params.get(a.removeprefix("Ref::"), a) if a.startswith("Ref::") else a
        for a in jd["containerProperties"]["command"]
    ]
    scans = []
    for i in range(n):  # each child: the image's entrypoint `maturity`, its index from Batch
        a = _parse(["maturity", *command])
        index, count = parse_shard(a.shard, {"AWS_BATCH_JOB_ARRAY_INDEX": str(i)})
        a.shard, a.evidence_dir = f"{index}/{count}", a.evidence_dir.replace("{shard}", str(index))  # as scan does
        scans.append(a)
    assert merge[merge.index("--depends-on") + 1] == "jobId=ARRAY-1"
    override = merge[merge.index("--container-overrides") + 1].removeprefix("command=").split(",")
    _check(scans, _parse(["maturity", *override]), n)
