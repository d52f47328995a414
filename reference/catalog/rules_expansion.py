"""Catalog records for §4.3, scalar expansion (topic ``scalar-expansion``): RULES X-1 … X-3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.analytic import expansion as ex

from ._record import Arg, Rule

#: n = 1, then a longer vector (the z-derivatives are n × 1 columns).
VECTOR_SIZES = ({"n": 1}, {"n": 6})

_X_Z = (Arg("x", ("n",)), Arg("z", ()))
_X_Z_NONZERO = (Arg("x", ("n",)), Arg("z", (), "nonzero"))
_X_NONZERO_Z = (Arg("x", ("n",), "nonzero"), Arg("z", ()))


def _rule(name: str, rid: str, primal: Callable[..., Any],
          derivative: Callable[..., Any], args: tuple[Arg, ...], wrt: str, **kw: Any) -> Rule:
    """One §4.3 record: topic ``scalar-expansion``, n = 1 and a longer vector."""
    return Rule(name, rid, "scalar-expansion", "§4.3", primal, derivative, args, wrt,
                VECTOR_SIZES, **kw)


_EXT = {"origin": "extension", "note": "not in the paper; same rule as X-1/X-2"}

RULES = [
    _rule("jac_add_scalar_x", "X-1", ex.add_scalar, ex.jac_add_scalar_x, _X_Z, "x"),
    _rule("jac_add_scalar_z", "X-1", ex.add_scalar, ex.jac_add_scalar_z, _X_Z, "z"),
    _rule("jac_mul_scalar_x", "X-2", ex.mul_scalar, ex.jac_mul_scalar_x, _X_Z, "x"),
    _rule("jac_mul_scalar_z", "X-2", ex.mul_scalar, ex.jac_mul_scalar_z, _X_Z, "z"),
    _rule("jac_sub_scalar_x", "X-3", ex.sub_scalar, ex.jac_sub_scalar_x, _X_Z, "x", **_EXT),
    _rule("jac_sub_scalar_z", "X-3", ex.sub_scalar, ex.jac_sub_scalar_z, _X_Z, "z", **_EXT),
    _rule("jac_rsub_scalar_x", "X-3", ex.rsub_scalar, ex.jac_rsub_scalar_x, _X_Z, "x", **_EXT),
    _rule("jac_rsub_scalar_z", "X-3", ex.rsub_scalar, ex.jac_rsub_scalar_z, _X_Z, "z", **_EXT),
    _rule("jac_div_scalar_x", "X-3", ex.div_scalar, ex.jac_div_scalar_x, _X_Z_NONZERO, "x", **_EXT),
    _rule("jac_div_scalar_z", "X-3", ex.div_scalar, ex.jac_div_scalar_z, _X_Z_NONZERO, "z", **_EXT),
    _rule("jac_rdiv_scalar_x", "X-3", ex.rdiv_scalar, ex.jac_rdiv_scalar_x, _X_NONZERO_Z, "x", **_EXT),
    _rule("jac_rdiv_scalar_z", "X-3", ex.rdiv_scalar, ex.jac_rdiv_scalar_z, _X_NONZERO_Z, "z", **_EXT),
]
