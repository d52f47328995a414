"""The worked examples (reference/derivation/examples.py) and ``chainrule explain``, checked step by step."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.reference.cli import main
from chainrule.reference.derivation import Derivation
from chainrule.reference.derivation.examples import EXAMPLES, Example, get

PAPER_IDS = ["C-2", "C-3", "C-5", "C-7", "C-8", "C-10", "N-5", "L-3", "T-1", "T-2"]


@pytest.fixture(scope="module")
def reports():
    """Every example checked once at its point and 16 random points around it (seed 0)."""
    return {name: e.check(around=16, seed=0) for name, e in EXAMPLES.items()}


def test_the_registry_covers_the_issue_list():
    assert list(EXAMPLES) == ["C-2", "C-3", "C-5", "C-5-naive", "C-7", "C-8", "C-10", "N-5", "L-3",
                              "T-1", "T-2"]
    assert [e.id for e in EXAMPLES.values() if e.pitfall] == ["C-5-naive"]
    assert get("t-1") is EXAMPLES["T-1"]
    with pytest.raises(ValueError, match="no built-in example 'C-99'; choose one of C-2, C-3"):
        get("C-99")


@pytest.mark.parametrize("name", PAPER_IDS)
def test_every_paper_example_passes(reports, name):
    r = reports[name]
    assert r.ok, str(r)
    assert EXAMPLES[name].as_expected(r)
    assert r.claims, "each example claims the paper's final answer"
    assert all(c.ok for c in r.claims)
    assert r.points == 17, "no random point was skipped"


def test_the_naive_c5_answer_fails_with_the_missing_path(reports):
    r = reports["C-5-naive"]
    assert not r.ok and r.wrong_steps == ()
    assert r.missing_paths == {"x": (("x", "u_2"),)}
    assert EXAMPLES["C-5-naive"].as_expected(r)
    assert float(r.claims[0].claimed) == 2.0 and float(r.jax_gradients["x"]) == 3.0  # Δy/Δx at x = 1


def test_t1_and_t2_numbers_are_exact(reports):
    t1, t2 = reports["T-1"], reports["T-2"]
    assert [float(t1.adjoints[v]) for v in ("p", "q", "x", "y")] == [18.0, -147.0, -186.0, 15.0]
    assert [float(t1.values[v]) for v in ("p", "q", "g")] == [9.0, 7.0, -262.0]
    assert [float(t2.adjoints[v]) for v in ("p", "q", "x", "y")] == [968.0, 121.0, 484.0, 5203.0]
    assert [float(t2.values[v]) for v in ("p", "q", "g")] == [11.0, 44.0, 5324.0]
    for r in (t1, t2):
        assert [float(c.claimed) for c in r.claims] == [float(r.gradients[c.wrt]) for c in r.claims]


def test_t1_and_t2_are_built_from_the_catalogs_tutorial_records(monkeypatch):
    """T-1/T-2 are written once (chainrule.analytic.tutorial): the examples read them through the catalog."""
    import ast
    import dataclasses
    import inspect

    from chainrule.analytic import tutorial
    from chainrule.reference.catalog import by_name
    from chainrule.reference.derivation import examples

    assert by_name("grad_t1_p_x").primal is tutorial.t1_p and by_name("grad_t2_g_y").derivative is tutorial.grad_t2_g_y
    for fn in (examples.t1_mygrad, examples.t2_mygrad, examples._tutorial, examples._tutorial_step):
        tree = ast.parse(inspect.getsource(fn))
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)], f"{fn.__name__} writes its own lambda"

    def wrong_p_x(x, y):
        return 3.0 * x * y  # not 2xy

    real = by_name
    monkeypatch.setattr(examples, "by_name", lambda name: dataclasses.replace(real(name), derivative=wrong_p_x)
                        if name == "grad_t1_p_x" else real(name))
    r = examples.EXAMPLES["T-1"].check(around=2)
    assert not r.ok and r.wrong_steps == ("p",)  # the catalog's partial is what the example checks


def test_the_vector_and_neuron_examples_have_the_papers_shapes_and_values(reports):
    c10 = reports["C-10"]
    np.testing.assert_allclose(c10.gradients["x"], [2 / 1.5, 3 * np.cos(4.5)], rtol=1e-14)
    n5 = reports["N-5"]
    np.testing.assert_array_equal(n5.gradients["w"], [1.0, 0.5, 0.25])  # xᵀ: the unit is active
    l3 = reports["L-3"]
    assert float(l3.values["z"][3]) < 0 and float(l3.adjoints["z"][3]) == 0.0  # inactive sample masked


def test_a_wrong_hand_partial_in_an_example_is_caught():
    """The examples' checks can fail: break one partial of C-3 and only that step is blamed."""
    d = (
        Derivation(x=1.2)
        .let("u_1", lambda x: x**3, {"x": lambda x: 3 * x**2})
        .let("u_2", lambda u_1: jnp.sin(u_1), {"u_1": lambda u_1: -np.cos(u_1)})  # sign error
    )
    example = Example("X-1", "broken", "test", lambda: d)
    r = example.check(around=4)
    assert not example.as_expected(r) and r.wrong_steps == ("u_2",) and "sign flipped" in r.messages[0]


# --- chainrule explain ---------------------------------------------------------------------------


def test_explain_t1_prints_the_step_table(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # captured, as when piped (pytest-xdist's workers set 80)
    assert main(["explain", "T-1", "--around", "4"]) == 0
    out = capsys.readouterr().out
    for piece in ("T-1 (tutorial)", "variable", "claimed partials", "JAX's partials", "p² − q³",
                  "∂/∂p = 2p = 18", "∂/∂q = −3q² = -147", "-186", "15", "PASS"):
        assert piece in out, piece


def test_explain_the_pitfall_exits_0_when_the_missing_path_is_named(capsys):
    assert main(["explain", "c-5-naive", "--around", "2"]) == 0
    out = capsys.readouterr().out
    assert "misses the path x → u_2" in out and "FAIL" in out and "it does." in out


def test_explain_markdown(capsys):
    assert main(["explain", "C-2", "--markdown", "--around", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**C-2 (§4.5.1): y = sin(x²): single-variable chain rule**\n")
    assert "| u | x² | 0.49 | ∂/∂x = 2x = 1.4 | ∂/∂x = 1.4 |" in out


def test_explain_exits_1_when_an_example_does_not_come_out_as_documented(capsys, monkeypatch):
    wrong = Derivation(x=2.0).let("u", lambda x: x**2, {"x": lambda x: x})
    monkeypatch.setitem(EXAMPLES, "X-1", Example("X-1", "a wrong derivation", "test", lambda: wrong))
    assert main(["explain", "X-1", "--around", "0"]) == 1
    assert "FAIL: wrong local partial: ∂u/∂x (step u)" in capsys.readouterr().out


def test_explain_list(capsys):
    assert main(["explain", "--list"]) == 0
    out = capsys.readouterr().out
    for name in EXAMPLES:
        assert name in out
    assert "fails: misses x → u_2" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["explain"], "give an example NAME"),
    (["explain", "C-99"], "no built-in example 'C-99'"),
    (["explain", "T-1", "--around", "-1"], "--around must be at least 0"),
])
def test_explain_usage_errors(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
