"""pytest plugin: chainrule's derivative checks as one line in your own tests.

Installed with chainrule (entry point ``pytest11``), so any test suite gets the ``chainrule_check``
fixture without a ``conftest.py``::

    def test_my_gradient(chainrule_check):
        chainrule_check.gradient(loss, grad_loss, w, X)          # wrt argument 0
        chainrule_check.jacobian(layer, jac_layer_W, W, x, argnums=0, domains={"x": "positive"})

Each method (``gradient``, ``jacobian``, ``vjp``, ``jvp``, ``hessian``) takes the arguments of
:func:`chainrule.check_gradient` and its siblings, returns the report when the candidate agrees with
JAX, and fails the test with the whole report (diagnosis, worst entries, seed and trial, the call that
reproduces it) when it does not.

Defaults for every check of a run or of one test:

* command line: ``--chainrule-trials N``, ``--chainrule-seed S``;
* marker: ``@pytest.mark.chainrule(trials=20, seed=3, rtol=1e-6, …)`` on a test, its class or module
  (any option of the check functions; the nearest marker wins over the command line);
* a keyword passed to the method wins over both.

Loading the plugin imports neither JAX nor matplotlib: the checker is imported by the first check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

__all__ = ["ChainruleCheck", "chainrule_check"]

_KINDS = ("gradient", "jacobian", "vjp", "jvp", "hessian")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chainrule", "chainrule derivative checks")
    group.addoption("--chainrule-trials", type=int, default=None, metavar="N",
                    help="random trials per chainrule_check call (default: the checker's)")
    group.addoption("--chainrule-seed", type=int, default=None, metavar="S",
                    help="seed of chainrule_check's random draws (default: the checker's)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "chainrule(**options): default options (trials, seed, rtol, atol, domains, mode, precision) "
        "for the chainrule_check fixture in this test",
    )
    trials = config.getoption("chainrule_trials", default=None)
    if trials is not None and trials < 1:
        raise pytest.UsageError(f"--chainrule-trials must be at least 1, got {trials}")


class ChainruleCheck:
    """The ``chainrule_check`` fixture's value: one method per kind of derivative check.

    ``defaults`` are the options from the command line and the ``chainrule`` marker; a keyword given
    to a method overrides them. Every method returns the report when it passes and fails the test with
    the report's text when it does not.

    >>> import numpy as np
    >>> check = ChainruleCheck({"trials": 5})
    >>> check.gradient(lambda x: (x ** 3).sum(), lambda x: 3 * x ** 2, np.ones(3)).trials
    5
    >>> check.gradient(lambda x: (x ** 3).sum(), lambda x: 3 * x, np.ones(3))
    Traceback (most recent call last):
    AssertionError: check_gradient: <lambda> (candidate) vs jax.grad(<lambda>) (JAX) wrt x | ...
    """

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults: dict[str, Any] = dict(defaults or {})
        self.reports: list[Any] = []

    def _run(self, kind: str, f: Callable[..., Any], candidate: Callable[..., Any], *args: Any,
             **options: Any) -> Any:
        __tracebackhide__ = True
        from . import check as _check

        checker = getattr(_check, f"check_{kind}")
        report = checker(f, candidate, *args, **{**self.defaults, **options})
        self.reports.append(report)
        if not report.ok:
            raise AssertionError(str(report))
        return report

    def gradient(self, f: Callable[..., Any], grad: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """:func:`chainrule.check_gradient` that fails the test on a mismatch; returns the report."""
        __tracebackhide__ = True
        return self._run("gradient", f, grad, *args, **options)

    def jacobian(self, f: Callable[..., Any], jac: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """:func:`chainrule.check_jacobian` that fails the test on a mismatch; returns the report."""
        __tracebackhide__ = True
        return self._run("jacobian", f, jac, *args, **options)

    def vjp(self, f: Callable[..., Any], vjp: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """:func:`chainrule.check_vjp` that fails the test on a mismatch; returns the report."""
        __tracebackhide__ = True
        return self._run("vjp", f, vjp, *args, **options)

    def jvp(self, f: Callable[..., Any], jvp: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """:func:`chainrule.check_jvp` that fails the test on a mismatch; returns the report."""
        __tracebackhide__ = True
        return self._run("jvp", f, jvp, *args, **options)

    def hessian(self, f: Callable[..., Any], hess: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """:func:`chainrule.check_hessian` that fails the test on a mismatch; returns the report."""
        __tracebackhide__ = True
        return self._run("hessian", f, hess, *args, **options)

    def __repr__(self) -> str:
        return f"ChainruleCheck(defaults={self.defaults!r}, checks run={len(self.reports)})"


def _marker_options(node: pytest.Item) -> dict[str, Any]:
    """Options from ``chainrule`` markers, the closest (the test's own) applied last."""
    options: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("chainrule"))):
        if marker.args:
            raise pytest.UsageError(
                f"{node.nodeid}: @pytest.mark.chainrule takes keyword options only "
                f"(trials=…, seed=…), got positional {marker.args!r}"
            )
        options.update(marker.kwargs)
    return options


@pytest.fixture
def chainrule_check(request: pytest.FixtureRequest) -> ChainruleCheck:
    """Check a hand-written derivative against JAX in one line; the test fails with the report.

    ``chainrule_check.gradient(f, grad, *args, argnums=0, **options)`` and likewise ``.jacobian``,
    ``.vjp``, ``.jvp``, ``.hessian``; options default to ``--chainrule-trials``/``--chainrule-seed``
    and the ``@pytest.mark.chainrule(...)`` marker.
    """
    defaults: dict[str, Any] = {}
    for option, key in (("chainrule_trials", "trials"), ("chainrule_seed", "seed")):
        value = request.config.getoption(option, default=None)
        if value is not None:
            defaults[key] = value
    defaults.update(_marker_options(request.node))
    return ChainruleCheck(defaults)
