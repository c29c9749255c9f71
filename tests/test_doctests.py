"""Run every docstring example of the package, so `pytest tests` covers them.

Equivalent to ``pytest --doctest-modules src/demandrisk``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import demandrisk

MODULES = ["demandrisk"] + sorted(
    info.name
    for info in pkgutil.iter_modules(demandrisk.__path__, prefix="demandrisk.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS, report=True, verbose=False
    )
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {name}"
