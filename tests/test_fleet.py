"""Fleets and weighted shards, without servers: expansion of a kubeconfig's contexts, the shard
plan's balance and stability, rate limits divided across shards, and what a fleet member that
could not be scanned does to a kind (partial, never failed, never a finding)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from probes.aws.config import AwsConfig
from scanner.config import load_config
from scanner.errors import InputError
from scanner.fleet import expand
from scanner.probe import load_probes
from scanner.runner import SourceRun, observations_from
from scanner.shard import divide_rate_limits, plan_shards, shard_sources
from tests.conftest import write

REGISTRY = load_probes()


def _kubeconfig(path: Path, contexts: list[str]) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": c, "cluster": {"server": f"https://{i}.example.invalid"}} for i, c in enumerate(contexts)
        ],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": c, "context": {"cluster": c, "user": "u"}} for c in contexts],
        "current-context": contexts[0],
    }
    return write(path, yaml.safe_dump(doc))


def _load(tmp: Path, body: str):  # type: ignore[no-untyped-def]
    return load_config(write(tmp / "maturity.yaml", body), probe_models=REGISTRY.config_models())


def test_all_contexts_become_units_named_after_their_source(tmp_path: Path) -> None:
    _kubeconfig(tmp_path / "kc.yaml", ["prod-eu", "prod-us", "stage"])
    cfg = _load(
        tmp_path, "sources:\n  - {name: k8s, probe: kubernetes, kubeconfig: kc.yaml, all_contexts: true, weight: 2}\n"
    )
    fleet = expand(cfg, REGISTRY)
    names = [s.name for s in fleet.config.source_configs()]
    assert names == ["k8s/prod-eu", "k8s/prod-us", "k8s/stage"]
    assert [s.context for s in fleet.config.source_configs()] == ["prod-eu", "prod-us", "stage"]  # type: ignore[attr-defined]
    assert fleet.fleets == dict.fromkeys(names, "k8s") and fleet.weights == dict.fromkeys(names, 2.0)
    # each unit keeps the config file's folder: its relative kubeconfig still resolves
    assert fleet.config.source_configs()[0].resolve("kc.yaml") == tmp_path / "kc.yaml"
    assert not fleet.preset


def test_a_listed_context_the_kubeconfig_lacks_is_a_failed_unit(tmp_path: Path) -> None:
    _kubeconfig(tmp_path / "kc.yaml", ["a", "b"])
    cfg = _load(tmp_path, "sources:\n  - {name: k, probe: kubernetes, kubeconfig: kc.yaml, contexts: [b, gone]}\n")
    fleet = expand(cfg, REGISTRY)
    assert [s.name for s in fleet.config.source_configs()] == ["k/b", "k/gone"]
    assert fleet.preset == {"k/gone": ("error", "the kubeconfig has no context 'gone'")}


def test_an_unreadable_kubeconfig_fails_the_fleet_source_not_the_scan(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "sources:\n  - {name: k, probe: kubernetes, kubeconfig: nope.yaml, all_contexts: true}\n")
    fleet = expand(cfg, REGISTRY)
    assert [s.name for s in fleet.config.source_configs()] == ["k"]
    status, why = fleet.preset["k"]
    assert status == "error" and "cannot list the fleet's members" in why


@pytest.mark.parametrize(
    "body",
    [
        "{name: k, probe: kubernetes, context: a, contexts: [b]}",
        "{name: k, probe: kubernetes, contexts: [a], all_contexts: true}",
        "{name: k, probe: kubernetes, in_cluster: true, all_contexts: true}",
        "{name: a, probe: aws, regions: [us-east-1], organization: {role_name: r, accounts: ['12345']}}",
        "{name: a, probe: aws, regions: [us-east-1], organization: {role_name: 'bad role'}}",
    ],
)
def test_contradictory_fleet_keys_are_input_errors(tmp_path: Path, body: str) -> None:
    with pytest.raises(InputError):
        _load(tmp_path, f"sources:\n  - {body}\n")


def test_an_organization_source_is_a_fleet() -> None:
    cfg = AwsConfig(name="org", probe="aws", regions=["us-east-1"], organization={"role_name": "maturity-read"})
    assert cfg.is_fleet() and not AwsConfig(name="one", probe="aws", regions=["us-east-1"]).is_fleet()


def test_a_gitlab_source_split_by_group(tmp_path: Path) -> None:
    body = "sources:\n  - {name: gl, probe: gitlab, groups: [shop, pay], projects: [ops/tools], split_groups: true}\n"
    fleet = expand(_load(tmp_path, body), REGISTRY)
    units = {s.name: s for s in fleet.config.source_configs()}
    assert list(units) == ["gl/shop", "gl/pay", "gl/projects"]
    assert [(u.groups, u.projects) for u in units.values()] == [(["shop"], []), (["pay"], []), ([], ["ops/tools"])]  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="inside 'shop'"):
        _load(tmp_path, "sources:\n  - {name: gl, probe: gitlab, groups: [shop, shop/api], split_groups: true}\n")
    one = expand(_load(tmp_path, "sources:\n  - {name: gl, probe: gitlab, groups: [shop]}\n"), REGISTRY)
    assert [s.name for s in one.config.source_configs()] == ["gl"] and not one.fleets


def test_two_units_with_one_name_are_refused(tmp_path: Path) -> None:
    _kubeconfig(tmp_path / "kc.yaml", ["team/a", "team_a"])  # both become the unit k/team_a
    cfg = _load(tmp_path, "sources:\n  - {name: k, probe: kubernetes, kubeconfig: kc.yaml, all_contexts: true}\n")
    with pytest.raises(InputError, match="k/team_a"):
        expand(cfg, REGISTRY)


def test_the_plan_balances_weight_and_is_the_same_in_every_shard() -> None:
    weights = {f"k8s/c{i:02}": 1.0 for i in range(40)} | {f"org/{i:012}": 3.0 for i in range(20)}
    weights["k8s/huge"] = 25.0
    plan = plan_shards(weights, 4)
    assert plan == plan_shards(dict(reversed(weights.items())), 4)  # order of listing does not matter
    loads = [sum(w for u, w in weights.items() if plan[u] == i) for i in range(4)]
    assert max(loads) - min(loads) <= 3.0, loads  # within one unit's weight of each other
    assert sum(loads) == sum(weights.values())
    # the heavy unit shares its shard with less than the others get
    heavy = plan["k8s/huge"]
    assert sum(1 for u in plan if plan[u] == heavy) < min(
        sum(1 for u in plan if plan[u] == i) for i in range(4) if i != heavy
    )
    # a name-hash split would leave it to chance; equal weights give counts within one
    counts = [len(shard_sources(list(weights), f"{i}/4")) for i in range(4)]
    assert max(counts) - min(counts) <= 1 and sum(counts) == len(weights)


def test_a_sharded_scan_divides_rate_limits(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        "sources:\n  - {name: f, probe: files, path: ., rate_limit_per_s: 8}\n  - {name: g, probe: files, path: .}\n",
    )
    four = divide_rate_limits(cfg, 4)
    assert [s.rate_limit_per_s for s in four.source_configs()] == [2.0, None]
    assert divide_rate_limits(cfg, 1) is cfg


def _run(
    name: str,
    *,
    fleet: str | None,
    status: str = "ok",
    observed: list[str] | None = None,
    failed: dict[str, str] | None = None,
) -> SourceRun:
    return SourceRun(name, "aws", status=status, fleet=fleet, observed=observed or [], failed=failed or {})


def test_a_member_that_could_not_be_entered_makes_its_fleets_kinds_partial() -> None:
    kinds = {"aws.backup_plan": "", "aws.budget": ""}
    runs = [
        _run("org/111111111111", fleet="org", observed=["aws.backup_plan", "aws.budget"]),
        _run("org/222222222222", fleet="org", observed=["aws.backup_plan", "aws.budget"]),
        _run(
            "org/333333333333",
            fleet="org",
            status="error",
            failed=dict.fromkeys(kinds, "sts:AssumeRole: access denied"),
        ),
    ]
    obs = observations_from(runs, kinds, lambda _k: ["aws"])
    for kind in kinds:
        assert obs[kind].observed and obs[kind].state == "observed"
        why = obs[kind].partial or ""
        assert "1 member(s) not scanned" in why and "org/333333333333" in why and "AssumeRole" in why
    # a member that failed only in part still fails the kind (that account was entered and not read)
    runs[1] = _run(
        "org/222222222222", fleet="org", status="partial", observed=["aws.budget"], failed={"aws.backup_plan": "denied"}
    )
    obs = observations_from(runs, kinds, lambda _k: ["aws"])
    assert obs["aws.backup_plan"].state == "failed" and obs["aws.budget"].partial is not None
    # when no member was entered the kinds are failed, never observed
    lost = [_run(f"org/{i}", fleet="org", status="error", failed=dict.fromkeys(kinds, "denied")) for i in range(2)]
    assert all(o.state == "failed" for o in observations_from(lost, kinds, lambda _k: ["aws"]).values())
    # a complete source outside the fleet makes the kind complete again
    whole = _run("audit", fleet=None, observed=["aws.budget"])
    assert observations_from([*runs, whole], kinds, lambda _k: ["aws"])["aws.budget"].partial is None
