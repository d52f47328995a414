"""The benchmark suites, one module per suite; each defines ``SUITE`` (a
:class:`~chainrule.benchmarks.harness.Suite`) and its ``cases(quick)`` generator.

* :mod:`.loss_gradient`: RULES L-3/L-5, the neuron's loss gradient over X of N × d (§6);
* :mod:`.elementwise`: the diagonal Jacobian of an element-wise operator (RULES N-4, E-2), O(n)
  structured vs dense ``jacfwd``/``jacrev``;
* :mod:`.chain_rule`: the vector chain rule composing four diagonal Jacobians (RULES C-12) vs
  autodiff of the composition;
* :mod:`.checking`: the cost of checking one rule over many trials: vmapped vs looped, cold and warm;
* :mod:`.sharded`: the loss gradient under ``jit`` with X sharded over 8 simulated CPU devices;
* :mod:`.softmax_jacobian`: LF-1, the softmax Jacobian kept structured (O(k)) vs the dense ``k × k``;
* :mod:`.hvp`: H-4 / H-5, closed-form Hessian-vector products vs ``jax.jvp(jax.grad)``;
* :mod:`.checkers`: chainrule's checker vs ``jax.test_util.check_grads`` on the real-world backward
  passes of ``tests/realworld/``: catch rate, false alarms and time, side by side.

:mod:`._common` holds what several share (the dense-memory budget, the size grid). The suites import
the harness; the harness imports no suite. :mod:`chainrule.benchmarks.registry` lists them.
"""
