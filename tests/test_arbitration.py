"""Arbitration (issue 15): when the candidate and JAX disagree, a second witness decides who is wrong.

The candidates are HIPS/autograd's own derivative rules, kept as its authors wrote them
(autograd/scipy/special.py):

    defvjp(i0, lambda ans, x: lambda g: g * i1(x))
    defvjp(j0, lambda ans, x: lambda g: -g * j1(x))
    defvjp(j1, lambda ans, x: lambda g: g * (j0(x) - jn(2, x)) / 2.0)
    defvjp(jn, None, lambda ans, n, x: lambda g: g * (jn(n - 1, x) - jn(n + 1, x)) / 2.0)

with scipy's functions replaced by jax.scipy.special's. JAX's own derivatives are wrong where these are
right: d/dx I0 at 0 is 1 in JAX (the truth is I1(0) = 0), and d/dx J0, J1, J2 for |x| ≲ 0.02.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import bessel_jn, i0, i1

from chainrule import check_gradient, check_hessian, check_jacobian, check_jvp, check_vjp
from chainrule.reference.samplers import Domain

NEAR_ZERO = Domain("near zero", lambda rng, shape: rng.uniform(1e-4, 0.02, shape), "uniform(1e-4, 0.02)")


def jn(n, x):
    return bessel_jn(x, v=max(n, 0) + 1)[n]


def j0(x):
    return jn(0, x)


def j1(x):
    return jn(1, x)


def j2(x):
    return jn(2, x)


AUTOGRAD_VJPS = {  # autograd/scipy/special.py, as written there
    "i0": (i0, lambda x, g: g * i1(x)),
    "j0": (j0, lambda x, g: -g * j1(x)),
    "j1": (j1, lambda x, g: g * (j0(x) - jn(2, x)) / 2.0),
    "j2": (j2, lambda x, g: g * (jn(2 - 1, x) - jn(2 + 1, x)) / 2.0),
}


def _bessel_case(name):
    f, vjp = AUTOGRAD_VJPS[name]
    opts = {} if name == "i0" else {"domains": {"x": NEAR_ZERO}, "trials": 20}
    return f, vjp, opts


@pytest.mark.parametrize("name", list(AUTOGRAD_VJPS))
def test_autograds_rule_passes_where_jax_is_wrong_and_the_report_says_so(name):
    f, vjp, opts = _bessel_case(name)
    r = check_vjp(f, vjp, np.zeros(4), **opts)
    assert r.ok, str(r)
    assert r.jax_wrong and "JAX's derivative is wrong here" in str(r), str(r)
    for finding in r.jax_wrong:
        # the witness sides with the candidate: within its bound of it, and JAX far outside
        w, c, j = (np.asarray(finding[k], np.float64) for k in ("witness", "candidate", "jax"))
        assert np.all(np.abs(c - w) <= finding["error"] + 1e-9 * np.abs(w) + 1e-12), finding
        assert np.all(np.abs(j - w) > 2 * finding["error"]), finding
    json.dumps(r.to_dict())  # the findings serialize


@pytest.mark.parametrize("name", list(AUTOGRAD_VJPS))
def test_a_deliberately_wrong_candidate_at_the_same_points_still_fails(name):
    f, vjp, opts = _bessel_case(name)
    r = check_vjp(f, lambda x, g: vjp(x, g) * 1.01, np.zeros(4), **opts)
    assert not r.ok and not r.jax_wrong, str(r)
    assert any("a second witness" in n and "the candidate is wrong there" in n for n in r.notes), r.notes


def test_without_arbitration_jax_is_the_reference_as_before():
    f, vjp, opts = _bessel_case("j0")
    r = check_vjp(f, vjp, np.zeros(4), arbitrate=False, **opts)
    assert not r.ok and not r.jax_wrong
    assert "arbitrate=False" in r.reproduce


def test_i0_at_zero_is_wrong_in_jax_the_finding_reproduces_it():
    r = check_gradient(lambda x: jnp.sum(i0(x)), lambda x: i1(x), np.zeros(3), shrink=False)
    assert r.ok, str(r)
    at_zero = [fd for fd in r.jax_wrong if fd["witness"] == 0.0 or abs(fd["witness"]) < 1e-12]
    assert at_zero and all(fd["jax"] == 1.0 for fd in at_zero), r.jax_wrong  # JAX says 1; I1(0) = 0
    finding = at_zero[0]
    assert finding["method"].startswith("richardson")  # i0 takes no complex input
    code = finding["reproduce"]
    # the sum is a lambda: the reproduction names the check's f and says where it comes from
    assert "jax.jvp" in code


def test_a_reproduction_of_a_named_function_runs_and_prints_jaxs_value():
    r = check_jacobian(i0, lambda x: jnp.diag(i1(x)), np.zeros(3))
    assert r.ok and r.jax_wrong, str(r)
    finding = next(fd for fd in r.jax_wrong if 1.0 in np.atleast_1d(fd["jax"]))
    out = io.StringIO()
    with redirect_stdout(out):
        exec(finding["reproduce"], {})
    assert "1." in out.getvalue(), (finding["reproduce"], out.getvalue())


def test_a_jvp_check_is_arbitrated_too():
    r = check_jvp(i0, lambda x, t: i1(x) * t, np.zeros(4))
    assert r.ok and r.jax_wrong, str(r)


def test_a_wrong_hessian_is_blamed_on_the_candidate_by_the_second_witness():
    def f(x):
        return jnp.sum(jnp.sin(x) * x[0])

    def hess_wrong(x):
        H = jnp.diag(-jnp.sin(x) * x[0])
        H = H.at[0, :].add(jnp.cos(x)).at[:, 0].add(jnp.cos(x))
        return H * 1.5

    r = check_hessian(f, hess_wrong, np.zeros(3))
    assert not r.ok and not r.jax_wrong
    assert any("second witness sides with JAX" in n for n in r.notes), r.notes


def test_at_a_kink_the_witness_cannot_decide_and_the_trial_still_fails():
    # d relu/dz at 0 is a convention; kinks="jax" asks for JAX's (0), this candidate takes 1: the
    # one-sided slopes differ, so the witness is undecided and the check fails as before
    r = check_gradient(lambda z: jnp.sum(jnp.where(z > 0, z, 0.0)), lambda z: jnp.where(z >= 0, 1.0, 0.0),
                       np.zeros(4), kinks="jax", shrink=False)
    assert not r.ok and not r.jax_wrong, str(r)
    assert any("could not decide between the candidate and JAX" in n for n in r.notes), r.notes


def test_i0_at_zero_is_the_witness_s_finding_not_a_kink_convention():
    # before arbitration the checker excused JAX's wrong value at 0 as "a kink" (JAX's derivatives beside 0
    # are right); the witness sees a smooth function there and says whose value is wrong
    f, vjp = AUTOGRAD_VJPS["i0"]
    r = check_vjp(f, vjp, np.zeros(4))
    assert r.ok and r.jax_wrong and not any("at a kink" in n for n in r.notes), str(r)


def test_a_passing_check_is_not_arbitrated():
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), jnp.cos, np.zeros(5))
    assert r.ok and r.jax_wrong == [] and not any("witness" in n for n in r.notes)


def test_a_probe_mode_jacobian_is_arbitrated_on_both_products():
    # mode="probe" checks J·v and uᵀJ against JAX's jvp and vjp: both carry JAX's wrong slope of i0 at 0, and
    # the witness estimates each product along its probe (J·v) or for each entry (uᵀJ)
    r = check_jacobian(i0, lambda x: jnp.diag(i1(x)), np.zeros(4), mode="probe")
    assert r.ok and r.jax_wrong, str(r)
    blocks = {fd["block"].split(" ")[0] for fd in r.jax_wrong}
    assert blocks == {"J·v", "uᵀJ"}, blocks
    wrong = check_jacobian(i0, lambda x: jnp.diag(1.01 * i1(x) + 0.1), np.zeros(4), mode="probe")
    assert not wrong.ok and not wrong.jax_wrong, str(wrong)


def test_a_probe_mode_hessian_is_arbitrated_along_its_probes():
    # near 0 JAX's second derivative of J0 is off by ~10⁹ as well; autograd's rules give J0'' = −J1' =
    # −(J0 − J2)/2, so the candidate Hessian of Σ J0(x_i) is diag(−(J0 − J2)/2), checked as H·v products.
    # The witness estimates each (probe, entry) of H·v by a mixed difference: 2 probes × 3 entries = 6
    # estimates per trial (the default 8 probes would be 24, past MAX_DIRECTIONS: undecided)
    def f(x):
        return jnp.sum(j0(x))

    def hess(x):
        return jnp.diag(-(j0(x) - j2(x)) / 2.0)

    opts = {"domains": {"x": NEAR_ZERO}, "trials": 20, "mode": "probe", "probes": 2}
    r = check_hessian(f, hess, np.zeros(3), **opts)
    assert r.ok and r.jax_wrong, str(r)
    assert all(fd["block"].startswith("H·v") for fd in r.jax_wrong)
    wrong = check_hessian(f, lambda x: 1.01 * hess(x), np.zeros(3), **opts)
    assert not wrong.ok and not wrong.jax_wrong, str(wrong)


def test_a_derivation_step_is_arbitrated_and_the_totals_are_judged_against_the_corrected_reference():
    from chainrule import Derivation

    # u = i0(x) with autograd's partial i1(x), then v = 3u + x²: JAX's ∂u/∂x at 0 is 1 (the truth is 0), and
    # jax.grad of the composed v inherits it (3, not 0); with the corrected local partial the claimed
    # dv/dx = 3·i1(x) + 2x is judged against the chain rule's 0, at the given point and 8 around it
    d = (Derivation(x=0.0)
         .let("u", lambda x: i0(x), {"x": lambda x: i1(x)})  # autograd's i0 rule, as its partial
         .let("v", lambda u, x: 3.0 * u + x**2, {"u": lambda: 3.0, "x": lambda x: 2 * x})
         .claim("x", lambda x: 3.0 * i1(x) + 2 * x))
    r = d.check(around=8, seed=0)
    assert r.ok, str(r)
    assert [(fd["step"], fd["param"], fd["point"]) for fd in r.jax_wrong] == [("u", "x", 0)]
    assert r.jax_wrong[0]["jax"] == 1.0 and abs(r.jax_wrong[0]["witness"]) < 1e-12
    assert "JAX's derivative is wrong here: ∂u/∂x at the given point" in str(r)
    assert float(r.jax_gradients["x"]) == 0.0  # recomputed from the corrected local partials: 3·0 + 2·0


def test_a_wrong_derivation_step_at_the_same_point_still_fails():
    from chainrule import Derivation

    d = (Derivation(x=0.0)
         .let("u", lambda x: i0(x), {"x": lambda x: 1.01 * i1(x) + 0.1})
         .claim("x", lambda x: 1.01 * i1(x) + 0.1))
    r = d.check(around=8, seed=0)
    assert not r.ok and r.wrong_steps == ("u",) and r.jax_wrong == ()
