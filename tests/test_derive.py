"""chainrule.derive: the gallery derives, verifies and renders; its results equal the catalog's closed forms;
a simplification or a rule that changes a value is caught; bad input gets a clear error."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule._structured import todense
from chainrule.reference.catalog import CATALOG
from chainrule.reference.derive import DeriveError, derive, rules
from chainrule.reference.derive.gallery import GALLERY, entry
from chainrule.reference.derive.verify import sizes_for
from chainrule.reference.samplers import sample

_BY_NAME = {r.name: r for r in CATALOG}


@pytest.fixture(scope="module")
def reports():
    return {g.name: derive(g.expression, g.wrt, g.shapes, seed=0) for g in GALLERY}


def test_gallery_has_at_least_25_expressions():
    assert len(GALLERY) >= 25
    assert len({g.name for g in GALLERY}) == len(GALLERY)


@pytest.mark.parametrize("g", GALLERY, ids=[g.name for g in GALLERY])
def test_gallery_entry_derives_verifies_and_renders(g, reports):
    r = reports[g.name]
    assert r.verified, r.problems
    assert r.verification.derivation.ok
    assert all(c.ok and c.trials >= 100 for c in r.verification.checks.values())
    # every step cites a rule, every differentiated variable has a closed form and a function
    assert all(p.rule for s in r.steps for p in s.partials)
    assert set(r.results) == set(g.wrt) == set(r.functions)
    # every format
    text = str(r)
    assert "verified" in text and r.formula.splitlines()[0] in text
    md = r.markdown()
    assert "| variable | definition | local partial | rule |" in md and "```python" in md
    assert r.latex.startswith("\\begin{aligned}") and "\\frac{\\partial" in r.latex
    data = json.loads(json.dumps(r.to_json(), ensure_ascii=False))
    assert data["verified"] is True and set(data["results"]) == set(g.wrt)
    # the generated code is a module that stands alone
    scope: dict = {}
    exec(r.code, scope)
    assert all(r.results[x].function in scope for x in g.wrt)


def _catalog_args(record, seed):
    rng = np.random.default_rng(seed)
    sizes = {"n": 3, "N": 5, "m": 4, "k": 4, "p": 2}
    return {a.name: sample(a.domain, rng, tuple(sizes.get(d, d) if isinstance(d, str) else d for d in a.shape),
                           "float64") for a in record.args}


@pytest.mark.parametrize("g", [g for g in GALLERY if g.catalog], ids=[g.name for g in GALLERY if g.catalog])
def test_gallery_result_equals_the_catalog_closed_form(g, reports):
    r = reports[g.name]
    for variable, record_name in g.catalog:
        record = _BY_NAME[record_name]
        for seed in range(3):
            args = _catalog_args(record, seed)
            if g.name == "log-det":  # ln det X needs det X > 0: the catalog's log|det X| agrees there
                x = args["X"]
                args["X"] = x @ x.T + np.eye(len(x))
            expected = np.asarray(todense(record.derivative(*[args[a.name] for a in record.args])), dtype=float)
            got = np.asarray(r.functions[variable](**{k: args[k] for k in g.shapes}), dtype=float)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=f"{g.name} vs {record_name}")


def test_paper_loss_gradient_is_the_papers_formula_and_the_catalogs_function(reports):
    r = reports["paper-loss"]
    # the two forms, the paper's z for the affine pre-activation (N-5, L-1)
    assert r.results["w"].text == "(2/N) Xᵀ(1[z > 0] ⊗ (z − y))"
    assert r.results["w"].where == (("z", "Xw + b"),)
    assert r.results["w"].per_sample == "(2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ"
    assert r.results["b"].per_sample == "(2/N) Σ_i 1[z_i > 0] (z_i − y_i)"
    assert r.output == "C"
    assert [s.formula for s in r.steps] == ["Xw", "u_1 + b", "max(0, u_2)", "y − u_3", "u_4²", "mean(u_5)"]
    assert [p.rule for s in r.steps for p in s.partials] == ["CB-69", "E-3", "X-1", "N-4", "E-6", "S-3", "R-2"]
    assert r.paths["w"] == (("w", "u_1", "u_2", "u_3", "u_4", "u_5", "C"),)
    from chainrule.analytic.neuron import loss_gradient

    rng = np.random.default_rng(7)
    X, w, y = rng.standard_normal((40, 6)), rng.standard_normal(6), rng.standard_normal(40)
    gw, gb = loss_gradient(w, 0.3, X, y)
    np.testing.assert_allclose(r.functions["w"](X=X, w=w, b=0.3, y=y), gw, rtol=1e-12)
    np.testing.assert_allclose(r.functions["b"](X=X, w=w, b=0.3, y=y), gb, rtol=1e-12)


def test_generated_code_runs_on_numpy_and_under_jax_jit(reports):
    import jax
    import jax.numpy as jnp

    fn = reports["paper-loss"].functions["w"]
    rng = np.random.default_rng(1)
    args = {"X": rng.standard_normal((7, 3)), "w": rng.standard_normal(3), "b": 0.1, "y": rng.standard_normal(7)}
    out_np = fn(**args)
    assert isinstance(out_np, np.ndarray)
    with jax.enable_x64(True):
        out_jax = jax.jit(lambda **kw: fn(**kw))(**{k: jnp.asarray(v) for k, v in args.items()})
    np.testing.assert_allclose(np.asarray(out_jax), out_np, rtol=1e-12)


def test_the_c5_pitfall_lists_both_paths(reports):
    r = reports["C-5"]
    assert r.results["x"].text == "1 + 2x"
    assert set(r.paths["x"]) == {("x", "y"), ("x", "u_1", "y")}
    total = next(c for c in r.combinations if c.variable == "x")
    assert len(total.terms) == 2 and total.rule == "C-6"


def test_vector_output_gets_a_numerator_layout_jacobian(reports):
    r = reports["softmax-jacobian"]
    assert r.results["z"].kind == "jacobian" and r.results["z"].shape == ("k", "k")
    assert r.results["z"].text == "diag(y) − yyᵀ"
    z = np.array([0.2, -1.0, 0.5])
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(r.functions["z"](z=z), np.diag(s) - np.outer(s, s), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# a wrong rule or simplification is caught, never a result


def test_a_wrong_local_rule_fails_verification(monkeypatch):
    real = rules.vjp

    def wrong(node, i, g, u):  # the rule for exp forgets nothing but doubles: d/dx exp(x) = 2 exp(x)
        out = real(node, i, g, u)
        return rules.E.mul(rules.E.const(2), out) if node.op == "exp" else out

    monkeypatch.setattr(rules, "vjp", wrong)
    monkeypatch.setattr("chainrule.reference.derive.build.vjp", wrong)
    monkeypatch.setattr("chainrule.reference.derive.verify.vjp", wrong)
    r = derive("sum(exp(w * x))", "w", {"w": ("n",), "x": ("n",)}, trials=20)
    assert not r.verified
    assert r.verification.derivation.wrong_steps == ("u_2",)
    assert not r.verification.checks["w"].ok
    assert "NOT verified" in str(r)
    assert any("off by a constant factor 2" in p for p in r.problems)


def test_a_simplification_that_changes_the_value_fails_verification(monkeypatch):
    from chainrule.reference.derive import simplify as S

    real = S._simplify_matmul

    def drop_transpose(e):  # a buggy rewrite: Xᵀv → Xv would be a wrong closed form
        out = real(e)
        if out.op == "matmul" and out.args[0].op == "T":
            return S.E.matmul(out.args[0].args[0].args[0] if out.args[0].args[0].op == "T" else
                              S.E.transpose(S.E.transpose(out.args[0].args[0])), out.args[1]) if False else out
        return out

    monkeypatch.setattr(S, "_simplify_matmul", drop_transpose)
    monkeypatch.setattr(S, "_simplify_transpose", lambda e: e.args[0] if e.args[0].ndim == 2 and
                        e.args[0].shape[0] == e.args[0].shape[1] else e)
    r = derive("x @ A @ x", "x", {"A": ("n", "n"), "x": ("n",)}, trials=20)
    assert not r.verified
    assert not r.verification.checks["x"].ok
    assert r.verification.derivation.ok  # the local rules are right; the closed form is not


# ---------------------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("expr, shapes, match", [
    ("x % 2", {"x": ()}, r"the operator % \(Mod\) is not supported; supported: \+ - \* / @ \*\*"),
    ("foo(x)", {"x": ()}, r"the function foo is not supported"),
    ("x[0]", {"x": ("n",)}, r"Subscript .* is not an expression derive takes"),
    ("x ** y", {"x": (), "y": ()}, r"the exponent of \*\* must be a number"),
    ("sum(x, axis=0)", {"x": ("n",)}, r"keyword arguments \(axis=\) are not supported"),
    ("maximum(x, y)", {"x": (), "y": ()}, r"only as maximum\(0, z\)"),
    ("x.sum()", {"x": ("n",)}, r"method calls are not supported; write sum\(x\) instead of x.sum\(\)"),
    ("x +", {"x": ()}, r"is not a Python expression"),
    ("q * 2", {"x": ()}, r"q: unknown name; every variable needs a shape .* variables with shapes: x"),
])
def test_unsupported_constructs_are_named(expr, shapes, match):
    with pytest.raises(DeriveError, match=match):
        derive(expr, next(iter(shapes)), shapes)


@pytest.mark.parametrize("expr, shapes, match", [
    ("A @ x", {"A": ("m", "k"), "x": ("n",)}, r"inner dimensions differ, 'k' .* and 'n'"),
    ("x + y", {"x": ("n",), "y": ("m",)}, r"dimension 'n' meets 'm'"),
    ("det(A)", {"A": ("m", "n")}, r"det\(var\('A'\)\): expected a square matrix, got shape \(m, n\)"),
    ("softmax(A)", {"A": ("m", "n")}, r"softmax.*expected a vector"),
    ("A.T @ A", {"A": ("m", "n", "k")}, r"has 3 axes"),
])
def test_shape_mismatches_name_the_dimensions(expr, shapes, match):
    with pytest.raises(DeriveError, match=match):
        derive(expr, next(iter(shapes)), shapes)


def test_bad_wrt_and_options():
    shapes = {"w": ("n",), "x": ("n",)}
    with pytest.raises(DeriveError, match="'z' has no shape"):
        derive("sum(w * x)", "z", shapes)
    with pytest.raises(DeriveError, match="does not occur in the expression"):
        derive("sum(w * w)", "x", shapes)
    with pytest.raises(DeriveError, match="nothing to derive"):
        derive("w", "w", shapes)
    with pytest.raises(DeriveError, match="Jacobian has 3 indices"):
        derive("A @ x", "A", {"A": ("m", "n"), "x": ("n",)})
    with pytest.raises(ValueError, match="trials: expected an integer ≥ 1"):
        derive("sum(w * x)", "w", shapes, trials=0)
    with pytest.raises(TypeError, match="shapes: expected a dict"):
        derive("sum(w * x)", "w", [("w", ("n",))])


def test_a_vectors_transpose_is_numpys_no_op():
    r = derive("x.T @ x", "x", {"x": ("n",)}, trials=10)
    assert r.verified and r.results["x"].text == "2x"


def test_sizes_are_distinct_so_a_transpose_cannot_hide():
    sizes = sizes_for({"A": ("p", "m"), "X": ("m", "n"), "B": ("n", "p")})
    assert len(set(sizes.values())) == 3


def test_top_level_name_and_design_contract():
    assert chainrule.derive is derive
    r = chainrule.derive("sum(w * x)", wrt=("w",), shapes={"w": ("n",), "x": ("n",)}, trials=5)
    assert r.verified and r.formula == "∂y/∂w = x"
    assert entry("paper-loss").expression.startswith("mean(")


def test_domains_are_inferred_through_products_and_can_be_given():
    from chainrule.reference.derive.parse import parse
    from chainrule.reference.derive.verify import domains_for

    assert domains_for(parse("log(x @ w)", {"x": ("n",), "w": ("n",)})) == {"w": "positive", "x": "positive"}
    assert domains_for(parse("log(det(X))", {"X": ("n", "n")})) == {"X": "spd"}
    assert domains_for(parse("a / b + sqrt(c)", {"a": (), "b": (), "c": ()})) == {
        "a": "real", "b": "nonzero", "c": "positive"}
    r = derive("log(x @ w)", "w", {"x": ("n",), "w": ("n",)}, trials=20)
    assert r.verified and r.verification.domains == {"w": "positive", "x": "positive"}
    r = derive("log(1 + x * x)", "x", {"x": ("n",)}, trials=10, domains={"x": "unit"})
    assert r.verified and r.verification.domains == {"x": "unit"}
    with pytest.raises(DeriveError, match="unknown domain 'bogus'"):
        derive("log(x)", "x", {"x": ()}, domains={"x": "bogus"})
    with pytest.raises(DeriveError, match="'z' is not a variable"):
        derive("log(x)", "x", {"x": ()}, domains={"z": "positive"})


def test_an_expression_that_is_nowhere_finite_on_its_domains_says_which_to_pass():
    with pytest.raises(DeriveError, match=r"not finite at 20 points .* pass domains=\{name: domain\}"):
        derive("log(-exp(x))", "x", {"x": ()})


def test_a_check_outside_the_domain_is_not_verified_and_says_so():
    r = derive("log(x - w)", "w", {"x": ("n",), "w": ("n",)}, trials=20)
    assert not r.verified
    assert any("not finite" in p and "domains=" in p for p in r.problems)
