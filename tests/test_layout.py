"""The house of style.md, checked from the imports themselves."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections.abc import Callable
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


def test_the_import_counter_sees_a_cycle_through_a_package_init(tmp_path: Path) -> None:
    """`from b.mod import x` runs `b/__init__.py` first: when that reaches back to the importer, it is a cycle."""
    files = {"a/__init__.py": "", "a/one.py": "from b.mod import x\n", "b/__init__.py": "from b.up import y\n",
             "b/mod.py": "x = 1\n", "b/up.py": "from a.one import z\n"}  # fmt: skip
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(text)
    graph = _import_graph()
    graph.ROOT = tmp_path  # type: ignore[attr-defined]
    try:
        assert graph.cycles(graph.graph(("a", "b"))) == [["a.one", "b", "b.up"]]  # type: ignore[attr-defined]
    finally:
        graph.ROOT = ROOT  # type: ignore[attr-defined]


# The boundary between the connectors and sync (issue #20): each connector maps its CRM's field names onto the
# store's columns; sync sees rows and `StreamMap`s. A sample of both CRMs' field names as their references spell
# them (Salesforce Account/Opportunity/OpportunityHistory/CurrencyType, HubSpot companies/deals properties and
# the connectors' own carried keys); none may appear in sync/, in code or in text.
CRM_FIELDS = (
    "IsDeleted", "SystemModstamp", "LastModifiedDate", "MasterRecordId", "CurrencyIsoCode", "StageName", "CloseDate",
    "AccountId", "OpportunityId", "IsClosed", "IsWon", "OwnerId", "ParentId", "AnnualRevenue", "NumberOfEmployees",
    "BillingCountry", "ConversionRate", "IsoCode", "hs_object_id", "hs_lastmodifieddate", "hs_merged_object_ids",
    "hs_is_closed_won", "hs_is_closed", "hs_deal_stage_probability", "hubspot_owner_id", "hs_parent_company_id",
    "dealstage", "dealname", "closedate", "createdate", "annualrevenue", "numberofemployees", "deal_currency_code",
    "archivedAt", "_associations", "_stage_history",
)  # fmt: skip
CONNECTOR_SURFACES = frozenset({"connectors", "connectors.salesforce", "connectors.hubspot"})


def crm_fields_named(root: Path) -> list[str]:
    """Every mention of a CRM field name in sync/ (migrations aside: they name store columns)."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, CRM_FIELDS)) + r")\b")
    found = []
    for file in sorted((root / "sync").rglob("*.py")):
        if "migrations" in file.parts:
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{file.relative_to(root)}:{number}: {m}" for m in pattern.findall(line)]
    return found


def deep_imports(root: Path, package: str, allowed: Callable[[str], bool], into: str) -> list[str]:
    """Imports from `package` into `into` (a package name) that `allowed` refuses, as `file:line: module`."""
    found = []
    for file in sorted((root / package).rglob("*.py")):
        for module, line in imported_modules(ast.parse(file.read_text(encoding="utf-8"))):
            if module.split(".")[0] == into and not allowed(module):
                found.append(f"{file.relative_to(root)}:{line}: {module}")
    return found


def test_sync_names_no_crm_field() -> None:
    assert crm_fields_named(ROOT) == []


def test_a_crm_field_in_sync_is_caught(tmp_path: Path) -> None:
    (tmp_path / "sync" / "pull").mkdir(parents=True)
    (tmp_path / "sync" / "pull" / "leak.py").write_text('x = record.get("SystemModstamp")\ny = "hs_object_id2"\n')
    assert crm_fields_named(tmp_path) == ["sync/pull/leak.py:1: SystemModstamp"]


def test_sync_imports_no_connector_submodule() -> None:
    """sync reaches the connectors through `connectors` (and each connector's package to build it), never inside."""
    assert deep_imports(ROOT, "sync", CONNECTOR_SURFACES.__contains__, "connectors") == []


def _wing_surface(module: str) -> bool:
    """`sync` itself or one of its wings (a package: its `__init__` is the wing's public surface)."""
    parts = module.split(".")
    return len(parts) == 1 or (len(parts) == 2 and (ROOT / "sync" / parts[1] / "__init__.py").exists())


def test_faces_import_only_wing_surfaces() -> None:
    assert deep_imports(ROOT, "accountsync", _wing_surface, "sync") == []


def test_a_face_reaching_inside_a_wing_is_caught(tmp_path: Path) -> None:
    (tmp_path / "accountsync").mkdir()
    (tmp_path / "accountsync" / "page.py").write_text("from sync.runs import get_run\nfrom sync.runs.browse import x\n")
    assert deep_imports(tmp_path, "accountsync", _wing_surface, "sync") == ["accountsync/page.py:2: sync.runs.browse"]


# sync/ asks a CRM's connector what it needs to know (`connectors.traits(crm)`: write batch, id matching,
# identity rules) and never branches on the CRM itself: no CRM's name, account-key prefix or id-matching kind
# appears in sync/ as a string constant (a comparison, a dict key, a default, a label alike). None is needed
# as data either: the CRM of a stored row comes from its connector, labels from the traits.
def crm_names_in(root: Path) -> list[str]:
    """Every string constant in sync/'s code that names a CRM (docstrings aside), as `file:line: value`."""
    from connectors import ALL_TRAITS

    names = {n for t in ALL_TRAITS for n in (t.crm, t.key_prefix, f"{t.key_prefix}:", t.id_match.match_by)}
    found = []
    for file in sorted((root / "sync").rglob("*.py")):
        if "migrations" in file.parts:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in docstrings:
                found.append(f"{file.relative_to(root)}:{node.lineno}: {node.value}")
    return sorted(found)


def test_sync_branches_on_no_crm_by_name() -> None:
    assert crm_names_in(ROOT) == []


def test_a_branch_on_a_crm_in_sync_is_caught(tmp_path: Path) -> None:
    (tmp_path / "sync" / "writeback").mkdir(parents=True)
    (tmp_path / "sync" / "writeback" / "leak.py").write_text(
        '"""Sizes per CRM: salesforce and hubspot."""\n'
        'BATCH = {"salesforce": 200}\n'
        'def size(crm: str) -> int:\n    """hubspot"""\n    return 100 if crm == "hubspot" else 200\n'
        'KEY = f"{\'sf\'}:1"\nLABEL = "Salesforce"\n'
    )
    assert crm_names_in(tmp_path) == [
        "sync/writeback/leak.py:2: salesforce",
        "sync/writeback/leak.py:5: hubspot",
        "sync/writeback/leak.py:6: sf",
    ]
