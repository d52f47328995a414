r"""The gallery: expressions ``chainrule derive`` derives and verifies, each beside the catalog record whose
hand-derived closed form it must equal where there is one (``tests/test_derive_gallery.py`` checks every
entry: it derives, verifies, renders in every format, and agrees with the catalog's closed form on random
inputs drawn from the record's own domains).

The paper's §5–§6 (the neuron, the loss with respect to ``w`` and ``b``), its chain-rule examples (§4.5,
C-2 … C-8) and the MyGrad walkthroughs (T-1, T-2); Cookbook identities (``∂tr(AXB)/∂X``, ``∂xᵀAx/∂x``,
``∂ln det X/∂X``, ``∂aᵀX⁻¹b/∂X`` …); and the losses and layers people derive by hand.

>>> len(GALLERY) >= 25
True
>>> GALLERY[1].name, GALLERY[1].catalog
('paper-loss', (('w', 'loss_gradient_w'), ('b', 'loss_gradient_b')))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GALLERY", "GalleryEntry", "entry"]


@dataclass(frozen=True)
class GalleryEntry:
    """One expression: its name, source, variables differentiated, shapes, and the catalog records
    ``(variable, record name)`` its derivatives must equal (their arguments are named like the
    expression's variables)."""

    name: str
    expression: str
    wrt: tuple[str, ...]
    shapes: dict
    catalog: tuple[tuple[str, str], ...] = ()
    note: str = ""


_LOSS = {"X": ("N", "n"), "w": ("n",), "b": (), "y": ("N",)}

GALLERY: tuple[GalleryEntry, ...] = (
    GalleryEntry("neuron-activation", "relu(w @ x + b)", ("w", "b"), {"w": ("n",), "x": ("n",), "b": ()},
                 (("w", "grad_activation_w"), ("b", "grad_activation_b")), "N-5, §5"),
    GalleryEntry("paper-loss", "mean((y - relu(X @ w + b)) ** 2)", ("w", "b"), _LOSS,
                 (("w", "loss_gradient_w"), ("b", "loss_gradient_b")), "L-3, L-5, §6"),
    GalleryEntry("least-squares", "mean((X @ w + b - y) ** 2)", ("w", "b"), _LOSS,
                 (("w", "grad_least_squares_w"),), "L-3 corollary"),
    GalleryEntry("logistic-regression", "mean(log(1 + exp(X @ w + b)) - y * (X @ w + b))", ("w", "b"), _LOSS,
                 (("w", "grad_logistic_loss_w"), ("b", "grad_logistic_loss_b")), "LF-8, the logits form"),
    GalleryEntry("logistic-regression-probabilities",
                 "mean(-y * log(sigmoid(X @ w + b)) - (1 - y) * log(1 - sigmoid(X @ w + b)))", ("w", "b"), _LOSS,
                 (("w", "grad_logistic_loss_w"), ("b", "grad_logistic_loss_b")), "LF-8, written with σ"),
    GalleryEntry("softmax-cross-entropy", "-sum(y * log(softmax(z)))", ("z",), {"z": ("k",), "y": ("k",)},
                 (("z", "grad_softmax_cross_entropy_z"),), "LF-3 (equal to s − y where sum(y) = 1)"),
    GalleryEntry("logsumexp-cross-entropy", "logsumexp(z) - z @ y", ("z",), {"z": ("k",), "y": ("k",)},
                 (("z", "grad_softmax_cross_entropy_z"),), "LF-2, LF-3"),
    GalleryEntry("softmax-jacobian", "softmax(z)", ("z",), {"z": ("k",)}, (("z", "jac_softmax_z"),), "LF-1"),
    GalleryEntry("logsumexp-of-linear", "logsumexp(X @ w)", ("w",), {"X": ("N", "n"), "w": ("n",)}),
    GalleryEntry("trace-AXB", "trace(A @ X @ B)", ("X",), {"A": ("p", "m"), "X": ("m", "n"), "B": ("n", "p")},
                 (("X", "grad_trace_AXB_X"),), "CB-101"),
    GalleryEntry("quadratic-form", "x @ A @ x", ("x",), {"A": ("n", "n"), "x": ("n",)},
                 (("x", "grad_quadratic_form_x"),), "CB-81"),
    GalleryEntry("log-det", "log(det(X))", ("X",), {"X": ("n", "n")}, (("X", "grad_log_abs_det_X"),), "CB-57"),
    GalleryEntry("det", "det(X)", ("X",), {"X": ("n", "n")}, (("X", "grad_det_X"),), "CB-49"),
    GalleryEntry("inverse-bilinear", "a @ inv(X) @ b", ("X",), {"a": ("n",), "X": ("n", "n"), "b": ("n",)},
                 (("X", "grad_inverse_bilinear_X"),), "CB-61"),
    GalleryEntry("trace-of-square", "trace(X @ X)", ("X",), {"X": ("n", "n")}, (("X", "grad_trace_X2_X"),),
                 "CB-106"),
    GalleryEntry("frobenius-squared", "sum(X * X)", ("X",), {"X": ("m", "n")}, (("X", "grad_trace_XtX_X"),),
                 "CB-115"),
    GalleryEntry("trace-via-diagonal", "sum(diag(X))", ("X",), {"X": ("n", "n")}, (("X", "grad_trace_X"),),
                 "CB-99"),
    GalleryEntry("trace-of-inverse", "trace(inv(X))", ("X",), {"X": ("n", "n")}, (), "CB-64 with A = 0"),
    GalleryEntry("norm-of-difference", "norm(x - a)", ("x",), {"x": ("n",), "a": ("n",)},
                 (("x", "grad_norm_diff_x"),), "CB-129"),
    GalleryEntry("squared-norm", "sum(x ** 2)", ("x",), {"x": ("n",)}, (("x", "grad_sq_norm_x"),), "CB-131"),
    GalleryEntry("dot-product", "sum(w * x)", ("w",), {"w": ("n",), "x": ("n",)}, (("w", "grad_dot_w"),), "N-1"),
    GalleryEntry("C-2", "sin(x ** 2)", ("x",), {"x": ()}, (("x", "grad_sin_x2_x"),), "C-2"),
    GalleryEntry("C-3", "log(sin(x ** 3) ** 2)", ("x",), {"x": ()}, (("x", "grad_ln_sin_x3_squared_x"),), "C-3"),
    GalleryEntry("C-5", "x + x ** 2", ("x",), {"x": ()}, (("x", "grad_x_plus_x2_x"),), "C-5: the pitfall"),
    GalleryEntry("C-7", "sin(x + x ** 2)", ("x",), {"x": ()}, (("x", "grad_sin_x_plus_x2_x"),), "C-7"),
    GalleryEntry("C-8", "x * x ** 2", ("x",), {"x": ()}, (("x", "grad_x_times_x2_x"),), "C-8"),
    GalleryEntry("T-1", "(y * x ** 2) ** 2 - (2 * x + y) ** 3", ("x", "y"), {"x": (), "y": ()},
                 (("x", "grad_t1_g_x"), ("y", "grad_t1_g_y")), "T-1"),
    GalleryEntry("T-2", "(4 * y - x) ** 2 * (3 * x * y - 4 * y)", ("x", "y"), {"x": (), "y": ()},
                 (("x", "grad_t2_g_x"), ("y", "grad_t2_g_y")), "T-2"),
    GalleryEntry("two-layer-mlp", "mean((relu(X @ W1 + b1) @ w2 + b2 - y) ** 2)", ("W1", "b1", "w2", "b2"),
                 {"X": ("N", "d"), "W1": ("d", "h"), "b1": ("h",), "w2": ("h",), "b2": (), "y": ("N",)}),
    GalleryEntry("layer-norm", "(x - mean(x)) / sqrt(mean((x - mean(x)) ** 2) + 1e-5)", ("x",), {"x": ("n",)},
                 (), "LAYER-12 without gain and bias, as a Jacobian"),
    GalleryEntry("tanh-layer", "tanh(W @ x + b)", ("x", "b"), {"W": ("m", "n"), "x": ("n",), "b": ("m",)}, (),
                 "LAYER-6 and CB-69 by the vector chain rule"),
    GalleryEntry("sigmoid-neuron", "sigmoid(w @ x + b)", ("w", "b"), {"w": ("n",), "x": ("n",), "b": ()}, (),
                 "LAYER-5"),
    GalleryEntry("l1-regression", "mean(abs(X @ w - y))", ("w",), _LOSS, (), "sign(0) = 0 at a kink"),
    GalleryEntry("ridge", "mean((X @ w - y) ** 2) + lam * sum(w ** 2)", ("w",),
                 {"X": ("N", "n"), "w": ("n",), "y": ("N",), "lam": ()}),
)


def entry(name: str) -> GalleryEntry:
    """The gallery entry called ``name``."""
    for g in GALLERY:
        if g.name == name:
            return g
    raise KeyError(f"no gallery entry {name!r}; the entries: {', '.join(g.name for g in GALLERY)}")
