"""The import graph of the product's packages, counted from the source: modules, import arrows, floors, cycles.

    .venv/bin/python scripts/import_graph.py            # every package of the product
    .venv/bin/python scripts/import_graph.py sync       # one package: its modules and the arrows among them
    .venv/bin/python scripts/import_graph.py --json     # the same as JSON

An arrow is a module importing another module of the repository (a package import counts as its `__init__`, and
importing a module inside another package also runs that package's `__init__`: an arrow to it too); imports
inside functions count too (they are still dependencies), `TYPE_CHECKING` blocks too. A floor is a
module's height in the graph with cycles collapsed: modules importing nothing of ours are floor 1.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("config", "connectors", "scoring", "sync", "accountsync")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(packages: Iterable[str]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            stub = path.with_suffix(".pyi")  # a lazy package's surface is its stub (lazy_loader): count its imports
            found[module_name(path)] = stub if stub.exists() else path
    return found


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """The known modules `path` (module `name`) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(_known(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in known else _known(base, known))
    out.discard("")
    out |= {p for m in out for p in _packages_run(m, name, known)}
    out.discard(name)
    return out


def _packages_run(target: str, importer: str, known: set[str]) -> set[str]:
    """The package `__init__`s importing `target` runs first, but for the importer's own packages (already running).

    `from sync.runs.locks import X` in `sync.pull.stream` runs `sync/runs/__init__.py`: an arrow to `sync.runs`,
    so a package whose `__init__` reaches back to the importer shows as the cycle it is at run time.
    """
    parts = target.split(".")
    mine = importer.split(".")
    return {
        pkg for end in range(1, len(parts)) if (pkg := ".".join(parts[:end])) in known and mine[:end] != parts[:end]
    }


def _known(dotted: str, known: set[str]) -> str:
    """The longest known module that `dotted` is or is inside ("" when none)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return ""


def graph(packages: Iterable[str]) -> dict[str, set[str]]:
    found = modules(packages)
    known = set(found) | set(modules(PRODUCT))
    return {name: {m for m in imported(path, name, known) if m in found} for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def floors(edges: dict[str, set[str]]) -> int:
    """The height of the graph with each cycle collapsed into one node."""
    group = {m: m for m in edges}
    for component in cycles(edges):
        for m in component:
            group[m] = component[0]
    collapsed: dict[str, set[str]] = {}
    for v, targets in edges.items():
        collapsed.setdefault(group[v], set()).update(group[w] for w in targets if group[w] != group[v])
    height: dict[str, int] = {}

    def h(v: str) -> int:
        if v not in height:
            height[v] = 1 + max((h(w) for w in collapsed.get(v, ())), default=0)
        return height[v]

    return max((h(v) for v in collapsed), default=0)


def facts(packages: Iterable[str]) -> dict[str, object]:
    edges = graph(packages)
    return {"modules": len(edges), "arrows": sum(len(t) for t in edges.values()), "floors": floors(edges),
            "cycles": cycles(edges)}  # fmt: skip


def main() -> None:
    global ROOT  # the script's one setting, read by every function above
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", default=list(PRODUCT))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT, help="The repository to count (default: this one).")
    args = parser.parse_args()
    ROOT = args.root.resolve()
    result = facts(args.packages)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"packages: {', '.join(args.packages)}")
    print(f"modules {result['modules']}, import arrows {result['arrows']}, floors {result['floors']}, "
          f"cycles {len(result['cycles'])}")  # type: ignore[arg-type]  # fmt: skip
    for component in result["cycles"]:  # type: ignore[attr-defined]
        print("  cycle: " + " <-> ".join(component))


if __name__ == "__main__":
    main()
