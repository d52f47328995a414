"""The store of traced programs (reference/checker/program_store.py): a later run loads what an earlier one
traced, gives the same results, never uses a program whose key does not match, and survives broken files."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.reference import compile_cache
from chainrule.reference.catalog import CATALOG
from chainrule.reference.catalog.verify import verify_catalog
from chainrule.reference.checker import program_store


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A compilation cache (and so a program store) of this test's own."""
    monkeypatch.delenv(compile_cache.NO_CACHE_ENV, raising=False)
    previous = compile_cache.enabled_cache_dir()
    path = compile_cache.enable_compilation_cache(tmp_path / "xla")
    yield path
    if previous is not None:
        compile_cache.enable_compilation_cache(previous)


def _program():
    return jax.jit(lambda batch: [jnp.sin(a) * 2 for a in batch])


def test_a_program_is_stored_then_loaded_with_the_same_results(cache_dir):
    args = [np.linspace(0, 1, 5, dtype=np.float32), np.ones(3, np.float32)]
    first = program_store.stored_program(_program(), args, "test|sin")
    stored = list((cache_dir / "exported").glob("*.jaxexport"))
    assert len(stored) == 1
    loaded = program_store.stored_program(_program(), args, "test|sin")
    np.testing.assert_allclose(np.asarray(loaded(args)[0]), np.sin(args[0]) * 2, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(first(args)[1]), np.asarray(loaded(args)[1]))


def test_the_key_covers_the_sources_the_description_and_the_shapes(monkeypatch):
    args = [np.zeros(3)]
    key = program_store.program_key("verify|a", args)
    assert program_store.program_key("verify|b", args) != key
    assert program_store.program_key("verify|a", [np.zeros(4)]) != key
    assert program_store.program_key("verify|a", [np.zeros(3, np.float32)]) != key
    monkeypatch.setattr(program_store, "source_fingerprint", lambda: "0" * 64)  # any source edited
    assert program_store.program_key("verify|a", args) != key


def test_a_broken_file_is_traced_again_and_replaced(cache_dir):
    args = [np.arange(4.0, dtype=np.float32)]
    program_store.stored_program(_program(), args, "test|broken")
    (path,) = (cache_dir / "exported").glob("*.jaxexport")
    path.write_bytes(b"not a program")
    again = program_store.stored_program(_program(), args, "test|broken")
    np.testing.assert_allclose(np.asarray(again(args)[0]), np.sin(args[0]) * 2, rtol=1e-6)
    assert path.read_bytes() != b"not a program"


def test_no_store_without_a_compilation_cache(monkeypatch):
    monkeypatch.setattr(compile_cache, "_enabled", None)
    fn = _program()
    assert program_store.store_dir() is None
    assert program_store.stored_program(fn, [np.zeros(2)], "test|none") is fn


def test_verify_loads_stored_programs_and_gives_the_same_results(cache_dir):
    rules = [r for r in CATALOG if r.topic == "reduction"]
    first = verify_catalog(rules, trials=20)
    stored = sorted((cache_dir / "exported").glob("*.jaxexport"))
    assert stored, "verify stored no program"
    jax.clear_caches()  # a new process: nothing traced in memory
    second = verify_catalog(rules, trials=20)
    assert sorted((cache_dir / "exported").glob("*.jaxexport")) == stored  # loaded, none added
    assert [(r.name, r.status, r.max_abs_error) for r in first] == [(r.name, r.status, r.max_abs_error)
                                                                     for r in second]
    # a wrong closed form is still caught through a stored program: the candidate is part of the program,
    # and editing it changes the sources' fingerprint, so it cannot load the old one
    assert all(r.status == "pass" for r in second)


def test_a_warm_verify_traces_no_output_shape_and_gives_the_same_results(cache_dir, monkeypatch):
    """The structures of f's and the candidate's outputs are stored with the batch: a second run calls
    jax.eval_shape for none of its checks, and reports exactly what the first did."""
    rules = [r for r in CATALOG if r.topic == "reduction"]
    first = verify_catalog(rules, trials=20)
    assert list((cache_dir / "exported").glob("*.structs"))
    calls = []
    real = jax.eval_shape
    monkeypatch.setattr(jax, "eval_shape", lambda *a, **k: (calls.append(a[0]), real(*a, **k))[1])
    jax.clear_caches()
    second = verify_catalog(rules, trials=20)
    from chainrule.reference.checker import engine
    assert engine.jax.eval_shape is not real and calls == []  # the patch reached the engine; nothing traced
    assert [(r.name, r.status, r.max_abs_error) for r in first] == [(r.name, r.status, r.max_abs_error)
                                                                     for r in second]


def test_stored_structures_that_are_broken_or_of_another_count_are_not_used(cache_dir):
    shapes = [(jax.ShapeDtypeStruct((3,), np.float64), {"a": jax.ShapeDtypeStruct((), np.float32)})]
    program_store.save_structs("test|structs", shapes)
    assert program_store.load_structs("test|structs", 1) == shapes
    assert program_store.load_structs("test|structs", 2) is None  # another batch: not used, and deleted
    assert program_store.load_structs("test|structs", 1) is None
    program_store.save_structs("test|structs", shapes)
    (path,) = (cache_dir / "exported").glob("*.structs")
    path.write_bytes(b"not a pickle")
    assert program_store.load_structs("test|structs", 1) is None
    assert not path.exists()
    program_store.save_structs("test|structs", [np.zeros(3)])  # not structures: never served
    assert program_store.load_structs("test|structs", 1) is None


def test_a_record_built_at_run_time_never_uses_the_store(cache_dir):
    """Two records of one name whose closed forms differ only in a closure (a test's, a user's): the store
    is keyed by the package's sources, so it must not serve them; the wrong one fails."""
    import dataclasses

    from chainrule.analytic.structured import Diagonal
    from chainrule.reference.catalog.verify import verify_rule

    base = next(r for r in CATALOG if r.name == "jac_mul_w")
    good = dataclasses.replace(base, derivative=lambda w, x: Diagonal(x))
    bad = dataclasses.replace(base, derivative=lambda w, x: Diagonal(x * (1 + 1e-6)))
    assert verify_rule(good, trials=10).ok
    assert not verify_rule(bad, trials=10).ok
    assert not list((cache_dir / "exported").glob("*.jaxexport"))


def test_a_check_run_again_at_another_seed_traces_neither_f_nor_the_candidate(monkeypatch):
    """Within one process the output structures (and the custom rules found in f) are remembered per check
    signature: 1,000 seeds of one check trace f and the candidate once (each trace costs a millisecond or
    more, a trial microseconds), and the remembered structures give the same report as tracing afresh."""
    from chainrule import check_gradient, check_vjp
    from chainrule.reference.checker import programs

    def f(x, W):
        return jnp.sum(jnp.tanh(W @ x))

    def grad(x, W):
        return W.T @ (1 - jnp.tanh(W @ x) ** 2)

    calls, jaxprs = [], []
    real, real_jaxpr = jax.eval_shape, jax.make_jaxpr
    monkeypatch.setattr(jax, "eval_shape", lambda *a, **k: (calls.append(a[0]), real(*a, **k))[1])
    monkeypatch.setattr(jax, "make_jaxpr", lambda *a, **k: (jaxprs.append(a[0]), real_jaxpr(*a, **k))[1])
    programs.STRUCTS.clear()
    first = check_gradient(f, grad, np.zeros(3), np.zeros((2, 3)), seed=1, trials=10)
    traced, scanned = len(calls), len(jaxprs)
    again = check_gradient(f, grad, np.zeros(3), np.zeros((2, 3)), seed=2, trials=10)
    assert traced == 2 and len(calls) == traced, calls  # f's and the candidate's structures, once
    assert scanned == 1 and len(jaxprs) == scanned, jaxprs  # f scanned for custom rules once
    programs.STRUCTS.clear()
    fresh = check_gradient(f, grad, np.zeros(3), np.zeros((2, 3)), seed=2, trials=10)
    assert len(calls) == traced + 2 and first.ok and again.ok
    assert str(again) == str(fresh)

    def numpy_vjp(x, ct):  # NumPy: called trial by trial with its cotangent, f never traced per trial
        return np.cos(x) * ct

    calls.clear()
    r = check_vjp(jnp.sin, numpy_vjp, np.zeros(4), trials=100)
    # f's structure, one try at tracing the candidate, and JAX's VJP program's own: not one per trial (was 100+)
    assert r.ok and len(calls) <= 3, calls
