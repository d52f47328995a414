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

**Under Hypothesis.** The fixture is session-scoped (it keeps no state between examples; the
options are the running test's), so a ``@given`` test may use it at Hypothesis's default settings,
with no ``function_scoped_fixture`` health check to suppress. Inside a Hypothesis test the checks run
:data:`~chainrule.reference.strategies.PROPERTY_TEST_OPTIONS` (``trials=20, shrink=False``: Hypothesis
varies and shrinks the shapes) under every option above, and the report says so in a note.

Loading the plugin imports neither JAX nor matplotlib: the checker is imported by the first check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

__all__ = ["ChainruleCheck", "chainrule_check"]

_KINDS = ("gradient", "jacobian", "vjp", "jvp", "hessian")

#: the test item that runs now (set before its fixtures), whose markers give the fixture's defaults
_CURRENT_ITEM = pytest.StashKey[pytest.Item]()
#: the session's ``chainrule_check`` value
_SHARED = pytest.StashKey["_TestCheck"]()


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

    def __init__(self, defaults: Mapping[str, Any] | None = None) -> None:
        self._defaults: dict[str, Any] = dict(defaults or {})
        self.reports: list[Any] = []

    @property
    def defaults(self) -> dict[str, Any]:
        """The options every check gets unless a keyword overrides them (the fixture's: the running
        test's command line and markers)."""
        return self._defaults

    def _run(self, kind: str, f: Callable[..., Any], candidate: Callable[..., Any], *args: Any,
             **options: Any) -> Any:
        __tracebackhide__ = True
        from . import check as _check

        checker = getattr(_check, f"check_{kind}")
        # inside a Hypothesis test the check itself applies strategies.PROPERTY_TEST_OPTIONS under these
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

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """Hypothesis's printer, in a failing example: the options, not a count that grows per example."""
        p.text(f"ChainruleCheck(defaults={self.defaults!r})")


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


class _TestCheck(ChainruleCheck):
    """The session's fixture value: its defaults are those of the test that runs now (command line,
    then its ``chainrule`` markers), and its reports are that test's."""

    def __init__(self, config: pytest.Config) -> None:
        super().__init__()
        self._config = config

    @property
    def defaults(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        for option, key in (("chainrule_trials", "trials"), ("chainrule_seed", "seed")):
            value = self._config.getoption(option, default=None)
            if value is not None:
                defaults[key] = value
        item = self._config.stash.get(_CURRENT_ITEM, None)
        if item is not None:
            defaults.update(_marker_options(item))
        return defaults


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_CURRENT_ITEM] = item
    shared = item.config.stash.get(_SHARED, None)
    if shared is not None:
        shared.reports = []
    if "chainrule_check" in getattr(item, "fixturenames", ()):
        _marker_options(item)  # a malformed marker is an error of the test that uses it, before it runs


@pytest.fixture(scope="session")
def chainrule_check(request: pytest.FixtureRequest) -> ChainruleCheck:
    """Check a hand-written derivative against JAX in one line; the test fails with the report.

    ``chainrule_check.gradient(f, grad, *args, argnums=0, **options)`` and likewise ``.jacobian``,
    ``.vjp``, ``.jvp``, ``.hessian``; options default to ``--chainrule-trials``/``--chainrule-seed``
    and the running test's ``@pytest.mark.chainrule(...)`` marker. Session-scoped, so that
    ``@given`` tests use it without a health check: it keeps no state between examples, and its
    ``reports`` are the running test's.
    """
    shared = request.config.stash.get(_SHARED, None)
    if shared is None:
        shared = request.config.stash[_SHARED] = _TestCheck(request.config)
    return shared
