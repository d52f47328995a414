r"""Check a chain-rule derivation step by step against JAX, and name the step that is wrong.

The paper teaches the chain rule as a procedure (RULES C-1, §4.5.1): introduce intermediate variables,
differentiate each with respect to its own parameters, combine the partials (single-variable,
total-derivative C-6, or vector chain rule C-11), substitute back. A :class:`Derivation` records that
procedure: the inputs, then one step per intermediate variable with its *claimed* local partials.
:meth:`Derivation.check` then

1. evaluates every step at the point (and at random points around it, ``around=K``), in float64 inside
   the scoped :func:`chainrule.reference.autodiff.x64` context; the composed function is traced and
   compiled once, as one ``jax.jit(jax.vmap(...))`` over the points (and reused by later checks with as
   many points) — :mod:`.evaluate`;
2. compares each claimed local partial ``∂u/∂p`` with ``jax.jacfwd`` of the step's own function: a
   step whose claimed partial disagrees is a **wrong step** — :mod:`.partials`;
3. combines the *claimed* partials in reverse topological order (the total-derivative chain rule
   ``∂y/∂p = Σ_{steps u that take p} (∂y/∂u)(∂u/∂p)``, which for vector steps is the vector chain rule)
   into the adjoints ``∂y/∂u`` and the total derivatives ``dy/dx`` (:mod:`.accumulate`), and compares
   them with ``jax.grad`` (scalar output) or ``jax.jacfwd`` (vector output) of the composed function;
4. compares each *claimed total* (:meth:`Derivation.claim`, e.g. a final answer written by hand) with
   JAX. When every local partial is right the combination is mechanical, so a wrong total can only
   come from the hand-written answer itself; the report then names the dataflow **path** (a chain of
   variables from the input to the output) whose contribution the answer left out or counted twice:
   the C-5 pitfall ``y = x + x²`` answered ``2x`` misses the direct path ``x → u_2`` — :mod:`.totals`.

Layout: numerator, like the rest of chainrule. ``∂u/∂p`` has shape ``u.shape + p.shape`` (a scalar's
partial with respect to a vector is the gradient, shaped like the vector; a vector's with respect to a
scalar is the column, shaped like the vector). A vector step's partials may be dense arrays or
structured Jacobians (anything :func:`chainrule._structured.is_structured` accepts: a ``todense()``
method, such as :class:`chainrule.analytic.structured.Diagonal`); composing them with ``@`` keeps the
structure.

Errors are measured normwise by the one comparison engine,
:func:`chainrule.reference.checker.compare.errors`, like ``chainrule verify`` and ``check_*``: a partial
passes at a point when ``max|claimed − JAX| ≤ atol + rtol·max|JAX|`` with ``(rtol, atol)`` from
:data:`chainrule.reference.tolerances.TOLERANCES` (float64).

``y = sin(x²)`` in two steps, with the ``2`` of ``∂u/∂x = 2x`` forgotten:

>>> import jax.numpy as jnp
>>> import numpy as np
>>> d = Derivation(x=1.5)
>>> d = d.let("u", lambda x: x**2, partials={"x": lambda x: x})               # should be 2 * x
>>> d = d.let("y", lambda u: jnp.sin(u), partials={"u": lambda u: np.cos(u)})
>>> r = d.check(around=4)
>>> r.ok, r.wrong_steps, r.diagnosis
(False, ('u',), 'wrong local partial: ∂u/∂x (step u)')
>>> print(r.messages[0].split(" | ")[3:5])
['claimed 1.5, JAX 3', 'off by a factor 1/2']

The paper's worked examples (T-1 and T-2, the MyGrad computations, and the chain-rule pitfalls of
§4.5) are built-in derivations in :mod:`chainrule.reference.derivation.examples`; run one with
``chainrule explain T-1`` to see its step table.
"""

from __future__ import annotations

from .builder import Derivation
from .report import ClaimCheck, DerivationReport, StepCheck

__all__ = ["ClaimCheck", "Derivation", "DerivationReport", "StepCheck"]
