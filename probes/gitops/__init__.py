"""GitOps repository contents that are not cluster objects (dashboards, SLO definitions, Argo CD
applications, Velero backups, Prometheus Operator servers, kustomize overlays, Helm charts).

There is no live `gitops` probe: the `files` probe offers every document to
probes/gitops/files.py, and these kinds' models live in probes/gitops/kinds.py.
"""
