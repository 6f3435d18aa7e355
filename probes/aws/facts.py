"""Small pure helpers that turn AWS values into normalised facts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["age_days", "arn_account", "arn_region", "environment", "iso", "lag_minutes", "schedule_hours"]

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_CRON = re.compile(r"^cron\((.+)\)$", re.I)
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}
# Tag keys (lower-cased, separators removed) that name a resource's environment or stage.
ENVIRONMENT_KEYS = ("environment", "env", "stage", "environmenttype", "envtype", "deploymentenvironment")


def _minute_hours(minute: str) -> float:
    """Hours between firings when the hour field is `*`: driven by the minute field."""
    if minute in {"*", "?"}:
        return 1 / 60
    if minute.startswith("*/") and minute[2:].isdigit():
        return int(minute[2:]) / 60
    return 1 / max(1, len(minute.split(",")))


def schedule_hours(expr: str | None) -> float | None:
    """Approximate hours between runs of an AWS schedule expression (rate(...) or 6-field cron).

    The shortest regular gap is what an RPO needs; irregular cron lists are averaged.
    None when the expression is missing or not understood.
    """
    if not expr:
        return None
    expr = expr.strip()
    m = _RATE.match(expr)
    if m:
        unit = m.group(2).lower().rstrip("s")
        return round(int(m.group(1)) * _UNIT_HOURS[unit], 4)
    m = _CRON.match(expr)
    if not m:
        return None
    fields = m.group(1).split()
    if len(fields) != 6:
        return None
    minute, hour, dom, month, dow, _year = fields
    if month not in {"*", "?"}:
        return round(8760 / max(1, len(month.split(","))), 4)
    if dom not in {"*", "?"} and not dom.startswith("*/"):
        return round(730 / max(1, len(dom.split(","))), 4)
    if dow not in {"*", "?"}:
        return round(168 / max(1, len(dow.split(","))) if "-" not in dow else 24.0, 4)
    if hour in {"*", "?"}:
        return round(_minute_hours(minute), 4)
    if hour.startswith("*/"):
        step = hour[2:]
        return float(step) if step.isdigit() else None
    if "-" in hour:
        return 1.0
    return round(24 / max(1, len(hour.split(","))), 4)


def iso(value: Any) -> str | None:
    """An ISO 8601 UTC string for a datetime (or the value as a string)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        when: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _as_dt(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def lag_minutes(value: Any, now: dt.datetime) -> float | None:
    """Minutes between `value` (a time in the past) and now; None when unknown."""
    when = _as_dt(value)
    return None if when is None else round(max(0.0, (now - when).total_seconds() / 60), 2)


def age_days(value: Any, now: dt.datetime) -> float | None:
    """Days between `value` and now; None when unknown."""
    when = _as_dt(value)
    return None if when is None else round(max(0.0, (now - when).total_seconds() / 86400), 2)


def arn_region(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] or None if len(parts) > 5 else None


def arn_account(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] or None if len(parts) > 5 else None


def environment(tags: Any) -> str | None:
    """The value of an environment/stage tag from an AWS tag list ([{Key, Value}]), else None.

    Rules use it to leave dev/test resources out of production populations; the value is a
    label such as `prod` or `staging`, never a secret.
    """
    found: dict[str, str] = {}
    for t in tags or []:
        if not isinstance(t, dict):
            continue
        key = "".join(ch for ch in str(t.get("Key") or "").lower() if ch.isalnum())
        value = str(t.get("Value") or "").strip()
        if key in ENVIRONMENT_KEYS and value:
            found.setdefault(key, value[:64])
    return next((found[k] for k in ENVIRONMENT_KEYS if k in found), None)
