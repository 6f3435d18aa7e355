"""Typed evidence kinds of the aws probe: one model per kind, the fields of `data`.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
the probe yields is validated by them (`Probe.accepts`, called by the runner). The models live
beside the code that reads them, one module per domain (kinds_backup, kinds_data, kinds_ops,
kinds_governance, kinds_posture, kinds_practices); this module merges them. Fields copied from
an AWS answer are null when the API leaves them out; times are ISO 8601 UTC.
"""

from __future__ import annotations

from probes.aws.kinds_backup import BACKUP_MODELS
from probes.aws.kinds_containers import CONTAINER_MODELS
from probes.aws.kinds_data import DATA_MODELS
from probes.aws.kinds_governance import GOVERNANCE_MODELS
from probes.aws.kinds_ops import OPS_MODELS
from probes.aws.kinds_posture import POSTURE_MODELS
from probes.aws.kinds_practices import PRACTICE_MODELS
from probes.aws.kinds_response import RESPONSE_MODELS
from scanner.probe import KindModel

__all__ = ["MODELS"]

MODELS: dict[str, type[KindModel]] = {
    **BACKUP_MODELS,
    **CONTAINER_MODELS,
    **DATA_MODELS,
    **OPS_MODELS,
    **GOVERNANCE_MODELS,
    **POSTURE_MODELS,
    **PRACTICE_MODELS,
    **RESPONSE_MODELS,
}
