"""Custom rules are what is under test, never the reference (issue 10, item 1).

``jax.grad(f)`` runs ``f``'s own ``custom_vjp``: the landed checker compared such a rule with itself
(a backward off by 2 passed) and blamed a correct closed form for disagreeing with it.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import (
    assert_custom_vjp,
    check_custom_jvp,
    check_custom_vjp,
    check_gradient,
    check_jacobian,
    check_vjp,
)
from chainrule.reference.checker.custom_rules import custom_rules_in, inline_custom_rules

FAST = {"trials": 12}


def make_sin(scale: float = 1.0, transpose: bool = False, residual: str = "x", scale_ct: bool = True):
    """``sin`` with a custom VJP, right by default; each flag is one realistic mistake."""

    @jax.custom_vjp
    def sin(x):
        return jnp.sin(x)

    def fwd(x):
        return jnp.sin(x), (x if residual == "x" else jnp.sin(x))

    def bwd(res, g):
        d = jnp.cos(res)
        out = scale * (g * d if scale_ct else d)
        return (out.T if transpose else out,)

    sin.defvjp(fwd, bwd)
    return sin


def test_a_backward_off_by_2_no_longer_passes_against_itself():
    bad = make_sin(scale=2.0)
    f = lambda x: bad(x).sum()  # noqa: E731
    r = check_gradient(f, jax.grad(f), np.zeros(4), **FAST)
    assert not r.ok and r.diagnosis.startswith("off by a constant factor 2"), str(r)
    assert any("custom_vjp sin" in n and "inlines" in n for n in r.notes)


def test_a_correct_closed_form_is_not_blamed_for_disagreeing_with_a_wrong_rule():
    bad = make_sin(scale=2.0)
    r = check_gradient(lambda x: bad(x).sum(), lambda x: jnp.cos(x), np.zeros(4), **FAST)
    assert r.ok, str(r)


def test_keep_trusts_the_rule_and_says_so():
    bad = make_sin(scale=2.0)
    f = lambda x: bad(x).sum()  # noqa: E731
    r = check_gradient(f, jax.grad(f), np.zeros(4), custom_rules="keep", **FAST)
    assert r.ok and any("trusted, not checked" in n for n in r.notes)


def test_jax_library_rules_keep_their_conventions():
    assert custom_rules_in(lambda x: jax.nn.relu(x).sum(), (np.zeros(3),)) == []
    # jax.nn.relu's rule gives 0 at 0; inlined to max(x, 0) it would give 1/2: it is kept
    r = check_gradient(lambda x: jax.nn.relu(x).sum(), lambda x: (x > 0).astype(x.dtype), np.zeros(5),
                       kinks="jax", trials=50)
    assert r.ok, str(r)


@pytest.mark.parametrize(("mistake", "kwargs", "diagnosis"), [
    ("factor", {"scale": 0.5}, "off by a constant factor 1/2"),
    ("residual", {"residual": "sin(x)"}, None),
    ("missing cotangent scaling", {"scale_ct": False}, None),
])
def test_check_custom_vjp_catches_wrong_rules(mistake, kwargs, diagnosis):
    bad = make_sin(**kwargs)
    r = check_custom_vjp(lambda x: bad(x), np.zeros(5), **FAST)
    assert not r.ok, mistake
    if diagnosis:
        assert diagnosis in r.diagnosis.replace("0.5", "1/2"), str(r)


def test_check_custom_vjp_catches_a_transposed_matrix_rule():
    @jax.custom_vjp
    def matvec(W, x):
        return W @ x

    matvec.defvjp(lambda W, x: (W @ x, (W, x)), lambda res, g: (jnp.outer(g, res[1]).T, res[0].T @ g))
    r = check_custom_vjp(matvec, np.zeros((3, 3)), np.zeros(3), argnums=(0, 1), **FAST)
    assert not r.ok and "transposed" in r.diagnosis, str(r)
    # at non-square shapes JAX itself rejects the rule's output, and the report passes its words on
    r = check_custom_vjp(matvec, np.zeros((3, 4)), np.zeros(4), argnums=(0, 1), **FAST)
    assert not r.ok and "bwd rule" in r.diagnosis and "float64[4,3]" in r.diagnosis


def test_correct_rules_pass_under_jit_vmap_and_scan():
    good = make_sin()
    inner = jax.jit(lambda z: good(z) * 2.0)
    inner(jnp.ones(4))  # traced and cached before the check: the inlining must not depend on the cache

    def f(x):
        y = inner(x)
        y = y + jax.vmap(good)(x)
        total, _ = jax.lax.scan(lambda c, xi: (c + good(xi), None), 0.0, y)
        return total

    assert check_custom_vjp(f, np.zeros(4), **FAST).ok
    bad = make_sin(scale=3.0)
    g = jax.jit(lambda x: jax.lax.scan(lambda c, xi: (c + bad(xi), None), 0.0, jax.vmap(bad)(x))[0])
    r = check_custom_vjp(g, np.zeros(4), **FAST)
    assert not r.ok


def test_nondiff_argnums_and_pytrees():
    @functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
    def scaled(x, k):
        return x * k

    scaled.defvjp(lambda x, k: (x * k, None), lambda k, _, g: (g * k,))

    def f(params, x):
        return jnp.sum(scaled(params["w"] * x, 3.0) + params["b"])

    params = {"w": np.zeros(3), "b": np.zeros(())}
    assert check_custom_vjp(f, params, np.zeros(3), **FAST).ok

    @functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
    def scaled_wrong(x, k):
        return x * k

    scaled_wrong.defvjp(lambda x, k: (x * k, None), lambda k, _, g: (g,))  # forgot k
    r = check_custom_vjp(lambda p, x: jnp.sum(scaled_wrong(p["w"] * x, 3.0) + p["b"]), params, np.zeros(3), **FAST)
    assert not r.ok and "p['w']" in str(r)


def test_check_custom_jvp():
    @jax.custom_jvp
    def cube(x):
        return x ** 3

    cube.defjvp(lambda p, t: (cube(p[0]), 3 * p[0] ** 2 * t[0]))
    assert check_custom_jvp(cube, np.zeros(3), **FAST).ok

    @jax.custom_jvp
    def cube_wrong(x):
        return x ** 3

    cube_wrong.defjvp(lambda p, t: (cube_wrong(p[0]), 3 * p[0] * t[0]))  # exponent dropped
    r = check_custom_jvp(cube_wrong, np.zeros(3), **FAST)
    assert not r.ok
    # a custom_jvp is transposed by JAX: check_custom_vjp checks it too
    assert not check_custom_vjp(cube_wrong, np.zeros(3), **FAST).ok


def test_a_function_without_rules_of_its_own_is_a_clear_error():
    with pytest.raises(ValueError, match=r"uses no custom_vjp/custom_jvp rule of its own.*check_vjp"):
        check_custom_vjp(lambda x: jax.nn.relu(x), np.zeros(3))


def test_assert_twin_raises_with_the_report_and_reproduce_line():
    bad = make_sin(scale=2.0)
    with pytest.raises(AssertionError, match=r"reproduce: chainrule\.check_custom_vjp\("):
        assert_custom_vjp(lambda x: bad(x), np.zeros(3), **FAST)


def test_inlined_reference_serves_jacobians_and_vjps():
    bad = make_sin(scale=2.0)
    r = check_jacobian(lambda x: bad(x), lambda x: jnp.diag(jnp.cos(x)), np.zeros(3), **FAST)
    assert r.ok, str(r)
    r = check_vjp(lambda x: bad(x), lambda x, ct: ct * np.cos(x), np.zeros(3), **FAST)
    assert r.ok, str(r)
    assert jax.grad(inline_custom_rules(lambda x: bad(x).sum()))(jnp.zeros(2)).tolist() == [1.0, 1.0]
