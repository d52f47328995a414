"""Real-world cases: the spatial layers (convolution, pooling, spatial batch norm) of two courses, as their
authors wrote them.

The author functions are kept line for line with their comments; only the course's docstrings, TODO banners
and commented-out hints are left out. Each case's ``f`` is the same forward written with ``jax.numpy`` /
``jax.lax``, and the candidate a thin wrapper: the author's NumPy forward for its cache, then the author's
backward with the cotangent ``ct`` as ``dout``/``dA``. The hyper-parameters (stride, padding, window) are
bound in the wrapper, not passed as arguments. Mutants change one thing each (marked ``# MUTANT``).

Layouts follow the sources: CS231n is NCHW, deeplearning.ai's "Convolution model, step by step" NHWC.
The fully-connected layers are in ``rw_layers.py``.
"""

# The authors' code is kept as written (one-line ifs, an ambiguous name `l`, unused locals, a lambda, a
# %-format), so these rules of ruff's do not apply to this file:
# ruff: noqa: E701, E702, E731, E741, RUF059, UP031

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax
from rw_case import Case, Mutant

__all__ = ["CASES"]

ZEQIANG = "Zeqiang-Lai/CS231n assigment2/cs231n/layers.py"
MANTASU = "mantasu/cs231n assignment2/cs231n/layers.py"
DLAI = "Silva-6/deeplearning.AI-deep_learning 2-convolutional_neural_network/0-CNN_step_by_step"
EPS = 1e-5


# ======================================================================================================
# source: Zeqiang-Lai/CS231n assigment2/cs231n/layers.py (conv_forward_naive, conv_backward_naive)
# ======================================================================================================

def conv_forward_naive(x, w, b, conv_param):
    out = None
    N,C,H,W = x.shape
    F,_,HH,WW = w.shape
    pad, stride = conv_param['pad'], conv_param['stride']
    H2 = 1 + (H + 2 * pad - HH) // stride
    W2 = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x,((0,),(0,),(pad,),(pad,)),'constant')
    out = np.zeros((N,F,H2,W2))

    for n in range(N):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    out[n, f, i, j] = np.sum(
                        x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] * w[f, :]) + b[f]

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    dx, dw, db = None, None, None
    x,w,b,conv_param = cache
    N,C,H,W = x.shape
    F,_,HH,WW = w.shape
    pad, stride = conv_param['pad'], conv_param['stride']
    H2 = 1 + (H + 2 * pad - HH) // stride
    W2 = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x,((0,),(0,),(pad,),(pad,)),'constant')

    dx = np.zeros(x.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(b.shape)
    for f in range(F):
        db[f] = np.sum(dout[:,f,:,:])
        for n in range(N):
            for i in range(H2):
                for j in range(W2):
                    li, ri = i * stride-pad, i * stride + HH-pad
                    lj, rj = j * stride-pad, j * stride + WW-pad
                    lh, rh = 0, HH
                    lw, rw = 0, WW
                    if li < 0: lh = -li; li = 0
                    if ri > H: rh = HH-(ri-H); ri=H
                    if lj < 0: lw = -lj; lj = 0
                    if rj > W: rw = WW-(rj-W); rj=W
                    dx[n,:,li:ri,lj:rj] += dout[n,f,i,j] * w[f,:,lh:rh,lw:rw]
                    # dw[f,:,lh:rh,lw:rw] += dout[n,f,i,j] * dx[n,:,li:ri,lj:rj]
                    dw[f] += x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] * dout[n,f,i,j]
    return dx, dw, db


STRIDE, PAD = 2, 1


def conv_f(x, w, b):
    r"""Cross-correlation (no kernel flip) with zero padding 1 and stride 2, plus a bias per filter:
    out[n, f, a, b'] = Σ_{c,i,j} w[f, c, i, j] · x̃[n, c, 2a + i, 2b' + j] + b[f], x̃ = x zero-padded by 1.

    Shapes: x (N, C, H, W), w (F, C, HH, WW), b (F,); out (N, F, Ho, Wo), Ho = 1 + (H + 2 − HH) // 2.
    Written with shifted strided slices and one einsum (the same values as ``lax.conv_general_dilated``;
    the checker runs this one about 8 times faster, batched over trials with a different w in each).
    """
    n, c, h, w_ = x.shape
    hh, ww = w.shape[2:]
    ho, wo = 1 + (h + 2 * PAD - hh) // STRIDE, 1 + (w_ + 2 * PAD - ww) // STRIDE
    xp = jnp.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    windows = jnp.stack([jnp.stack([xp[:, :, i:i + STRIDE * (ho - 1) + 1:STRIDE, j:j + STRIDE * (wo - 1) + 1:STRIDE]
                                    for j in range(ww)]) for i in range(hh)])  # (HH, WW, N, C, Ho, Wo)
    return jnp.einsum("fcij,ijncab->nfab", w, windows) + b[None, :, None, None]


def _conv_vjp(backward):
    def vjp(x, w, b, ct):
        _, cache = conv_forward_naive(x, w, b, {"stride": STRIDE, "pad": PAD})
        return backward(ct, cache)
    return vjp


def _conv_backward(dout, cache, *, db_per_example=False, dw_stride=True, flip=False):
    """The author's conv_backward_naive with one of three mutations switched on (the loop is long)."""
    x,w,b,conv_param = cache
    N,C,H,W = x.shape
    F,_,HH,WW = w.shape
    pad, stride = conv_param['pad'], conv_param['stride']
    H2 = 1 + (H + 2 * pad - HH) // stride
    W2 = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x,((0,),(0,),(pad,),(pad,)),'constant')
    kernel = w[:, :, ::-1, ::-1] if flip else w  # MUTANT (flip): the kernel rotated, as in a true convolution
    s = stride if dw_stride else 1  # MUTANT (dw_stride=False): the stride forgotten in dw's window

    dx = np.zeros(x.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(b.shape)
    for f in range(F):
        db[f] = np.sum(dout[:,f,:,:])
        for n in range(N):
            for i in range(H2):
                for j in range(W2):
                    li, ri = i * stride-pad, i * stride + HH-pad
                    lj, rj = j * stride-pad, j * stride + WW-pad
                    lh, rh = 0, HH
                    lw, rw = 0, WW
                    if li < 0: lh = -li; li = 0
                    if ri > H: rh = HH-(ri-H); ri=H
                    if lj < 0: lw = -lj; lj = 0
                    if rj > W: rw = WW-(rj-W); rj=W
                    dx[n,:,li:ri,lj:rj] += dout[n,f,i,j] * kernel[f,:,lh:rh,lw:rw]
                    dw[f] += x_pad[n, :, i * s:i * s + HH, j * s:j * s + WW] * dout[n,f,i,j]
    if db_per_example:
        db = np.sum(dout, axis=(2, 3))  # MUTANT (db_per_example): summed over space only, not the batch
    return dx, dw, db


def _conv_db_per_example(dout, cache):
    return _conv_backward(dout, cache, db_per_example=True)


def _conv_dw_no_stride(dout, cache):
    return _conv_backward(dout, cache, dw_stride=False)


def _conv_flipped(dout, cache):
    return _conv_backward(dout, cache, flip=True)


CONV = Case(
    name="cs231n naive convolution (stride 2, pad 1)",
    source=f"{ZEQIANG} (conv_backward_naive)",
    kind="vjp",
    f=conv_f,
    candidate=_conv_vjp(conv_backward_naive),
    example=lambda: (np.zeros((2, 3, 5, 6)), np.zeros((4, 3, 3, 3)), np.zeros(4)),
    argnums=(0, 1, 2),
    mutants=(
        Mutant("db not summed over the batch", _conv_vjp(_conv_db_per_example), "sum is missing"),
        Mutant("the stride forgotten in dw's input window", _conv_vjp(_conv_dw_no_stride), None),
        Mutant("kernel flipped in dx (convolution, not correlation)", _conv_vjp(_conv_flipped), None),
    ),
)


# ======================================================================================================
# source: Zeqiang-Lai/CS231n assigment2/cs231n/layers.py (spatial_batchnorm_forward, spatial_batchnorm_backward)
# ======================================================================================================

def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = None, None
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, C, H, W = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(C, dtype=x.dtype))

    if mode == 'train':
        sample_mean = np.mean(x, axis=(0,2,3))
        sample_var = np.var(x, axis=(0,2,3))
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

        mu = np.mean(x, axis=(0,2,3)).reshape(1,C,1,1) # (1,C,1,1)
        xmu = x - mu                                   # (N,C,H,W)
        sq = xmu ** 2                                  # (N,C,H,W)
        var = 1./(N*H*W) * np.sum(sq, axis=(0,2,3))    # (C,)
        sqrtvar = np.sqrt(var+eps)                     # (C,)
        ivar = 1./sqrtvar                              # (C,)
        xhat = xmu * ivar.reshape(1,C,1,1)             # (N,C,H,W)`a`z
        gammax = gamma.reshape(1,C,1,1) * xhat         # (N,C,H,W)
        out = gammax + beta.reshape(1,C,1,1)           # (N,C,H,W)
        cache = (xhat,gamma,xmu,ivar,sqrtvar,var,eps)

    elif mode == 'test':
        out = (x - running_mean.reshape(1,C,1,1)) / np.sqrt(running_var.reshape(1,C,1,1) + eps)
        out = gamma.reshape(1,C,1,1) * out + beta.reshape(1,C,1,1)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = None, None, None
    xhat,gamma,xmu,ivar,sqrtvar,var,eps = cache
    N,C,H,W = dout.shape
    dgamma = np.sum(dout*xhat, axis=(0,2,3))    # (C,)
    dbeta = np.sum(dout, axis=(0,2,3))          # (C,)

    dxhat = dout * gamma.reshape(1,C,1,1)    # (N,C,H,W)
    divar = np.sum(dxhat*xmu, axis=(0,2,3))  # (C,)
    dsqrtvar = -1./(sqrtvar**2) * divar      # (C,)
    dvar = 0.5 /sqrtvar * dsqrtvar           # (C,)
    dsq = 1 / (N*H*W) * np.ones(dout.shape) * dvar.reshape(1,C,1,1)
    dxmu = 2 * xmu * dsq + dxhat * ivar.reshape(1,C,1,1) # (N,C,H,W)
    dmu = -1 * np.sum(dxmu, axis=(0,2,3))       #(C,)
    dx = dxmu + 1 / (N*H*W) * np.ones(dout.shape) * dmu.reshape(1,C,1,1)
    return dx, dgamma, dbeta


def spatial_batchnorm_f(x, gamma, beta):
    """Training-mode batch norm per channel: μ and σ² (biased) over (N, H, W). x (N, C, H, W), gamma, beta (C,)."""
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    var = ((x - mu) ** 2).mean(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (x - mu) / jnp.sqrt(var + EPS) + beta[None, :, None, None]


def _sbn_vjp(backward):
    def vjp(x, gamma, beta, ct):
        _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
        return backward(ct, cache)
    return vjp


def _sbn_backward(dout, cache, *, var_path=True, count=None, dgamma_axes=(0, 2, 3)):
    """The author's spatial_batchnorm_backward with one mutation switched on."""
    xhat,gamma,xmu,ivar,sqrtvar,var,eps = cache
    N,C,H,W = dout.shape
    M = N*H*W if count is None else count  # MUTANT (count=N): the 2-D code's N kept, not N*H*W
    dgamma = np.sum(dout*xhat, axis=dgamma_axes)  # MUTANT (dgamma_axes=0): summed over the batch only
    dbeta = np.sum(dout, axis=(0,2,3))

    dxhat = dout * gamma.reshape(1,C,1,1)
    divar = np.sum(dxhat*xmu, axis=(0,2,3))
    dsqrtvar = -1./(sqrtvar**2) * divar
    dvar = 0.5 /sqrtvar * dsqrtvar
    dsq = 1 / M * np.ones(dout.shape) * dvar.reshape(1,C,1,1)
    dxmu = 2 * xmu * dsq * var_path + dxhat * ivar.reshape(1,C,1,1)  # MUTANT (var_path=False): dropped
    dmu = -1 * np.sum(dxmu, axis=(0,2,3))
    dx = dxmu + 1 / M * np.ones(dout.shape) * dmu.reshape(1,C,1,1)
    return dx, dgamma, dbeta


def _sbn_no_var_path(dout, cache):
    return _sbn_backward(dout, cache, var_path=False)


def _sbn_count_n(dout, cache):
    return _sbn_backward(dout, cache, count=dout.shape[0])


def _sbn_dgamma_batch_only(dout, cache):
    return _sbn_backward(dout, cache, dgamma_axes=0)


SPATIAL_BATCHNORM = Case(
    name="cs231n spatial batch norm (staged)",
    source=f"{ZEQIANG} (spatial_batchnorm_backward)",
    kind="vjp",
    f=spatial_batchnorm_f,
    candidate=_sbn_vjp(spatial_batchnorm_backward),
    example=lambda: (np.zeros((2, 3, 4, 5)), np.zeros(3), np.zeros(3)),
    argnums=(0, 1, 2),
    mutants=(
        Mutant("the variance path dropped", _sbn_vjp(_sbn_no_var_path), "dropped term"),
        Mutant("1/N where 1/(N*H*W) belongs", _sbn_vjp(_sbn_count_n), None),
        Mutant("dgamma summed over the batch axis only", _sbn_vjp(_sbn_dgamma_batch_only), "wrong shape"),
    ),
)


# ======================================================================================================
# source: mantasu/cs231n assignment2/cs231n/layers.py (max_pool_forward_naive, max_pool_backward_naive)
# ======================================================================================================

def max_pool_forward_naive(x, pool_param):
    out = None
    S1 = S2 = pool_param['stride'] # stride: up = down
    HP = pool_param['pool_height'] # pool height
    WP = pool_param['pool_width']  # pool width
    N, C, HI, WI = x.shape         # input dims
    HO = 1 + (HI - HP) // S1       # output height
    WO = 1 + (WI - WP) // S2       # output width

    # Helper function (warning: numpy version 1.20 or above is required for usage)
    to_fields = lambda x: np.lib.stride_tricks.sliding_window_view(x, (WP,HP,C,N))

    x_fields = to_fields(x.T).T[...,::S1,::S2].reshape(N, C, HP*WP, -1) # input local regions
    out = x_fields.max(axis=2).reshape(N, C, HO, WO)                    # pooled output
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    dx = None
    x, pool_param = cache     # expand cache
    N, C, HO, WO = dout.shape # get shape values
    dx = np.zeros_like(x)     # init derivative

    S1 = S2 = pool_param['stride'] # stride: up = down
    HP = pool_param['pool_height'] # pool height
    WP = pool_param['pool_width']  # pool width

    for i in range(HO):
        for j in range(WO):
            [ns, cs], h, w = np.indices((N, C)), i*S1, j*S2    # compact indexing
            f = x[:, :, h:(h+HP), w:(w+WP)].reshape(N, C, -1)  # input local fields
            k, l = np.unravel_index(np.argmax(f, 2), (HP, WP)) # offsets for max vals
            dx[ns, cs, h+k, w+l] += dout[ns, cs, i, j]         # select areas to update
    return dx


POOL = 3
POOL_STRIDE = 2  # < POOL: neighbouring windows overlap


def max_pool_f(x):
    """3 × 3 max pooling, stride 2 (overlapping windows), no padding. x (N, C, H, W)."""
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, POOL, POOL), (1, 1, POOL_STRIDE, POOL_STRIDE), "VALID")


def _max_pool_vjp(backward):
    def vjp(x, ct):
        pool_param = {"pool_height": POOL, "pool_width": POOL, "stride": POOL_STRIDE}
        _, cache = max_pool_forward_naive(x, pool_param)
        return backward(ct, cache)
    return vjp


def _max_pool_backward(dout, cache, *, accumulate=True, stride=True):
    """The author's max_pool_backward_naive with one mutation switched on."""
    x, pool_param = cache
    N, C, HO, WO = dout.shape
    dx = np.zeros_like(x)
    S1 = S2 = pool_param['stride'] if stride else 1  # MUTANT (stride=False): windows taken at i, j
    HP = pool_param['pool_height']
    WP = pool_param['pool_width']
    for i in range(HO):
        for j in range(WO):
            [ns, cs], h, w = np.indices((N, C)), i*S1, j*S2
            f = x[:, :, h:(h+HP), w:(w+WP)].reshape(N, C, -1)
            k, l = np.unravel_index(np.argmax(f, 2), (HP, WP))
            if accumulate:
                dx[ns, cs, h+k, w+l] += dout[ns, cs, i, j]
            else:
                dx[ns, cs, h+k, w+l] = dout[ns, cs, i, j]  # MUTANT: = for +=, overlapping windows overwrite
    return dx


def _max_pool_overwrite(dout, cache):
    return _max_pool_backward(dout, cache, accumulate=False)


def _max_pool_no_stride(dout, cache):
    return _max_pool_backward(dout, cache, stride=False)


def _max_pool_every_tied_max(x, ct):
    """deeplearning.ai's pool_backward(mode="max") (below), whose mask x == np.max(x) routes the gradient
    to every tied maximum of a window; NCHW moved to its NHWC and back."""
    a_prev = np.transpose(x, (0, 2, 3, 1))
    _, cache = pool_forward(a_prev, {"f": POOL, "stride": POOL_STRIDE}, mode="max")
    return np.transpose(pool_backward(np.transpose(ct, (0, 2, 3, 1)), cache, mode="max"), (0, 3, 1, 2))


MAX_POOL = Case(
    name="cs231n naive max pooling (3x3, stride 2)",
    source=f"{MANTASU} (max_pool_backward_naive)",
    kind="vjp",
    f=max_pool_f,
    candidate=_max_pool_vjp(max_pool_backward_naive),
    example=lambda: (np.zeros((2, 3, 5, 7)),),
    mutants=(
        Mutant("gradient to every tied maximum (deeplearning.ai create_mask_from_window)",
               _max_pool_every_tied_max, "wrong at a tie"),
        Mutant("= for += where windows overlap", _max_pool_vjp(_max_pool_overwrite), None),
        Mutant("the stride forgotten in the backward windows", _max_pool_vjp(_max_pool_no_stride), None),
    ),
)


# ======================================================================================================
# source: Silva-6/deeplearning.AI-deep_learning 2-convolutional_neural_network/0-CNN_step_by_step/
#   (3-pool_forward.py pool_forward, 5-create_mask_from_window.py create_mask_from_window,
#    6-distribute_value.py distribute_value, 7-pool_backward.py pool_backward): NHWC
# ======================================================================================================

def pool_forward(A_prev, hparameters, mode="max"):
    # Retrieve dimensions from the input shape
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape

    # Retrieve hyperparameters from "hparameters"
    f = hparameters["f"]
    stride = hparameters["stride"]

    # Define the dimensions of the output
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    n_C = n_C_prev

    # Initialize output matrix A
    A = np.zeros((m, n_H, n_W, n_C))

    for i in range(m):  # loop over the training examples
        for h in range(n_H):  # loop on the vertical axis of the output volume
            for w in range(n_W):  # loop on the horizontal axis of the output volume
                for c in range(n_C):  # loop over the channels of the output volume

                    # Find the corners of the current "slice" (≈4 lines)
                    vert_start = h * stride
                    vert_end = h * stride + f
                    horiz_start = w * stride
                    horiz_end = w * stride + f

                    # Use the corners to define the current slice on the ith training example of A_prev, channel c.
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]

                    # Compute the pooling operation on the slice.
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)

    # Store the input and hparameters in "cache" for pool_backward()
    cache = (A_prev, hparameters)
    return A, cache


def create_mask_from_window(x):
    mask = (x == np.max(x))
    return mask


def distribute_value(dz, shape):
    # Retrieve dimensions from shape (≈1 line)
    (n_H, n_W) = shape

    # Compute the value to distribute on the matrix (≈1 line)
    average = dz / (n_H * n_W)

    # Create a matrix where every entry is the "average" value (≈1 line)
    a = np.ones(shape) * average
    return a


def pool_backward(dA, cache, mode="max"):
    # Retrieve information from cache (≈1 line)
    (A_prev, hparameters) = cache

    # Retrieve hyperparameters from "hparameters" (≈2 lines)
    stride = hparameters['stride']
    f = hparameters['f']

    # Retrieve dimensions from A_prev's shape and dA's shape (≈2 lines)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    m, n_H, n_W, n_C = dA.shape

    # Initialize dA_prev with zeros (≈1 line)
    dA_prev = np.zeros_like(A_prev)

    for i in range(m):  # loop over the training examples

        # select training example from A_prev (≈1 line)
        a_prev = A_prev[i, :, :, :]

        for h in range(n_H):  # loop on the vertical axis
            for w in range(n_W):  # loop on the horizontal axis
                for c in range(n_C):  # loop over the channels (depth)

                    # Find the corners of the current "slice" (≈4 lines)
                    vert_start = h * stride
                    vert_end = h * stride + f
                    horiz_start = w * stride
                    horiz_end = w * stride + f

                    # Compute the backward propagation in both modes.
                    if mode == "max":

                        # Use the corners and "c" to define the current slice from a_prev (≈1 line)
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        # Create the mask from a_prev_slice (≈1 line)
                        mask = create_mask_from_window(a_prev_slice)
                        # Set dA_prev to be dA_prev + (the mask multiplied by the correct entry of dA) (≈1 line)
                        dA_prev[i, vert_start: vert_end, horiz_start: horiz_end, c] += dA[i, h, w, c] * mask

                    elif mode == "average":

                        # Get the value a from dA (≈1 line)
                        da = dA[i, h, w, c]
                        # Define the shape of the filter as fxf (≈1 line)
                        shape = (f, f)
                        # Distribute it to get the correct slice of dA_prev. i.e. Add the distributed value of da.
                        dA_prev[i, vert_start: vert_end, horiz_start: horiz_end, c] += distribute_value(da, shape)

    # Making sure your output shape is correct
    assert (dA_prev.shape == A_prev.shape)

    return dA_prev


def avg_pool_f(A_prev):
    """3 × 3 average pooling, stride 2 (overlapping windows), no padding, NHWC. A_prev (m, H, W, C)."""
    window, strides = (1, POOL, POOL, 1), (1, POOL_STRIDE, POOL_STRIDE, 1)
    return lax.reduce_window(A_prev, 0.0, lax.add, window, strides, "VALID") / (POOL * POOL)


def _avg_pool_vjp(backward):
    def vjp(A_prev, dA):
        _, cache = pool_forward(A_prev, {"f": POOL, "stride": POOL_STRIDE}, mode="average")
        return backward(dA, cache, mode="average")
    return vjp


def _distribute_value_sum(dz, shape):
    # source of the mistake: jtcass01/NumpyConvolutionalNeuralNetwork ConvNetwork/ConvNetwork/distribute_value.py
    (n_H, n_W) = shape
    average = dz/(n_H+n_W)  # MUTANT: n_H + n_W where n_H * n_W belongs (the same for 2 x 2 windows only)
    a = np.ones((n_H, n_W))*average
    return a


def _pool_backward_average(dA, cache, mode="average", *, distribute=distribute_value, accumulate=True):
    """The author's pool_backward, average mode, with one mutation switched on."""
    (A_prev, hparameters) = cache
    stride = hparameters['stride']
    f = hparameters['f']
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vert_start = h * stride
                    vert_end = h * stride + f
                    horiz_start = w * stride
                    horiz_end = w * stride + f
                    da = dA[i, h, w, c]
                    shape = (f, f)
                    if accumulate:
                        dA_prev[i, vert_start: vert_end, horiz_start: horiz_end, c] += distribute(da, shape)
                    else:  # MUTANT: = for +=, overlapping windows overwrite each other's share
                        dA_prev[i, vert_start: vert_end, horiz_start: horiz_end, c] = distribute(da, shape)
    return dA_prev


def _avg_pool_sum_divisor(dA, cache, mode="average"):
    return _pool_backward_average(dA, cache, distribute=_distribute_value_sum)


def _avg_pool_overwrite(dA, cache, mode="average"):
    return _pool_backward_average(dA, cache, accumulate=False)


AVG_POOL = Case(
    name="deeplearning.ai average pooling (3x3, stride 2, NHWC)",
    source=f"{DLAI}/7-pool_backward.py (pool_backward, mode='average')",
    kind="vjp",
    f=avg_pool_f,
    candidate=_avg_pool_vjp(pool_backward),
    example=lambda: (np.zeros((2, 5, 7, 3)),),
    mutants=(
        Mutant("dz / (n_H + n_W) for dz / (n_H * n_W)", _avg_pool_vjp(_avg_pool_sum_divisor),
               "off by a constant factor"),
        Mutant("= for += where windows overlap", _avg_pool_vjp(_avg_pool_overwrite), None),
    ),
)


CASES = [CONV, SPATIAL_BATCHNORM, MAX_POOL, AVG_POOL]
