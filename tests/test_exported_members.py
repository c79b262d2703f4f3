"""Each package's `__init__` re-exports its public names with `__all__`, and only names that exist."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = ("config", "connectors", "scoring", "sync", "accountsync", "sandbox")


def exported_problems(module: types.ModuleType) -> list[str]:
    """Problems with a module's `__all__`: missing, unsorted duplicates, names that do not exist, public
    names imported into the package but not exported."""
    exported = getattr(module, "__all__", None)
    if exported is None:
        return [f"{module.__name__} has no __all__"]
    problems = [f"{name} is exported but not defined" for name in exported if not hasattr(module, name)]
    problems += [f"{name} is exported twice" for name in set(exported) if exported.count(name) > 1]
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    problems += [f"{name} is public but not in __all__" for name in sorted(public - set(exported))]
    return problems


@pytest.mark.parametrize("package", PACKAGES)
def test_package_exports_match_all(package: str) -> None:
    assert exported_problems(importlib.import_module(package)) == []


def test_a_bad_all_is_caught() -> None:
    module = types.ModuleType("fake")
    module.__all__ = ["present", "absent", "present"]  # type: ignore[attr-defined]
    module.present = 1  # type: ignore[attr-defined]
    module.hidden = 2  # type: ignore[attr-defined]
    assert exported_problems(module) == [
        "absent is exported but not defined",
        "present is exported twice",
        "hidden is public but not in __all__",
    ]
