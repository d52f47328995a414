"""chainrule.benchmarks: what a closed form buys over autodiff, measured (``chainrule bench``).

This folder, ``benchmarks/``, is installed as ``chainrule.benchmarks``. Its layout:

* :mod:`.harness`: the engine: the :class:`~.harness.Suite` / :class:`~.harness.Case` /
  :class:`~.harness.Contender` records, compiling and timing, the check of every answer against the
  baseline's (through :func:`chainrule.reference.checker.compare.agree`), running a suite in a worker
  subprocess when it needs its own environment, the ``results.json`` object;
* :mod:`.report` and :mod:`.plots`: ``results.json``, ``summary.md`` and one PNG per suite (drawn by
  :mod:`chainrule.reference.plot`'s policy: an Agg ``Figure``, no pyplot);
* :mod:`.suites`: one module per suite, each defining ``SUITE``;
* :mod:`.registry`: :data:`~.registry.SUITES` and :func:`~.registry.select_suites`;
* :mod:`.worker`: ``python -m chainrule.benchmarks.worker NAME``, a suite in its own process.

Imports point one way: the registry and the worker import the harness and the suites, the suites
import the harness, the harness imports neither. ``benchmarks/results/`` beside these modules is data
(the committed full run), not a package.

Importing this package imports nothing else (no JAX).
"""
