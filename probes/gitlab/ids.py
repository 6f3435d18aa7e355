"""The GitLab probe's failure type and project ids, apart from its HTTP client.

`probes.gitlab.http` imports python-gitlab and requests; the probe's other modules need only
these two names, so registering the probe (`load_probes`) does not load either library: the
client is imported when a GitLab source is scanned.
"""

from __future__ import annotations

from urllib.parse import quote

from scanner.probe import CollectError

__all__ = ["ApiError", "encode_id"]

ApiError = CollectError  # the toolkit's one failure type, under the name this probe's modules know


def encode_id(key: str | int) -> str:
    """A project or group id for a URL path: numeric ids as they are, paths URL-encoded."""
    return str(key) if str(key).isdigit() else quote(str(key), safe="")
