"""Builds one project's GitLab history event by event: environments, deployments with their
pipelines and jobs, merge requests and approvals, work items, incidents and releases."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sandbox.gitlab.model import ProjectHistory, TeamProfile, iso
from sandbox.gitlab.records import Ids, fake_sha, user_json

__all__ = ["ProjectBuilder"]


class ProjectBuilder:
    def __init__(
        self, ids: Ids, rng: random.Random, now: datetime, group: dict[str, Any], path: str, team: TeamProfile | None
    ) -> None:
        self.ids, self.rng, self.now, self.team = ids, rng, now, team
        pid = ids.next("project")
        full = f"{group['full_path']}/{path}"
        self.h = ProjectHistory(
            project={
                "id": pid,
                "name": path,
                "path": path,
                "path_with_namespace": full,
                "name_with_namespace": full.replace("/", " / "),
                "default_branch": "main",
                "visibility": "private",
                "archived": False,
                "ci_config_path": None,
                "web_url": f"https://gitlab.example/{full}",
                "created_at": iso(now - timedelta(days=900)),
                "last_activity_at": iso(now - timedelta(hours=2)),
                "issues_enabled": True,
                "merge_requests_enabled": True,
                "jobs_enabled": True,
                "wiki_enabled": True,
                "wiki_access_level": "enabled",
                "namespace": {
                    "id": group["id"],
                    "name": group["name"],
                    "path": group["path"],
                    "kind": "group",
                    "full_path": group["full_path"],
                },
            }
        )
        self.mr_iid = 0
        self.issue_iid = 0
        self.pipe_iid = 0

    # -- environments and settings -------------------------------------------------------------
    def environment(self, name: str, tier: str) -> dict[str, Any]:
        env = {
            "id": self.ids.next("environment"),
            "name": name,
            "slug": name.replace("/", "-"),
            "external_url": f"https://{name}.{self.h.project['path']}.example",
            "state": "available",
            "tier": tier,
            "created_at": iso(self.now - timedelta(days=800)),
            "updated_at": iso(self.now - timedelta(days=1)),
        }
        self.h.environments.append(env)
        return env

    # -- deployments -------------------------------------------------------------------------
    def deploy(
        self,
        env: dict[str, Any],
        at: datetime,
        sha: str,
        commit_at: datetime,
        status: str,
        title: str,
        ref: str = "main",
    ) -> dict[str, Any]:
        self.pipe_iid += 1
        pipe = {
            "id": self.ids.next("pipeline"),
            "iid": self.pipe_iid,
            "project_id": self.h.project["id"],
            "sha": sha,
            "ref": ref,
            "status": "success" if status == "success" else "failed",
            "source": "push",
            "created_at": iso(at - timedelta(minutes=14)),
            "updated_at": iso(at + timedelta(minutes=1)),
            "web_url": f"{self.h.project['web_url']}/-/pipelines/{self.pipe_iid}",
            "name": None,
        }
        self.h.pipelines.append(pipe)
        job_id = self.ids.next("job")
        commit = {
            "id": sha,
            "short_id": sha[:8],
            "created_at": iso(commit_at),
            "parent_ids": [],
            "title": title,
            "message": title,
            "author_name": "Dev",
            "author_email": "dev@example.com",
            "authored_date": iso(commit_at),
            "committer_name": "Dev",
            "committer_email": "dev@example.com",
            "committed_date": iso(commit_at),
        }
        dep_id = self.ids.next("deployment")
        dep = {
            "id": dep_id,
            "iid": len([d for d in self.h.deployments]) + 1,
            "ref": ref,
            "sha": sha,
            "status": status,
            "created_at": iso(at - timedelta(minutes=4)),
            "updated_at": iso(at),
            "finished_at": iso(at) if status in ("success", "failed", "canceled") else None,
            "user": user_json("deployer"),
            "environment": {
                "id": env["id"],
                "name": env["name"],
                "external_url": env["external_url"],
                "created_at": env["created_at"],
                "updated_at": env["updated_at"],
                "tier": env["tier"],
            },
            "deployable": {
                "id": job_id,
                "status": pipe["status"],
                "stage": "deploy",
                "name": "deploy",
                "ref": ref,
                "tag": False,
                "coverage": None,
                "created_at": iso(at - timedelta(minutes=5)),
                "started_at": iso(at - timedelta(minutes=4)),
                "finished_at": iso(at),
                "duration": 240.0,
                "user": user_json("deployer"),
                "commit": commit,
                "pipeline": {
                    k: pipe[k]
                    for k in (
                        "id",
                        "iid",
                        "project_id",
                        "sha",
                        "ref",
                        "status",
                        "source",
                        "created_at",
                        "updated_at",
                        "web_url",
                    )
                },
                "runner": None,
                "artifacts": [],
            },
        }
        self.h.deployments.append(dep)
        return dep

    # -- merge requests ------------------------------------------------------------------------
    def merge_request(self, merged_at: datetime, sha: str, approved: bool, title: str, files: int = 3) -> None:
        self.mr_iid += 1
        iid = self.mr_iid
        created = merged_at - timedelta(hours=self.rng.uniform(2, 30))
        mr = {
            "id": self.ids.next("mr"),
            "iid": iid,
            "project_id": self.h.project["id"],
            "title": title,
            "description": "",
            "state": "merged",
            "created_at": iso(created),
            "updated_at": iso(merged_at + timedelta(minutes=1)),
            "merged_at": iso(merged_at),
            "closed_at": None,
            "target_branch": "main",
            "source_branch": f"feature/{iid}",
            "author": user_json("dev"),
            "merge_user": user_json("lead"),
            "labels": [],
            "draft": False,
            "sha": fake_sha("src", sha),
            "merge_commit_sha": sha,
            "squash_commit_sha": None,
            "web_url": f"{self.h.project['web_url']}/-/merge_requests/{iid}",
            "references": {"short": f"!{iid}", "full": f"{self.h.project['path_with_namespace']}!{iid}"},
        }
        self.h.merge_requests.append(mr)
        self.h.mr_changes[iid] = str(files) if files < 1000 else "1000+"
        self.h.approvals[iid] = {
            "id": mr["id"],
            "iid": iid,
            "project_id": mr["project_id"],
            "title": title,
            "state": "merged",
            "merge_status": "can_be_merged",
            "approved": approved,
            "approvals_required": 1 if self.team and self.team.premium else 0,
            "approvals_left": 0,
            "approved_by": [{"user": user_json("reviewer")}] if approved else [],
        }
        self.pipe_iid += 1
        self.h.pipelines.append(
            {
                "id": self.ids.next("pipeline"),
                "iid": self.pipe_iid,
                "project_id": self.h.project["id"],
                "sha": mr["sha"],
                "ref": f"refs/merge-requests/{iid}/head",
                "status": "success",
                "source": "merge_request_event",
                "created_at": iso(created),
                "updated_at": iso(created + timedelta(minutes=11)),
                "web_url": f"{self.h.project['web_url']}/-/pipelines/{self.pipe_iid}",
                "name": None,
            }
        )

    def work_item(self, closed: datetime, title: str, labels: list[str]) -> None:
        """A plain issue (feature, bug or improvement work) closed at `closed`."""
        self.issue_iid += 1
        self.h.issues.append(
            {
                "id": self.ids.next("issue"),
                "iid": self.issue_iid,
                "project_id": self.h.project["id"],
                "title": title,
                "state": "closed",
                "created_at": iso(closed - timedelta(days=6)),
                "updated_at": iso(closed),
                "closed_at": iso(closed),
                "labels": labels,
                "author": user_json("dev"),
                "type": "ISSUE",
                "issue_type": "issue",
            }
        )

    # -- incidents -----------------------------------------------------------------------------
    def incident(
        self,
        at: datetime,
        restore_min: float,
        response_min: float,
        severity: str | None,
        postmortem: bool,
        author: str = "alert-bot",
        cause_min: float | None = None,
    ) -> None:
        assert self.team is not None
        self.issue_iid += 1
        iid = self.issue_iid
        closed = at + timedelta(minutes=restore_min)
        labels = ["incident"] + ([f"severity::{severity}"] if severity else [])
        desc = "Checkout errors above 5%."
        if postmortem:
            desc += f"\n\nPostmortem: https://wiki.acme.example/postmortems/{self.h.project['path']}-{iid}"
        open_ = closed > self.now
        issue = {
            "id": self.ids.next("issue"),
            "iid": iid,
            "project_id": self.h.project["id"],
            "title": f"Incident {iid}",
            "description": desc,
            "state": "opened" if open_ else "closed",
            "created_at": iso(at),
            "updated_at": iso(min(closed, self.now)),
            "closed_at": None if open_ else iso(closed),
            "closed_by": None if open_ else user_json("oncall"),
            "labels": labels,
            "assignees": [user_json("oncall")],
            "author": user_json(author),
            "type": "INCIDENT",
            "issue_type": "incident",
            "severity": (severity and {"1": "CRITICAL", "2": "HIGH", "3": "MEDIUM", "4": "LOW"}[severity]) or "UNKNOWN",
            "user_notes_count": 2,
            "web_url": f"{self.h.project['web_url']}/-/issues/{iid}",
        }
        self.h.issues.append(issue)
        system = {
            "id": self.ids.next("note"),
            "type": None,
            "body": "assigned to @oncall",
            "author": user_json(author),
            "created_at": iso(at + timedelta(seconds=5)),
            "updated_at": iso(at + timedelta(seconds=5)),
            "system": True,
            "noteable_id": issue["id"],
            "noteable_type": "Issue",
            "noteable_iid": iid,
        }
        human = dict(
            system,
            id=self.ids.next("note"),
            body="Looking into it.",
            author=user_json("oncall"),
            system=False,
            created_at=iso(at + timedelta(minutes=response_min)),
            updated_at=iso(at + timedelta(minutes=response_min)),
        )
        self.h.notes[iid] = [system, human]
        self.h.timelines[iid] = _timeline(at, response_min, cause_min, None if open_ else closed)
        if postmortem and self.team.follow_ups and not open_:
            self.h.issue_links[iid] = [self._follow_up(iid, closed)]

    def _follow_up(self, incident_iid: int, at: datetime) -> dict[str, Any]:
        """The corrective-action issue a postmortem opened, as the issue links API lists it.

        It lives in the reliability team's tracker (another project), so the project's own issue
        lists and figures stay as they were; the links API lists cross-project links alike.
        """
        n = self.ids.next("follow_up")
        due = at + timedelta(days=14)
        done = min(at + timedelta(days=9), self.now)
        return {
            "id": 880000 + n,
            "iid": n,
            "issue_link_id": 440000 + n,
            "project_id": 99,
            "title": f"Corrective action for incident {incident_iid}",
            "state": "closed" if done < self.now else "opened",
            "created_at": iso(at + timedelta(days=1)),
            "updated_at": iso(done),
            "closed_at": iso(done) if done < self.now else None,
            "labels": ["corrective-action", "type::architecture"] if n % 2 else ["corrective-action"],
            "assignees": [user_json("dev")],
            "assignee": user_json("dev"),
            "author": user_json("oncall"),
            "description": None,
            "milestone": None,
            "user_notes_count": 0,
            "due_date": due.date().isoformat(),
            "web_url": f"https://gitlab.example/platform/reliability/-/issues/{n}",
            "confidential": False,
            "weight": None,
            "issue_type": "issue",
            "type": "ISSUE",
            "link_type": "relates_to",
            "link_created_at": iso(at + timedelta(days=1)),
            "link_updated_at": iso(at + timedelta(days=1)),
        }

    def release(self, at: datetime, tag: str, sha: str, notes: str) -> None:
        self.h.releases.append(
            {
                "tag_name": tag,
                "name": tag,
                "description": notes,
                "created_at": iso(at),
                "released_at": iso(at),
                "upcoming_release": False,
                "author": user_json("lead"),
                "commit": {"id": sha, "short_id": sha[:8], "title": f"Release {tag}"},
                "milestones": [],
                "evidences": [
                    {
                        "sha": fake_sha("ev", tag)[:40],
                        "filepath": f"{self.h.project['web_url']}/-/releases/{tag}/evidence.json",
                        "collected_at": iso(at),
                    }
                ],
                "assets": {"count": 0, "sources": [], "links": []},
                "_links": {"self": f"{self.h.project['web_url']}/-/releases/{tag}"},
            }
        )


def _timeline(at: datetime, respond: float, cause: float | None, end: datetime | None) -> list[dict[str, Any]]:
    """An incident's timeline events as GraphQL returns them: GitLab's own untagged creation event,
    then, when responders keep the timeline (`cause` set), the tagged events they add."""

    def event(t: datetime, *tags: str) -> dict[str, Any]:
        return {"occurredAt": iso(t), "timelineEventTags": {"nodes": [{"name": n} for n in tags]}}

    events = [event(at)]
    if cause is not None:
        events += [
            event(at, "Impact detected"),
            event(at + timedelta(minutes=respond), "Response initiated"),
            event(at + timedelta(minutes=cause), "Cause identified"),
        ]
        if end is not None:
            events.append(event(end, "End time"))
    return events
