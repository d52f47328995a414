"""The checker as a library author meets it (issue 10, items 2a, 3a, 5, 6, 7, 9 and 10): no false alarm
at shapes the function was never meant for, every mutation caught, precision never loosened silently,
bounded memory, no pass on nothing, and misuse that says what to change.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import check_gradient, check_jacobian, check_vjp
from chainrule.reference.cli import main as cli_main

FAST = {"trials": 12}
A = np.random.default_rng(0).standard_normal((4, 4))


# -- item 2a: the verdict answers the question asked ------------------------------------------------


def test_a_fixed_shape_function_is_checked_at_its_own_shape():
    # f closes over a fixed 4×4 A: it was never meant for M (4, 5); the landed checker tried that shape
    r = check_gradient(lambda M: jnp.trace(A @ M), lambda M: A.T, np.zeros((4, 4)))
    assert r.ok, str(r)
    assert all(s == (4, 4) for _, s, _ in r.shapes)


def test_square_only_and_symmetric_only_formulas_are_still_caught_at_the_examples_shapes():
    # symmetric-only: ∇ xᵀAx = 2Ax holds only for a symmetric A; Gaussian draws are not symmetric
    r = check_gradient(lambda x, A: x @ A @ x, lambda x, A: 2 * A @ x, np.zeros(3), np.zeros((3, 3)), **FAST)
    assert r.diagnosis.startswith("holds only for symmetric matrices")
    # square-only (W.shape[1] where W.shape[0] belongs): caught when other shapes are asked for
    def wrong(W, x):
        return jnp.outer(jnp.ones(W.shape[1]), x)

    f = lambda W, x: jnp.sum(W @ x)  # noqa: E731
    assert check_gradient(f, wrong, np.zeros((3, 3)), np.zeros(3), **FAST).ok  # right at the shape asked
    assert not check_gradient(f, wrong, np.zeros((3, 3)), np.zeros(3), vary_shapes=True, **FAST).ok


# -- item 3a: hygiene -----------------------------------------------------------------------------


def relu_backward_in_place(x, dout):
    # the commonest in-place pattern (CS231n relu_backward written without a copy): writes into dout
    dx = dout
    dx[x <= 0] = 0
    return dx


def test_an_idempotent_in_place_write_into_the_cotangent_is_caught():
    r = check_vjp(lambda x: jnp.maximum(x, 0), lambda x, ct: relu_backward_in_place(x, ct), np.zeros(6), **FAST)
    assert not r.ok and r.diagnosis.startswith("the candidate mutates its input its cotangent"), str(r)
    assert "dout.copy()" in r.diagnosis


def test_an_idempotent_in_place_write_into_an_argument_is_caught():
    def grad_clamps_x(x):
        x[x < -10] = -10  # idempotent, and changes nothing at most draws, but writes into the argument
        np.abs(x, out=x)
        return np.sign(x)

    r = check_gradient(lambda x: jnp.sum(jnp.abs(x)), grad_clamps_x, np.zeros(5), **FAST)
    assert not r.ok and r.diagnosis.startswith("the candidate mutates its input x")


# -- item 5: precision said, never loosened silently -------------------------------------------------


def test_float32_parameters_do_not_loosen_the_check_of_a_float64_capable_candidate():
    W = jnp.zeros((3, 4), jnp.float32)  # parameters built in float32, as an equinox module would
    x = np.zeros(4, np.float32)

    def wrong_by_1e4(W, x):
        return np.outer(np.tanh(W @ x) * 0 + 1 - np.tanh(W @ x) ** 2, x) * (1 + 1e-4)

    r = check_gradient(lambda W, x: jnp.sum(jnp.tanh(W @ x)), wrong_by_1e4, W, x, **FAST)
    assert not r.ok and r.dtype == "float64", str(r)
    assert any("the examples are float32; the candidate accepts float64" in n for n in r.notes)


def test_a_candidate_that_only_runs_in_float32_says_so_in_the_first_line():
    def float32_only(x):
        return np.cos(np.asarray(x, np.float32))  # a float32 kernel: returns float32 whatever it gets

    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), float32_only, np.zeros(5, np.float32), **FAST)
    assert r.ok and r.dtype == "float32", str(r)
    assert "the candidate runs only in float32" in str(r).splitlines()[0]


# -- item 6: bounded memory ---------------------------------------------------------------------------


def test_a_large_dense_numpy_jacobian_stays_within_an_address_space_limit():
    # the landed checker grew to 24 GB on this and was killed by the kernel
    limit = 6 << 30  # address space, set in the child before JAX starts (the landed checker needed ~24 GB)
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
        import numpy as np, jax.numpy as jnp
        from chainrule import check_jacobian
        r = check_jacobian(jnp.tanh, lambda x: np.diag(1 - np.tanh(x) ** 2), np.ones(3000), trials=100)
        print(r.ok, r.mode)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "probe"]


def test_mode_dense_over_the_memory_budget_is_a_clear_error():
    with pytest.raises(ValueError, match=r"mode='dense'.*above the memory budget.*mode='probe'"):
        check_jacobian(jnp.tanh, lambda x: jnp.diag(1 - jnp.tanh(x) ** 2), np.ones(3000), mode="dense",
                       memory=64 << 20)


# -- item 7: nothing compared is never ok ------------------------------------------------------------


def test_zero_size_arguments_and_outputs_are_errors_not_passes():
    with pytest.raises(ValueError, match=r"x has shape \(0,\), with no entries: there is nothing to compare"):
        check_gradient(lambda x: jnp.sum(x), lambda x: np.ones_like(x), np.zeros(0))
    with pytest.raises(ValueError, match=r"returns \[\(0,\)\], with no entries"):
        check_jacobian(lambda x: x[:0], lambda x: np.zeros((0, 3)), np.zeros(3))


# -- item 9: misuse with a hint ------------------------------------------------------------------------


def affine_backward(dout, x, w):  # CS231n order: the upstream gradient first
    return dout @ w.T


def test_a_cotangent_first_vjp_gets_a_hint():
    f = lambda x, w: x @ w  # noqa: E731
    r = check_vjp(f, affine_backward, np.zeros((2, 3)), np.zeros((3, 4)), **FAST)
    assert not r.ok and "hint: affine_backward runs when given the cotangent FIRST" in r.diagnosis, str(r)
    assert "lambda *a: affine_backward(a[-1], *a[:-1])" in r.diagnosis
    assert check_vjp(f, lambda *a: affine_backward(a[-1], *a[:-1]), np.zeros((2, 3)), np.zeros((3, 4)), **FAST).ok


def test_a_vjp_without_the_cotangent_gets_a_hint():
    def grad_only(x, w):
        return np.ones((2, 4)) @ w.T

    r = check_vjp(lambda x, w: x @ w, grad_only, np.zeros((2, 3)), np.zeros((3, 4)), **FAST)
    assert "hint: check_vjp calls the candidate as vjp(*args, ct), with the cotangent last" in r.diagnosis
    assert "grad_only takes 2 argument(s), as many as f" in r.diagnosis


def test_three_gradients_with_the_default_argnums_say_which_argnums():
    f = lambda W, b, x: jnp.sum(jnp.tanh(W @ x + b))  # noqa: E731

    def grads(W, b, x):
        d = 1 - np.tanh(W @ x + b) ** 2
        return np.outer(d, x), d, W.T @ d

    r = check_gradient(f, grads, np.zeros((3, 4)), np.zeros(3), np.zeros(4), **FAST)
    assert r.diagnosis.startswith("wrong structure") and "pass argnums=(0, 1, 2)" in r.diagnosis, str(r)
    assert check_gradient(f, grads, np.zeros((3, 4)), np.zeros(3), np.zeros(4), argnums=(0, 1, 2), **FAST).ok


@pytest.mark.parametrize("command", [["check", "--seed", "-1"], ["verify", "--seed", "-1"],
                                     ["verify", "--trials", "0"]])
def test_a_negative_seed_on_the_command_line_is_a_usage_error(command, capsys):
    words = command if command[0] != "check" else [
        "check", "numpy:sin", "numpy:cos", "--shape", "x=3", *command[1:]]
    try:
        status = cli_main(words)
    except SystemExit as exc:  # argparse's usage error
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert ("expected a whole number ≥" in err or "must be a whole number ≥ 0" in err) and "Traceback" not in err


def test_negative_seed_in_python_is_a_clear_error():
    with pytest.raises(ValueError, match="seed: expected an int ≥ 0, got -1"):
        check_gradient(lambda x: jnp.sum(x), lambda x: np.ones_like(x), np.zeros(3), seed=-1)


# -- item 10: wording and the reproduce line -----------------------------------------------------------


def scaled_cos(x, k):
    return k * np.cos(x)


def test_the_reproduce_line_rebuilds_partials_and_lambdas():
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), functools.partial(scaled_cos, k=2.0), np.zeros(3), **FAST)
    assert "functools.partial(test_check_library_use.scaled_cos, k=2.0)" in r.reproduce, r.reproduce
    assert r.reproduce.startswith("chainrule.check_gradient((lambda x: jnp.sum(jnp.sin(x))), ")
    wrapped = functools.partial(scaled_cos, np.ones(3))
    r = check_gradient(lambda k: jnp.sum(jnp.sin(k)), wrapped, np.zeros(3), **FAST)
    assert "functools.partial(test_check_library_use.scaled_cos, …)" in r.reproduce
    assert "# rebuild the functools.partial of scaled_cos with its bound arguments first" in r.reproduce


def test_blocks_not_compared_are_not_listed_as_failures():
    W, x = np.zeros((3, 4)), np.zeros(4)
    r = check_gradient(lambda W, x: jnp.sum(jnp.tanh(W @ x)),
                       lambda W, x: (np.outer(1 - np.tanh(W @ x) ** 2, x), (W.T @ (1 - np.tanh(W @ x) ** 2))[:, None]),
                       W, x, argnums=(0, 1), **FAST)
    rows = [line for line in str(r).splitlines() if line.startswith("    W ")]
    assert rows and "FAIL" not in rows[0] and "not compared" in rows[0]


def test_a_kink_value_between_the_slopes_reads_as_english():
    # the landed text read "the candidate takes the a value between the slopes, JAX the left slope"
    r = check_gradient(lambda z: jnp.sum(jnp.maximum(z, 0.0) * 0 + jnp.where(z > 0, z, 0.0)),
                       lambda z: np.where(z > 0, 1.0, np.where(z == 0, 0.3, 0.0)), np.zeros(6), trials=100)
    assert r.ok, str(r)
    notes = [n for n in r.notes if "at a kink" in n]
    assert notes and "the candidate takes a value between the slopes, JAX the left slope" in notes[0], notes
    assert "the a value" not in str(r)
