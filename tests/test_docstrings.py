"""Every example in a docstring of the package runs and shows what it claims.

Examples that need a server or write a file say ``# doctest: +SKIP``.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import cookiewarden


def _with_examples() -> list[ModuleType]:
    """The package's modules, in every subpackage, whose docstrings hold at least one example."""
    names = [info.name for info in pkgutil.walk_packages(cookiewarden.__path__, "cookiewarden.")]
    modules = [importlib.import_module(n) for n in sorted(names) if not n.endswith("__main__")]
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [
        module
        for module in modules
        if any(
            not example.options.get(doctest.SKIP)
            for test in finder.find(module)
            for example in test.examples
        )
    ]


@pytest.mark.parametrize("module", _with_examples(), ids=lambda module: module.__name__)
def test_the_examples_in_the_docstrings_hold(module: ModuleType) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0
    assert results.failed == 0, f"{results.failed} failing example(s) in {module.__name__}"
