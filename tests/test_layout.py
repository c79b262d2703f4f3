"""The house of style.md, checked from the imports themselves."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "connectors", "scoring", "sync", "accountsync", "sandbox")
ALLOWED: dict[str, frozenset[str]] = {
    "config": frozenset(),
    "connectors": frozenset({"config"}),
    "scoring": frozenset({"config"}),
    "sync": frozenset({"config", "connectors", "scoring"}),
    "accountsync": frozenset({"sync", "config"}),
    "sandbox": frozenset(),
}
Edge = tuple[str, str, str, int]  # importer package, imported package, file, line


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    """Absolute module names a module imports, with their lines (relative imports stay in the package)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno))
    return found


def first_party_edges(root: Path) -> list[Edge]:
    """Every import from one first-party package into another, found under `root`."""
    edges = []
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
            for module, line in imported_modules(tree):
                target = module.split(".")[0]
                if target in PACKAGES and target != package:
                    edges.append((package, target, str(file.relative_to(root)), line))
    return edges


def violations(edges: list[Edge]) -> list[str]:
    """The edges the table forbids, as readable lines."""
    return [f"{file}:{line}: {src} may not import {dst}" for src, dst, file, line in edges if dst not in ALLOWED[src]]


def test_imports_follow_the_house_table() -> None:
    assert violations(first_party_edges(ROOT)) == []


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "connectors" / "leak.py").write_text("from sync.jobs import run\n")
    (tmp_path / "scoring" / "io.py").write_text("import json\nimport sandbox.server\n")
    (tmp_path / "sync" / "fine.py").write_text("from connectors import salesforce\nfrom . import tables\n")
    assert violations(first_party_edges(tmp_path)) == [
        "connectors/leak.py:1: connectors may not import sync",
        "scoring/io.py:2: scoring may not import sandbox",
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imported_is_the_one_in_this_checkout(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT / package)


def test_scoring_does_no_io() -> None:
    banned = {"os", "io", "pathlib", "socket", "sqlite3", "httpx", "requests", "sqlmodel", "sqlalchemy"}
    for file in sorted((ROOT / "scoring").rglob("*.py")):
        names = {module.split(".")[0] for module, _ in imported_modules(ast.parse(file.read_text()))}
        assert not names & banned, f"{file.name} imports {sorted(names & banned)}"


def test_no_module_is_named_for_nothing_in_particular() -> None:
    vague = {"utils.py", "helpers.py", "common.py", "manager.py", "misc.py"}
    for package in PACKAGES:
        assert not [f for f in (ROOT / package).rglob("*.py") if f.name in vague]


def _import_graph() -> object:
    """`scripts/import_graph.py`, the counter the notes quote, loaded from its file (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_anywhere_in_the_product() -> None:
    graph = _import_graph()
    assert graph.cycles(graph.graph(graph.PRODUCT)) == []  # type: ignore[attr-defined]


def test_the_cycle_counter_finds_a_cycle(tmp_path: Path) -> None:
    graph = _import_graph()
    assert graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]  # type: ignore[attr-defined]
