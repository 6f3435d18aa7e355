"""The gitlab probe's practice facts (CI testing and migrations, integrations, webhooks, wiki,
incident classification and automation, merge request size) against the loopback GitLab API,
and what the rules decide from them for the two sandbox teams."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probes.gitlab import GitLabConfig, GitLabProbe
from sandbox.gitlab import GitLabAPI, History, build_history
from scanner.evidence import Evidence
from scanner.pipeline import load_inputs, scan
from scanner.probe import ProbeContext

TOKEN = "glpat-PRACTICEStokenPRACTICES"
ENV = "MATURITY_TEST_GITLAB_PRACTICES_TOKEN"


@pytest.fixture(scope="module")
def history() -> History:
    return build_history()


@pytest.fixture(scope="module")
def server(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def scanned(server: GitLabAPI) -> tuple[list[Evidence], ProbeContext, list[Any]]:
    server.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, TOKEN)
        cfg = GitLabConfig(name="gl", probe="gitlab", url=server.url, token_env=ENV, groups=["acme"], retries=1)
        ctx = ProbeContext(source="gl", deadline=time.monotonic() + 60, log=logging.getLogger("test.gitlab"))
        ev = list(GitLabProbe().collect(cfg, ctx))
    return ev, ctx, list(server.requests)


def by(evidence: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in evidence if e.kind == kind}


def test_ci_facts_on_testing_and_migrations(scanned: Any) -> None:
    ev, ctx, _ = scanned
    assert not ctx.failures
    proj = by(ev, "gitlab.project")
    web = proj["acme/web/storefront"]["ci"]
    assert web["test_report_jobs"] == ["unit-tests", "integration-tests"]
    assert web["post_deploy_test_jobs"] == ["smoke-production"]
    assert "integration-tests" in web["functional_test_jobs"] and "unit-tests" not in web["functional_test_jobs"]
    assert web["migration_jobs"] == ["db-migrate"] and web["migration_in_deploy_jobs"] == []
    assert web["config_check_jobs"] == ["chart-lint"] and "deploy-production" in web["config_apply_jobs"]
    ledger = proj["acme/ledger/core"]["ci"]
    assert ledger["migration_in_deploy_jobs"] == ["deploy"]  # flyway inside the scp/ssh deployment
    assert ledger["test_report_jobs"] == [] and ledger["post_deploy_test_jobs"] == []
    assert ledger["config_apply_jobs"] == []


def test_default_branch_rule_is_the_one_covering_it(scanned: Any) -> None:
    proj = by(scanned[0], "gitlab.project")
    assert proj["acme/web/api"]["default_branch_push_min_level"] == 0
    assert proj["acme/web/api"]["default_branch_code_owners"] is True
    assert proj["acme/ledger/core"]["default_branch_push_min_level"] == 30
    assert proj["acme/web/ui-kit"]["default_branch_protected"] is False
    assert proj["acme/web/ui-kit"]["default_branch_code_owners"] is None


def test_integrations_and_webhooks_never_leak_urls(scanned: Any) -> None:
    ev, ctx, _ = scanned
    proj = by(ev, "gitlab.project")
    web = proj["acme/web/storefront"]
    assert web["integrations"]["readable"] is True and web["integrations"]["deployment_notifications"] == ["slack"]
    assert web["webhooks"] == {
        "readable": True,
        "count": 2,
        "deployment_events": 1,
        "push_events": 2,
        "pipeline_events": 0,
        "releases_events": 0,
        "note": None,
    }
    # A Reporter token gets 403: recorded as not readable, not a failure and not "none".
    ledger = proj["acme/ledger/core"]
    assert ledger["integrations"]["readable"] is False and "Maintainer" in ledger["integrations"]["note"]
    assert ledger["webhooks"]["count"] is None
    assert "gitlab.project" not in ctx.failures
    assert web["issue_templates"] == 3 and proj["acme/web/ui-kit"]["issue_templates"] == 0
    assert proj["acme/web/ui-kit"]["integrations"] == {
        "readable": True,
        "active": [],
        "deployment_notifications": [],
        "pipeline_notifications": [],
        "note": None,
    }
    blob = json.dumps([e.to_json() for e in ev])
    assert "hooks.example" not in blob and "secret-" not in blob


def test_wiki_pages_by_title_and_disabled_wikis_are_not_asked(scanned: Any) -> None:
    ev, _, requests = scanned
    proj = by(ev, "gitlab.project")
    wiki = proj["acme/web/storefront"]["wiki"]
    assert (wiki["pages"], wiki["runbook_pages"], wiki["playbook_pages"], wiki["postmortem_pages"]) == (5, 2, 1, 2)
    assert wiki["runbook_titles"] == ["Runbook: checkout errors", "Playbook: failed deployment"]
    ledger = proj["acme/ledger/core"]
    assert ledger["wiki"]["enabled"] is False and ledger["wiki"]["pages"] == 0
    ledger_id = ledger["id"]
    assert not any(r.path.endswith(f"/projects/{ledger_id}/wikis") for r in requests)


def test_incident_classification_automation_and_mr_size(scanned: Any) -> None:
    ev, _, _ = scanned
    inc = by(ev, "gitlab.incident_stats")
    web, ledger = inc["acme/web/api"], inc["acme/ledger/core"]
    assert web["classified_coverage"] == 1.0 and web["auto_created"] == web["incidents"] > 0
    assert ledger["classified_coverage"] == 0.0 and ledger["auto_created"] == 0 and ledger["incidents"] >= 3
    assert web["parameters"]["automation_author_pattern"]
    mr = by(ev, "gitlab.merge_request_stats")
    assert mr["acme/web/api"]["changed_files"]["n"] == 20 and mr["acme/web/api"]["changed_files"]["median"] <= 8
    assert mr["acme/ledger/core"]["changed_files"]["median"] >= 30


def _grade(server: GitLabAPI, tmp_path: Path, group: str) -> dict[str, str]:
    """Clause statuses (and item statuses) of a scan of one team."""
    (tmp_path / "maturity.yaml").write_text(
        json.dumps(
            {"sources": [{"name": "gl", "probe": "gitlab", "url": server.url, "token_env": ENV, "groups": [group]}]}
        ),
        encoding="utf-8",
    )
    report, _, _ = scan(load_inputs(tmp_path / "maturity.yaml"))
    out: dict[str, str] = {}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                out[req["id"]] = req["status"]
                out.update({c["id"]: c["status"] for c in req["clauses"]})
    return out


def test_rules_grade_the_two_teams(server: GitLabAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    web = _grade(server, tmp_path, "acme/web")
    for item in ("ydt:6.1.1:L1.1", "ydt:6.2.1:L1.2", "ydt:6.2.1:L1.1", "wa:OPS06-BP04", "wa:OPS06-BP02",
                 "ydt:10.3.1:L1.1", "wa:OPS07-BP04", "wa:OPS11-BP08", "ydt:7.1.2:L2.3", "ydt:6.2.2:L3.5",
                 "ydt:9.1.3:L1.1", "ydt:6.1.1:L2.4", "wa:OPS02-BP06", "ydt:6.1.3:L3.3", "ydt:5.3.1:L5.2"):  # fmt: skip
        assert web[item] == "met", item
    for clause in ("ydt:9.1.3:L2.1#a", "wa:OPS05-BP02#b", "ydt:6.2.2:L3.4#c", "ydt:7.1.2:L3.4#a", "wa:OPS05-BP09#b",
                   "wa:OPS09-BP01#b", "ydt:6.2.2:L2.1#d", "ydt:6.2.1:L3.2#a", "ydt:6.2.1:L3.2#b",
                   "ydt:6.1.1:L3.4#b", "ydt:6.1.3:L3.3#a", "ydt:6.1.3:L3.3#b", "ydt:6.1.3:L3.3#c"):  # fmt: skip
        assert web[clause] == "met", clause
    assert web["ydt:6.2.1:L5.1"] == "not_met"  # production waits for a manual start and an approval
    # Timelines: cause identified about 4 minutes after impact detected: level 3's 5, not level 4's 3.
    assert web["ydt:10.3.3:L3.2#b"] == "met" and web["ydt:10.3.3:L4.1#b"] == "not_met"
    ledger = _grade(server, tmp_path, "acme/ledger")
    # GitLab's incidents are unclassified (gitlab.incidents.classified: not_met), but PagerDuty
    # priorities could classify them and PagerDuty was not scanned: alternative_not_scanned.
    assert ledger["ydt:6.1.1:L1.1#a"] == "unknown" and ledger["ydt:6.1.1:L1.1#b"] == "met"
    assert ledger["ydt:6.2.1:L1.2"] == "met"  # the rollback is an emergency change
    assert ledger["ydt:6.2.2:L2.1#d"] == "not_met" and ledger["wa:OPS05-BP09#b"] == "not_met"
    # Integrations unreadable (403) and no automated incident: nothing either way.
    assert ledger["ydt:6.2.1:L1.1#a"] == "unknown" and ledger["ydt:9.1.3:L2.1#a"] == "unknown"
    # No postmortem linked, wiki switched off: lessons may be kept elsewhere.
    assert ledger["wa:OPS11-BP08#a"] == "unknown"
    # No corrective actions linked from incidents, no postmortem pages, people open the incidents.
    assert ledger["ydt:6.1.3:L3.3#b"] == "unknown" and ledger["ydt:6.1.3:L3.3#c"] == "unknown"
    assert ledger["ydt:6.1.1:L3.4#b"] == "unknown" and ledger["ydt:5.3.1:L5.2"] == "unknown"
    # Four tagged incidents, slow ones: below the sample guard of five, so no verdict either way.
    assert ledger["ydt:10.3.3:L3.2#b"] == "unknown"


def test_wiki_edits_and_improvement_work(scanned: Any) -> None:
    from tests.ruletable import evaluate

    ev, ctx, requests = scanned
    assert not ctx.failures
    proj = by(ev, "gitlab.project")
    wiki = proj["acme/web/storefront"]["wiki"]
    assert wiki["edits_in_window"] == 2 and wiki["last_edit_at"] is not None  # the 200-day-old edit is outside
    assert wiki["runbook_edits_in_window"] == 1  # the runbook edit; the postmortem page is not a plan
    assert wiki["runbook_revised_share"] == 0.5  # one of the runbook and the playbook pages
    assert proj["acme/ledger/core"]["wiki"]["edits_in_window"] is None  # wiki switched off: nothing read
    stats = by(ev, "gitlab.improvement_stats")
    web, ledger = stats["acme/web/storefront"], stats["acme/ledger/core"]
    assert web["labels_seen"] == ["type::tech-debt"] and web["every_period"] is True and web["periods"] == 3
    assert web["improvement_closed"] == 6 and 0 < web["improvement_share"] < 0.5
    assert ledger["improvement_closed"] == 1 and ledger["periods_with_improvement"] == 1
    assert ledger["every_period"] is False and ledger["closed_issues"] >= 10  # incidents are not counted
    rows = [(e.kind, e.subject, dict(e.data)) for e in ev]
    assert evaluate("gitlab.knowledge.wiki-maintained", rows).status == "met"
    assert evaluate("gitlab.improvement.time-every-period", rows).status == "met"
    only_ledger = [r for r in rows if r[0] != "gitlab.improvement_stats" or r[1] == "acme/ledger/core"]
    assert evaluate("gitlab.improvement.time-every-period", only_ledger).status == "unknown"  # never not_met
    assert any("/events" in str(r) for r in requests)


def test_service_desk_author_is_no_automation() -> None:
    """GitLab's Service Desk posts customers' e-mails as `support-bot`: such an incident was
    opened by a person writing in, not by monitoring."""
    pattern = re.compile(GitLabConfig.model_fields["automation_author_pattern"].default)
    assert not pattern.search("support-bot") and not pattern.search("Support-Bot")
    for user in ("alert-bot", "alertbot", "deploy-bot", "project_12_bot_abc", "service_account_group_1", "grafana"):
        assert pattern.search(user), user
    assert not pattern.search("alice") and not pattern.search("robot")


def test_codeowners_read_where_the_default_branch_requires_them(scanned: Any) -> None:
    ev, _ctx, requests = scanned
    proj = by(ev, "gitlab.project")
    # found in the third place GitLab looks; owners counted, never named
    assert proj["acme/web/storefront"]["codeowners"] == {"path": ".gitlab/CODEOWNERS", "rules": 3, "owners": 4}
    assert proj["acme/ledger/core"]["codeowners"] is None  # no code-owner approval: the file is not read
    files = [r.path for r in requests if "CODEOWNERS" in r.path]
    web, ledger = proj["acme/web/storefront"]["id"], proj["acme/ledger/core"]["id"]
    assert any(f"/projects/{web}/" in f for f in files)
    assert not any(f"/projects/{ledger}/" in f for f in files)


def test_codeowners_counts_rules_and_owners() -> None:
    from probes.gitlab.project import codeowners_counts

    text = (
        "# a comment\n\n[Backend][2] @acme/leads\n/api/ @acme/api @Alice  # trailing comment\n"
        "/docs/ docs@example.com\n/lib/\n^[Optional]\n*.md\n/deploy/ @acme/api\n"
    )
    # /lib/ takes the section's default owner; *.md under a section without owners is no rule
    assert codeowners_counts(text) == (4, 4)
    assert codeowners_counts("") == (0, 0)
    # roles are not owners (review 2026-12-04, K2); a section's default owners apply (K4)
    assert codeowners_counts("* @@maintainer @@owner\n") == (0, 0)
    assert codeowners_counts("[Network] @netops\n/net/\n[App] @app-team\n/src/\n") == (2, 2)


def test_a_runbook_written_in_the_window_is_not_a_revision() -> None:
    """Second review 2026-12-04 (E2): a page created in the window and saved again is new, not revised."""
    import re as _re

    from probes.gitlab.settings import wiki_edits

    events = {
        "created": [
            {"target_type": "WikiPage::Meta", "target_title": "runbooks/new", "created_at": "2026-11-20T10:00:00Z"}
        ],
        "updated": [
            {"target_type": "WikiPage::Meta", "target_title": "runbooks/new", "created_at": "2026-11-20T15:00:00Z"},
            {"target_type": "WikiPage::Meta", "target_title": "runbooks/old", "created_at": "2026-11-21T09:00:00Z"},
        ],
    }

    class FakeApi:
        def pages(self, path: str, params: dict[str, Any]) -> Any:
            return iter(events[params["action"]])

    got = wiki_edits(FakeApi(), "/projects/1", "2026-09-01", lambda exc: None, _re.compile("runbook"))  # type: ignore[arg-type]
    assert got["edits_in_window"] == 3 and got["runbook_edits_in_window"] == 1  # only runbooks/old was revised
