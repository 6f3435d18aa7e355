"""The fast JSON decoder gives exactly the standard library's value, or hands the body to it.

`scanner.jsonio.loads_or` decodes with orjson only where that is provably `json.loads`'s value;
every other body goes to the caller's own stdlib decoding, so results and failures (and their
CollectError categories in the clients) are what they were before the fast path. The clients
are checked against a real loopback server answering odd bodies: each must decode them as its
stdlib path does (Prometheus-style JsonClient, GitLab through requests, Kubernetes).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.gitlab.config import GitLabConfig
from probes.gitlab.http import Api
from probes.http import HttpSourceConfig, JsonClient
from probes.kubernetes.client import KubeReader, make_api_client
from sandbox.kubernetes import write_kubeconfig
from sandbox.loopback import serve, shutdown
from scanner.jsonio import FAST_DEPTH, load_json, load_json_stdlib, loads_or
from scanner.probe import CollectError, ProbeContext


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 is not 1.0, -0.0 is not 0.0; NaN is NaN).
    Iterative: the deep bodies below are deeper than the interpreter's recursion limit allows."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if not ((math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))):
                return False
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif x != y:
            return False
    return True


def _outcome(fn: Any, data: Any) -> tuple[str, Any]:
    try:
        return "value", fn(data)
    except RecursionError:
        return "RecursionError", None
    except ValueError as exc:
        return type(exc).__name__, None


def _agree(data: bytes | str) -> None:
    got, want = _outcome(load_json, data), _outcome(load_json_stdlib, data)
    assert got[0] == want[0], (data[:80], got[0], want[0])
    assert _same(got[1], want[1]), data[:80]
    raw = _outcome(lambda d: loads_or(d, lambda: json.loads(d)), data)
    plain = _outcome(json.loads, data)
    assert raw[0] == plain[0] and _same(raw[1], plain[1]), data[:80]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans())
def test_any_json_value_decodes_to_the_stdlib_value(value: Any, as_text: bool) -> None:
    text = json.dumps(value, ensure_ascii=False)
    _agree(text if as_text else text.encode("utf-8"))


@settings(max_examples=400, deadline=None)
@given(json_values, st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=3)), min_size=1, max_size=4))
def test_damaged_bodies_fail_or_decode_as_the_stdlib_does(value: Any, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(json.dumps(value).encode())
    for at, new in edits:  # overwrite or insert a few random bytes: brackets, quotes, bad UTF-8
        at %= len(data) + 1
        data[at : at + len(new) // 2] = new
    _agree(bytes(data))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,22})?([eE][+-]?[0-9]{1,3})?\Z"))
def test_number_literals_keep_their_type_and_value(literal: str) -> None:
    """orjson reads integers past 64 bits as floats and refuses numbers past the double range:
    both go to `json`, which keeps the integer exact (and gives inf) as before."""
    _agree(literal)
    _agree(f'{{"n": [{literal}]}}')


@pytest.mark.parametrize(
    "body",
    [
        b"18446744073709551615",  # 2**64 - 1: orjson's own
        b"[18446744073709551616, -9223372036854775809, 100000000000000000000000]",
        b'{"big": 123456789012345678901234567890}',
        b"[1e400, -1e400, 1.7976931348623159e308]",
        b"[NaN]",
        b"Infinity",
        b'"\\ud800"',  # a lone surrogate escape: json keeps it, orjson refuses
        b'"\xff"',  # not UTF-8
        b"\xef\xbb\xbf[1]",  # a UTF-8 byte-order mark: json.loads(bytes) skips it
        "\ufeff[1]".encode("utf-16"),  # UTF-16: json.loads(bytes) detects it
        b"1],[2",  # balanced brackets around two values: not one document
        b"1,2",
        b"",
        b" \n\t[1] \r\n",
        b'{"a": 1, "b": 2, "a": 3}',  # a repeated key: the last value, at the first place
        b"[-0.0, -0, 0.1, 5e-324, 2.2250738585072011e-308]",
    ],
)
def test_edge_bodies_agree_with_the_stdlib(body: bytes) -> None:
    _agree(body)
    try:
        _agree(body.decode("utf-8"))
    except UnicodeDecodeError:
        pass


@pytest.mark.parametrize("depth", [FAST_DEPTH - 1, FAST_DEPTH, FAST_DEPTH + 1, 900, 1024, 1025, 100_000])
def test_nesting_decodes_or_fails_exactly_as_before(depth: int) -> None:
    """orjson takes at most FAST_DEPTH levels here; deeper bodies get the stdlib's answer (a value
    while the interpreter's recursion limit allows, else ValueError from load_json)."""
    for opener, closer in ((b"[", b"]"), (b'{"k":', b"}")):
        _agree(opener * depth + b"1" + closer * depth)
    with pytest.raises(ValueError, match="nested too deeply"):
        load_json(b"[" * 100_000 + b"]" * 100_000)


def test_the_fast_path_is_taken_for_ordinary_bodies() -> None:
    """A body orjson can read must not reach the stdlib (else nothing got faster)."""
    calls: list[int] = []
    page = json.dumps([{"id": i, "sha": "ab12" * 10, "at": "2026-01-01T00:00:00Z", "x": i / 3} for i in range(50)])
    assert _same(loads_or(page.encode(), lambda: calls.append(1)), json.loads(page))
    deep = b"[" * FAST_DEPTH + b"]" * FAST_DEPTH
    assert _same(loads_or(deep, lambda: calls.append(1)), json.loads(deep))
    assert calls == []
    for slow in (b"[18446744073709551616]", b"[" * (FAST_DEPTH + 1) + b"]" * (FAST_DEPTH + 1), b"[NaN]"):
        assert loads_or(slow, lambda: "stdlib") == "stdlib"


# --- the clients: one loopback server answering a chosen body ----------------------------------


class _Body:
    def __init__(self) -> None:
        self.body = b"{}"
        self.content_type = "application/json"


@pytest.fixture(scope="module")
def body_server() -> Iterator[tuple[str, _Body]]:
    answer = _Body()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *_args: Any) -> None:
            return

    httpd, url = serve(Handler, "json-bodies")
    yield url, answer
    shutdown(httpd)


def _ctx() -> ProbeContext:
    return ProbeContext(source="t", deadline=time.monotonic() + 30, log=logging.getLogger("test.jsonfast"))


DOC_BODIES = [
    b'{"items": [{"n": 18446744073709551616, "s": "\xc3\xa9"}], "f": 1e400}',
    b'{"items": [], "x": NaN}',
    b'{"items": [], "deep": ' + b"[" * 700 + b"]" * 700 + b"}",
    b'{"items": [], "s": "\\ud800"}',
    b'{"items": [], "s": "\xff"}',
    b'{"items": [1] ,"a": 1, "a": 2}',
    b'{"items": []} {"items": []}',
    b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
]
CONTENT_TYPES = ["application/json", "application/json; charset=iso-8859-1", "text/plain"]


def _expect(fn: Any) -> tuple[str, Any]:
    try:
        return "value", fn()
    except (ValueError, RecursionError):
        return "error", None


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("body", DOC_BODIES, ids=range(len(DOC_BODIES)))
def test_json_client_decodes_as_before(body_server: tuple[str, _Body], body: bytes, content_type: str) -> None:
    url, answer = body_server
    answer.body, answer.content_type = body, content_type
    charset = "iso8859-1" if "iso-8859-1" in content_type else "utf-8"
    want = _expect(lambda: load_json_stdlib(body.decode(charset, errors="replace")))
    with JsonClient(HttpSourceConfig(name="p", probe="prometheus", url=url, retries=0), _ctx()) as client:
        try:
            got: tuple[str, Any] = ("value", client.get_json("/doc"))
        except CollectError as exc:
            assert exc.category == "malformed"
            got = ("error", None)
    assert got[0] == want[0] and _same(got[1], want[1])


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("body", DOC_BODIES, ids=range(len(DOC_BODIES)))
def test_gitlab_decodes_as_requests_did(body_server: tuple[str, _Body], body: bytes, content_type: str) -> None:
    url, answer = body_server
    answer.body, answer.content_type = b"[" + body + b"]", content_type
    want = _expect(lambda: requests.get(url + "/api/v4/doc", timeout=10).json())  # requests' own decoding
    api = Api(GitLabConfig(name="g", probe="gitlab", url=url, retries=0), _ctx())
    try:
        got: tuple[str, Any] = ("value", list(api.pages("/doc")))
    except CollectError as exc:
        assert exc.category == "malformed"
        got = ("error", None)
    finally:
        api.close()
    assert got[0] == want[0] and _same(got[1], want[1])


@pytest.mark.parametrize("body", DOC_BODIES, ids=range(len(DOC_BODIES)))
def test_kubernetes_decodes_as_before(body_server: tuple[str, _Body], body: bytes, tmp_path: Path) -> None:
    url, answer = body_server
    answer.body, answer.content_type = body, "application/json"
    want = _expect(lambda: json.loads(body))
    kc = write_kubeconfig(tmp_path / "kubeconfig", url, token="t")
    reader = KubeReader(make_api_client(str(kc), None, False), _ctx(), retries=0, page_size=10)
    try:
        got: tuple[str, Any] = ("value", reader.get("/api/v1/things"))
    except CollectError as exc:
        assert exc.category == "malformed"
        got = ("error", None)
    finally:
        reader.api.close()
    assert got[0] == want[0] and _same(got[1], want[1])
