"""What a config file may cost to read: its size, encoding, nesting, aliases and integers, refused where crossed.

A config file is a few kilobytes nested six levels deep. These limits sit far above that and far below what
exhausts the process: an alias bomb ("billion laughs") expands a 1 kB file to a billion values, a file nested
100,000 deep overflows the stack, a 5,000-digit integer exceeds Python's conversion limit, and /dev/zero never
ends. Each is refused with the place it crosses the limit, before anything walks the document as a tree.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from config.errors import ConfigFileError

__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_INT_CHARS", "MAX_VALUES", "LimitedLoader", "read_text"]

MAX_BYTES: Final = 1_048_576
MAX_DEPTH: Final = 32
MAX_ALIASES: Final = 100
MAX_VALUES: Final = 50_000
MAX_INT_CHARS: Final = 64
_BOMS: Final = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                (b"\xfe\xff", "UTF-16"))  # fmt: skip


class LimitExceeded(yaml.MarkedYAMLError):
    """A limit of this module crossed at `problem_mark` (valid YAML, refused all the same)."""


def _refused(problem: str, mark: Any) -> LimitExceeded:
    return LimitExceeded(problem=problem, problem_mark=mark)


def _where(data: bytes) -> tuple[int, int]:
    """1-based line and column just after `data` (columns in characters)."""
    before = data.decode("utf-8", errors="replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def read_text(file: str | Path) -> str:
    """The file's text: a regular file of at most MAX_BYTES, in UTF-8.

    Raises:
        ConfigFileError: missing or unreadable, not a regular file, too large, or not UTF-8 (located).
    """
    name = str(file)
    try:
        # Non-blocking: opening a pipe without a writer would wait for ever; the handle is checked before a read.
        with os.fdopen(os.open(file, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            kind = stat.S_IFMT(os.fstat(handle.fileno()).st_mode)
            if kind != stat.S_IFREG:
                raise ConfigFileError(name, f"not a regular file ({_kind(kind)}): give the path of a YAML file")
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigFileError(name, exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        line, column = _where(data[:MAX_BYTES])
        raise ConfigFileError(name, f"the file is larger than {MAX_BYTES:,} bytes, the most a config file may be",
                              line, column)  # fmt: skip
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise ConfigFileError(name, f"the file is {encoding} (byte order mark): save it as UTF-8", 1, 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _where(data[: exc.start])
        byte = data[exc.start]
        raise ConfigFileError(name, f"not UTF-8: byte 0x{byte:02X} ({exc.reason}); save the file as UTF-8",
                              line, column) from None  # fmt: skip


def _kind(mode: int) -> str:
    kinds = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
             stat.S_IFIFO: "a pipe", stat.S_IFSOCK: "a socket"}  # fmt: skip
    return kinds.get(mode, "not a file")


@dataclass
class _Shape:
    """The expanded size and depth of each composed node, by id (a node reached by an alias counts in full)."""

    sizes: dict[int, tuple[int, int]] = field(default_factory=dict)

    def of(self, node: yaml.Node) -> tuple[int, int]:
        """(values, depth) of `node` as a tree, aliases expanded; its children are already known."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        shapes = [self.of(child) for child in children]
        shape = (1 + sum(s[0] for s in shapes), 1 + max((s[1] for s in shapes), default=0))
        self.sizes[id(node)] = shape
        return shape


class LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader composing within MAX_DEPTH, MAX_ALIASES and MAX_VALUES, integers within
    MAX_INT_CHARS; crossing one raises LimitExceeded at the place in the file."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._values = 0
        self._open: set[str] = set()  # anchors of the collections still being composed
        self._shape = _Shape()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """One node, counted: an alias adds the whole tree it stands for."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            return self._alias(parent, index, event)
        if self._depth >= MAX_DEPTH:
            raise _refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        anchor = getattr(event, "anchor", None)
        self._depth += 1
        if anchor is not None:
            self._open.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor or "")
        assert node is not None  # an event was peeked: there is a node
        self._count(1, event.start_mark)
        return node

    def _alias(self, parent: yaml.Node | None, index: Any, event: yaml.AliasEvent) -> yaml.Node:
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise _refused(f"more than {MAX_ALIASES} aliases", event.start_mark)
        if event.anchor in self._open:
            raise _refused(f"the alias *{event.anchor} refers to the node that contains it", event.start_mark)
        node = super().compose_node(parent, index)
        assert node is not None
        values, depth = self._shape.of(node)
        if self._depth + depth > MAX_DEPTH:
            raise _refused(f"the alias *{event.anchor} nests the file deeper than {MAX_DEPTH} levels",
                           event.start_mark)  # fmt: skip
        self._count(values, event.start_mark, event.anchor)
        return node

    def _count(self, values: int, mark: Any, alias: str | None = None) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            through = f" through the alias *{alias} (an alias bomb?)" if alias else ""
            raise _refused(f"the file expands to more than {MAX_VALUES:,} values{through}", mark)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer of at most MAX_INT_CHARS characters (Python refuses 4,300 digits; base 60 is quadratic)."""
        text = str(node.value)
        if len(text) > MAX_INT_CHARS:
            raise _refused(f"an integer of {len(text):,} characters (at most {MAX_INT_CHARS})", node.start_mark)
        value: int = super().construct_yaml_int(node)
        return value


LimitedLoader.add_constructor("tag:yaml.org,2002:int", LimitedLoader.construct_yaml_int)
