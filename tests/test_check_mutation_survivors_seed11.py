"""Behaviour tests that kill the seed-11 sample's surviving mutants (issue 16), a fresh sample of the code
after the seed-10 survivors were dealt with. Each names the mutant it kills and was checked against it by hand.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from chainrule import check_gradient
from chainrule.reference.checker.diagnosis import diagnose_shape, diagnose_values


def test_a_flattened_jacobian_of_more_than_256_entries_is_named_flattened():
    """A 20 × 15 Jacobian returned flattened to 300 entries: "the values match after reshaping" (kills
    `c.size == r.size` → `c.size is r.size`, true only for the small ints Python caches, up to 256)."""
    r = np.random.default_rng(0).normal(size=(20, 15))
    d = diagnose_shape(r.ravel(), r, out_shape=(20,), in_shape=(15,))
    assert d == "wrong shape: claimed (300,), JAX (20, 15) (the values match after reshaping: flattened?)", d


def test_a_rank_one_term_per_slice_along_two_different_axes_names_both():
    """JAX − candidate zero except a rank-one 4 × 4 block in each of the 3 slices pairing output axis 0 with
    input axis 1 (out (3, 4), in (4, 3)): the diagnosis names "output axis 0 and input axis 1", not one shared
    axis (kills `a == b` → `a <= b`, under which axis 0 and axis 1 read as the same axis)."""
    rng = np.random.default_rng(0)
    r = rng.normal(size=(3, 4, 4, 3))
    d = np.zeros_like(r)
    for i in range(3):
        d[i, :, :, i] = np.outer(rng.normal(size=4), rng.normal(size=4))
    out = diagnose_values(r - d, r, out_shape=(3, 4), in_shape=(4, 3))
    assert out.startswith("dropped term: JAX − candidate is a rank-one outer product u vᵀ within each of the 3 "
                          "slices along output axis 0 and input axis 1 (zero between slices)"), out


def test_the_complex_step_witness_agrees_with_a_right_gradient():
    """witness='complex-step' on Σ sin(x) with its right gradient: the note says both agree with the witness
    (kills the complex step's atol 1e-14 → −0.99999999999999, under which nothing agreed)."""
    r = check_gradient(lambda x: jnp.sum(jnp.sin(x)), np.cos, np.zeros(3), witness="complex-step")
    assert r.ok, r.diagnosis
    notes = [n for n in r.notes if n.startswith("third witness (the complex step")]
    assert len(notes) == 1 and "(agrees); JAX vs it" in notes[0] and notes[0].endswith("(agrees)"), r.notes
