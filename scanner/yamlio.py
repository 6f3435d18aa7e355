"""YAML loading that remembers line numbers, so every error can name file and line, and that
stays bounded on hostile input (depth, alias expansion, values JSON cannot hold)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

import yaml
import yaml.composer
import yaml.constructor
import yaml.parser
import yaml.reader
import yaml.resolver
import yaml.scanner
from pydantic import BaseModel, ValidationError

from scanner.errors import InputError

M = TypeVar("M", bound=BaseModel)

__all__ = ["LineDict", "LineList", "line_of", "load_yaml", "load_yaml_documents", "validate"]


class LineDict(dict[str, Any]):
    """A mapping that knows the line of each key (1-based) and of itself."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that knows the line of each element."""

    line: int = 0
    item_lines: list[int]


MAX_DEPTH = 200  # nesting of collections in one document (CRD schemas reach ~60)
ALIAS_BUDGET = 100_000  # nodes all aliases of one text may expand to, every document together
# (billion laughs: 10^9; per document, a text of many `---` documents multiplied the budget)

try:  # libyaml parses ~10x faster; the composer below is ours either way (limits, line marks)
    _CParser: Any = import_module("yaml._yaml").CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None


def _error(problem: str, mark: Any) -> yaml.composer.ComposerError:
    return yaml.composer.ComposerError(None, None, problem, mark)


class _Composer:
    """An iterative composer over parser events, with a depth limit and an alias budget.

    PyYAML's own composers recurse once per nesting level (a 3000-deep document raises
    RecursionError, or overflows the C stack in libyaml's) and do not count what aliases expand
    to (a few KB of nested aliases stand for 10^9 nodes once anything walks them). This one
    keeps an explicit stack and refuses both past their limits with an error naming the line.
    """

    get_event: Any
    check_event: Any
    resolve: Any
    _expanded: int = 0  # alias nodes expanded so far, over every document of the text

    def check_node(self) -> bool:
        if self.check_event(yaml.StreamStartEvent):
            self.get_event()
        return not self.check_event(yaml.StreamEndEvent)

    def get_node(self) -> yaml.Node | None:
        if not self.check_event(yaml.StreamEndEvent):
            return self.compose_document()
        return None

    def get_single_node(self) -> yaml.Node | None:
        self.get_event()  # stream start
        document = None
        if not self.check_event(yaml.StreamEndEvent):
            document = self.compose_document()
        if not self.check_event(yaml.StreamEndEvent):
            event = self.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None, "but found another document", event.start_mark
            )
        self.get_event()  # stream end
        return document

    def compose_document(self) -> yaml.Node | None:
        self.get_event()  # document start
        anchors: dict[str, yaml.Node] = {}
        sizes: dict[int, int] = {}  # id(closed collection) -> nodes it expands to
        stack: list[yaml.Node] = []
        keys: list[yaml.Node | None] = []  # per open mapping: the key waiting for its value
        root: yaml.Node | None = None
        expanded = getattr(self, "_expanded", 0)  # shared by every document of the text

        def size(node: yaml.Node) -> int:
            return 1 if isinstance(node, yaml.ScalarNode) else sizes[id(node)]

        def attach(node: yaml.Node) -> None:
            nonlocal root
            if not stack:
                root = node
            elif isinstance(stack[-1], yaml.SequenceNode):
                stack[-1].value.append(node)
            elif keys[-1] is None:
                keys[-1] = node
            else:
                stack[-1].value.append((keys[-1], node))
                keys[-1] = None

        while True:
            event: Any = self.get_event()
            start: Any = event.start_mark
            end: Any = event.end_mark
            if isinstance(event, yaml.DocumentEndEvent):
                return root
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                node = stack.pop()
                keys.pop()
                node.end_mark = event.end_mark
                if isinstance(node, yaml.SequenceNode):
                    sizes[id(node)] = 1 + sum(size(c) for c in node.value)
                else:
                    sizes[id(node)] = 1 + sum(size(k) + size(v) for k, v in node.value)
                continue
            if isinstance(event, yaml.AliasEvent):
                target = anchors.get(event.anchor or "")
                if target is None:
                    raise _error(f"found undefined alias {event.anchor!r}", event.start_mark)
                if not isinstance(target, yaml.ScalarNode) and id(target) not in sizes:
                    raise _error(f"alias {event.anchor!r} refers to a node that contains it", event.start_mark)
                expanded += size(target)
                self._expanded = expanded
                if expanded > ALIAS_BUDGET:
                    raise _error(f"aliases expand to more than {ALIAS_BUDGET} nodes", event.start_mark)
                attach(target)
                continue
            anchor = event.anchor
            if anchor is not None and anchor in anchors:
                raise _error(f"found duplicate anchor {anchor!r}", event.start_mark)
            new: yaml.Node
            if isinstance(event, yaml.ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
                new = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _error(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
                cls = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = self.resolve(cls, None, event.implicit)
                new = cls(tag, [], start, None, flow_style=event.flow_style)
            else:  # pragma: no cover - the parser emits no other event here
                raise _error(f"unexpected {type(event).__name__}", event.start_mark)
            if anchor is not None:
                anchors[anchor] = new
            attach(new)
            if not isinstance(new, yaml.ScalarNode):
                stack.append(new)
                keys.append(None)


class _Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor that keeps line numbers, leaves dates as strings, and never yields a
    value that cannot become JSON.

    Dates are validated by the pydantic models instead, so a bad date ("2026-13-01") is an
    error that names its field and line rather than a crash inside the YAML constructor.
    `.inf`/`.nan` stay the strings written (JSON, and so every hash, has no such numbers); a
    lone surrogate (`"\\ud800"`) becomes U+FFFD (it cannot be written as UTF-8).
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. an int of 10^5 digits
            raise yaml.constructor.ConstructorError(None, None, f"cannot load value: {exc}", node.start_mark) from exc

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float | str:  # type: ignore[override]
        value = super().construct_yaml_float(node)
        return value if math.isfinite(value) else str(node.value)

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = self.construct_scalar(node)
        if not value.isascii():
            value = _SURROGATE.sub("\ufffd", value)
        return value


_SURROGATE = re.compile("[\ud800-\udfff]")
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)  # type: ignore[type-var]
_Constructor.add_constructor("tag:yaml.org,2002:str", _Constructor.construct_yaml_str)  # type: ignore[type-var]

if _CParser is not None:

    class _Loader(_Composer, _CParser, _Constructor, yaml.resolver.Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover

    class _Loader(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Composer, _Constructor, yaml.resolver.Resolver
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


# Dates stay strings (see _Constructor).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "mapping keys must be scalars", key_node.start_mark)
        skey = str(key) if not isinstance(key, str) else key
        if skey in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {skey!r}", key_node.start_mark)
        out[skey] = loader.construct_object(value_node, deep=True)
        out.key_lines[skey] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _yaml_error(path: Path | str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    return InputError(f"invalid YAML: {problem}", file=str(path), line=line)


def _read(path: Path | str, text: str | None) -> str:
    if text is not None:
        return text
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=str(path)) from exc


def load_yaml(path: Path | str, text: str | None = None) -> Any:
    """Load one YAML document with line numbers; raise InputError naming file and line."""
    source = _read(path, text)
    loader = _Loader(source)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from exc
    finally:
        loader.dispose()


def load_yaml_documents(path: Path | str, text: str | None = None) -> Iterator[Any]:
    """Load every document of a multi-document YAML file, with line numbers."""
    source = _read(path, text)
    loader = _Loader(source)
    try:
        while loader.check_data():  # type: ignore[no-untyped-call]
            yield loader.get_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from exc
    finally:
        loader.dispose()


def line_of(doc: Any, loc: Sequence[int | str]) -> int | None:
    """The line of the deepest node along `loc` that we know a line for."""
    line: int | None = getattr(doc, "line", None) or None
    node = doc
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def validate(model: type[M], doc: Any, file: Path | str) -> M:
    """Validate `doc` against a pydantic model; the first error names file, field and line."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if isinstance(p, (str, int))]
        field = ".".join(str(p) for p in loc) or None
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more error{'s' if more > 1 else ''})"
        raise InputError(msg, file=str(file), line=line_of(doc, loc), field=field) from exc
