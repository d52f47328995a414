"""chainrule.reference.derivation: a chain-rule derivation checked step by step against JAX.

The checker's own tests matter most (STYLE.md habit 6): every wrong derivation here must be caught and
attributed to the right step or path, and correct ones must pass over many seeds.
"""

from __future__ import annotations

import re

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule import Derivation
from chainrule.analytic.structured import Diagonal, ScaledIdentity, identity_like
from chainrule.reference.checker import compare
from chainrule.reference.derivation import ClaimCheck, DerivationReport, StepCheck
from chainrule.reference.tolerances import TOLERANCES

# --- builders ------------------------------------------------------------------------------------


def t1(dp_dx=lambda x, y: 2 * x * y) -> Derivation:
    """RULES T-1, with an optionally replaced ∂p/∂x."""
    return (
        Derivation(x=3.0, y=1.0)
        .let("p", lambda x, y: y * x**2, {"x": dp_dx, "y": lambda x: x**2})
        .let("q", lambda x, y: 2 * x + y, {"x": lambda: 2.0, "y": lambda: 1.0})
        .let("g", lambda p, q: p**2 - q**3, {"p": lambda p: 2 * p, "q": lambda q: -3 * q**2})
    )


def x_plus_square(x: float = 1.0, du2_dx=lambda: 1.0) -> Derivation:
    """RULES C-5: u_1 = x², u_2 = x + u_1."""
    return (
        Derivation(x=x)
        .let("u_1", lambda x: x**2, {"x": lambda x: 2 * x})
        .let("u_2", lambda x, u_1: x + u_1, {"x": du2_dx, "u_1": lambda: 1.0})
    )


def log_sin_cube_squared(du3_du2=lambda u_2: 2 * u_2) -> Derivation:
    """RULES C-3: four single-parameter steps."""
    return (
        Derivation(x=1.2)
        .let("u_1", lambda x: x**3, {"x": lambda x: 3 * x**2})
        .let("u_2", lambda u_1: jnp.sin(u_1), {"u_1": lambda u_1: np.cos(u_1)})
        .let("u_3", lambda u_2: u_2**2, {"u_2": du3_du2})
        .let("u_4", lambda u_3: jnp.log(u_3), {"u_3": lambda u_3: 1 / u_3})
    )


def dot_relu(du_dw=lambda x: Diagonal(x)) -> Derivation:
    """RULES N-1/N-5 with vector steps: u = w ⊗ x (structured diag), s = sum(u), a = max(0, s + b)."""
    return (
        Derivation(w=[0.5, -1.0, 2.0, 0.3], x=[1.0, 0.5, 0.25, -2.0], b=0.9)
        .let("u", lambda w, x: w * x, {"w": du_dw, "x": lambda w: Diagonal(w)})
        .let("s", lambda u: jnp.sum(u), {"u": lambda u: np.ones_like(u)})
        .let("z", lambda s, b: s + b, {"s": lambda: 1.0, "b": lambda: 1.0})
        .let("a", lambda z: jnp.where(z > 0, z, 0.0), {"z": lambda z: np.where(z > 0, 1.0, 0.0)})
    )


# --- the report ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def t1_report() -> DerivationReport:
    return t1().check(around=3)


def test_report_fields_of_a_correct_derivation(t1_report):
    r = t1_report
    assert isinstance(r, DerivationReport)
    assert r.ok and r.diagnosis is None and r.messages == ()
    assert r.wrong_steps == () and r.missing_paths == {} and r.claims == ()
    assert r.output == "g" and r.inputs == ("x", "y") and r.points == 4 and r.dropped == 0
    assert set(r.adjoints) == {"x", "y", "p", "q", "g"} == set(r.jax_adjoints)
    assert set(r.gradients) == {"x", "y"} == set(r.jax_gradients)
    assert float(r.values["g"]) == 81 - 343
    assert float(r.adjoints["g"]) == 1.0
    assert [s.name for s in r.steps] == ["p", "q", "g"]
    p = r.steps[0]
    assert p.ok and p.params == ("x", "y") and float(p.claimed["x"]) == 6.0 == float(p.jax["x"])
    assert r.max_rel_error < 1e-14


def test_t1_reproduces_the_mygrad_numbers_exactly(t1_report):
    r = t1_report
    assert (float(r.adjoints["p"]), float(r.adjoints["q"])) == (18.0, -147.0)
    assert (float(r.gradients["x"]), float(r.gradients["y"])) == (-186.0, 15.0)
    assert (float(r.jax_gradients["x"]), float(r.jax_gradients["y"])) == (-186.0, 15.0)
    assert (float(r.jax_adjoints["p"]), float(r.jax_adjoints["q"])) == (18.0, -147.0)


def test_t2_reproduces_the_mygrad_numbers_exactly():
    r = (
        Derivation(x=5, y=4)  # Python ints are accepted and become float64
        .let("p", lambda x, y: 4 * y - x, {"x": lambda: -1.0, "y": lambda: 4.0})
        .let("q", lambda x, y: 3 * x * y - 4 * y, {"x": lambda y: 3 * y, "y": lambda x: 3 * x - 4})
        .let("g", lambda p, q: p**2 * q, {"p": lambda p, q: 2 * p * q, "q": lambda p: p**2})
        .check()
    )
    assert r.ok
    assert [float(r.adjoints[v]) for v in ("p", "q", "x", "y")] == [968.0, 121.0, 484.0, 5203.0]
    assert float(r.values["g"]) == 5324.0


def test_the_step_table_as_text_markdown_and_rich(t1_report):
    r = t1_report
    text = str(r)
    for piece in ("variable", "definition", "claimed partials", "JAX's partials", "∂g/∂·", "status",
                  "y * x**2", "2 * x * y = 6", "-186", "PASS", "3 random points"):
        assert piece in text, piece
    md = r.markdown("T-1")
    lines = md.splitlines()
    assert lines[0] == "**T-1**"
    assert lines[2] == "| variable | definition | value | claimed partials | JAX's partials | ∂g/∂· | status |"
    assert "| p | y * x**2 | 9 | ∂/∂x = 2 * x * y = 6<br>∂/∂y = x**2 = 9 | ∂/∂x = 6<br>∂/∂y = 9 | 18 | ok |" in lines
    assert "PASS" in lines[-1]
    from rich.console import Group

    assert isinstance(r.__rich__(), Group)


def test_formulas_given_explicitly_replace_the_lambda_source():
    d = Derivation(x=2.0).let("u", lambda x: x * x, {"x": lambda x: 2 * x}, formula="x²",
                              partial_formulas={"x": "2x"})
    r = d.check()
    assert r.steps[0].formula == "x²" and r.steps[0].partial_formulas == {"x": "2x"}
    assert "| u (output) | x² | 4 | ∂/∂x = 2x = 4 |" in r.markdown()


def test_markdown_escapes_pipes():
    d = Derivation(x=2.0).let("u", lambda x: jnp.abs(x), {"x": lambda x: np.sign(x)}, formula="|x|")
    assert "\\|x\\|" in d.check().markdown()


# --- wrong local partials: that step and only that step --------------------------------------------


def test_one_wrong_partial_names_that_step_only():
    r = t1(dp_dx=lambda x, y: x * y).check()  # forgot the 2 of 2xy
    assert not r.ok and r.wrong_steps == ("p",)
    assert r.steps[0].wrong == ("x",) and r.steps[1].ok and r.steps[2].ok
    assert r.diagnosis == "wrong local partial: ∂p/∂x (step p)"
    (msg,) = r.messages
    assert msg.startswith("step p: claimed ∂p/∂x = x * y vs jax.jacfwd of p = y * x**2 | float64 | "
                          "at the given point | claimed 3, JAX 6 | off by a factor 1/2")
    assert "reproduce: .check(around=0, seed=0" in msg
    # the combination used the wrong partial, so dg/dx differs, and the table says where
    assert float(r.gradients["x"]) == 18 * 3 - 294 and float(r.jax_gradients["x"]) == -186
    assert "WRONG ∂/∂x" in str(r)


def test_a_wrong_step_in_a_chain_is_found_even_though_every_later_adjoint_differs():
    r = log_sin_cube_squared(du3_du2=lambda u_2: u_2).check(around=4)
    assert r.wrong_steps == ("u_3",)
    assert "off by a factor 1/2" in r.messages[0]
    # the adjoints upstream of the wrong step are off, the ones downstream are not
    assert not np.allclose(r.adjoints["u_1"], r.jax_adjoints["u_1"])
    assert np.allclose(r.adjoints["u_3"], r.jax_adjoints["u_3"])


def test_a_total_derivative_written_as_a_local_partial_is_named_as_such():
    """The C-7 shorthand ∂u_2/∂x = 1 + 2x is the total du_2/dx: the combination would count x→u_1 twice."""
    r = x_plus_square(x=0.5, du2_dx=lambda x: 1 + 2 * x).check()
    assert r.wrong_steps == ("u_2",)
    assert "that is the total derivative du_2/dx (every path from x), not the local partial ∂u_2/∂x" \
        in r.messages[0]


def test_a_partial_right_at_the_point_but_wrong_around_it_needs_around():
    """3x equals 3x² at x = 1: the point alone cannot tell, random points around it can."""
    d = Derivation(x=1.0).let("u", lambda x: x**3, {"x": lambda x: 3 * x})
    assert d.check().ok
    r = d.check(around=4, seed=7)
    assert r.wrong_steps == ("u",)
    assert re.search(r"at random point \d/4 around it \(seed 7\) \(x = [-\d.]+\)", r.messages[0])


def test_a_correct_derivation_passes_over_many_seeds():
    d = log_sin_cube_squared()
    for seed in range(8):
        r = d.check(around=16, seed=seed)
        assert r.ok, str(r)
        assert r.points + r.dropped == 17 and r.points >= 9
        assert r.max_rel_error < 1e-12


def test_points_with_non_finite_values_are_skipped_and_counted():
    d = Derivation(x=0.05).let("u", lambda x: jnp.sqrt(x), {"x": lambda x: 0.5 / np.sqrt(x)})
    r = d.check(around=12, seed=1, scale=3.0)
    assert r.ok and r.dropped > 0 and r.points == 13 - r.dropped
    assert f"{r.dropped} skipped: not finite" in str(r)


def test_a_step_that_does_not_reach_the_output_is_still_checked():
    d = (
        Derivation(x=2.0)
        .let("dead", lambda x: x**2, {"x": lambda x: x})  # wrong, and unused
        .let("y", lambda x: 3 * x, {"x": lambda: 3.0})
    )
    r = d.check()
    assert r.wrong_steps == ("dead",) and float(r.adjoints["dead"]) == 0.0
    assert float(r.gradients["x"]) == 3.0


def test_a_non_finite_claimed_partial_is_a_wrong_step():
    r = Derivation(x=1.0).let("u", lambda x: x**2, {"x": lambda x: np.inf * x}).check()
    assert r.wrong_steps == ("u",) and "the claimed value is not finite" in r.messages[0]


def test_a_partial_may_use_the_steps_own_value():
    d = Derivation(x=0.3).let("v", lambda x: jnp.exp(x), {"x": lambda v: v})
    assert d.check(around=4).ok


def test_a_wrong_partial_is_reported_with_the_engines_numbers():
    """The step's errors are checker.compare.errors of its claimed partial against jax.jacfwd's."""
    r = dot_relu(du_dw=lambda w: Diagonal(w)).check()  # diag(w) where diag(x) is right
    u = r.steps[0]
    assert isinstance(u, StepCheck) and u.wrong == ("w",)
    tol = TOLERANCES["float64"]
    assert (r.rtol, r.atol) == (tol.rtol, tol.atol) and r.tolerance == tol
    claimed, ref = u.claimed["w"], u.jax["w"]
    abs_err, rel_err, ok, scale = compare.errors(claimed[None], ref[None], tol)
    assert not ok[0] and float(scale[0]) == 2.0  # max|diag(x)|
    assert u.max_abs_error == float(abs_err[0]) == 2.3  # |w_4 − x_4| = |0.3 − (−2)|
    assert u.max_rel_error == float(rel_err[0]) == 2.3 / 2.0
    assert r.max_abs_error >= u.max_abs_error
    # the message names the worst entry, the engine's max, with both values
    assert "entry (3, 3): claimed 0.3, JAX -2" in r.messages[0]


def test_every_comparison_goes_through_the_engine(monkeypatch):
    calls = []
    engine = compare.errors

    def spy(claimed, reference, tol):
        calls.append((np.shape(reference), tol))
        return engine(claimed, reference, tol)

    monkeypatch.setattr(compare, "errors", spy)
    r = Derivation(x=1.0).let("u", lambda x: x**3, {"x": lambda x: 3 * x}).check(around=4, seed=7)
    assert r.wrong_steps == ("u",)
    assert calls and all(tol == TOLERANCES["float64"] for _, tol in calls)
    assert ((r.points,), TOLERANCES["float64"]) in calls  # one call for ∂u/∂x over all points
    # over the points, the step's error is the engine's max of |3x − 3x²|
    assert r.steps[0].max_abs_error > 0 and r.steps[0].max_rel_error > 0


# --- claimed totals: the forgotten path ----------------------------------------------------------


def test_the_c5_naive_answer_is_reported_as_missing_the_direct_path():
    r = x_plus_square(x=1.0).claim("x", lambda x: 2 * x, formula="2x").check()
    assert not r.ok and r.wrong_steps == ()
    assert r.missing_paths == {"x": (("x", "u_2"),)}
    (c,) = r.claims
    assert isinstance(c, ClaimCheck)
    assert not c.ok and float(c.claimed) == 2.0 and float(c.jax) == 3.0
    assert r.diagnosis == "claimed du_2/dx = 2x misses the path x → u_2"
    assert "misses the path x → u_2: the total-derivative chain rule sums" in r.messages[0]
    assert float(r.gradients["x"]) == 3.0  # the derivation's own combination is right


def test_the_correct_total_passes():
    r = x_plus_square().claim("x", lambda x: 1 + 2 * x).check(around=8)
    assert r.ok and r.claims[0].ok and r.missing_paths == {}


def test_the_other_forgotten_path_is_reported_too():
    r = x_plus_square(x=1.5).claim("x", lambda: 1.0, formula="1 (the 'blind' partial)").check()
    assert r.missing_paths == {"x": (("x", "u_1", "u_2"),)}


def test_a_path_counted_twice_is_reported():
    r = x_plus_square(x=1.5).claim("x", lambda x: 1 + 4 * x).check()
    (c,) = r.claims
    assert c.doubled_paths == (("x", "u_1", "u_2"),) and c.missing_paths == ()
    assert r.diagnosis == "claimed du_2/dx = 1 + 4 * x counts the path x → u_1 → u_2 twice"


def test_a_wrong_total_that_no_path_explains_says_so():
    r = x_plus_square(x=1.5).claim("x", lambda x: 1 + 2 * x + 0.25).check()
    assert r.missing_paths == {} and r.claims[0].doubled_paths == ()
    assert "no missing or doubled path explains the difference" in r.messages[0]


def test_an_ambiguous_point_is_resolved_by_random_points_around_it():
    """At x = 0.5 both paths contribute 1, so the point alone cannot say which one 2x misses."""
    d = x_plus_square(x=0.5).claim("x", lambda x: 2 * x)
    r = d.check()
    assert not r.ok and r.missing_paths == {}
    assert "ambiguous at the points checked: it misses x → u_2 or misses x → u_1 → u_2" in r.messages[0]
    assert d.check(around=4).missing_paths == {"x": (("x", "u_2"),)}


def test_a_claim_may_be_written_before_substituting_back():
    """RULES C-3: dy/dx = 6u_2 x² cos(u_1)/u_3, in terms of the intermediates."""
    d = log_sin_cube_squared().claim("x", lambda u_1, u_2, u_3, x: 6 * u_2 * x**2 * np.cos(u_1) / u_3)
    assert d.check(around=8).ok


def test_missing_paths_in_a_two_input_derivation():
    """T-1 answered with only the path through p: dg/dy misses y → q → g."""
    d = t1().claim("y", lambda p, x: 2 * p * x**2, formula="∂g/∂p·∂p/∂y")
    r = d.check(around=4)
    assert r.missing_paths == {"y": (("y", "q", "g"),)}


# --- vector steps and structured Jacobians ---------------------------------------------------------


def test_vector_steps_with_structured_jacobians():
    r = dot_relu().claim("w", lambda z, x: np.where(z > 0, 1.0, 0.0) * x).check(around=8)
    assert r.ok, str(r)
    np.testing.assert_array_equal(r.gradients["w"], [1.0, 0.5, 0.25, -2.0])
    assert r.adjoints["u"].shape == (4,) and r.gradients["b"].shape == ()
    assert r.steps[0].claimed_text["w"] == "diag([1, 0.5, 0.25, -2])"
    assert r.steps[0].claimed["w"].shape == (4, 4)  # densified for the comparison and the report


def test_a_wrong_structured_jacobian_is_caught():
    r = dot_relu(du_dw=lambda w: Diagonal(w)).check()  # ∂(w ⊗ x)/∂w is diag(x), not diag(w)
    assert r.wrong_steps == ("u",) and r.steps[0].wrong == ("w",)


def test_dense_and_structured_jacobians_give_the_same_adjoints():
    dense = dot_relu(du_dw=lambda x: np.diag(x)).check()
    structured = dot_relu().check()
    for v in dense.adjoints:
        np.testing.assert_array_equal(dense.adjoints[v], structured.adjoints[v])


def test_the_vector_chain_rule_with_a_vector_output():
    """RULES C-10: y = [ln(g_1), sin(g_2)], g = [x², 3x]; the totals come from jax.jacfwd."""
    d = (
        Derivation(x=1.5)
        .let("g", lambda x: jnp.stack([x**2, 3 * x]), {"x": lambda x: np.array([2 * x, 3.0])})
        .let("y", lambda g: jnp.stack([jnp.log(g[0]), jnp.sin(g[1])]),
             {"g": lambda g: Diagonal(np.array([1 / g[0], np.cos(g[1])]))})
        .claim("x", lambda x: np.array([2 / x, 3 * np.cos(3 * x)]))
    )
    r = d.check(around=8)
    assert r.ok and r.gradients["x"].shape == (2,) and r.adjoints["g"].shape == (2, 2)
    np.testing.assert_allclose(r.gradients["x"], [2 / 1.5, 3 * np.cos(4.5)], rtol=1e-14)
    assert "jax.jacfwd" in str(r)


def test_matrix_steps_constants_and_scaled_identity():
    """RULES L-3: z = Xw + b (∂z/∂w = X), u = max(0, z), v = y − u (−I), C = mean(v²)."""
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -3.0]])
    d = (
        Derivation(w=[0.5, -0.25])
        .const(X=X, y=[1.0, 0.5, 2.0], b=0.1)
        .let("z", lambda X, w, b: X @ w + b, {"w": lambda X: X})
        .let("u", lambda z: jnp.where(z > 0, z, 0.0), {"z": lambda z: Diagonal((z > 0).astype(float))})
        .let("v", lambda y, u: y - u, {"u": lambda u: identity_like(u, -1.0)})
        .let("C", lambda v: jnp.mean(v**2), {"v": lambda v: (2 / v.shape[0]) * v})
        .claim("w", lambda z, y, X: (2 / len(y)) * (np.where(z > 0, z - y, 0.0) @ X))
    )
    r = d.check(around=8)
    assert r.ok, str(r)
    assert r.constants == ("X", "y", "b") and "constant" in str(r)
    assert isinstance(identity_like(np.zeros(3), -1.0), ScaledIdentity)


# --- bad input: ValueError naming the step and the parameter ---------------------------------------


def _bad(build, match: str, exc: type[Exception] = ValueError) -> None:
    with pytest.raises(exc, match=re.escape(match)):
        build()


def test_an_unknown_variable_is_rejected():
    _bad(lambda: Derivation(x=1.0).let("u", lambda z: z, {"z": lambda: 1.0}),
         "step 'u': parameter 'z' of its function names no variable defined so far (known: x)")
    _bad(lambda: Derivation(x=1.0).let("u", lambda x: x, {"x": lambda q: q}),
         "step 'u': the partial for 'x' takes parameter 'q', which names no variable (known: x, u)")


def test_a_duplicate_name_is_rejected():
    _bad(lambda: Derivation(x=1.0).let("x", lambda x: x, {"x": lambda: 1.0}),
         "step 'x': the name is already used by the input 'x'")
    _bad(lambda: x_plus_square().let("u_1", lambda x: x, {"x": lambda: 1.0}),
         "step 'u_1': the name is already used by the step 'u_1'")
    _bad(lambda: Derivation(x=1.0).const(x=2.0), "constant 'x': the name is already used by the input 'x'")


def test_a_missing_partial_is_rejected():
    _bad(lambda: Derivation(x=1.0, y=2.0).let("u", lambda x, y: x * y, {"x": lambda y: y}),
         "step 'u': no claimed partial for parameter 'y'; add partials={'y': <∂u/∂y>}")
    _bad(lambda: Derivation(x=1.0, y=2.0).let("u", lambda x, y: x * y, {}),
         "step 'u': no claimed partial for parameters 'x', 'y'")


def test_a_partial_for_a_parameter_the_step_does_not_take_is_rejected():
    _bad(lambda: Derivation(x=1.0, y=2.0).let("u", lambda x: 2 * x, {"x": lambda: 2.0, "y": lambda: 0.0}),
         "step 'u': a partial is given for 'y', which the step's function does not take (its parameters: x)")
    _bad(lambda: Derivation(x=1.0).const(c=2.0).let("u", lambda x, c: c * x,
                                                     {"x": lambda c: c, "c": lambda x: x}),
         "step 'u': a partial is given for 'c', which is a constant (declared with const())")
    _bad(lambda: Derivation(x=1.0).let("u", lambda x: x, {"x": lambda: 1.0}, partial_formulas={"y": "0"}),
         "step 'u': partial_formulas has an entry for 'y', which has no partial")


def test_a_non_finite_value_at_the_point_is_rejected():
    d = Derivation(x=1.0).let("u", lambda x: jnp.log(x - 1), {"x": lambda x: 1 / (x - 1)}, formula="ln(x − 1)")
    _bad(d.check, "step 'u' = ln(x − 1): its value at the point is not finite (-inf); its parameters "
                  "there: x = 1. Choose a point inside every step's domain")
    _bad(lambda: Derivation(x=np.nan), "input 'x': value is not finite (nan)")
    _bad(lambda: Derivation(x=1.0).const(c=[1.0, np.inf]), "constant 'c': value is not finite")
    d = Derivation(x=0.0).let("u", lambda x: jnp.sqrt(x), {"x": lambda x: 0.5 / np.sqrt(x + 1)})
    _bad(d.check, "step 'u' = jnp.sqrt(x): JAX's partial ∂u/∂x is not finite at the point (inf), so the "
                  "step is not differentiable there with respect to parameter 'x' (x = 0)")


def test_wrong_shapes_are_rejected():
    d = Derivation(w=[1.0, 2.0, 3.0]).let("u", lambda w: 2 * w, {"w": lambda w: 2 * np.ones_like(w)})
    _bad(d.check, "step 'u': the claimed partial ∂u/∂w has shape (3,), expected (3, 3) = u.shape (3,) + "
                  "w.shape (3,) (numerator layout")
    d = Derivation(w=[1.0, 2.0]).let("u", lambda w: jnp.sum(w), {"w": lambda w: Diagonal(w)})
    _bad(d.check, "step 'u': the claimed partial ∂u/∂w has shape (2, 2), expected (2,)")
    _bad(lambda: Derivation(w=[1.0, 2.0], x=[1.0, 2.0, 3.0]).let("u", lambda w, x: w + x,
                                                                  {"w": lambda: 1.0, "x": lambda: 1.0}),
         "step 'u': JAX could not trace its function on float64 arguments of shapes w: (2,), x: (3,)")
    d = Derivation(w=[1.0, 2.0]).let("u", lambda w: jnp.sum(w), {"w": lambda w: np.ones_like(w)})
    _bad(d.claim("w", lambda: 1.0).check, "claim du/dw = 1.0 has shape (), expected (2,)")


def test_bad_claims_are_rejected():
    d = x_plus_square()
    _bad(lambda: d.claim("u_1", lambda: 0.0), "claim d/du_1: 'u_1' is a step; claims are total derivatives")
    _bad(lambda: d.claim("z", lambda: 0.0), "claim d/dz: 'z' names no variable")
    _bad(lambda: d.claim("x", lambda q: q), "claim d/dx: parameter 'q' names no variable defined so far")
    d.claim("x", lambda x: 1 + 2 * x)
    _bad(lambda: d.claim("x", lambda x: 1 + 2 * x), "claim d/dx: a total derivative with respect to 'x' "
                                                     "is already claimed")


def test_other_bad_input():
    _bad(lambda: Derivation(), "Derivation needs at least one input")
    _bad(lambda: Derivation(x=1j), "input 'x': expected real numbers, got dtype complex128", TypeError)
    _bad(lambda: Derivation(x=1.0).let("u 1", lambda x: x, {"x": lambda: 1.0}),
         "step: the name must be a Python identifier (it is used as a parameter name), got 'u 1'")
    _bad(lambda: Derivation(x=1.0).let("lambda", lambda x: x, {"x": lambda: 1.0}),
         "step: the name must be a Python identifier")
    _bad(lambda: Derivation(x=1.0).let("u", jnp.sin, {"x": lambda: 1.0}), "step 'u': its function: parameter")
    _bad(lambda: Derivation(x=1.0).let("u", lambda x: x, [lambda: 1.0]), "step 'u': partials must be a "
                                                                        "mapping", TypeError)
    _bad(lambda: Derivation(x=1.0).let("u", lambda x: (x, x), {"x": lambda: 1.0}),
         "step 'u': its function must return one real floating array")
    _bad(Derivation(x=1.0).check, "check: the derivation has no steps")
    d = x_plus_square()
    _bad(lambda: d.check(around=-1), "check: around must be an integer ≥ 0")
    _bad(lambda: d.check(scale=0.0), "check: scale must be a positive finite number")
    _bad(lambda: d.check(seed="1"), "check: seed must be an integer, got str", TypeError)
    assert d.check(around=np.int64(2), seed=np.int64(3)).seed == 3
    d = Derivation(x=1.0).let("u", lambda x: x, {"x": lambda x: 1 / 0})
    _bad(d.check, "step 'u': the claimed partial ∂u/∂x raised ZeroDivisionError")
