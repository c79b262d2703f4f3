"""The package re-exports every public name of its modules (style: `__init__.py` with `__all__`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import scoring


def modules():
    return [importlib.import_module(f"scoring.{info.name}") for info in pkgutil.iter_modules(scoring.__path__)]


def test_every_name_in_all_exists():
    missing = [name for name in scoring.__all__ if not hasattr(scoring, name)]
    assert missing == []
    assert len(scoring.__all__) == len(set(scoring.__all__))


def test_every_public_name_of_every_module_is_exported():
    for module in modules():
        assert hasattr(module, "__all__"), module.__name__
        assert set(module.__all__) <= set(scoring.__all__), module.__name__
        defined = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__
        }
        assert defined <= set(module.__all__), module.__name__
