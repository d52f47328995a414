"""Catalog records for §3, partial derivatives (topic ``partial``): RULES P-1 and P-2."""

from __future__ import annotations

from chainrule.analytic import partials as pa

from ._record import Arg, Rule

_XY = (Arg("x", ()), Arg("y", ()))
_V = (Arg("v", (2,)),)

RULES = [
    Rule("grad_product_x", "P-1", "partial", "§3", pa.product, pa.grad_product_x, _XY, "x", origin="implied",
         note="the paper motivates partials with xy but does not compute them"),
    Rule("grad_product_y", "P-1", "partial", "§3", pa.product, pa.grad_product_y, _XY, "y", origin="implied",
         note="the paper motivates partials with xy but does not compute them"),
    Rule("grad_three_x2y_x", "P-2", "partial", "§3", pa.three_x2y, pa.grad_three_x2y_x, _XY, "x"),
    Rule("grad_three_x2y_y", "P-2", "partial", "§3", pa.three_x2y, pa.grad_three_x2y_y, _XY, "y"),
    Rule("grad_three_x2y_vec_v", "P-2", "partial", "§3", pa.three_x2y_vec, pa.grad_three_x2y_vec_v, _V, "v"),
]
