"""Rule documents are read once per content: cached by the digest of their files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.cache import cache_dir
from scanner.rules import _read_rule_files


def test_rule_documents_are_cached_by_content_with_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    f = tmp_path / "r.yaml"
    f.write_text("# a rule\nid: a.one\n---\nid: a.two\n", encoding="utf-8")
    first = _read_rule_files([f])
    entries = sorted(cache_dir().glob("rule-docs-*"))
    assert len(entries) == 1
    again = _read_rule_files([f])  # from the cache: the same documents, the same line marks
    assert [(ln, dict(d)) for _f, ln, d in again] == [(ln, dict(d)) for _f, ln, d in first]
    assert [ln for _f, ln, _d in again] == [2, 4]
    f.write_text("id: a.three\n", encoding="utf-8")  # a changed file is read again, never stale
    assert [dict(d) for _f, _ln, d in _read_rule_files([f])] == [{"id": "a.three"}]
    assert len(sorted(cache_dir().glob("rule-docs-*"))) == 2
