"""The whole report, pinned: a battery of checks, right and wrong, whose full text (first line, notes, per-block
table, worst entries, tolerance, reproduce line) must not change unnoticed (issue 16).

The other checker tests assert the part of a report their behaviour is about, mostly the diagnosis; mutation
testing showed the rest of the text (a count in a note, the digits of a factor, the fourth of four entries, the
inputs a report names) could change with no test noticing. Each scenario here is one kind of failure or note
a user meets; its report is compared line by line with ``tests/golden/check_reports.json``.

Measured numbers at rounding level (below 1e-7 in magnitude, which depend on the machine's BLAS and XLA's vector width)
are written ``≈0`` before the comparison, so the pinned text is what a person reads, not the last ulp.

After a deliberate change of wording, rewrite the file and review its diff::

    CHAINRULE_UPDATE_GOLDEN=1 python -m pytest tests/test_check_golden.py
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import i0, i1

from chainrule import check_gradient, check_hessian, check_jacobian, check_jvp, check_vjp

GOLDEN = Path(__file__).parent / "golden" / "check_reports.json"
UPDATE = os.environ.get("CHAINRULE_UPDATE_GOLDEN") == "1"


# --- functions and candidates, named (the report's first and reproduce lines name them) ------------------------


def sum_sin(x):
    return jnp.sum(jnp.sin(x))


def cos_numpy(x):
    return np.cos(x)


def cos_jax(x):
    return jnp.cos(x)


def twice_cos(x):
    return 2 * jnp.cos(x)


def cos_times_size(x):
    return x.size * jnp.cos(x)


def minus_cos(x):
    return -jnp.cos(x)


def zeros_like(x):
    return jnp.zeros_like(x)


def cos_one_entry_off(x):
    return np.cos(x) + (np.arange(x.size) == 2) * 0.5


def cos_rounded_pi(x):
    return np.cos(x) * (3.1416 / np.pi)


def cos_raises(x):
    raise ValueError("shapes (3,) and (4,) not aligned")


def cos_in_place(x):
    x[x < 0] = 0.0
    return np.cos(x)


def cos_float16(x):
    return np.cos(x).astype(np.float16)


def cos_as_tuple(x):
    return np.cos(x), np.zeros(1)


def cos_flattened_2d(x):
    return np.cos(x).reshape(1, -1)


def sum_of_cos(x):
    return np.array([np.cos(x).sum()])


def relu_sum(x):
    return jnp.sum(jnp.maximum(x, 0.0))


def right_slope(x):
    return (np.asarray(x) >= 0).astype(float)


def step_at_zero(value):
    def step_with_value_at_zero(x):
        x = np.asarray(x)
        return np.where(x > 0, 1.0, np.where(x == 0, value, 0.0))
    return step_with_value_at_zero


def arg_max(x):
    return x[jnp.argmax(x)]


def every_tied_maximum(x):
    x = np.asarray(x)
    return (x == x.max()).astype(float)


def max_xy(x, y):
    return jnp.sum(jnp.maximum(x, y))


def all_to_x(x, y):
    gx = (np.asarray(x) >= np.asarray(y)).astype(float)
    return gx, 1.0 - gx


def both_get_one(x, y):
    gx = (np.asarray(x) >= np.asarray(y)).astype(float)
    gy = (np.asarray(y) >= np.asarray(x)).astype(float)
    return gx, gy


def varying_factor(x):
    return np.cos(x) * (1.5 + 0.1 * np.tanh(x[0]))


def log_sum(x):
    return jnp.sum(jnp.log(x))


def reciprocal(x):
    return 1.0 / x


def reciprocal_squared(x):
    return 1.0 / x ** 2


def sin_jac(x):
    return jnp.sin(x)


def jac_cos_diag_plus_one(x):
    return jnp.diag(jnp.cos(x)) + 1.0


def jac_cos_transposed(x):
    return jnp.cos(x)[:, None] * jnp.ones((3, 3))


def matvec(A, x):
    return A @ jnp.sin(x)


def jac_matvec_transposed(A, x):
    return (A * jnp.cos(x)).T


W234 = np.arange(1.0, 25.0).reshape(2, 3, 4) / 10


def contract_sin(x):
    return jnp.einsum("ijk,k->ij", W234, jnp.sin(x))


def jac_in_denominator_layout(x):  # in.shape + out.shape
    return np.moveaxis(W234 * np.cos(x), -1, 0)


def softmax(x):
    return jax.nn.softmax(x)


def softmax_jac_without_outer(x):
    return jnp.diag(jax.nn.softmax(x))


def quad_form(x, A):
    return x @ A @ x


def grad_quad_two_ax(x, A):
    return 2 * A @ x


def hess_quad(x, A):
    return A + A.T


def hess_quad_twice(x, A):
    return 2 * (A + A.T)


def two_outputs(x):
    return jnp.sin(x), jnp.sum(x ** 2)


def vjp_ignoring_second(x, ct):
    a, _ = ct
    return a * jnp.cos(x)


def vjp_softmax_without_outer(x, ct):
    return ct * jax.nn.softmax(x)


def jvp_twice(x, t):
    return 2 * jnp.sum(jnp.cos(x) * t)


def dict_loss(p):
    return jnp.sum(jnp.tanh(p["w"] * p["b"]))


def dict_grad_b_wrong(p):
    s = 1 - jnp.tanh(p["w"] * p["b"]) ** 2
    return {"w": s * p["b"], "b": s * p["w"] * 2}


def float32_cos(x):
    return jnp.cos(x).astype(jnp.float32)


def sum_i0(x):
    return jnp.sum(i0(x))


def i1_of(x):  # autograd's rule for I0: JAX's own derivative is wrong at 0 (it says 1, I1(0) = 0)
    return i1(x)


def relu_jvp_right_slope(x, t):
    return jnp.sum((x >= 0) * t)


def cos_raises_far_out(x):
    if np.max(np.abs(x)) > 2.0:
        raise FloatingPointError("overflow in the backward pass")
    return np.cos(x)


def jac_sin_twice(x):
    return 2 * jnp.diag(jnp.cos(x))


def hess_quad_probe_wrong(x, A):
    return A + 2 * A.T


def float16_cos(x):
    return np.cos(x).astype(np.float16) * np.float16(1.01)


# --- the battery -------------------------------------------------------------------------------------------------

Z3 = np.zeros(3)
SCENARIOS: dict[str, Callable[[], Any]] = {
    "pass, NumPy-only candidate": lambda: check_gradient(sum_sin, cos_numpy, Z3),
    "pass, traceable candidate": lambda: check_gradient(sum_sin, cos_jax, Z3, trials=20),
    "constant factor": lambda: check_gradient(sum_sin, twice_cos, Z3, shrink=False),
    "factor N": lambda: check_gradient(sum_sin, cos_times_size, Z3, shrink=False),
    "sign flipped": lambda: check_gradient(sum_sin, minus_cos, Z3, shrink=False),
    "missing derivative": lambda: check_gradient(sum_sin, zeros_like, Z3, shrink=False),
    "one wrong entry": lambda: check_gradient(sum_sin, cos_one_entry_off, np.zeros(5), shrink=False),
    "close but not exact": lambda: check_gradient(sum_sin, cos_rounded_pi, Z3, shrink=False),
    "varying factor": lambda: check_gradient(sum_sin, varying_factor, np.zeros(4), shrink=False),
    "candidate raises": lambda: check_gradient(sum_sin, cos_raises, Z3),
    "candidate mutates input": lambda: check_gradient(sum_sin, cos_in_place, Z3),
    "wrong dtype": lambda: check_gradient(sum_sin, cos_float16, Z3),
    "wrong structure": lambda: check_gradient(sum_sin, cos_as_tuple, Z3),
    "wrong shape, flattened": lambda: check_gradient(sum_sin, cos_flattened_2d, Z3),
    "wrong shape, broadcasts": lambda: check_gradient(sum_sin, sum_of_cos, Z3),
    "kink, other convention accepted": lambda: check_gradient(relu_sum, right_slope, Z3),
    "kink, outside the one-sided slopes": lambda: check_gradient(relu_sum, step_at_zero(1.5), np.zeros(4),
                                                                 shrink=False),
    "kink, JAX's convention required": lambda: check_gradient(relu_sum, right_slope, Z3, kinks="jax",
                                                              shrink=False),
    "tie inside a leaf": lambda: check_gradient(arg_max, every_tied_maximum, np.zeros(5), shrink=False),
    "tie between arguments, accepted": lambda: check_gradient(max_xy, all_to_x, Z3, Z3, argnums=(0, 1)),
    "tie between arguments, both get one": lambda: check_gradient(max_xy, both_get_one, Z3, Z3, argnums=(0, 1),
                                                                  shrink=False),
    "domain, positive": lambda: check_gradient(log_sum, reciprocal, Z3, domains={"x": "positive"}),
    "domain, wrong formula": lambda: check_gradient(log_sum, reciprocal_squared, Z3, domains={"x": "positive"},
                                                    shrink=False),
    "domain left": lambda: check_gradient(log_sum, reciprocal, Z3),
    "jacobian, dropped term": lambda: check_jacobian(sin_jac, jac_cos_diag_plus_one, Z3, shrink=False),
    "jacobian, rows all alike": lambda: check_jacobian(sin_jac, jac_cos_transposed, Z3, shrink=False),
    "jacobian, transposed": lambda: check_jacobian(matvec, jac_matvec_transposed, np.zeros((3, 3)), Z3, argnums=1,
                                                   shrink=False),
    "jacobian, denominator layout of a matrix output": lambda: check_jacobian(contract_sin, jac_in_denominator_layout,
                                                                              np.zeros(4), shrink=False),
    "jacobian, dropped outer product": lambda: check_jacobian(softmax, softmax_jac_without_outer, np.zeros(4),
                                                              shrink=False),
    "gradient, symmetric matrices only": lambda: check_gradient(quad_form, grad_quad_two_ax, Z3,
                                                                np.zeros((3, 3)), shrink=False),
    "hessian, pass": lambda: check_hessian(quad_form, hess_quad, Z3, np.zeros((3, 3)), trials=20),
    "hessian, off by 2": lambda: check_hessian(quad_form, hess_quad_twice, Z3, np.zeros((3, 3)), trials=20,
                                               shrink=False),
    "vjp, cotangent ignored": lambda: check_vjp(two_outputs, vjp_ignoring_second, Z3, trials=20, shrink=False),
    "vjp, probed": lambda: check_vjp(softmax, vjp_softmax_without_outer, np.zeros(12), max_dense=100, trials=20,
                                     shrink=False),
    "jvp, constant factor": lambda: check_jvp(sum_sin, jvp_twice, Z3, trials=20, shrink=False),
    "pytree gradient, one leaf wrong": lambda: check_gradient(dict_loss, dict_grad_b_wrong,
                                                              {"w": Z3, "b": Z3}, trials=20, shrink=False),
    "float32 example, promoted": lambda: check_gradient(sum_sin, cos_jax, np.zeros(3, np.float32), trials=20),
    "float32 candidate, as given": lambda: check_gradient(sum_sin, float32_cos, np.zeros(3, np.float32),
                                                          candidate_precision="as-given", trials=20),
    "float16 candidate off by 1%, as given": lambda: check_gradient(sum_sin, float16_cos, np.zeros(3, np.float16),
                                                                    candidate_precision="as-given", trials=20,
                                                                    shrink=False),
    "JAX wrong, the candidate right": lambda: check_gradient(sum_i0, i1_of, Z3, shrink=False),
    "jvp at a kink, the tangent's sides": lambda: check_jvp(relu_sum, relu_jvp_right_slope, Z3),
    "candidate raises at a later trial": lambda: check_gradient(sum_sin, cos_raises_far_out, Z3),
    "jacobian, probed": lambda: check_jacobian(sin_jac, jac_sin_twice, np.zeros(4), mode="probe", trials=20,
                                               shrink=False),
    "hessian, probed": lambda: check_hessian(quad_form, hess_quad_probe_wrong, Z3, np.zeros((3, 3)),
                                             mode="probe", trials=20, shrink=False),
}

#: numbers at rounding level: an optional sign, digits, an exponent of -7 or below; not a tolerance's own
#: rtol or atol, which are settings, not measurements
_TINY = re.compile(r"(?<!rtol )(?<!atol )-?\d+(?:\.\d+)?e-(?:0?[7-9]|[1-9]\d)")


def readable_text(report: Any) -> list[str]:
    """The report as a person reads it, rounding-level numbers written ≈0, plus the fields a program reads."""
    lines = [_TINY.sub("≈0", line) for line in str(report).splitlines()]
    fields = {"ok": report.ok, "trial": report.trial, "failures": report.failures, "stopped": report.stopped,
              "block": report.block}
    return [*lines, json.dumps(fields, sort_keys=True)]


@pytest.fixture(scope="module")
def golden() -> dict[str, list[str]]:
    stored = {} if UPDATE or not GOLDEN.is_file() else json.loads(GOLDEN.read_text())
    yield stored
    if UPDATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(stored, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def test_every_scenario_has_a_pinned_report_and_no_pinned_report_is_stale(golden):
    if not UPDATE:
        assert sorted(golden) == sorted(SCENARIOS), "rewrite tests/golden/check_reports.json (see the module doc)"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_report_reads_as_pinned(name, golden):
    text = readable_text(SCENARIOS[name]())
    if UPDATE:
        golden[name] = text
        return
    assert name in golden, f"no pinned report for {name!r}: rewrite the file (see the module doc)"
    for i, (got, want) in enumerate(zip(text, golden[name], strict=False)):
        assert got == want, f"{name}, line {i + 1}:\n  got:    {got}\n  pinned: {want}"
    assert len(text) == len(golden[name]), f"{name}: {len(text)} lines, pinned {len(golden[name])}:\n" + \
        "\n".join(text)
