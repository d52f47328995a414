"""Every docstring example of the installed package runs (``--doctest-modules`` for ``chainrule``).

pytest's own ``--doctest-modules`` imports a file by its place in the repository (``analytic/neuron.py``
as ``analytic.neuron``), which is not the name it is installed under; this runs the same doctests on
the modules as users import them (``chainrule.analytic.neuron``), editable install or not.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

#: The layers of the package (DESIGN.md). They are walked one by one: in an editable install the
#: top-level ``chainrule`` folder does not hold them, the install maps each to its own folder.
LAYERS = ("chainrule.analytic", "chainrule.reference", "chainrule.benchmarks")


def _walk(package: str) -> list[str]:
    module = importlib.import_module(package)
    return [package] + [m.name for m in pkgutil.walk_packages(module.__path__, prefix=package + ".")
                        if not m.name.endswith("__main__")]


MODULES = sorted(name for layer in LAYERS for name in _walk(layer))


def test_the_walk_found_every_layer():
    assert {"chainrule.analytic.neuron", "chainrule.reference.check", "chainrule.reference.catalog"} <= set(MODULES)


@pytest.mark.parametrize("name", ["chainrule", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        finder = doctest.DocTestFinder(exclude_empty=True)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        tests = [t for t in finder.find(module, name) if t.examples]
        for test in tests:
            test.globs = dict(module.__dict__)  # each docstring on its own, as pytest runs them
            runner.run(test, out=lambda text: None)
        failed = runner.failures
    if failed:  # run again, printing the failing examples, for the assertion message
        report: list[str] = []
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        for test in tests:
            test.globs = dict(module.__dict__)
            runner.run(test, out=report.append)
        pytest.fail(f"{failed} docstring example(s) of {name} failed:\n" + "".join(report), pytrace=False)
