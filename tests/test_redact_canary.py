"""The canary corpus: a credential of every shape, planted in every input a scan reads (manifest
annotations, env, args, alertmanager.yml receivers, prometheus.yml, rule annotations, a broken
file's text, a file name, the Pushgateway URL), never appears in any output or log: report.json
(scopes included), HTML, SARIF, JUnit, metrics, the evidence bundle, the signed envelope (and its
decoded statement), stdout and the -v log (issue 15, part 4)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.cli import maturity

# No value is a real credential; each is unique so a leak names its shape.
CANARIES = {
    "postgres password": "PgCanaryPass0001",
    "redis password": "RedisCanaryPass0002",
    "amqp password": "AmqpCanaryPass0003",
    "slack path token": "SlackCanaryPath0004xyz",
    "discord token": "DiscordCanaryTok0005",
    "feishu hook": "feishu-canary-hook-0006",
    "telegram token": "TelegramCanary0007",
    "wecom key": "wecom-canary-key-0008",
    "dingtalk token": "DingCanaryTok0009",
    "s3 signature": "S3SigCanary0010abcdef",
    "jwt signature": "JwtCanarySig0011_x",
    "gitlab pat": "glpat-GlCanary0012abcdefghij",
    "github pat": "ghp_GhCanary0013abcdefghijklmnopqr",
    "slack bot token": "xoxb-1234-SlackBotCanary0014",
    "stripe key": "sk_live_StripeCanary0015abc",
    "aws key id": "AKIACANARY0016ABCDEF",
    "google key": "AIzaGoogleCanary0017abcdefghijklmnopqrs",
    "private key body": "PemCanaryBody0018",
    "env secret": "EnvCanarySecret0019",
    "remote write password": "RwCanaryPass0020",
    "pushgateway password": "PushCanaryPass0021",
    "random api key": "Zq8LmP2vR4tY6wB9nC3kD5x0022",
}
C = CANARIES


def _repo(root: Path) -> None:
    text = (
        f"postgres://app:{C['postgres password']}@db:5432/shop redis://:{C['redis password']}@cache:6379 "
        f"amqp://u:{C['amqp password']}@mq/ https://hooks.slack.com/services/T1/B1/{C['slack path token']} "
        f"https://discord.com/api/webhooks/1/{C['discord token']} "
        f"https://open.feishu.cn/open-apis/bot/v2/hook/{C['feishu hook']} "
        f"https://api.telegram.org/bot1:{C['telegram token']}/sendMessage "
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={C['wecom key']} "
        f"https://oapi.dingtalk.com/robot/send?access_token={C['dingtalk token']} "
        f"https://b.s3.amazonaws.com/o?X-Amz-Signature={C['s3 signature']} "
        f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.{C['jwt signature']} {C['gitlab pat']} {C['github pat']} "
        f"{C['slack bot token']} {C['stripe key']} {C['aws key id']} {C['google key']}"
    )
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{C['private key body']}\n-----END RSA PRIVATE KEY-----"
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "annotations": {"note": text, "pem": pem}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}, "annotations": {"cmd": text}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "example/web:1",
                            "args": [text, f"--db-password={C['env secret']}"],
                            "env": [
                                {"name": "DB_PASSWORD", "value": C["env secret"]},
                                {"name": "NOTE", "value": text},
                                {"name": "api_key", "value": C["random api key"]},
                            ],
                        }
                    ]
                },
            },
        },
    }
    (root / "apps").mkdir()
    (root / "apps" / "web.yaml").write_text(yaml.safe_dump(deployment), encoding="utf-8")
    alertmanager = {
        "route": {"receiver": "chat"},
        "receivers": [
            {
                "name": "chat",
                "slack_configs": [{"api_url": f"https://hooks.slack.com/services/T1/B1/{C['slack path token']}"}],
                "webhook_configs": [
                    {"url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={C['wecom key']}"},
                    {"url": f"https://oapi.dingtalk.com/robot/send?access_token={C['dingtalk token']}"},
                ],
                "telegram_configs": [{"bot_token": C["telegram token"], "chat_id": 1}],
            }
        ],
    }
    (root / "alertmanager.yml").write_text(yaml.safe_dump(alertmanager), encoding="utf-8")
    prometheus = {
        "global": {"scrape_interval": "30s"},
        "remote_write": [{"url": f"https://u:{C['remote write password']}@metrics.example.com/api/v1/push"}],
        "scrape_configs": [{"job_name": "node", "static_configs": [{"targets": ["n1:9100"]}]}],
    }
    (root / "prometheus.yml").write_text(yaml.safe_dump(prometheus), encoding="utf-8")
    rules = {
        "groups": [
            {
                "name": "g",
                "rules": [
                    {"alert": "Down", "expr": "up == 0", "annotations": {"runbook_url": text, "summary": text}},
                    {"record": f"x:{C['aws key id']}", "expr": "sum(up)"},
                ],
            }
        ]
    }
    (root / "rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    # A broken file whose error names a group holding a canary, and a file named by a token.
    (root / "broken.yaml").write_text(
        f"groups:\n- name: '{C['gitlab pat']}'\n  rules:\n  - alert: X\n", encoding="utf-8"
    )
    (root / f"{C['github pat']}.yaml").write_text("a: 1\n", encoding="utf-8")


def test_no_canary_in_any_output_or_log(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _repo(repo)
    cfg = tmp_path / "m.yaml"
    scope = {"name": "shop", "owner": "shop-lead@example.com", "target_level": 3}
    scope["selectors"] = {"files": {"paths": ["apps"]}}  # the report grades this scope too
    cfg.write_text(
        yaml.safe_dump({"sources": [{"name": "repo", "probe": "files", "path": str(repo)}], "scopes": [scope]})
    )
    out = tmp_path / "out"
    keys = tmp_path / "keys"
    made = maturity("keygen", "--out", str(keys))  # in-process (tests/cli.py): only the scans' own output is read
    assert made.returncode == 0, made.stderr
    argv = [
        *("scan", "-c", str(cfg), "--json", str(out / "r.json"), "--html", str(out / "r.html")),
        *("--sarif", str(out / "r.sarif"), "--junit", str(out / "r.xml"), "--metrics-file", str(out / "r.prom")),
        *("--evidence-dir", str(out / "ev"), "--pushgateway", f"http://ops:{C['pushgateway password']}@127.0.0.1:9/"),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "-v", *argv], capture_output=True, text=True, timeout=300, check=False
    )
    # The Pushgateway above is unreachable on purpose (its URL's password must not reach stderr),
    # which ends that scan before signing: a second scan signs the report and the bundle.
    signed = out / "signed"
    argv = ["scan", "-c", str(cfg), "--json", str(signed / "r.json"), "--evidence-dir", str(signed / "ev")]
    proc2 = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "-v", *argv, "--sign-key", f"{keys}.key"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (out / "r.json").is_file(), proc.stderr[-3000:]
    report = (out / "r.json").read_text(encoding="utf-8")
    assert "shop/Deployment/web" in report and "alertmanager.config" in report  # the planted inputs were read
    assert json.loads(report)["scopes"], "the scope was graded (its frameworks are an output too)"
    texts = {"stdout": proc.stdout, "stderr (-v)": proc.stderr, "stdout 2": proc2.stdout, "stderr 2": proc2.stderr}
    texts.update({str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()})
    assert {"r.json", "r.html", "r.sarif", "r.xml", "r.prom"} <= set(texts)
    assert {"signed/r.json.sig.json", "signed/ev/signature.json"} <= set(texts), proc2.stderr[-2000:]
    # A DSSE envelope carries the signed statement base64-encoded: read it decoded as well.
    for name in ("signed/r.json.sig.json", "signed/ev/signature.json"):
        texts[f"{name} (payload)"] = base64.b64decode(json.loads(texts[name])["payload"]).decode("utf-8")
    assert any(name.startswith("ev/") for name in texts)
    leaks = [f"{what} -> {name}" for what, canary in C.items() for name, text in texts.items() if canary in text]
    assert not leaks, leaks
