"""Every catalog record passes `verify` (float64 and float32), and the catalog is complete and well-formed."""

from __future__ import annotations

import importlib
import pkgutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chainrule.analytic
from chainrule.analytic.structured import todense
from chainrule.reference.autodiff import x64
from chainrule.reference.catalog import CATALOG, TOPICS, by_name
from chainrule.reference.verify import verify_rule

IDS = [r.name for r in CATALOG]


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_rule_passes_float64(rule, catalog_results):
    result = catalog_results[rule.name]
    assert result.ok, result.message
    assert result.trials >= 100
    assert result.max_rel_error <= 1e-9


@pytest.mark.parametrize("rule", CATALOG, ids=IDS)
def test_rule_passes_float32(rule):
    result = verify_rule(rule, trials=100, seed=1, dtype="float32")
    assert result.ok, result.message


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
    from chainrule.reference.verify import select

    assert REFERENCE_SECTIONS, "no §8 reference items to check"
    for ref, ids in REFERENCE_SECTIONS.items():
        chosen = select(CATALOG, ref)
        assert ids and {r.id for r in chosen} == set(ids), ref


# --- every record on both backends: NumPy in → NumPy out (dtype kept), and the same under jax.jit ---------


def _draw(rule, dtype, seed=0):
    """One trial of ``rule``'s arguments at its largest shape configuration, away from kinks."""
    from chainrule.reference.verify import draw_inputs

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
