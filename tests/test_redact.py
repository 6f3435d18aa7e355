"""Redaction by value shape and by keyword, in linear time, with strings cut before any regex
(issue 15, parts 1 and 4)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from scanner.evidence import MAX_STRING, Evidence
from scanner.redact import bounded_redact, looks_random, redact_text

# (name, text holding a secret, the secret). No value here is a real credential.
SHAPES: list[tuple[str, str, str]] = [
    ("postgres userinfo", "dsn postgres://app:Pg5ecretCanary@db.internal:5432/shop", "Pg5ecretCanary"),
    ("amqp userinfo", "amqp://guest:AmqpCanary77@mq:5672/", "AmqpCanary77"),
    ("redis empty user", "redis://:RedisCanary42@cache:6379/0", "RedisCanary42"),
    ("mongodb+srv userinfo", "mongodb+srv://u:MongoCanary9@c0.example.net/db", "MongoCanary9"),
    ("token as URL user", "https://x0TokenAsUserCanary123@git.example.com/r.git", "x0TokenAsUserCanary123"),
    ("slack webhook", "https://hooks.slack.com/services/T0000/B0000/SlackPathCanary0123", "SlackPathCanary0123"),
    ("discord webhook", "https://discord.com/api/webhooks/123/DiscordCanary_abc-def", "DiscordCanary_abc-def"),
    (
        "feishu webhook",
        "https://open.feishu.cn/open-apis/bot/v2/hook/feishu-canary-uuid-0001",
        "feishu-canary-uuid-0001",
    ),
    ("telegram bot", "https://api.telegram.org/bot123456:TelegramCanaryAbc/sendMessage", "TelegramCanaryAbc"),
    ("wecom robot key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-canary-0001", "wecom-canary-0001"),
    ("dingtalk robot", "https://oapi.dingtalk.com/robot/send?access_token=DingCanary0001", "DingCanary0001"),
    ("S3 signed URL", "https://b.s3.amazonaws.com/o?X-Amz-Date=1&X-Amz-Signature=abcdef0123SigCanary", "SigCanary"),
    ("azure sas sig", "https://a.blob.core.windows.net/c/b?sv=2020&sig=AzureSigCanary%2B", "AzureSigCanary"),
    ("google api key param", "https://maps.example.com/x?key=GKeyParamCanary1", "GKeyParamCanary1"),
    ("JWT alone", "id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.JwtSigCanary_x", "JwtSigCanary_x"),
    ("gitlab PAT", "runner glpat-GitlabCanary0123456789ab", "GitlabCanary0123456789ab"),
    ("github PAT", "ghp_GithubCanary0123456789abcdefABCD", "GithubCanary0123456789"),
    ("slack bot token", "xoxb-123456789012-SlackBotCanary01", "SlackBotCanary01"),
    ("stripe live key", "sk_live_StripeCanary0123456789", "StripeCanary0123456789"),
    ("aws access key id", "id AKIACANARY0123456789 here", "AKIACANARY0123456789"),
    ("google api key", "AIzaSyGoogleCanary0123456789abcdefghijk", "GoogleCanary0123456789"),
    ("sendgrid key", "SG.SendgridCanary0123.abcdefghijklmnopqrstuvwx", "SendgridCanary0123"),
    ("private key", "-----BEGIN EC PRIVATE KEY-----\nPemCanaryBody\n-----END EC PRIVATE KEY-----", "PemCanaryBody"),
    ("unterminated private key", "x -----BEGIN PRIVATE KEY-----\nPemCutCanary", "PemCutCanary"),
    ("password flag", "--db-password=FlagCanary01 --verbose", "FlagCanary01"),
    ("auth header text", "PRIVATE-TOKEN: HeaderCanary0001", "HeaderCanary0001"),
]


@pytest.mark.parametrize(("text", "secret"), [(t, s) for _n, t, s in SHAPES], ids=[n for n, _t, _s in SHAPES])
def test_secret_shapes_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact_text(text)
    ev = Evidence.make("t.k", f"s {text}", {"note": text, "list": [text]}, f"o {text}")
    assert secret not in json.dumps(ev.to_json())


ORDINARY = [
    "TokenExpirySoon",
    "password rotation is due",
    "https://prom.example.com:9090/graph?g0.expr=up&g0.tab=1",
    "ssh://git@github.com/org/repo.git",
    'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) > 0.05',
    "registry.example.com/shop/web:1.2.3",
    "secretName: tls-cert",
    "task-runner-abcdefghijklmnopqrstuvwx",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact_text(text) == text


def test_high_entropy_value_in_a_credential_position() -> None:
    data = {"key": "Zx8q7LmP2vR4tY6wB9nC3kD5", "auth": "enabled", "cache": {"key": "app"}}
    out = Evidence.make("t.k", "s", data, "o").data
    assert out["key"] == "[REDACTED]" and out["auth"] == "enabled" and out["cache"] == {"key": "app"}
    assert looks_random("Zx8q7LmP2vR4tY6wB9nC3kD5") and not looks_random("node-role.kubernetes.io/master")


def _time(f: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        f(text)
        best = min(best, time.perf_counter() - start)
    return best


ADVERSARIAL = {
    "key=value prefix run": "a-" * 15000 + "password",
    "keyword without value": "password" * 2000,
    "word run before keyword": "a_" * 15000 + "password",
    "url without host end": "http://" + "a" * 15000,
    "userinfo without @": "x://a:" * 5000,
    "private key headers": "-----BEGIN PRIVATE KEY-----" * 600,
    "jwt heads": "eyJ" * 10000,
    "auth header spaces": "authorization: " + "a " * 15000,
    "bearers": "bearer " * 4000,
    "query keys": "?key=" * 6000,
    "webhook heads": "hooks.slack.com/services/" * 1200,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_redaction_is_linear(text: str) -> None:
    """4x the input takes well under 10x the time (quadratic would be 16x)."""
    small, large = _time(redact_text, text), _time(redact_text, text * 4)
    assert large < max(10 * small, 0.05), (small, large)


def test_60kb_annotation_is_bounded_before_any_regex() -> None:
    annotation = "a-" * 30000 + "password"  # took minutes: every `-` restarted a backtracking scan
    start = time.perf_counter()
    ev = Evidence.make("t.k", "s", {"annotations": {"x": annotation}}, "o")
    assert time.perf_counter() - start < 1.0
    assert len(ev.data["annotations"]["x"]) <= MAX_STRING + len("…[truncated]")


def test_a_cut_never_leaves_half_a_token() -> None:
    token = "glpat-" + "C" * 30
    text = "x " * ((MAX_STRING - 10) // 2) + token  # the token crosses the cut
    out = bounded_redact(text)
    assert out.endswith("…[truncated]") and "CCCC" not in out
    long_key = "-----BEGIN PRIVATE KEY-----\n" + "K" * 20000 + "\n-----END PRIVATE KEY-----"
    assert "KKKK" not in bounded_redact("pem " + long_key)


def _runbook(text: str) -> object:
    from probes.prometheus import normalise

    return normalise.alert_rule("g", "f", {"alert": "A", "expr": "up", "annotations": {"x": text}})


def _blue_green(text: str) -> object:
    from probes.gitlab.ci import _blue_green as classify

    return classify(text)


@pytest.mark.parametrize(
    ("classify", "text"),
    [(_runbook, "http://" * 2000), (_blue_green, "blue " * 3000)],
    ids=["prometheus runbook link", "gitlab blue/green"],
)
def test_probe_classifiers_are_linear(classify: Callable[[str], object], text: str) -> None:
    small, large = _time(classify, text), _time(classify, text * 4)
    assert large < max(10 * small, 0.05), (small, large)
