"""`__all__` is the public surface: nothing leaks, nothing is forgotten (httpx)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import demandrisk

# Dunder names that are part of the public surface on purpose.
INCLUDED_PRIVATE = {"__version__"}


def _public_names(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if (not name.startswith("_") or name in INCLUDED_PRIVATE)
        # Submodules are reachable as attributes once imported; they are not
        # re-exported names.
        and not isinstance(value, ModuleType)
    }


def test_all_equals_public_names():
    """BUG if fails: `version`, `PackageNotFoundError`, `annotations` leak.

    Names loaded on first use (``demandrisk._LAZY``) count as defined.
    """
    defined = _public_names(demandrisk) | set(demandrisk._LAZY)
    assert set(demandrisk.__all__) == defined


def test_all_is_sorted_and_unique():
    assert demandrisk.__all__ == sorted(set(demandrisk.__all__))


def test_all_names_resolve():
    for name in demandrisk.__all__:
        assert hasattr(demandrisk, name), name


def test_exceptions_derive_from_value_error():
    errors = [
        demandrisk.ConfigError,
        demandrisk.InputDataError,
        demandrisk.ValidationError,
        demandrisk.ReferenceDataError,
        demandrisk.OutputError,
    ]
    for error in errors:
        assert issubclass(error, demandrisk.DemandRiskError)
        assert issubclass(error, ValueError)
    assert issubclass(demandrisk.ValidationError, demandrisk.InputDataError)


MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(demandrisk.__path__, prefix="demandrisk.")
    if hasattr(importlib.import_module(info.name), "__all__")
)


@pytest.mark.parametrize("name", MODULES)
def test_submodule_all_names_exist(name):
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []
