"""Catalog records for §4.4, vector sum reduction (topic ``reduction``): RULES R-1 … R-4.

The dot product ``sum(w ⊗ x)`` (RULES N-1) is catalogued with the neuron, in ``rules_neuron.py``.
"""

from __future__ import annotations

from chainrule.analytic import reduction as rd

from ._record import Arg, Rule

#: n = 1, then a longer vector.
VECTOR_SIZES = ({"n": 1}, {"n": 6})
#: f: Rⁿ → Rᵐ for R-1: the 1 × 1 case, then non-square both ways.
MATRIX_SIZES = ({"m": 1, "n": 1}, {"m": 4, "n": 2}, {"m": 2, "n": 5})

_A_X = (Arg("A", ("m", "n")), Arg("x", ("n",)))
_X = (Arg("x", ("n",)),)
_X_Z = (Arg("x", ("n",)), Arg("z", ()))
_W_X = (Arg("w", ("n",)), Arg("x", ("n",)))
_ERRATUM = "R-3 v1 erratum: the Feb-2018 text gave n for ∂ sum(xz)/∂z; n belongs to sum(x + z)"

RULES = [
    Rule("jac_sin_matvec_x", "R-1", "reduction", "§4.4", rd.sin_matvec, rd.jac_sin_matvec_x, _A_X, "x", MATRIX_SIZES,
         note="the Jacobian whose column sums R-1 takes"),
    Rule("grad_sum_sin_matvec_x", "R-1", "reduction", "§4.4",
         rd.sum_sin_matvec, rd.grad_sum_sin_matvec_x, _A_X, "x", MATRIX_SIZES),
    Rule("grad_sum_vector_x", "R-2", "reduction", "§4.4", rd.sum_vector, rd.grad_sum_vector_x, _X, "x", VECTOR_SIZES),
    Rule("grad_sum_mul_scalar_x", "R-3", "reduction", "§4.4", rd.sum_mul_scalar, rd.grad_sum_mul_scalar_x, _X_Z, "x",
         VECTOR_SIZES),
    Rule("grad_sum_mul_scalar_z", "R-3", "reduction", "§4.4", rd.sum_mul_scalar, rd.grad_sum_mul_scalar_z, _X_Z, "z",
         VECTOR_SIZES, note=_ERRATUM),
    Rule("grad_sum_add_scalar_x", "R-3", "reduction", "§4.4", rd.sum_add_scalar, rd.grad_sum_add_scalar_x, _X_Z, "x",
         VECTOR_SIZES,
         origin="extension", note=_ERRATUM),
    Rule("grad_sum_add_scalar_z", "R-3", "reduction", "§4.4", rd.sum_add_scalar, rd.grad_sum_add_scalar_z, _X_Z, "z",
         VECTOR_SIZES,
         origin="extension", note=_ERRATUM),
    Rule("grad_sum_add_w", "R-4", "reduction", "§4.5", rd.sum_add, rd.grad_sum_add_w, _W_X, "w", VECTOR_SIZES,
         origin="implied"),
    Rule("grad_sum_add_x", "R-4", "reduction", "§4.5", rd.sum_add, rd.grad_sum_add_x, _W_X, "x", VECTOR_SIZES,
         origin="implied"),
]
