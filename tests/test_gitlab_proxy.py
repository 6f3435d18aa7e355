"""The GitLab session reads its proxy from the environment once, and keeps every netguard rule.

A real forward proxy on loopback stands between the probe and the loopback GitLab API: plain
HTTP requests reach it in absolute form and are relayed, HTTPS requests open a CONNECT tunnel
(the GitLab API then serves TLS with a certificate made here). The proxy is taken from
HTTP(S)_PROXY / ALL_PROXY less NO_PROXY when the session is made, as requests would pick it per
request, and never re-read; `.netrc` and REQUESTS_CA_BUNDLE stay ignored (the CA is the
source's `ca_file`), as before.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from probes.gitlab import GitLabConfig, GitLabProbe
from probes.gitlab.http import Api, ApiError, environ_proxy
from sandbox.gitlab import GitLabAPI, History, build_history
from sandbox.hostile import Hostile, Recorder
from sandbox.loopback import serve, shutdown
from scanner.probe import ProbeContext

TOKEN = "glpat-PROXYtokenPROXYtokenPR"
ENV = "MATURITY_TEST_GITLAB_PROXY_TOKEN"
PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]
HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailers", "transfer-encoding"}


class ForwardProxy:
    """A forward HTTP proxy on 127.0.0.1 that serves only 127.0.0.1 targets: absolute-form
    requests are relayed, CONNECT opens a byte tunnel (bounded to 60 s). `seen` lists each
    request line's method and target; `headers` the headers of relayed requests."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""

    def __enter__(self) -> ForwardProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return

            def do_CONNECT(self) -> None:
                host, _, port = self.path.rpartition(":")
                with proxy._lock:
                    proxy.seen.append(("CONNECT", self.path))
                if host != "127.0.0.1":
                    self.send_error(403)
                    return
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.close_connection = True
                _pipe(self.connection, upstream, until=time.monotonic() + 60)

            def _relay(self) -> None:
                target = urlsplit(self.path)
                with proxy._lock:
                    proxy.seen.append((self.command, self.path))
                    proxy.headers.append(dict(self.headers.items()))
                if target.scheme != "http" or target.hostname != "127.0.0.1":
                    self.send_error(403)
                    return
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                sent = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    conn.request(self.command, path, body=body, headers=sent)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    if key.lower() not in HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _relay

        self._httpd, self.url = serve(Handler, "forward-proxy")
        return self

    def __exit__(self, *_exc: object) -> None:
        shutdown(self._httpd)


def _pipe(a: socket.socket, b: socket.socket, *, until: float) -> None:
    """Copy bytes both ways until either side closes or `until` passes."""
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    try:
        while time.monotonic() < until:
            for key, _ in sel.select(timeout=0.5):
                src: socket.socket = key.fileobj  # type: ignore[assignment]
                data = src.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
    except OSError:
        return
    finally:
        sel.close()
        b.close()


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test with no proxy variable in either spelling, and the token set."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv(ENV, TOKEN)


@pytest.fixture(scope="module")
def history() -> History:
    return build_history()


@pytest.fixture(scope="module")
def plain_api(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(ski, False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture(scope="module")
def tls_api(history: History, cert: tuple[Path, Path]) -> Iterator[GitLabAPI]:
    """The loopback GitLab API serving HTTPS (its listening socket wrapped before any client)."""
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    assert api._server is not None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    api._server.socket = ctx.wrap_socket(api._server.socket, server_side=True)
    api.url = api.url.replace("http://", "https://")  # next-page links name the https origin
    yield api
    api.stop()


def _cfg(url: str, **kw: Any) -> GitLabConfig:
    return GitLabConfig(name="gl", probe="gitlab", url=url, token_env=ENV, groups=["acme"], retries=0, **kw)


def _scan(config: GitLabConfig) -> tuple[list[tuple[str, str, Any]], ProbeContext]:
    ctx = ProbeContext(source="gl", deadline=time.monotonic() + 120, log=logging.getLogger("test.gitlab.proxy"))
    evidence = [(e.kind, e.subject, _unclocked(e.data)) for e in GitLabProbe().collect(config, ctx)]
    evidence.sort(key=lambda e: (e[0], e[1], json.dumps(e[2], sort_keys=True)))  # projects finish in any order
    assert not ctx.failures, ctx.failures
    return evidence, ctx


def _unclocked(value: Any) -> Any:
    """`value` without the window's start and end (they follow the clock, not the estate)."""
    if isinstance(value, dict):
        return {k: _unclocked(v) for k, v in value.items() if not (k in ("start", "end") and "days" in value)}
    if isinstance(value, list):
        return [_unclocked(v) for v in value]
    return value


def test_plain_http_goes_through_http_proxy_with_the_same_evidence(
    plain_api: GitLabAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct, ctx_direct = _scan(_cfg(plain_api.url))
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        via, ctx_via = _scan(_cfg(plain_api.url))
    assert via == direct
    assert len(proxy.seen) == ctx_via.requests == ctx_direct.requests > 10
    assert all(target.startswith(plain_api.url + "/api/") for _method, target in proxy.seen)


def test_https_goes_through_https_proxy_in_a_tunnel(
    tls_api: GitLabAPI, plain_api: GitLabAPI, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    direct, _ = _scan(_cfg(plain_api.url))
    tls_api.clear()
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the other scheme's proxy is not used
        via, ctx = _scan(_cfg(tls_api.url, ca_file=str(cert[0])))
    assert via == direct  # the same estate, read over TLS through the tunnel
    host = urlsplit(tls_api.url).netloc
    assert proxy.seen and set(proxy.seen) == {("CONNECT", host)}  # only tunnels, to GitLab
    assert len(proxy.seen) <= ctx.requests  # connections are reused inside the tunnel
    assert len(tls_api.requests) == ctx.requests


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.0/8", "*"])
def test_no_proxy_sends_requests_direct(plain_api: GitLabAPI, monkeypatch: pytest.MonkeyPatch, no_proxy: str) -> None:
    with ForwardProxy() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        _evidence, ctx = _scan(_cfg(plain_api.url))
    assert ctx.requests > 10 and proxy.seen == []


def test_all_proxy_and_lowercase_names_are_honoured(plain_api: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    with ForwardProxy() as proxy:
        monkeypatch.setenv("all_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "gitlab.example")  # another host: not this one
        assert environ_proxy(plain_api.url + "/api/v4") == {"http": proxy.url}
        api = Api(_cfg(plain_api.url), _ctx())
        try:
            api.get("/projects/acme%2Fweb%2Fapi")
        finally:
            api.close()
    assert [m for m, _t in proxy.seen] == ["GET"]


def test_the_environment_is_read_once_per_session(plain_api: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session made without a proxy stays direct when a proxy variable appears later, and one
    made with a proxy keeps it when the variable goes: nothing is re-read per request."""
    with ForwardProxy() as proxy:
        direct = Api(_cfg(plain_api.url), _ctx())
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        proxied = Api(_cfg(plain_api.url), _ctx())
        monkeypatch.delenv("HTTP_PROXY")
        try:
            direct.get("/projects/acme%2Fweb%2Fapi")
            assert proxy.seen == []
            proxied.get("/projects/acme%2Fweb%2Fapi")
            proxied.get("/projects/acme%2Fweb%2Fapi")
            # the proxy's connections honour the request deadline like direct ones (netguard)
            managers = proxied.session.get_adapter(plain_api.url).proxy_manager  # type: ignore[attr-defined]
            assert all(
                cls.__name__.startswith("Guarded") for cls in managers[proxy.url].pool_classes_by_scheme.values()
            )
        finally:
            direct.close()
            proxied.close()
    assert len(proxy.seen) == 2


def test_a_cross_origin_redirect_through_the_proxy_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        Recorder() as elsewhere,
        Hostile("redirect", location=elsewhere.url + "/steal") as srv,
        ForwardProxy() as proxy,
    ):
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        api = Api(_cfg(srv.url), _ctx())
        try:
            with pytest.raises(ApiError) as err:
                api.get("/projects/1")
        finally:
            api.close()
    assert err.value.category == "error" and "refused" in str(err.value)
    assert [t for _m, t in proxy.seen] == [srv.url + "/api/v4/projects/1"]  # never the other origin
    assert elsewhere.count == 0
    assert all(TOKEN not in repr(h) for _p, h in elsewhere.requests)


def test_the_ca_bundle_variable_is_still_ignored(
    tls_api: GitLabAPI, cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's CA is the source's `ca_file`: REQUESTS_CA_BUNDLE does not widen trust."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert[0]))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(cert[0]))
    api = Api(_cfg(tls_api.url), _ctx())
    try:
        with pytest.raises(ApiError) as err:
            api.get("/projects/acme%2Fweb%2Fapi")
    finally:
        api.close()
    assert err.value.category == "unreachable"
    trusted = Api(_cfg(tls_api.url, ca_file=str(cert[0])), _ctx())
    try:
        assert trusted.get("/projects/acme%2Fweb%2Fapi")["path_with_namespace"] == "acme/web/api"
    finally:
        trusted.close()


def test_a_socks_proxy_is_refused_when_the_session_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(ApiError) as err:
        Api(_cfg("https://gitlab.example"), _ctx())
    assert err.value.category == "error" and "not an http(s):// proxy" in str(err.value)


def _ctx() -> ProbeContext:
    return ProbeContext(source="gl", deadline=time.monotonic() + 30, log=logging.getLogger("test.gitlab.proxy"))
