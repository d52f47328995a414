"""Real-world cases: the fully-connected layers of CS231n assignment 1 and 2, as one student wrote them.

Every author function below is mantasu/cs231n's code (assignments 1 and 2), its lines and comments kept as
written; only the course's docstrings and TODO banners are left out. Each case's ``f`` is the same
forward written with ``jax.numpy`` (eps 1e-5, the biased variance, …), and the candidate is a thin
wrapper: run the author's NumPy forward for its cache, then the author's backward with the cotangent
``ct`` as ``dout``. The mutants are the same code with one realistic change each (marked ``# MUTANT``).

Shapes are small and distinct: N = 4 examples (6 for batch norm), D = 5 or 6 features, C = 3 classes.
The spatial layers (convolution, pooling, spatial batch norm) are in ``rw_conv.py``.
"""

# The author's code is kept as written (unused unpacked names and locals, a lambda, a %-format), so these
# rules of ruff's do not apply to this file:
# ruff: noqa: E731, F841, RUF059, UP031

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from rw_case import Case, Mutant

__all__ = ["CASES"]

MANTASU_A1 = "mantasu/cs231n assignment1/cs231n/layers.py"
MANTASU_A2 = "mantasu/cs231n assignment2/cs231n/layers.py"
EPS = 1e-5  # the course's default bn_param / ln_param eps


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ======================================================================================================
# source: mantasu/cs231n assignment2/cs231n/layers.py (affine_forward, affine_backward)
# ======================================================================================================

def affine_forward(x, w, b):
    out = None
    out = x.reshape(len(x), -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(len(x), -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def affine_f(x, w, b):
    """out = x̃ w + b, x̃ = x reshaped to rows (N, D). Shapes: x (N, d1, d2), w (D, M), b (M,)."""
    return x.reshape(x.shape[0], -1) @ w + b


def _affine_vjp(backward):
    def vjp(x, w, b, ct):
        _, cache = affine_forward(x, w, b)
        return backward(ct, cache)
    return vjp


def _affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = dout.T @ x.reshape(len(x), -1)  # MUTANT: (M, D), the transpose of dL/dw
    db = dout.sum(axis=0)
    return dx, dw, db


def _affine_backward_db_unsummed(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(len(x), -1).T @ dout
    db = dout  # MUTANT: the sum over the batch forgotten
    return dx, dw, db


def _affine_backward_dx_flat(dout, cache):
    x, w, b = cache
    dx = dout @ w.T  # MUTANT: not reshaped back to x's (N, d1, d2)
    dw = x.reshape(len(x), -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


AFFINE = Case(
    name="cs231n affine layer",
    source=f"{MANTASU_A2} (affine_backward)",
    kind="vjp",
    f=affine_f,
    candidate=_affine_vjp(affine_backward),
    example=lambda: (np.zeros((4, 2, 3)), np.zeros((6, 5)), np.zeros(5)),
    argnums=(0, 1, 2),
    mutants=(
        Mutant("dw transposed (dout.T @ x)", _affine_vjp(_affine_backward_dw_transposed), "transposed"),
        Mutant("db not summed over the batch", _affine_vjp(_affine_backward_db_unsummed), "sum is missing"),
        Mutant("dx not reshaped back to x.shape", _affine_vjp(_affine_backward_dx_flat), "flattened"),
    ),
)


# ======================================================================================================
# source: mantasu/cs231n assignment2/cs231n/layers.py (relu_forward, relu_backward)
# ======================================================================================================

def relu_forward(x):
    out = None
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    dx, x = None, cache
    dx = dout * (x > 0)
    return dx


def relu_f(x):
    """max(0, x) entry-wise; JAX's (and the author's) derivative at 0 is 0."""
    return jax.nn.relu(x)


def _relu_vjp(backward):
    def vjp(x, ct):
        _, cache = relu_forward(x)
        return backward(ct, cache)
    return vjp


def _relu_backward_inplace(dout, cache):
    dx, x = None, cache
    dx = dout  # MUTANT: an alias, not a copy: the next line writes into the caller's dout
    dx[x <= 0] = 0
    return dx


def _relu_backward_no_upstream(dout, cache):
    dx, x = None, cache
    dx = 1.0 * (x > 0)  # MUTANT: the local derivative only, dout never multiplied in
    return dx


RELU = Case(
    name="cs231n ReLU",
    source=f"{MANTASU_A2} (relu_backward)",
    kind="vjp",
    f=relu_f,
    candidate=_relu_vjp(relu_backward),
    example=lambda: (np.zeros((4, 5)),),
    mutants=(
        Mutant("in place: dx = dout; dx[x <= 0] = 0", _relu_vjp(_relu_backward_inplace), "mutates its input"),
        Mutant("upstream dout not multiplied in", _relu_vjp(_relu_backward_no_upstream),
               "not linear in the cotangent"),
    ),
)


# ======================================================================================================
# source: mantasu/cs231n assignment2/cs231n/layers.py
#   (batchnorm_forward, batchnorm_backward, batchnorm_backward_alt, layernorm_forward, layernorm_backward)
# ======================================================================================================

def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        mu = x.mean(axis=0)        # batch mean for each feature
        var = x.var(axis=0)        # batch variance for each feature
        std = np.sqrt(var + eps)   # batch standard deviation for each feature
        x_hat = (x - mu) / std     # standartized x
        out = gamma * x_hat + beta # scaled and shifted x_hat

        shape = bn_param.get('shape', (N, D))              # reshape used in backprop
        axis = bn_param.get('axis', 0)                     # axis to sum used in backprop
        cache = x, mu, var, std, gamma, x_hat, shape, axis # save for backprop

        if axis == 0:                                                    # if not batchnorm
            running_mean = momentum * running_mean + (1 - momentum) * mu # update overall mean
            running_var = momentum * running_var + (1 - momentum) * var  # update overall variance
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    # https://kratzert.github.io/2016/02/12/understanding-the-gradient-flow-through-the-batch-normalization-layer.html

    x, mu, var, std, gamma, x_hat, shape, axis = cache          # expand cache

    dbeta = dout.reshape(shape, order='F').sum(axis)            # derivative w.r.t. beta
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis) # derivative w.r.t. gamma

    dx_hat = dout * gamma                                       # derivative w.t.r. x_hat
    dstd = -np.sum(dx_hat * (x-mu), axis=0) / (std**2)          # derivative w.t.r. std
    dvar = 0.5 * dstd / std                                     # derivative w.t.r. var
    dx1 = dx_hat / std + 2 * (x-mu) * dvar / len(dout)          # partial derivative w.t.r. dx
    dmu = -np.sum(dx1, axis=0)                                  # derivative w.t.r. mu
    dx2 = dmu / len(dout)                                       # partial derivative w.t.r. dx
    dx = dx1 + dx2                                              # full derivative w.t.r. x

    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    dx, dgamma, dbeta = None, None, None
    _, _, _, std, gamma, x_hat, shape, axis = cache # expand cache
    S = lambda x: x.sum(axis=0)                     # helper function

    dbeta = dout.reshape(shape, order='F').sum(axis)            # derivative w.r.t. beta
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis) # derivative w.r.t. gamma

    dx = dout * gamma / (len(dout) * std)          # temporarily initialize scale value
    dx = len(dout)*dx  - S(dx*x_hat)*x_hat - S(dx) # derivative w.r.t. unnormalized x

    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    ln_param.setdefault('mode', 'train')       # same as batchnorm in train mode
    ln_param.setdefault('axis', 1)             # over which axis to sum for grad
    [gamma, beta] = np.atleast_2d(gamma, beta) # assure 2D to perform transpose

    out, cache = batchnorm_forward(x.T, gamma.T, beta.T, ln_param) # same as batchnorm
    out = out.T                                                    # transpose back
    return out, cache


def layernorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.T, cache) # same as batchnorm backprop
    dx = dx.T                                                 # transpose back dx
    return dx, dgamma, dbeta


def batchnorm_f(x, gamma, beta):
    r"""Training-mode batch norm: γ ⊙ (x − μ) / √(σ² + ε) + β, μ and σ² (biased) over the batch (axis 0).

    Shapes: x (N, D), gamma and beta (D,). ε = 1e-5.
    """
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    return gamma * (x - mu) / jnp.sqrt(var + EPS) + beta


def layernorm_f(x, gamma, beta):
    """Layer norm: batch norm's formula with μ and σ² (biased) over the features (axis 1) of each row."""
    mu = x.mean(axis=1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
    return gamma * (x - mu) / jnp.sqrt(var + EPS) + beta


def _bn_vjp(backward):
    def vjp(x, gamma, beta, ct):
        _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
        return backward(ct, cache)
    return vjp


def _batchnorm_backward_no_var_path(dout, cache):
    x, mu, var, std, gamma, x_hat, shape, axis = cache
    dbeta = dout.reshape(shape, order='F').sum(axis)
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis)
    dx_hat = dout * gamma
    dx1 = dx_hat / std  # MUTANT: the path through the variance (dstd, dvar) dropped
    dmu = -np.sum(dx1, axis=0)
    dx2 = dmu / len(dout)
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def _batchnorm_backward_dgamma_no_xhat(dout, cache):
    x, mu, var, std, gamma, x_hat, shape, axis = cache
    dbeta = dout.reshape(shape, order='F').sum(axis)
    dgamma = dout.reshape(shape, order='F').sum(axis)  # MUTANT: the x_hat factor forgotten
    dx_hat = dout * gamma
    dstd = -np.sum(dx_hat * (x-mu), axis=0) / (std**2)
    dvar = 0.5 * dstd / std
    dx1 = dx_hat / std + 2 * (x-mu) * dvar / len(dout)
    dmu = -np.sum(dx1, axis=0)
    dx2 = dmu / len(dout)
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def _batchnorm_backward_dbeta_unsummed(dout, cache):
    x, mu, var, std, gamma, x_hat, shape, axis = cache
    dbeta = dout  # MUTANT: the sum over the batch forgotten
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis)
    dx_hat = dout * gamma
    dstd = -np.sum(dx_hat * (x-mu), axis=0) / (std**2)
    dvar = 0.5 * dstd / std
    dx1 = dx_hat / std + 2 * (x-mu) * dvar / len(dout)
    dmu = -np.sum(dx1, axis=0)
    dx2 = dmu / len(dout)
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def _batchnorm_backward_alt_no_mean_term(dout, cache):
    _, _, _, std, gamma, x_hat, shape, axis = cache
    S = lambda x: x.sum(axis=0)
    dbeta = dout.reshape(shape, order='F').sum(axis)
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis)
    dx = dout * gamma / (len(dout) * std)
    dx = len(dout)*dx  - S(dx*x_hat)*x_hat  # MUTANT: the mean term − S(dx) dropped
    return dx, dgamma, dbeta


def _batchnorm_backward_alt_no_1_over_n(dout, cache):
    _, _, _, std, gamma, x_hat, shape, axis = cache
    S = lambda x: x.sum(axis=0)
    dbeta = dout.reshape(shape, order='F').sum(axis)
    dgamma = (dout * x_hat).reshape(shape, order='F').sum(axis)
    dx = dout * gamma / std  # MUTANT: the 1/N of the scale forgotten
    dx = len(dout)*dx  - S(dx*x_hat)*x_hat - S(dx)
    return dx, dgamma, dbeta


def _bn_example():
    return (np.zeros((6, 4)), np.zeros(4), np.zeros(4))


BATCHNORM = Case(
    name="cs231n batch norm (staged, computational graph)",
    source=f"{MANTASU_A2} (batchnorm_backward)",
    kind="vjp",
    f=batchnorm_f,
    candidate=_bn_vjp(batchnorm_backward),
    example=_bn_example,
    argnums=(0, 1, 2),
    mutants=(
        Mutant("the variance path dropped", _bn_vjp(_batchnorm_backward_no_var_path),
               "dropped term"),
        Mutant("dgamma without the x_hat factor", _bn_vjp(_batchnorm_backward_dgamma_no_xhat), None),
        Mutant("dbeta not summed over the batch", _bn_vjp(_batchnorm_backward_dbeta_unsummed), "sum is missing"),
    ),
)

BATCHNORM_ALT = Case(
    name="cs231n batch norm (compact, batchnorm_backward_alt)",
    source=f"{MANTASU_A2} (batchnorm_backward_alt)",
    kind="vjp",
    f=batchnorm_f,
    candidate=_bn_vjp(batchnorm_backward_alt),
    example=_bn_example,
    argnums=(0, 1, 2),
    mutants=(
        Mutant("the mean term -S(dx) dropped", _bn_vjp(_batchnorm_backward_alt_no_mean_term),
               "dropped term"),
        Mutant("the 1/N of the scale forgotten", _bn_vjp(_batchnorm_backward_alt_no_1_over_n),
               "off by a constant factor"),
    ),
)


def _ln_vjp(forward, backward):
    def vjp(x, gamma, beta, ct):
        _, cache = forward(x, gamma, beta, {})
        return backward(ct, cache)
    return vjp


def _layernorm_backward_not_transposed_back(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.T, cache)
    return dx, dgamma, dbeta  # MUTANT: dx = dx.T forgotten: (D, N), not (N, D)


def _layernorm_forward_no_axis(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    ln_param.setdefault('mode', 'train')
    # MUTANT: ln_param.setdefault('axis', 1) forgotten: dgamma, dbeta are summed over the features
    [gamma, beta] = np.atleast_2d(gamma, beta)
    out, cache = batchnorm_forward(x.T, gamma.T, beta.T, ln_param)
    out = out.T
    return out, cache


LAYERNORM = Case(
    name="cs231n layer norm (batch norm on the transpose)",
    source=f"{MANTASU_A2} (layernorm_backward)",
    kind="vjp",
    f=layernorm_f,
    candidate=_ln_vjp(layernorm_forward, layernorm_backward),
    example=lambda: (np.zeros((4, 5)), np.zeros(5), np.zeros(5)),
    argnums=(0, 1, 2),
    mutants=(
        Mutant("dx not transposed back", _ln_vjp(layernorm_forward, _layernorm_backward_not_transposed_back),
               "transposed"),
        Mutant("dgamma, dbeta summed over the wrong axis", _ln_vjp(_layernorm_forward_no_axis, layernorm_backward),
               "wrong shape"),
    ),
)


# ======================================================================================================
# source: mantasu/cs231n assignment2/cs231n/layers.py (dropout_backward)
# The author's forward draws its own mask, `mask = (np.random.randn(*x.shape) < p) / p`; here the keep
# pattern is an argument (a bool array, held fixed by the checker) and the wrapper builds the author's
# cache from it exactly as that line does.
# ======================================================================================================

def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx


P_KEEP = 0.6


def dropout_f(x, keep):
    """Inverted dropout with a given keep pattern: x ⊙ keep / p (p = 0.6, the probability of keeping)."""
    return x * keep / P_KEEP


def _dropout_vjp(make_mask, backward):
    def vjp(x, keep, ct):
        dropout_param = {"p": P_KEEP, "mode": "train"}
        cache = (dropout_param, make_mask(keep, P_KEEP))
        return backward(ct, cache)
    return vjp


def _inverted_mask(keep, p):
    return keep / p  # the author's (... < p) / p


def _unscaled_mask(keep, p):
    return keep  # MUTANT: the forward scales out by 1/p, but the mask kept for backward is unscaled


def _dropout_backward_scaled_twice(dout, cache):
    dropout_param, mask = cache
    dx = dout * mask / dropout_param["p"]  # MUTANT: 1/p again, though the mask already holds it
    return dx


def _keep_example():
    return (np.zeros((4, 5)), _rng().random((4, 5)) < P_KEEP)


DROPOUT = Case(
    name="cs231n inverted dropout (given mask)",
    source=f"{MANTASU_A2} (dropout_backward)",
    kind="vjp",
    f=dropout_f,
    candidate=_dropout_vjp(_inverted_mask, dropout_backward),
    example=_keep_example,
    mutants=(
        Mutant("backward without the 1/p scale", _dropout_vjp(_unscaled_mask, dropout_backward),
               "off by a constant factor"),
        Mutant("1/p applied twice", _dropout_vjp(_inverted_mask, _dropout_backward_scaled_twice),
               "off by a constant factor"),
    ),
)


# ======================================================================================================
# source: mantasu/cs231n assignment1/cs231n/layers.py (svm_loss, softmax_loss): (loss, dx) of the scores
# ======================================================================================================

def svm_loss(x, y):
    loss, dx = None, None
    N = len(y)                                # number of samples
    x_true = x[range(N), y][:, None]          # scores for true labels
    margins = np.maximum(0, x - x_true + 1)   # margin for each score
    loss = margins.sum() / N - 1
    dx = (margins > 0).astype(float) / N
    dx[range(N), y] -= dx.sum(axis=1)
    return loss, dx


def softmax_loss(x, y):
    loss, dx = None, None
    N = len(y) # number of samples

    P = np.exp(x - x.max(axis=1, keepdims=True)) # numerically stable exponents
    P /= P.sum(axis=1, keepdims=True)            # row-wise probabilities (softmax)

    loss = -np.log(P[range(N), y]).sum() / N # sum cross entropies as loss

    P[range(N), y] -= 1
    dx = P / N
    return loss, dx


def svm_f(x, y):
    r"""Multiclass hinge loss: (1/N) Σᵢ Σ_{j≠yᵢ} max(0, x_ij − x_{i,yᵢ} + 1). x (N, C) scores, y (N,) labels."""
    n = x.shape[0]
    true = x[jnp.arange(n), y][:, None]
    margins = jnp.maximum(0.0, x - true + 1.0)
    return jnp.where(jax.nn.one_hot(y, x.shape[1]) > 0, 0.0, margins).sum() / n


def softmax_f(x, y):
    r"""Softmax cross-entropy: −(1/N) Σᵢ log softmax(xᵢ)_{yᵢ}. x (N, C) scores, y (N,) labels."""
    n = x.shape[0]
    return -jax.nn.log_softmax(x, axis=1)[jnp.arange(n), y].sum() / n


def _loss_grad(loss):
    def grad(x, y):
        return loss(x, y)[1]
    return grad


def _svm_loss_no_1_over_n(x, y):
    N = len(y)
    x_true = x[range(N), y][:, None]
    margins = np.maximum(0, x - x_true + 1)
    loss = margins.sum() / N - 1
    dx = (margins > 0).astype(float)  # MUTANT: the 1/N of the mean forgotten
    dx[range(N), y] -= dx.sum(axis=1)
    return loss, dx


def _svm_loss_true_class_assigned(x, y):
    N = len(y)
    x_true = x[range(N), y][:, None]
    margins = np.maximum(0, x - x_true + 1)
    loss = margins.sum() / N - 1
    dx = (margins > 0).astype(float) / N
    dx[range(N), y] = -dx.sum(axis=1)  # MUTANT: = for -=: the true class's own margin (always 1) is counted
    return loss, dx


def _softmax_loss_no_1_over_n(x, y):
    N = len(y)
    P = np.exp(x - x.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[range(N), y]).sum() / N
    P[range(N), y] -= 1
    dx = P  # MUTANT: the 1/N of the mean forgotten
    return loss, dx


def _softmax_loss_no_minus_one(x, y):
    N = len(y)
    P = np.exp(x - x.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[range(N), y]).sum() / N
    # MUTANT: P[range(N), y] -= 1 forgotten
    dx = P / N
    return loss, dx


def _softmax_loss_shift_in_place(x, y):
    N = len(y)
    x -= x.max(axis=1, keepdims=True)  # MUTANT: the stabilizing shift done in place, on the caller's x
    P = np.exp(x)
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[range(N), y]).sum() / N
    P[range(N), y] -= 1
    dx = P / N
    return loss, dx


def _labels_example():
    return (np.zeros((4, 3)), np.array([2, 0, 1, 2]))


SVM = Case(
    name="cs231n multiclass SVM loss (vectorized)",
    source=f"{MANTASU_A1} (svm_loss)",
    kind="gradient",
    f=svm_f,
    candidate=_loss_grad(svm_loss),
    example=_labels_example,
    mutants=(
        Mutant("the 1/N forgotten", _loss_grad(_svm_loss_no_1_over_n), "off by a constant factor"),
        Mutant("true-class entry assigned, its own margin counted", _loss_grad(_svm_loss_true_class_assigned),
               "dropped or extra term"),
    ),
)

SOFTMAX = Case(
    name="cs231n softmax loss (vectorized)",
    source=f"{MANTASU_A1} (softmax_loss)",
    kind="gradient",
    f=softmax_f,
    candidate=_loss_grad(softmax_loss),
    example=_labels_example,
    mutants=(
        Mutant("the 1/N forgotten", _loss_grad(_softmax_loss_no_1_over_n), "off by a constant factor"),
        Mutant("the −1 at the true class forgotten", _loss_grad(_softmax_loss_no_minus_one),
               "dropped or extra term"),
        Mutant("x -= x.max(...) in place", _loss_grad(_softmax_loss_shift_in_place), "mutates its input"),
    ),
)


CASES = [AFFINE, RELU, BATCHNORM, BATCHNORM_ALT, LAYERNORM, DROPOUT, SVM, SOFTMAX]
