"""The catalog's record type: one :class:`Rule` per derivative rule of the paper (and beyond)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..samplers import DOMAINS, Domain

__all__ = ["EXPECTATIONS", "TOPICS", "Arg", "Rule", "formula_of", "split_citation"]

#: DESIGN.md's topic vocabulary: the paper's nine, then the four beyond it (``cookbook``: the Matrix
#: Cookbook's Chapter 2, one record per ``CB-<n>`` row of COOKBOOK.md).
TOPICS = (
    "scalar",
    "partial",
    "jacobian",
    "elementwise",
    "scalar-expansion",
    "reduction",
    "chain-rule",
    "neuron",
    "loss",
    "layer",
    "loss-fn",
    "cookbook",
    "hessian",
)

ORIGINS = ("paper", "extension", "implied", "assumed", "tutorial")

#: What ``chainrule verify`` expects of a record: that its closed form agrees with JAX (``"pass"``), or,
#: for a printed formula known to be wrong (a misprint of the Matrix Cookbook, kept so that the misprint
#: stays demonstrated), that it disagrees (``"fail"``: status ``xfail``; a pass is then a failure).
EXPECTATIONS = ("pass", "fail")


#: What a trailing citation's text starts with or holds: a RULES ID, a Cookbook equation, a project ID
#: (``MAT-3``, ``LAYER-1``, ``H-2``) or a section sign.
_CITATION = re.compile(r"^(?:RULES\b|CB-|[A-Z]+-\d)|§|Cookbook")


def split_citation(line: str) -> tuple[str, str | None]:
    """Split a formula line into the formula and its trailing citation (the text inside the parentheses).

    The citation is the last parenthesized group of the line, preceded by a space, whose text cites a
    RULES ID (``RULES N-1, §5``), a Matrix Cookbook identity (``CB-…``, ``Matrix Cookbook (70)``), a
    project ID (``MAT-3``, ``LAYER-1``) or a section (``…§…``). ``None`` when there is none.

    >>> split_citation("∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ   (RULES N-1, §5)")
    ('∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ', 'RULES N-1, §5')
    >>> split_citation("d/dx c = 0 (c = 2)")
    ('d/dx c = 0 (c = 2)', None)
    """
    text = line.rstrip()
    if not text.endswith(")"):
        return text, None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            break
    else:
        return text, None
    inner = text[i + 1 : -1]
    if i == 0 or not text[i - 1].isspace() or not _CITATION.search(inner):
        return text, None
    return text[:i].rstrip(), inner


def formula_of(fn: Callable[..., Any]) -> str:
    """The formula of a closed form: its docstring's first line, less the citation and RST backticks.

    ``""`` when ``fn`` has no docstring. This is the one place a formula is written (tests/test_catalog.py).

    >>> from chainrule.analytic.neuron import grad_dot_w
    >>> formula_of(grad_dot_w)
    '∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ'
    """
    doc = inspect.getdoc(fn) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    return split_citation(first)[0].replace("``", "")


def _accepted(fn: Callable[..., Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that ``fn`` takes as keywords."""
    names = inspect.signature(fn).parameters
    return {k: v for k, v in params.items() if k in names}


@dataclass(frozen=True)
class Arg:
    """One argument of a rule's primal: its name, symbolic shape and domain.

    ``shape`` holds dimension names (``("N", "n")``) or fixed sizes (``(2,)``); ``()`` is a scalar.
    """

    name: str
    shape: tuple[str | int, ...] = ()
    domain: str | Domain = "real"

    def concrete_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        out = []
        for d in self.shape:
            if isinstance(d, int):
                out.append(d)
            elif d in sizes:
                out.append(int(sizes[d]))
            else:
                raise ValueError(f"argument {self.name}: dimension {d!r} has no size in {dict(sizes)}")
        return tuple(out)


@dataclass(frozen=True, eq=False)
class Rule:
    """One catalog record: a primal, its hand-derived derivative, and how to check them.

    * ``primal(*args, **params)`` and ``derivative(*args, **params)`` take the arguments in ``args``
      order; the reference differentiates ``primal`` with respect to ``wrt`` with jacfwd and jacrev.
    * ``sizes``: the shape configurations tried (each maps dimension names to sizes).
    * ``layout``: ``"numerator"`` (the Jacobian ``out.shape + in.shape``) or ``"denominator"`` (its
      transpose, for the paper's denominator-layout example).
    * ``reference``: what the closed form is compared with.
      ``"jacobian"``: the Jacobian of ``primal`` wrt ``wrt`` (jacfwd and jacrev);
      ``"step"``: a gradient-descent step ``arg − eta·∂primal/∂arg`` (RULES L-4, L-6), ``eta`` from ``params``;
      ``"hessian"``: the Hessian of a scalar ``primal`` wrt ``wrt`` (``jacfwd(jacrev)`` and ``jacrev(jacfwd)``),
      shape ``wrt.shape + wrt.shape``;
      ``"hvp"``: the Hessian-vector product along the **last** argument (the tangent, shaped like ``wrt``):
      ``primal`` is called without it, the reference is ``jax.jvp`` of ``jax.grad`` (forward-over-reverse)
      and, as second witness, ``jax.vjp`` of ``jax.grad`` (reverse-over-reverse; the Hessian is symmetric).
      ``"jvp"``: the directional derivative (Jacobian-vector product) along the **last** argument (the
      tangent, shaped like ``wrt``): ``primal`` is called without it, the reference is ``jax.jvp`` and, as
      second witness, the ``jax.jacrev`` Jacobian contracted with the tangent.
    * ``kink(**args) -> array``: distances to the nearest non-differentiable point; trials where any
      is within ``kink_margin`` are redrawn, so random draws stay away from kinks.
    * ``origin``: ``"paper"``, or how an item beyond the paper's text is labelled (RULES.md:
      ``extension``, ``implied``, ``assumed``; ``tutorial`` for T-1/T-2).
    """

    name: str
    id: str
    topic: str
    section: str
    primal: Callable[..., Any]
    derivative: Callable[..., Any]
    args: tuple[Arg, ...]
    wrt: str
    sizes: tuple[Mapping[str, int], ...] = ({},)
    params: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "paper"
    layout: str = "numerator"
    reference: str = "jacobian"
    kink: Callable[..., Any] | None = None
    kink_margin: float = 0.05
    note: str = ""
    #: Other IDs that select this record in ``-k`` (a record that moved keeps its old ID: ``MAT-3`` → ``CB-70``).
    aliases: tuple[str, ...] = ()
    #: ``"fail"`` for a formula that is wrong on purpose (a printed misprint); see :data:`EXPECTATIONS`.
    expect: str = "pass"
    #: For an expected failure: what is wrong with the printed formula, in a sentence (shown with the
    #: engine's own diagnosis in ``verify``'s result).
    misprint: str = ""
    #: Public analytic helpers that ``derivative`` is computed *through* (the chain-rule combinators of
    #: :mod:`chainrule.analytic.chain`): they have no primal of their own, so this record is what verifies them.
    uses: tuple[Callable[..., Any], ...] = ()

    def __post_init__(self) -> None:
        names = [a.name for a in self.args]
        problems = []
        if self.topic not in TOPICS:
            problems.append(f"topic {self.topic!r} is not one of {TOPICS}")
        if self.origin not in ORIGINS:
            problems.append(f"origin {self.origin!r} is not one of {ORIGINS}")
        if self.expect not in EXPECTATIONS:
            problems.append(f"expect {self.expect!r} is not one of {EXPECTATIONS}")
        if (self.expect == "fail") != bool(self.misprint):
            problems.append("an expected failure (expect='fail') states its misprint, and only it does")
        if self.wrt not in names:
            problems.append(f"wrt {self.wrt!r} is not an argument ({names})")
        if self.layout not in ("numerator", "denominator"):
            problems.append(f"layout {self.layout!r} must be 'numerator' or 'denominator'")
        if self.reference not in ("jacobian", "step", "hessian", "hvp", "jvp"):
            problems.append(f"reference {self.reference!r} must be 'jacobian', 'step', 'hessian', 'hvp' or 'jvp'")
        if self.reference in ("hvp", "jvp") and (self.args[-1].name == self.wrt or
                                        self.args[-1].shape != self.args[self.argnum].shape):
            problems.append(
                f"an {self.reference!r} rule's last argument is the tangent, shaped like (and other than) wrt"
            )
        if self.reference == "step" and "eta" not in self.params:
            problems.append("a 'step' rule needs params['eta']")
        for a in self.args:
            if isinstance(a.domain, str) and a.domain not in DOMAINS:
                problems.append(f"argument {a.name}: unknown domain {a.domain!r}")
        params = list(inspect.signature(self.derivative).parameters)
        if params[: len(names)] != names:
            problems.append(f"derivative {self.derivative.__name__} takes {params}, expected {names} first")
        primal_params = inspect.signature(self.primal).parameters
        if len(primal_params) < len(names) - (self.reference in ("hvp", "jvp")):
            problems.append(f"primal {self.primal.__name__} takes {list(primal_params)}, fewer than {names}")
        if not self.sizes:
            problems.append("sizes must hold at least one shape configuration")
        for sizes in self.sizes:
            for a in self.args:
                try:
                    a.concrete_shape(sizes)
                except ValueError as exc:
                    problems.append(str(exc))
        if problems:
            raise ValueError(f"catalog record {self.name!r} is malformed: " + "; ".join(problems))

    @property
    def formula(self) -> str:
        """The closed form in the paper's notation: the first line of ``derivative``'s docstring, less
        its citation (``(RULES …)``, ``(CB-…)``, ``(…§…)``) and RST double backticks. The docstring is the
        formula's one source; the terminal table, the README's table and the docs all read this."""
        return formula_of(self.derivative)

    @property
    def bound_primal(self) -> Callable[..., Any]:
        """``primal`` with the ``params`` it takes bound (a primal need not take ``eta``, say).

        For ``hvp`` and ``jvp`` rules it takes every argument but the last (the tangent).
        """
        return functools.partial(self.primal, **_accepted(self.primal, self.params))

    @property
    def bound_derivative(self) -> Callable[..., Any]:
        """``derivative`` with the ``params`` it takes bound; it takes every argument."""
        return functools.partial(self.derivative, **_accepted(self.derivative, self.params))

    @property
    def primal_args(self) -> slice:
        """Which of ``args`` the primal takes: all, or all but the tangent for ``hvp``/``jvp`` rules."""
        return slice(0, len(self.args) - 1) if self.reference in ("hvp", "jvp") else slice(0, len(self.args))

    @property
    def argnum(self) -> int:
        return [a.name for a in self.args].index(self.wrt)

    def shapes(self, sizes: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
        """The concrete shape of every argument under one size configuration."""
        return {a.name: a.concrete_shape(sizes) for a in self.args}

    def describe_shapes(self, sizes: Mapping[str, int]) -> str:
        return ", ".join(
            f"{k} {'×'.join(map(str, s)) if s else 'scalar'}" for k, s in self.shapes(sizes).items()
        )

    def describe_sizes(self) -> str:
        """The shape configurations in one short line: ``n = 1, 3, 8``; ``N×n = 1×1, 6×3``; ``scalar``."""
        keys = [tuple(s) for s in self.sizes]
        if not any(keys):
            return "scalar"
        if len(set(keys)) == 1:
            values = ", ".join("×".join(str(s[k]) for k in keys[0]) for s in self.sizes)
            return f"{'×'.join(keys[0])} = {values}"
        return " · ".join(",".join(f"{k}={v}" for k, v in s.items()) or "scalar" for s in self.sizes)
