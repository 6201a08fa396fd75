"""A strict YAML loader for the files users write: what YAML 1.2 refuses, and what we cannot mean.

PyYAML's `SafeLoader` reads YAML 1.1, which lets the last of two equal keys win silently, reads
`yes:` and `1:` as true and a number rather than text, recurses once per level of nesting (a
file nested 3,000 deep overflows Python's stack) and expands aliases without limit (a few lines
of `&a [*a, *a, ...]` stand for a billion values). `StrictLoader` refuses each of these with a
`yaml.MarkedYAMLError` that points at the line, so the reader can say where the file is wrong.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from simulation.scenario.arguments import MAX_DEPTH

#: Values a file may stand for once its aliases are expanded. A bundled scenario has a few
#: hundred, an experiment with long level lists a few thousand; an alias bomb has billions.
#: Counted as the file is read, so reading stops in well under a second (PyYAML is pure Python).
MAX_VALUES = 20_000
#: The longest piece of a file's text an error message quotes.
QUOTE_LIMIT = 60

_MERGE_TAG = "tag:yaml.org,2002:merge"


def _quote(text: str) -> str:
    return repr(text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "...")


def _read_as(value: Any) -> str:
    """How YAML read a key that is not text, in words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null (no value)"
    return f"a {type(value).__name__}"


class StrictLoader(yaml.SafeLoader):
    r"""A `yaml.SafeLoader` that refuses what a scenario file should never hold.

    It refuses duplicate keys, keys that are not text, nesting deeper than `MAX_DEPTH` and
    aliases that expand to more than `MAX_VALUES` values.

    Example:
        >>> yaml.load("days: 90", Loader=StrictLoader)
        {'days': 90}
        >>> yaml.load("days: 90\ndays: 30", Loader=StrictLoader)
        Traceback (most recent call last):
        ...
        yaml.constructor.ConstructorError: key 'days' appears twice (lines 1 and 2)
          in "<unicode string>", line 2, column 1:
            days: 30
            ^
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded
        self._total = 0  # values composed so far, aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """Compose one node, counting nesting depth and the values composed so far.

        The count runs as the file is read (each use of an alias adds its anchor's values),
        so a file that stands for too many values is refused as soon as it passes the limit.
        """
        if self._depth >= MAX_DEPTH:
            raise ComposerError(
                None,
                None,
                f"values nest deeper than {MAX_DEPTH} levels",
                self.peek_event().start_mark,
            )
        if self.check_event(AliasEvent):
            node = super().compose_node(parent, index)
            size = self._values.get(id(node))
            if size is None:  # the anchor is still being composed
                raise ComposerError(
                    None, None, "an alias refers to the value that contains it", node.start_mark
                )
            self._add(size, node)
            return node
        before = self._total
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._add(1, node)
        self._values[id(node)] = self._total - before
        return node

    def _add(self, values: int, node: Node) -> None:
        self._total += values
        if self._total > MAX_VALUES:
            raise ComposerError(
                None,
                None,
                f"holds more than {MAX_VALUES:,} values (an alias counts its values at every use)",
                node.start_mark,
            )

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Construct a value, or raise a ConstructorError at its line.

        A value Python cannot hold (a 5,000-digit number, 31 February) becomes a
        ConstructorError at its line instead of a bare ValueError.
        """
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            reason = str(exc)[:QUOTE_LIMIT]
            raise ConstructorError(
                None, None, f"a value cannot be read ({reason})", node.start_mark
            ) from None

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose keys are text, each given once (merge keys `<<:` excepted)."""
        if isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                if not isinstance(key_node, ScalarNode):
                    raise ConstructorError(
                        None, None, "a key is a list or mapping, not text", key_node.start_mark
                    )
                key = self.construct_object(key_node)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise ConstructorError(
                        None,
                        None,
                        f"key {_quote(key_node.value)} is read as {_read_as(key)}, not as text "
                        f"(quote it, or use a key the file allows)",
                        key_node.start_mark,
                    )
                if key in first_line:
                    raise ConstructorError(
                        None,
                        None,
                        f"key {_quote(key)} appears twice (lines {first_line[key]} and {line})",
                        key_node.start_mark,
                    )
                first_line[key] = line
        return super().construct_mapping(node, deep)


def load_strict(text: str) -> Any:
    """The YAML document in `text`, read by `StrictLoader`.

    Raises:
        yaml.YAMLError: a syntax error or anything `StrictLoader` refuses.
    """
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
