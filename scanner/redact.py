"""Redaction of credentials in text from scanned systems, by keyword and by value shape.

Everything here runs on untrusted text on the hot path (every string of every evidence item,
every log and error line), so two properties are kept by construction:

- **Linear time.** No pattern has nested quantifiers or an unbounded run that a failed match
  could rescan from the next position: every open-ended run starts right after a fixed prefix
  and a boundary (so two attempts never scan the same run), everything else is bounded
  (`{0,256}`). A 60 KB adversarial annotation takes milliseconds (tests/test_redact.py checks
  the growth, not a time).
- **Cheap when there is nothing to do.** Each pattern has literal triggers; a pattern runs only
  when one of its triggers occurs in the (lower-cased) text, and text without any trigger
  (nearly all of it: names, labels, PromQL) is returned after one scan.

Callers cut strings to their bound *before* redacting (`bounded_redact`), and a cut never
leaves a partial secret behind: the trailing run of a cut string is dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MAX_TEXT", "bounded_redact", "looks_random", "redact_text"]

MAX_TEXT = 4096
_MARGIN = 1024  # characters redacted past a cut, so a secret across the cut is seen whole
_TAIL = 256  # a cut string loses its trailing run up to this long (it may be half a token)

_I = re.IGNORECASE
_SURROGATE = re.compile("[\ud800-\udfff]")
_RUN_START = r"(?<![A-Za-z0-9_-])"  # a token starts where no token character precedes it


@dataclass(frozen=True)
class _Rule:
    triggers: tuple[str, ...]  # lower-case literals; the rule runs only if one occurs
    pattern: re.Pattern[str]
    repl: str | Callable[[re.Match[str]], str]


def _r(triggers: tuple[str, ...], pattern: str, repl: str, flags: int = _I) -> _Rule:
    return _Rule(triggers, re.compile(pattern, flags), repl)


_RULES: tuple[_Rule, ...] = (
    # Private keys; an unterminated block (cut, or broken on purpose) is redacted to the end.
    _r(
        ("private key",),
        r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY( BLOCK)?-----(?:[\s\S]{0,20000}?-----END[A-Z ]{0,40}PRIVATE KEY"
        r"( BLOCK)?-----|[\s\S]*)",
        "[REDACTED-PRIVATE-KEY]",
        0,
    ),
    # URL userinfo for any scheme: user:password@ (the user may be empty) or a token as the user.
    _r(
        ("://",),
        r"(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}://)(?!\[REDACTED)[^\s/?#@:\"'<>]{0,256}:[^\s/?#@\"'<>]{0,256}@",
        r"\1[REDACTED]@",
    ),
    _r(
        ("://",),
        r"(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}://)(?!\[REDACTED)[^\s/?#@:\"'<>]{16,256}@",
        r"\1[REDACTED]@",
    ),
    # Tokens in the path of chat webhook and bot URLs.
    _r(
        ("hooks.slack.com", "discord", "open-apis/bot", "api.telegram.org", "webhook.office", "outlook.office"),
        r"((?:hooks\.slack\.com/(?:services|workflows|triggers)/|discord(?:app)?\.com/api/webhooks/"
        r"|/open-apis/bot/v2/hook/|api\.telegram\.org/(?:file/)?bot|\.webhook\.office\.com/webhookb2/"
        r"|outlook\.office(?:365)?\.com/webhook/))(?!\[REDACTED)[^\s\"'<>?#]{1,1024}",
        r"\1[REDACTED]",
    ),
    # Credentials in query strings (signed URLs, chat robots, API keys).
    _r(
        ("=",),
        r"([?&;](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential"
        r"|sig|signature|token|access_token|refresh_token|id_token|auth|key|api_key|apikey|api-key|secret"
        r"|client_secret|password|passwd|pass|code|private_token|ticket)=)(?!\[REDACTED)[^&#\s\"'<>]{1,4096}",
        r"\1[REDACTED]",
    ),
    # Auth schemes and headers written out as text.
    _r(
        ("bearer", "basic"),
        r"\b(bearer|basic)(\s{1,8})(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}",
        r"\1\2[REDACTED]",
    ),
    _r(
        ("authorization", "private-token", "x-api-key", "x-auth-token", "x-vault-token"),
        r"\b(authorization|private-token|x-api-key|x-auth-token|x-vault-token)([\"']?\s{0,8}[=:]\s{0,8}[\"']?)"
        r"(?!\[REDACTED|(?:bearer|basic)\s{1,8}\[REDACTED)(?:\w{1,32}\s{1,8})?[^\s\"',;]{1,4096}",
        r"\1\2[REDACTED]",
    ),
    _r(
        ("access_key",),
        r"((?:aws_)?secret_access_key)\s{0,8}[=:]\s{0,8}(?!\[REDACTED)[^\s\"',;]{1,4096}",
        r"\1=[REDACTED]",
    ),
    # key=value / key: value in free text (flags, connection strings, annotations): the value goes.
    _r(
        ("passw", "secret", "token", "api_key", "api-key", "apikey"),
        r"((?:password|passwd|secret|token|api[_-]?key)[\"']?\s{0,8}[=:]\s{0,8}[\"']?)(?!\[REDACTED)"
        r"[^\s,;&\"'\]]{1,4096}",
        r"\1[REDACTED]",
    ),
    # JSON Web Tokens.
    _r(("eyj",), _RUN_START + r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?", "[REDACTED-JWT]", 0),
    # Vendor token shapes (none needs a keyword beside it).
    _r(("akia", "asia"), r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", "[REDACTED-AWS-KEY]", 0),
    _r(
        tuple(f"gl{p}-" for p in ("pat", "dt", "rt", "cbt", "ptt", "ft", "imt", "agent", "oas", "soat", "ffct", "wt")),
        _RUN_START + r"gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|oas|soat|ffct|wt)-[A-Za-z0-9_-]{16,}",
        "[REDACTED-GITLAB-TOKEN]",
        0,
    ),
    _r(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        _RUN_START + r"(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
        "[REDACTED-TOKEN]",
        0,
    ),
    _r(
        (
            "xox",
            "xapp-",
            "sk_",
            "rk_",
            "whsec_",
            "aiza",
            "sg.",
            "npm_",
            "pypi-",
            "hf_",
            "sk-",
            "dop_v1_",
            "shp",
            "glsa_",
        ),
        _RUN_START + r"(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}"
        r"|whsec_[A-Za-z0-9+/=]{16,}|AIza[A-Za-z0-9_-]{30,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"
        r"|npm_[A-Za-z0-9]{30,}|pypi-AgE[A-Za-z0-9_-]{30,}|hf_[A-Za-z0-9]{30,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
        r"|dop_v1_[a-f0-9]{40,}|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32,}|glsa_[A-Za-z0-9_]{32,})",
        "[REDACTED-TOKEN]",
        0,
    ),
)


def redact_text(text: str) -> str:
    """Remove credential-looking material from `text` (by keyword and by value shape).

    Linear in the length of `text`; callers bound untrusted text first (`bounded_redact`).
    """
    if len(text) <= _CACHED:
        return _redact_short(text) if len(text) >= _SHORTEST else text
    return _redact(text)


_SHORTEST = 7  # "token=x": nothing shorter can hold what the rules look for
_CACHED = 128  # short strings repeat (kinds, names, labels): their answers are kept


@lru_cache(maxsize=16384)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    low = text.lower()
    for rule in _RULES:
        # Substring tests are C-speed scans: far cheaper than one case-blind regex alternation.
        for trigger in rule.triggers:
            if trigger in low:
                text = rule.pattern.sub(rule.repl, text)  # `low` goes stale: that costs a pass at most
                break
    return text


def bounded_redact(text: str, limit: int = MAX_TEXT, suffix: str = "…[truncated]") -> str:
    """`text` cut to `limit` characters and redacted, with no half secret left at the cut.

    The cut happens before any pattern runs (so the work is bounded), with a margin so a secret
    that crosses `limit` is redacted whole; the trailing run of a cut string is dropped.
    """
    if not text.isascii() and _SURROGATE.search(text):  # a lone surrogate (JSON "\ud800") is not UTF-8
        text = _SURROGATE.sub("\ufffd", text)
    if len(text) <= limit:
        return redact_text(text)
    out = redact_text(text[: limit + _MARGIN])[:limit]
    cut = max(out.rfind(c) for c in " \t\r\n,;&\"'")
    if cut >= limit - _TAIL:
        out = out[: cut + 1]
    elif len(out) > _TAIL:
        out = out[: limit - _TAIL]  # a long run without a break: drop its tail, it may be half a token
    return out + suffix


def looks_random(value: str) -> bool:
    """Whether `value` looks like generated key material (long, no spaces, high entropy)."""
    if not 16 <= len(value) <= 4096 or any(c.isspace() for c in value):
        return False
    counts = Counter(value)
    n = len(value)
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values())
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    return entropy >= 3.5 and classes >= 2
