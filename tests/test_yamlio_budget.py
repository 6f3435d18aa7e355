"""The YAML loader's alias budget covers a whole text, not each of its documents: a file (or a
ConfigMap key) of many `---` documents, each just under the budget, is refused as one bomb."""

from __future__ import annotations

import pytest

from scanner.errors import InputError
from scanner.yamlio import ALIAS_BUDGET, load_yaml_documents


def _document(i: int) -> str:
    """A rule-file-shaped document whose aliases expand to about 9,000 nodes."""
    return (
        f"a{i}: &l{i} [x, x, x, x, x, x, x, x, x, x]\n"
        f"b{i}: &m{i} [*l{i}, *l{i}, *l{i}, *l{i}, *l{i}, *l{i}, *l{i}, *l{i}, *l{i}, *l{i}]\n"
        f"c{i}: &n{i} [*m{i}, *m{i}, *m{i}, *m{i}, *m{i}, *m{i}, *m{i}, *m{i}, *m{i}, *m{i}]\n"
        f"d{i}: [*n{i}, *n{i}, *n{i}, *n{i}, *n{i}, *n{i}, *n{i}, *n{i}, *n{i}]\n"
    )


def test_a_few_aliased_documents_load() -> None:
    docs = list(load_yaml_documents("ok.yaml", "---\n".join(_document(i) for i in range(2))))
    assert len(docs) == 2 and len(docs[1]["d1"]) == 9


def test_many_documents_share_one_alias_budget() -> None:
    n = ALIAS_BUDGET // 9_000 + 3  # each document alone is well under the budget
    with pytest.raises(InputError, match="aliases expand"):
        list(load_yaml_documents("bomb.yaml", "---\n".join(_document(i) for i in range(n))))
