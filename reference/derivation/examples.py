r"""The paper's worked chain-rule examples as :class:`~chainrule.reference.derivation.Derivation`\ s.

Each example is written the way the paper writes it: one intermediate variable per operator, each
differentiated *by hand* with respect to its own parameters (for the paper's examples the local
partials below are typed in, not looked up in :mod:`chainrule.analytic`), and the final answer claimed
as the paper gives it. The tutorial examples T-1 and T-2 are the exception: they are defined once, in
:mod:`chainrule.analytic.tutorial`, and built here from the catalog's records of it. The steps are
written with ``jax.numpy`` (JAX differentiates them); the hand-written partials and answers with plain
NumPy, since they are only evaluated at the points. ``chainrule
explain ID`` prints the step table of one; ``chainrule explain --list`` lists them.

========== ==================================================== ===========
ID         derivation                                           section
========== ==================================================== ===========
C-2        ``y = sin(x²)``                                      §4.5.1
C-3        ``y = ln(sin(x³)²)``                                 §4.5.1
C-5        ``y = x + x²``, total-derivative chain rule          §4.5.2
C-5-naive  the same, answered ``2x`` (a pitfall: fails)         §4.5.2
C-7        ``y = sin(x + x²)``                                  §4.5.2
C-8        ``y = x·x²``                                         §4.5.2
C-10       ``y = [ln(x²), sin(3x)]``, vector chain rule         §4.5.3
N-5        ``max(0, w·x + b)`` for vectors ``w, x``             §5
L-3        ``C = mean((y − max(0, Xw + b))²)`` w.r.t. ``w``     §6.1
T-1        ``g = p² − q³``, ``p = y·x²``, ``q = 2x + y``        tutorial
T-2        ``g = p²·q``, ``p = 4y − x``, ``q = 3xy − 4y``       tutorial
========== ==================================================== ===========

A *pitfall* example is wrong on purpose: it passes :meth:`Example.as_expected` when the check fails it
and names the path the answer misses.

>>> r = EXAMPLES["T-1"].check()
>>> [float(r.adjoints[v]) for v in ("p", "q")], [float(r.gradients[v]) for v in ("x", "y")]
([18.0, -147.0], [-186.0, 15.0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from chainrule.analytic.structured import Diagonal, identity_like

from ..catalog import by_name
from .builder import Derivation
from .report import DerivationReport

__all__ = [
    "EXAMPLES",
    "Example",
    "c2_sin_of_square",
    "c3_log_sin_cube_squared",
    "c5_naive_single_variable",
    "c5_x_plus_square",
    "c7_sin_of_x_plus_square",
    "c8_x_times_square",
    "c10_vector_chain_rule",
    "get",
    "l3_loss_wrt_w",
    "n5_neuron_activation",
    "t1_mygrad",
    "t2_mygrad",
]


# --- §4.5.1 Single-variable chain rule ---------------------------------------------------------


def c2_sin_of_square() -> Derivation:
    r"""``y = sin(x²)``: ``u = x²``, ``y = sin(u)``; ``dy/dx = cos(u)·2x = 2x cos(x²)``   (RULES C-2, §4.5.1)

    Scalars; at ``x = 0.7``.
    """
    return (
        Derivation(x=0.7)
        .let("u", lambda x: x**2, {"x": lambda x: 2 * x}, formula="x²", partial_formulas={"x": "2x"})
        .let("y", lambda u: jnp.sin(u), {"u": lambda u: np.cos(u)},
             formula="sin(u)", partial_formulas={"u": "cos(u)"})
        .claim("x", lambda x: 2 * x * np.cos(x**2), formula="2x cos(x²)")
    )


def c3_log_sin_cube_squared() -> Derivation:
    r"""``y = ln(sin(x³)²)`` by four intermediates; ``dy/dx = 6x² cos(x³)/sin(x³)``   (RULES C-3, §4.5.1)

    ``u_1 = x³``, ``u_2 = sin(u_1)``, ``u_3 = u_2²``, ``u_4 = ln(u_3)``; scalars, at ``x = 1.2``
    (``sin(x³) ≠ 0`` there and around it).
    """
    return (
        Derivation(x=1.2)
        .let("u_1", lambda x: x**3, {"x": lambda x: 3 * x**2}, formula="x³", partial_formulas={"x": "3x²"})
        .let("u_2", lambda u_1: jnp.sin(u_1), {"u_1": lambda u_1: np.cos(u_1)},
             formula="sin(u_1)", partial_formulas={"u_1": "cos(u_1)"})
        .let("u_3", lambda u_2: u_2**2, {"u_2": lambda u_2: 2 * u_2},
             formula="u_2²", partial_formulas={"u_2": "2u_2"})
        .let("u_4", lambda u_3: jnp.log(u_3), {"u_3": lambda u_3: 1 / u_3},
             formula="ln(u_3)", partial_formulas={"u_3": "1/u_3"})
        .claim("x", lambda x: 6 * x**2 * np.cos(x**3) / np.sin(x**3), formula="6x² cos(x³)/sin(x³)")
    )


# --- §4.5.2 Single-variable total-derivative chain rule ----------------------------------------


def _x_plus_square(x: float) -> Derivation:
    return (
        Derivation(x=x)
        .let("u_1", lambda x: x**2, {"x": lambda x: 2 * x}, formula="x²", partial_formulas={"x": "2x"})
        .let("u_2", lambda x, u_1: x + u_1, {"x": lambda: 1.0, "u_1": lambda: 1.0}, formula="x + u_1")
    )


def c5_x_plus_square() -> Derivation:
    r"""``y = x + x²``: ``dy/dx = ∂u_2/∂x + (∂u_2/∂u_1)(∂u_1/∂x) = 1 + 2x``   (RULES C-5, C-6; §4.5.2)

    ``u_1 = x²``, ``u_2 = x + u_1``; x reaches ``u_2`` directly and through ``u_1``, so the total
    derivative sums both paths. At the paper's ``x = 1`` (``y = 2``, ``dy/dx = 3``).
    """
    return _x_plus_square(1.0).claim("x", lambda x: 1 + 2 * x, formula="1 + 2x")


def c5_naive_single_variable() -> Derivation:
    r"""The C-5 pitfall: ``dy/dx = (du_2/du_1)(du_1/dx) = 2x`` for ``y = x + x²`` is wrong   (RULES C-5)

    Every local partial is right; the single-variable chain rule only follows the path
    ``x → u_1 → u_2`` and misses the direct path ``x → u_2`` (worth 1). The check must say so.
    """
    return _x_plus_square(1.0).claim("x", lambda x: 2 * x, formula="2x (single-variable chain rule)")


def c7_sin_of_x_plus_square() -> Derivation:
    r"""``y = sin(x + x²)``: ``dy/dx = cos(u_2)(1 + 2x) = cos(x + x²)(1 + 2x)``   (RULES C-7, §4.5.2)

    ``u_1 = x²``, ``u_2 = x + u_1``, ``u_3 = sin(u_2)``. Note the local partial ``∂u_2/∂x`` is 1; the
    paper's ``1 + 2x`` is the *total* ``du_2/dx``, which the combination computes. At ``x = 0.5``.
    """
    return (
        Derivation(x=0.5)
        .let("u_1", lambda x: x**2, {"x": lambda x: 2 * x}, formula="x²", partial_formulas={"x": "2x"})
        .let("u_2", lambda x, u_1: x + u_1, {"x": lambda: 1.0, "u_1": lambda: 1.0}, formula="x + u_1")
        .let("u_3", lambda u_2: jnp.sin(u_2), {"u_2": lambda u_2: np.cos(u_2)},
             formula="sin(u_2)", partial_formulas={"u_2": "cos(u_2)"})
        .claim("x", lambda x: np.cos(x + x**2) * (1 + 2 * x), formula="cos(x + x²)(1 + 2x)")
    )


def c8_x_times_square() -> Derivation:
    r"""``y = x·x²``: ``dy/dx = ∂u_2/∂x + (∂u_2/∂u_1)(∂u_1/∂x) = u_1 + x·2x = 3x²``   (RULES C-8, §4.5.2)

    ``u_1 = x²``, ``u_2 = x·u_1`` (not simplified to ``x³``: only the partials change, the summing
    formula stays). At ``x = 1.5``.
    """
    return (
        Derivation(x=1.5)
        .let("u_1", lambda x: x**2, {"x": lambda x: 2 * x}, formula="x²", partial_formulas={"x": "2x"})
        .let("u_2", lambda x, u_1: x * u_1, {"x": lambda u_1: u_1, "u_1": lambda x: x},
             formula="x·u_1")
        .claim("x", lambda x: 3 * x**2, formula="3x²")
    )


# --- §4.5.3 Vector chain rule --------------------------------------------------------------------


def c10_vector_chain_rule() -> Derivation:
    r"""``y = [ln(x²), sin(3x)]ᵀ``: ``∂y/∂x = (∂y/∂g)(∂g/∂x) = [2/x, 3cos(3x)]ᵀ``   (RULES C-10, C-11; §4.5.3)

    ``g = [x², 3x]ᵀ`` (shape ``(2,)``, ``∂g/∂x = [2x, 3]ᵀ``, a column of shape ``(2,)``) and
    ``y = [ln(g_1), sin(g_2)]ᵀ`` with the diagonal Jacobian ``∂y/∂g = diag(1/g_1, cos(g_2))``
    (structured, RULES C-12). The output is a vector, so the totals come from ``jax.jacfwd``.
    At ``x = 1.5`` (``x ≠ 0``).
    """
    return (
        Derivation(x=1.5)
        .let("g", lambda x: jnp.stack([x**2, 3 * x]), {"x": lambda x: np.array([2 * x, 3.0])},
             formula="[x², 3x]", partial_formulas={"x": "[2x, 3]"})
        .let("y", lambda g: jnp.stack([jnp.log(g[0]), jnp.sin(g[1])]),
             {"g": lambda g: Diagonal(np.array([1 / g[0], np.cos(g[1])]))},
             formula="[ln(g_1), sin(g_2)]", partial_formulas={"g": "diag(1/g_1, cos(g_2))"})
        .claim("x", lambda x: np.array([2 / x, 3 * np.cos(3 * x)]), formula="[2/x, 3cos(3x)]")
    )


# --- §5 The gradient of neuron activation --------------------------------------------------------


def n5_neuron_activation() -> Derivation:
    r"""``act = max(0, w·x + b)``: ``∂act/∂w = {0⃗ᵀ if z ≤ 0; xᵀ if z > 0}``   (RULES N-5, N-1; §5)

    ``u = w ⊗ x`` (``∂u/∂w = diag(x)``, ``∂u/∂x = diag(w)``, E-7/E-8), ``s = sum(u)`` (``1⃗ᵀ``, R-2),
    ``z = s + b``, ``act = max(0, z)`` written ``where(z > 0, z, 0)`` (``∂act/∂z = 1[z > 0]``, 0 at
    the kink, N-3). Vectors ``w, x`` of shape ``(3,)``, scalar ``b``; at an active unit (``z = 0.75``).
    """
    return (
        Derivation(w=[0.5, -1.0, 2.0], x=[1.0, 0.5, 0.25], b=0.25)
        .let("u", lambda w, x: w * x, {"w": lambda x: Diagonal(x), "x": lambda w: Diagonal(w)},
             formula="w ⊗ x", partial_formulas={"w": "diag(x)", "x": "diag(w)"})
        .let("s", lambda u: jnp.sum(u), {"u": lambda u: np.ones_like(u)},
             formula="sum(u)", partial_formulas={"u": "1⃗ᵀ"})
        .let("z", lambda s, b: s + b, {"s": lambda: 1.0, "b": lambda: 1.0}, formula="s + b")
        .let("act", lambda z: jnp.where(z > 0, z, 0.0), {"z": lambda z: np.where(z > 0, 1.0, 0.0)},
             formula="max(0, z)", partial_formulas={"z": "1[z > 0]"})
        .claim("w", lambda z, x: np.where(z > 0, 1.0, 0.0) * x, formula="{0⃗ᵀ if z ≤ 0; xᵀ if z > 0}")
        .claim("b", lambda z: np.where(z > 0, 1.0, 0.0), formula="{0 if z ≤ 0; 1 if z > 0}")
    )


# --- §6 The gradient of the neural network loss function -----------------------------------------


def l3_loss_wrt_w() -> Derivation:
    r"""``∂C/∂w = (2/N) Σ_i {0⃗ᵀ if z_i ≤ 0; (z_i − y_i) x_iᵀ if z_i > 0}``   (RULES L-3, L-1, L-2; §6.1)

    With the data ``X`` (``(N, n) = (4, 3)``, samples as rows), ``y`` (``(4,)``) and ``b`` held
    constant: ``z = Xw + b`` (``∂z/∂w = X``), ``u = max(0, z)`` (``diag(1[z > 0])``), ``v = y − u``
    (``−I``), ``C = (1/N) Σ_i v_i²`` (``(2/N) vᵀ``). Sample 3 is inactive (``z_3 < 0``), so the
    per-sample mask matters.
    """
    X = [[1.0, 2.0, 0.5], [-1.0, 0.5, 2.0], [0.3, -2.0, 1.0], [2.0, 1.0, -1.0]]
    return (
        Derivation(w=[0.5, -0.25, 1.0])
        .const(X=X, y=[1.0, 0.5, 2.0, -0.5], b=0.1)
        .let("z", lambda X, w, b: X @ w + b, {"w": lambda X: X}, formula="Xw + b",
             partial_formulas={"w": "X"})
        .let("u", lambda z: jnp.where(z > 0, z, 0.0), {"z": lambda z: Diagonal(np.where(z > 0, 1.0, 0.0))},
             formula="max(0, z)", partial_formulas={"z": "diag(1[z > 0])"})
        .let("v", lambda y, u: y - u, {"u": lambda u: identity_like(u, -1.0)}, formula="y − u",
             partial_formulas={"u": "−I"})
        .let("C", lambda v: jnp.mean(v**2), {"v": lambda v: (2 / v.shape[0]) * v},
             formula="(1/N) Σ_i v_i²", partial_formulas={"v": "(2/N) vᵀ"})
        .claim("w", lambda z, y, X: (2 / len(y)) * (np.where(z > 0, z - y, 0.0) @ X),
               formula="(2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ")
    )


# --- Tutorial notes: the MyGrad transcripts, built from the catalog's records ------------------------
#
# T-1 and T-2 are defined once, in chainrule.analytic.tutorial: its primals are the steps, its local
# partials and adjoints the claimed partials, its total derivatives the claims. They are reached through
# the catalog (the one door from reference/ to analytic derivatives), and the texts in the step table
# are the records' formulas, so nothing of T-1 or T-2 is written here a second time.


def _rhs(text: str) -> str:
    """The last right-hand side of a formula (``2xy`` of ``∂p/∂x = 2xy``); a number in ASCII (``-1``)."""
    rhs = text.rsplit(" = ", 1)[-1].strip()
    ascii_rhs = rhs.replace("−", "-")
    try:
        float(ascii_rhs)
    except ValueError:
        return rhs
    return ascii_rhs


def _tutorial_step(d: Derivation, name: str, partials: dict[str, str]) -> Derivation:
    """Add the step ``name`` from the records ``partials`` (parameter → record name).

    Each record's primal is the step's function and its derivative the claimed partial; its formula reads
    ``name = definition: ∂name/∂p = partial`` (e.g. ``p = y·x²: ∂p/∂x = 2xy``).
    """
    rules = {p: by_name(r) for p, r in partials.items()}
    first = next(iter(rules.values()))
    definition = first.formula.split(": ", 1)[0]
    return d.let(name, first.primal, {p: r.derivative for p, r in rules.items()},
                 formula=_rhs(definition), partial_formulas={p: _rhs(r.formula) for p, r in rules.items()})


def _tutorial(example: str, point: dict[str, float]) -> Derivation:
    """T-1 or T-2 (``example`` is ``"t1"`` or ``"t2"``) at ``point``, every piece from the catalog."""
    d = Derivation(**point)
    d = _tutorial_step(d, "p", {"x": f"grad_{example}_p_x", "y": f"grad_{example}_p_y"})
    d = _tutorial_step(d, "q", {"x": f"grad_{example}_q_x", "y": f"grad_{example}_q_y"})
    d = _tutorial_step(d, "g", {"p": f"grad_{example}_g_p", "q": f"grad_{example}_g_q"})
    for wrt in ("x", "y"):
        total = by_name(f"grad_{example}_g_{wrt}")
        d = d.claim(wrt, total.derivative, formula=_rhs(total.formula))
    return d


def t1_mygrad() -> Derivation:
    r"""``g = p² − q³`` with ``p = y·x²``, ``q = 2x + y`` at ``x = 3, y = 1``   (RULES T-1)

    ``∂g/∂p = 2p = 18``, ``∂g/∂q = −3q² = −147``, ``dg/dx = 18·2xy − 147·2 = −186``,
    ``dg/dy = 18·x² − 147 = 15`` (MyGrad's ``p.grad``, ``q.grad``, ``x.grad``, ``y.grad``). Built from
    :mod:`chainrule.analytic.tutorial` through the catalog's T-1 records.
    """
    return _tutorial("t1", {"x": 3.0, "y": 1.0})


def t2_mygrad() -> Derivation:
    r"""``g = p²·q`` with ``p = 4y − x``, ``q = 3xy − 4y`` at ``x = 5, y = 4``   (RULES T-2)

    ``∂g/∂p = 2pq = 968``, ``∂g/∂q = p² = 121``, ``dg/dx = 968·(−1) + 121·3y = 484``,
    ``dg/dy = 968·4 + 121·(3x − 4) = 5203``; in Jacobian form ``[968, 121]·[[−1, 4], [3y, 3x − 4]]``
    (the vector chain rule C-11 with a scalar f, record ``grad_t2_g_xy``). Built from
    :mod:`chainrule.analytic.tutorial` through the catalog's T-2 records.
    """
    return _tutorial("t2", {"x": 5.0, "y": 4.0})


# --- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A built-in worked example: its ID, what it shows, and how to build its derivation.

    ``expect_missing`` is empty for an example that must pass; for a pitfall it holds the paths the
    check must report as missing from the claimed answer.
    """

    id: str
    title: str
    section: str
    build: Callable[[], Derivation]
    expect_missing: tuple[tuple[str, ...], ...] = ()

    @property
    def pitfall(self) -> bool:
        return bool(self.expect_missing)

    def check(self, *, around: int = 16, seed: int = 0) -> DerivationReport:
        """Build the derivation and check it at its point and ``around`` random points around it."""
        return self.build().check(around=around, seed=seed)

    def as_expected(self, report: DerivationReport) -> bool:
        """True when the report is what the example documents: ok, or (pitfall) the missing paths."""
        if not self.pitfall:
            return report.ok
        found = tuple(p for paths in report.missing_paths.values() for p in paths)
        return not report.ok and not report.wrong_steps and found == self.expect_missing


_LIST = (
    Example("C-2", "y = sin(x²): single-variable chain rule", "§4.5.1", c2_sin_of_square),
    Example("C-3", "y = ln(sin(x³)²): four intermediate variables", "§4.5.1", c3_log_sin_cube_squared),
    Example("C-5", "y = x + x²: total-derivative chain rule", "§4.5.2", c5_x_plus_square),
    Example("C-5-naive", "y = x + x² answered 2x: the single-variable pitfall (fails on purpose)",
            "§4.5.2", c5_naive_single_variable, expect_missing=(("x", "u_2"),)),
    Example("C-7", "y = sin(x + x²): total-derivative chain rule", "§4.5.2", c7_sin_of_x_plus_square),
    Example("C-8", "y = x·x²: total-derivative chain rule", "§4.5.2", c8_x_times_square),
    Example("C-10", "y = [ln(x²), sin(3x)]: vector chain rule", "§4.5.3", c10_vector_chain_rule),
    Example("N-5", "max(0, w·x + b): the neuron activation", "§5", n5_neuron_activation),
    Example("L-3", "C = mean((y − max(0, Xw + b))²): the loss with respect to w", "§6.1", l3_loss_wrt_w),
    Example("T-1", "g = p² − q³, p = y·x², q = 2x + y at x = 3, y = 1 (MyGrad)", "tutorial", t1_mygrad),
    Example("T-2", "g = p²·q, p = 4y − x, q = 3xy − 4y at x = 5, y = 4 (MyGrad)", "tutorial", t2_mygrad),
)

#: Every built-in example by ID, in the paper's order.
EXAMPLES: dict[str, Example] = {e.id: e for e in _LIST}


def get(name: str) -> Example:
    """The example with this ID (case-insensitive); ``ValueError`` listing the IDs otherwise."""
    for key, example in EXAMPLES.items():
        if key.lower() == str(name).strip().lower():
            return example
    raise ValueError(f"no built-in example {name!r}; choose one of {', '.join(EXAMPLES)}")
