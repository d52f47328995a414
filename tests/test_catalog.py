"""Every catalog record passes `verify` (float64 and float32), and the catalog is complete and well-formed."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pathlib
import pkgutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chainrule.analytic
from chainrule.analytic.structured import todense
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog import CATALOG, TOPICS, by_name

IDS = [r.name for r in CATALOG]


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_rule_passes_float64(rule, catalog_results):
    result = catalog_results[rule.name]
    assert result.ok, result.message
    if rule.expect == "fail":  # a printed misprint: it must fail, and clearly (not by rounding)
        assert result.status == "xfail" and result.max_rel_error > 1e-3, result
        return
    assert result.status == "pass"
    assert result.trials >= 100
    assert result.max_rel_error <= 1e-9


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_rule_passes_float32(rule, catalog_results_float32):
    result = catalog_results_float32[rule.name]
    assert result.ok, result.message
    assert result.status == ("xfail" if rule.expect == "fail" else "pass")


def test_catalog_covers_the_nine_paper_topics():
    topics = {r.topic for r in CATALOG}
    assert set(TOPICS[:9]) <= topics, set(TOPICS[:9]) - topics


def test_names_are_unique():
    assert len(IDS) == len(set(IDS))


def _public_functions():
    for info in pkgutil.iter_modules(chainrule.analytic.__path__):
        if info.name.startswith("_") or info.name == "structured":
            continue
        module = importlib.import_module(f"chainrule.analytic.{info.name}")
        for name in module.__all__:
            fn = getattr(module, name)
            if callable(fn) and getattr(fn, "__module__", None) == module.__name__:
                yield f"chainrule.analytic.{info.name}.{name}", fn


def test_every_public_analytic_function_has_a_record():
    used = {id(r.primal) for r in CATALOG} | {id(r.derivative) for r in CATALOG}
    used |= {id(fn) for r in CATALOG for fn in r.uses}  # helpers a derivative is computed through
    public = dict(_public_functions())
    assert len(public) >= 100, sorted(public)  # the scan really found the topic modules' functions
    missing = [name for name, fn in public.items() if id(fn) not in used]
    assert not missing, f"public analytic functions with no catalog record: {missing}"


def test_by_name_reports_near_names():
    with pytest.raises(KeyError, match=r"no catalog rule named 'grad_los_w'; similar: \['grad_loss_w', ") as info:
        by_name("grad_los_w")  # a typo of grad_loss_w
    assert "jac_hadamard_w_from_partials" not in str(info.value)  # a name that merely shares "_w" is not near


def test_every_rules_md_item_has_a_record():
    from chainrule.reference.catalog import RULES_IDS

    have = {r.id for r in CATALOG}
    assert len(RULES_IDS) == 63
    assert not [i for i in RULES_IDS if i not in have]


def test_reference_section_items_select_the_rules_they_restate():
    from chainrule.reference.catalog import REFERENCE_SECTIONS
    from chainrule.reference.catalog.verify import select

    assert REFERENCE_SECTIONS, "no §8 reference items to check"
    for ref, ids in REFERENCE_SECTIONS.items():
        chosen = select(CATALOG, ref)
        assert ids and {r.id for r in chosen} == set(ids), ref


# --- every record on both backends: NumPy in → NumPy out (dtype kept), and the same under jax.jit ---------


def _draw(rule, dtype, seed=0):
    """One trial of ``rule``'s arguments at its largest shape configuration, away from kinks."""
    from chainrule.reference.catalog.verify import draw_inputs

    rng = np.random.default_rng(seed)
    drawn = draw_inputs(rule, rule.sizes[-1], 1, rng, dtype)
    return tuple(drawn[a.name][0] for a in rule.args)


def _both(rule, args):
    return rule.bound_primal(*args[rule.primal_args]), todense(rule.bound_derivative(*args))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_numpy_in_numpy_out_dtype_kept(rule, dtype):
    for out in _both(rule, _draw(rule, dtype)):
        assert isinstance(out, (np.ndarray, np.generic)), type(out)
        assert out.dtype == dtype, out.dtype


@pytest.mark.parametrize("topic", sorted({r.topic for r in CATALOG}, key=TOPICS.index))
def test_under_jit_equals_numpy(topic):
    """Every primal and closed form of a topic in one ``jax.jit`` (one compilation), against NumPy."""
    rules = [r for r in CATALOG if r.topic == topic]
    inputs = [_draw(r, "float64", seed=i) for i, r in enumerate(rules)]

    def everything(inputs):
        return [_both(r, args) for r, args in zip(rules, inputs, strict=True)]

    with x64():
        got = jax.jit(everything)(jax.tree.map(jnp.asarray, inputs))
    for rule, args, outs in zip(rules, inputs, got, strict=True):
        for g, e in zip(outs, _both(rule, args), strict=True):
            assert isinstance(g, jax.Array)
            np.testing.assert_allclose(np.asarray(g), e, rtol=1e-12, atol=1e-14, err_msg=rule.name)


# --- each formula written once: the derivative's docstring is its one source ----------------------------

_CLOSED_FORM_PREFIXES = ("grad_", "jac_", "vjp_", "jvp_", "hess_", "hvp_", "descent_step_")


def _closed_forms():
    """Every record's derivative and every public analytic grad_*/jac_*/vjp_*/jvp_*/hess_*/hvp_* function."""
    found = {id(r.derivative): (f"{r.name} (record's derivative {r.derivative.__qualname__})", r.derivative)
             for r in CATALOG}
    for name, fn in _public_functions():
        if name.rsplit(".", 1)[1].startswith(_CLOSED_FORM_PREFIXES):
            found.setdefault(id(fn), (name, fn))
    return list(found.values())


def _formula_lines(fn):
    """The docstring's lines that are formula lines: an ``=`` and a trailing citation."""
    from chainrule.reference.catalog._record import split_citation

    lines = (inspect.getdoc(fn) or "").splitlines()
    return lines, [ln for ln in lines if "=" in ln and split_citation(ln)[1] is not None]


def test_every_record_formula_is_its_derivatives_docstring_first_line():
    from chainrule.reference.catalog import Rule
    from chainrule.reference.catalog._record import formula_of

    assert "formula" not in {f.name for f in dataclasses.fields(Rule)}, "Rule must not store a formula string"
    for r in CATALOG:
        first = (inspect.getdoc(r.derivative) or "").splitlines()[:1]
        assert r.formula, f"{r.name}: its derivative {r.derivative.__qualname__} has no formula docstring"
        assert r.formula == formula_of(r.derivative), r.name
        assert first and r.formula in first[0].replace("``", ""), (r.name, r.formula, first)


def test_every_closed_form_has_exactly_one_formula_line():
    closed = _closed_forms()
    assert len(closed) >= 150, len(closed)  # the scan really found the records and the analytic modules
    offenders = []
    for name, fn in closed:
        lines, formulas = _formula_lines(fn)
        if not lines or formulas != [lines[0]]:
            offenders.append(f"{name}: first line {lines[:1]}, formula lines {formulas}")
    assert not offenders, "\n".join(offenders)


def _looks_like_a_formula(text: str, formulas: set[str]) -> bool:
    return ("=" in text and any(s in text for s in ("∂", "∇", "d/d"))) or any(f in text for f in formulas)


def _formula_literals(source: str, formulas: set[str]) -> list[str]:
    """``formula=`` keywords and formula-looking string literals of a rules module (docstrings excepted)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
        and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "formula":
            found.append(f"line {node.lineno}: formula= keyword")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if _looks_like_a_formula(node.value, formulas):
                found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_no_record_source_passes_a_formula_literal():
    import chainrule.reference.catalog as catalog

    formulas = {r.formula for r in CATALOG if len(r.formula) > 8}
    paths = sorted(pathlib.Path(catalog.__file__).parent.glob("rules_*.py"))
    assert len(paths) >= 13, paths  # the scan really read the rules modules
    offenders = [f"{p.name} {hit}" for p in paths for hit in _formula_literals(p.read_text(), formulas)]
    assert not offenders, offenders


def test_the_formula_scans_can_fail():
    """Each check above rejects a real violation (a test that cannot fail is a defect)."""
    formulas = {"∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ"}
    assert _formula_literals('Rule("a", formula="x")', formulas)  # a formula= keyword
    assert _formula_literals('Rule("a", "N-1", "neuron", "§5", "∂(w·x)/∂w = xᵀ", f, g)', formulas)
    assert _formula_literals('NOTE = "see ∂(w·x)/∂w = 1⃗ᵀ diag(x) = xᵀ"', formulas)  # a copy of a formula
    clean = 'def f():\n    """∂C/∂w = 2x   (RULES L-3, §6.1)"""\nRule("a", note="x ≠ 0")'
    assert not _formula_literals(clean, formulas)  # an adapter's docstring is the formula's one place

    def no_citation(x):
        """∂y/∂x = 2x, written without a citation."""

    def two_formulas(x):
        """∂y/∂x = 2x   (RULES S-3, §2)

        ∂y/∂x = x + x   (RULES S-4, §2)
        """

    def prose_first(x):
        """The derivative of x².

        ∂y/∂x = 2x   (RULES S-3, §2)
        """

    for fn in (no_citation, two_formulas, prose_first):
        lines, formulas_found = _formula_lines(fn)
        assert formulas_found != lines[:1], fn.__name__
