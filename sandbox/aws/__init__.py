"""The AWS part of the demo estate: a moto server on a free loopback port, seeded with a
well-run production estate and neglected leftovers side by side (see sandbox/aws/seed.py).

Credentials: moto accepts any, so the estate writes a shared credentials file with dummy keys
into the demo's work folder and points the source at it (`credentials_file` + `profile`);
the scan config holds a path, never a key, and the process environment is left alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sandbox.aws.seed import (
    DUMMY_KEY,
    DUMMY_SECRET,
    NEGLECTED_ACCOUNT,
    PRIMARY,
    SECRET_CANARY,
    WELL_RUN_ACCOUNT,
    moto_clients,
    seed_mixed,
    seed_neglected,
    seed_secrets,
    seed_well_run,
)
from sandbox.base import Estate

__all__ = [  # the estate, and the seeding (sandbox.aws.seed) that tests and benchmarks use
    "DUMMY_KEY",
    "DUMMY_SECRET",
    "NEGLECTED_ACCOUNT",
    "PRIMARY",
    "SECRET_CANARY",
    "WELL_RUN_ACCOUNT",
    "AwsEstate",
    "moto_clients",
    "seed_mixed",
    "seed_neglected",
    "seed_secrets",
    "seed_well_run",
]


class AwsEstate(Estate):
    name = "aws"

    def __init__(self) -> None:
        self._server: Any = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        """Start moto, seed one account with good and bad resources, return the source entry."""
        from moto.server import ThreadedMotoServer  # the demo needs moto[server]; scans do not

        # moto answers APIs it lacks with a logged traceback; the probe already reports those
        # kinds as unsupported, so keep the server's request log and tracebacks off the console.
        for name in ("werkzeug", "moto"):
            logging.getLogger(name).setLevel(logging.CRITICAL)

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        url = f"http://{host}:{port}"
        seed_mixed(moto_clients(url, WELL_RUN_ACCOUNT), WELL_RUN_ACCOUNT)
        workdir.mkdir(parents=True, exist_ok=True)
        creds = workdir / "aws-credentials"
        creds.write_text(
            f"[demo]\naws_access_key_id = {DUMMY_KEY}\naws_secret_access_key = {DUMMY_SECRET}\n", encoding="utf-8"
        )
        return [
            {
                "name": "aws",
                "probe": "aws",
                "regions": [PRIMARY, "eu-west-1"],
                "endpoint_url": url,
                "profile": "demo",
                "credentials_file": str(creds),
                "role_arn": f"arn:aws:iam::{WELL_RUN_ACCOUNT}:role/maturity-scanner",
                "retries": 1,
                "timeout_s": 120,
            }
        ]

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.stop()
            finally:
                self._server = None
