r"""An independent second opinion on a derivative: extrapolated finite differences and the complex step.

JAX's derivative rules are code, and code can be wrong (``jax.scipy.special.i0`` has slope 1 at 0, the
truth is ``I1(0) = 0``). The witness estimates a derivative from values of the function alone, never
from JAX's autodiff (no ``jax.grad``/``jvp``/``vjp``/``jacfwd``/``jacrev``/``linearize``): it may
evaluate ``f`` with ``jax.numpy``, so what it differentiates is the primal as written.

Let ``g: t ↦ f(x + t·v)`` (any output shape); the witness estimates ``g'(0) = J(x)·v`` entry by entry.

* **Central differences, extrapolated** (Ridders' method, Numerical Recipes ``dfridr``). With steps
  ``h_i = h_0 / 2^i``, ``D(h) = (g(h) − g(−h)) / 2h = g'(0) + g'''(0)h²/6 + O(h⁴)``, an even series in
  ``h``, so Neville's tableau ``T[j][i] = (4^j T[j−1][i] − T[j−1][i−1]) / (4^j − 1)`` removes one power
  ``h^{2j}`` per level. Each entry's error estimate is Ridders' ``max(|T[j][i] − T[j−1][i]|,
  |T[j][i] − T[j−1][i−1]|)``, never below the rounding floor ``ε·(|g(h)| + |g(−h)|)/2h`` (times what the
  tableau amplifies it by). The best entry of each step is kept, its error raised to its disagreement
  with the nearest neighbouring step, and the step with the smallest error wins; the bound reported is
  :data:`SAFETY` times that.
* **One-sided differences**, ``(g(h) − g(0))/h`` and ``(g(0) − g(−h))/h`` (all powers of ``h``,
  factor ``2^j``), from the same evaluations. Where both exist they must agree with the central value:
  at a kink (``|x|`` at 0) they do not, and the estimate is *undecided*, never a convention. Where only
  one side of ``g`` is finite at every step (a domain edge), that side alone decides
  (``method="richardson-forward"`` or ``"richardson-backward"``).
* **The complex step**, ``Im g(ih)/h = g'(0) − g'''(0)h²/6 + …`` with ``h = 10⁻²⁰·scale``: no
  subtraction, so no cancellation, accurate to a few ulps. It needs ``g`` holomorphic; code that accepts
  complex numbers without being holomorphic (``abs``, ``sign``) is caught where the real differences
  contradict it, and then the whole estimate falls back to them. The complex step is trusted only where
  the real differences see no kink and agree with it within their own error.

Steps respect ``f``'s domain as best they can: a step at which ``g`` raises or is not finite is dropped,
and the tableau restarts at the first usable step (``log(x)`` at ``x = 1e-8`` starts at ``h < 1e-8``).

>>> import numpy as np
>>> est = directional_derivative(lambda t: np.sin(1.0 + t))
>>> est.method, est.decided, bool(abs(est.value - np.cos(1.0)) <= est.error)
('complex-step', True, True)
>>> directional_derivative(lambda t: np.sin(1.0 + t), complex_step=False).method
'richardson'
>>> directional_derivative(lambda t: abs(t)).decided          # a kink: the one-sided slopes are ±1
False
>>> decides(est, np.cos(1.0), np.sin(1.0), rtol=1e-7, atol=1e-10)
'candidate'

References:
  C. J. F. Ridders, "Accurate computation of F'(x) and F'(x)F''(x)", Adv. Eng. Software 4 (1982).
  W. H. Press et al., Numerical Recipes, 3rd ed., §5.7 (``dfridr``).
  J. N. Lyness and C. B. Moler, "Numerical differentiation of analytic functions", SIAM J. Numer. Anal.
  4 (1967); W. Squire and G. Trapp, "Using complex variables to estimate derivatives of real functions",
  SIAM Review 40 (1998).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "SAFETY",
    "WitnessEstimate",
    "decides",
    "directional_derivative",
    "outside",
    "richardson_steps",
    "second_directional_derivative",
    "within",
]

#: The error bound reported is this many times the tableau's own error estimate.
SAFETY = 8.0
#: An estimate whose bound exceeds this fraction of its magnitude (or of the slopes seen) is undecided.
DECIDE_RTOL = 1e-6
#: "Beyond doubt": a value is clearly outside when it misses the bound (plus tolerance) by this factor.
MARGIN = 2.0
_RATIO = 2.0  # each step is half the last
_FIRST_STEPS = 52  # scale·0.5 down to scale·2⁻⁵²
_SECOND_STEPS = 34  # mixed differences lose ε/h² to rounding: scale·2⁻³⁴ ≈ 6e-11·scale is plenty
_DEPTH = 8  # extrapolation levels
_COMPLEX_STEP = 1e-20
_CONFIRM_RTOL = 1e-2  # how well a one-sided slope must converge to confirm (or refute) the central one
_QUIET = 64  # ulps of g(0) per step scale: a bound this small is g's rounding, decided whatever the value


@dataclass(frozen=True)
class WitnessEstimate:
    """A derivative estimate with an error bound: ``|value − truth| ≤ error`` wherever ``decided_each``.

    ``value`` and ``error`` have the shape of ``g``'s output; ``decided`` is ``decided_each.all()``;
    ``method_each`` says, entry by entry, which method the value came from (``method`` is the one they
    share, or the methods joined with ``+``); ``reason`` says why an estimate is undecided."""

    value: np.ndarray
    error: np.ndarray
    method: str
    steps: tuple[float, ...]
    decided: bool
    decided_each: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((), bool))
    method_each: np.ndarray = field(repr=False, default_factory=lambda: np.full((), "", object))
    reason: str = ""


# --- evaluating g safely ------------------------------------------------------------------------------


class _Evaluator:
    """Calls ``g``; a call that raises or returns the wrong shape counts as not finite (NaN)."""

    def __init__(self, g: Callable[..., Any]) -> None:
        self.g = g
        self.shape: tuple[int, ...] | None = None
        self.eps = float(np.finfo(np.float64).eps)
        self.first_error = ""

    def real(self, *t: float) -> np.ndarray | None:
        out = self._call(*t)
        if out is None:
            return None
        if np.iscomplexobj(out):
            if np.any(np.imag(out) != 0):
                raise TypeError(f"the witness differentiates real functions: g{t} returned complex values "
                                f"(dtype {out.dtype}); return the real part, or split real and imaginary parts")
            out = np.real(out)
        if not np.issubdtype(out.dtype, np.number) or np.issubdtype(out.dtype, np.bool_):
            raise TypeError(f"g must return real numbers, got dtype {out.dtype} at t={t}")
        if np.issubdtype(out.dtype, np.floating):
            self.eps = max(self.eps, float(np.finfo(out.dtype).eps))
        return self._shaped(out.astype(np.float64), t)

    def complex(self, t: complex) -> np.ndarray | None:
        out = self._call(t)
        if out is None or not np.iscomplexobj(out):
            return None
        return self._shaped(out.astype(np.complex128), (t,))

    def _call(self, *t: Any) -> np.ndarray | None:
        try:
            with np.errstate(all="ignore"):
                return np.asarray(self.g(*t))
        except Exception as e:  # g left its domain (or cannot take complex input): not finite here
            if not self.first_error:
                self.first_error = f"g{t} raised {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            return None

    def _shaped(self, out: np.ndarray, t: tuple[Any, ...]) -> np.ndarray:
        if self.shape is None:
            self.shape = out.shape
        elif out.shape != self.shape:
            raise ValueError(f"g must return the same shape at every t: {self.shape} at first, {out.shape} at "
                             f"t={t}")
        return out


def _nan(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


# --- Neville's tableau, entry by entry -----------------------------------------------------------------


class _Tableau:
    """Ridders' extrapolation of one difference quotient ``D(h) = d + c₁h^p + c₂h^{2p} + …`` (``p = 2``
    for central and mixed differences, ``p = 1`` for one-sided ones), every entry of g's output at once.

    ``add(D, noise, h)`` takes the quotient at the next (halved) step ``h`` and its rounding noise as
    far as ``g``'s values show it (``ε·|g|/h``). :meth:`result` picks, per step, the tableau entry with
    the smallest Ridders error (never below the noise the tableau amplifies), raises it to the gap to the
    nearer neighbouring step, and keeps the step with the smallest error; that error times
    :data:`SAFETY`, raised to two floors, is the bound:

    * the noise measured at the smaller steps, ``median |Tᵢ − value|·hᵢ / h`` for ``hᵢ ≤ h/8`` (``Tᵢ``
      the best entry at step ``hᵢ``: its truncation is gone, what is left is noise growing like ``1/hᵢ``)
      (rounding inside ``g`` can be far above ``ε·|g|``: ``log(cosh(x))`` near 0 rounds ``cosh`` to
      ``ε``, not ``log cosh``);
    * every other step that claims a confident value must meet the chosen one within its own bound (a
      plateau of rounded values differences to ``0 ± 0`` and is outvoted by the steps that saw the slope).

    A step whose quotient is exactly 0 after a wider one saw a slope is dropped: ``g`` is flat at its own
    rounding there (a float32 computation inside a float64 function), so it says nothing about the slope.
    """

    def __init__(self, power: int, shape: tuple[int, ...]) -> None:
        self.factor = _RATIO**power
        self.shape = shape
        self.prev: list[np.ndarray] = []
        self.raw: list[np.ndarray] = []
        self.h: list[float] = []
        self.best: list[np.ndarray] = []
        self.err: list[np.ndarray] = []
        amp, a = [1.0], 1.0
        for j in range(1, _DEPTH + 1):
            f = self.factor**j
            a *= (f + 1) / (f - 1)
            amp.append(a)
        self.amp = amp

    def add(self, d: np.ndarray, noise: np.ndarray, h: float) -> None:
        with np.errstate(all="ignore"):
            row = [d]
            best, err = d.copy(), np.full(self.shape, np.inf)
            if self.prev:
                err = np.where(np.isfinite(d), np.maximum(np.abs(d - self.prev[0]), noise), np.inf)
            for j in range(1, min(len(self.prev), _DEPTH) + 1):
                f = self.factor**j
                t = (f * row[j - 1] - self.prev[j - 1]) / (f - 1)
                e = np.maximum(np.maximum(np.abs(t - row[j - 1]), np.abs(t - self.prev[j - 1])),
                               self.amp[j] * noise)
                e = np.where(np.isfinite(e) & np.isfinite(t), e, np.inf)
                better = e < err
                best, err = np.where(better, t, best), np.where(better, e, err)
                row.append(t)
            self.prev = row
            self.raw.append(d)
            self.h.append(h)
            self.best.append(best)
            self.err.append(err)

    def converged(self, factor: float) -> np.ndarray:
        """Entries whose best error so far is small enough to decide on, eight steps or more back, and whose
        latest error is ``factor`` times worse (the steps are in the rounding noise: smaller ones only get
        worse, and eight of them measure it)."""
        if len(self.err) < 3:
            return np.zeros(self.shape, bool)
        E, B = np.stack(self.err), np.stack(self.best)
        i = np.argmin(E, axis=0)
        best_err = np.take_along_axis(E, i[None], axis=0)[0]
        best = np.abs(np.take_along_axis(B, i[None], axis=0)[0])
        after = len(self.err) - 1 - i  # steps since the best one: the noise floor is measured on them
        with np.errstate(all="ignore"):
            return (np.isfinite(best_err) & (SAFETY * best_err <= DECIDE_RTOL * best) & (after >= 8)
                    & (self.err[-1] > factor * best_err))

    def flat_below(self, level: np.ndarray) -> np.ndarray:
        """Entries whose quotients at every step are at most ``level`` (g is flat to its rounding)."""
        with np.errstate(all="ignore"):
            raw = np.abs(np.stack(self.raw)) if self.raw else np.zeros((1, *self.shape))
            return np.all(np.where(np.isfinite(raw), raw, 0.0) <= level, axis=0)

    def result(self, slopes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(value, error)`` per entry; ``slopes`` (the widest step's quotients) scale "confident"."""
        if not self.best:
            return _nan(self.shape), np.full(self.shape, np.inf)
        with np.errstate(all="ignore"):
            B, E = np.stack(self.best), np.stack(self.err)
            # a quotient of exactly 0 after a wider step saw a slope: g is flat at its rounding there (a
            # plateau), and those steps carry no information
            raw = np.stack(self.raw)
            saw_slope = np.maximum.accumulate(np.isfinite(raw) & (raw != 0), axis=0)
            plateau = (raw == 0) & np.concatenate([np.zeros((1, *self.shape), bool), saw_slope[:-1]])
            B = np.where(plateau, np.nan, B)
            step_gap = np.abs(np.diff(B, axis=0))
            step_gap = np.where(np.isfinite(step_gap), step_gap, np.inf)
            inf = np.full((1, *self.shape), np.inf)
            left, right = np.concatenate([inf, step_gap]), np.concatenate([step_gap, inf])
            E = np.maximum(E, np.minimum(left, right))
            E = np.where(np.isfinite(E) & np.isfinite(B), E, np.inf)
            i = np.argmin(E, axis=0)
            value = np.take_along_axis(B, i[None], axis=0)[0]
            error = SAFETY * np.take_along_axis(E, i[None], axis=0)[0]
            # the noise measured at the smaller steps, carried back to the chosen step
            h = np.asarray(self.h).reshape((-1,) + (1,) * len(self.shape))
            sigma = np.abs(B - value) * h
            smaller = np.arange(len(self.h)).reshape(h.shape) >= (i + 3)[None]
            sigma = np.where(smaller & np.isfinite(sigma), sigma, np.nan)
            measured = np.zeros(self.shape)
            some = np.isfinite(sigma).any(axis=0)
            if some.any():
                measured[some] = np.nanmedian(sigma[:, some], axis=0)
            h_chosen = np.asarray(self.h)[i]
            error = np.maximum(error, SAFETY * measured / h_chosen)
            # every step that claims a confident value must meet the chosen one
            credible = np.isfinite(E) & (SAFETY * E <= DECIDE_RTOL * np.maximum(np.abs(B), slopes))
            excess = np.where(credible, np.abs(B - value) - SAFETY * E, 0.0)
            error = np.maximum(error, 2 * np.max(excess, axis=0))
        return value, error


# --- first derivatives ---------------------------------------------------------------------------------


def _check_scale(scale: float) -> float:
    s = float(scale)
    if not (np.isfinite(s) and s > 0):
        raise ValueError(f"scale: expected a positive finite step scale (the size of a change in t over which "
                         f"g changes substantially), got {scale!r}")
    return s


def _richardson(ev: _Evaluator, g0: np.ndarray, scale: float) -> dict[str, Any]:
    """Central, forward and backward tableaux from the same evaluations ``g(±h)``."""
    shape = g0.shape
    central, forward, backward = _Tableau(2, shape), _Tableau(1, shape), _Tableau(1, shape)
    first = {k: _nan(shape) for k in ("central", "forward", "backward")}
    steps = []
    for i in range(_FIRST_STEPS):
        h = scale * 0.5 / _RATIO**i
        gp, gm = ev.real(h), ev.real(-h)
        steps.append(h)
        gp = _nan(shape) if gp is None else gp
        gm = _nan(shape) if gm is None else gm
        with np.errstate(all="ignore"):
            quotients = {"central": ((gp - gm) / (2 * h), ev.eps * (np.abs(gp) + np.abs(gm)) / (2 * h)),
                         "forward": ((gp - g0) / h, ev.eps * (np.abs(gp) + np.abs(g0)) / h),
                         "backward": ((g0 - gm) / h, ev.eps * (np.abs(gm) + np.abs(g0)) / h)}
        for (name, (d, noise)), tab in zip(quotients.items(), (central, forward, backward), strict=True):
            d = np.where(np.isfinite(d), d, np.nan)
            first[name] = np.where(np.isnan(first[name]) & np.isfinite(d), d, first[name])
            tab.add(d, noise, h)
        if all(t.converged(1e3).all() for t in (central, forward, backward)):
            break
    out: dict[str, Any] = {"steps": tuple(steps)}
    # what "small" means for an error: against the quotient at the widest step, or g's own rounding level
    out["slopes"] = {name: np.abs(np.nan_to_num(v, nan=0.0)) for name, v in first.items()}
    quiet = _QUIET * ev.eps * np.abs(np.nan_to_num(g0, nan=0.0)) / scale
    out["quiet"] = {}
    for name, tab in (("central", central), ("forward", forward), ("backward", backward)):
        out[name] = tab.result(out["slopes"][name])
        out["quiet"][name] = np.where(tab.flat_below(quiet), quiet, 0.0)
    return out


def _gate(value: np.ndarray, error: np.ndarray, slopes: np.ndarray, quiet: np.ndarray | float = 0.0,
          rtol: float = DECIDE_RTOL) -> np.ndarray:
    """Decided: finite, with a bound small against the value or against ``slopes`` (the quotients at the
    widest step: how large a derivative of g could be and matter), or no larger than ``quiet``: the rounding
    of ``g(0)`` over the step scale where every step's quotient is that small too (a flat ``g``, whose
    differences are all 0 or noise), else 0."""
    with np.errstate(all="ignore"):
        small = (error <= rtol * np.maximum(np.abs(value), slopes)) | (error <= quiet)
        return np.isfinite(value) & np.isfinite(error) & small


def _consistent(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.abs(a[0] - b[0]) <= a[1] + b[1]


def _combine_real(r: dict[str, Any], g0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per entry: central where it converged and both one-sided slopes agree with it; a one-sided value
    where only that side exists; undecided at a kink (the one-sided values disagree)."""
    c, f, b = r["central"], r["forward"], r["backward"]
    fin = np.isfinite(g0)
    slopes, quiet = r["slopes"], r["quiet"]
    c_ok = _gate(*c, slopes["central"], quiet["central"]) & fin
    f_ok = _gate(*f, slopes["forward"], quiet["forward"]) & fin
    b_ok = _gate(*b, slopes["backward"], quiet["backward"]) & fin
    no_kink = np.isfinite(f[0]) & np.isfinite(b[0]) & _consistent(c, f) & _consistent(c, b)
    only_f = ~np.isfinite(c[0]) & ~np.isfinite(b[0]) & f_ok
    only_b = ~np.isfinite(c[0]) & ~np.isfinite(f[0]) & b_ok
    # the one-sided slopes confirm the central one where they converged at all (1% of the slope seen):
    # a spike such as 1/(1e-300 + t) differences centrally to a small number, one-sidedly to nothing
    f_conf = _gate(*f, slopes["forward"], quiet["forward"], rtol=_CONFIRM_RTOL)
    b_conf = _gate(*b, slopes["backward"], quiet["backward"], rtol=_CONFIRM_RTOL)
    decided = (c_ok & no_kink & f_conf & b_conf) | only_f | only_b
    value = np.where(only_f, f[0], np.where(only_b, b[0], c[0]))
    error = np.where(only_f, f[1], np.where(only_b, b[1], c[1]))
    method = np.where(only_f, "richardson-forward", np.where(only_b, "richardson-backward", "richardson"))
    return value, error, decided, method.astype(object)


def _complex_step(ev: _Evaluator, g0: np.ndarray | None, scale: float) -> tuple[np.ndarray, np.ndarray] | None:
    """``Im g(ih)/h`` at ``h`` and ``2h``; their gap (three times the ``g'''h²/6`` term) bounds that term,
    and a few ulps bound the rounding. None where g cannot take complex input, or its real part moves
    (not holomorphic)."""
    h = _COMPLEX_STEP * scale
    z1, z2 = ev.complex(1j * h), ev.complex(2j * h)
    if z1 is None or z2 is None or not (np.isfinite(z1).any()):
        return None
    if g0 is not None:
        with np.errstate(all="ignore"):
            moved = np.abs(z1.real - g0) > 64 * ev.eps * np.abs(g0) + 1e-300
        if np.any(moved & np.isfinite(z1)):
            return None
    d1, d2 = z1.imag / h, z2.imag / (2 * h)
    with np.errstate(all="ignore"):
        error = np.maximum(np.abs(d1 - d2), 16 * ev.eps * np.abs(d1))  # 3× the h² term
    ok = np.isfinite(d1) & np.isfinite(d2)
    return np.where(ok, d1, np.nan), np.where(ok, error, np.inf)


def _method_name(method_each: np.ndarray, decided_each: np.ndarray) -> str:
    used = sorted(set(method_each[decided_each].ravel().tolist()) or set(method_each.ravel().tolist()))
    return "+".join(used) if used else "richardson"


def _undecided(reason: str, steps: tuple[float, ...] = (), method: str = "richardson") -> WitnessEstimate:
    return WitnessEstimate(value=_nan(()), error=np.full((), np.inf), method=method, steps=steps, decided=False,
                           decided_each=np.zeros((), bool), method_each=np.full((), method, object), reason=reason)


def richardson_steps(scale: float = 1.0) -> tuple[float, ...]:
    """Every ``t`` at which :func:`directional_derivative` with ``complex_step=False`` may evaluate ``g``, in
    order: ``0``, then ``±scale/2, ±scale/4, …`` (it stops early once converged). A caller whose ``g`` is
    cheaper in bulk (one vmapped call) can evaluate them all at once and answer from a table.

    >>> richardson_steps()[:5]
    (0.0, 0.5, -0.5, 0.25, -0.25)
    """
    scale = _check_scale(scale)
    hs = [scale * 0.5 / _RATIO**i for i in range(_FIRST_STEPS)]
    return (0.0, *(t for h in hs for t in (h, -h)))


def directional_derivative(g: Callable[..., Any], *, complex_step: bool | None = None,
                           scale: float = 1.0) -> WitnessEstimate:
    r"""Estimate ``g'(0)`` for ``g: t ↦ array`` (typically ``t ↦ f(x + t·v)``), entry by entry.

    ``complex_step=None`` uses the complex step ``Im g(ih)/h`` where ``g`` takes complex input, returns a
    finite complex result and the real differences confirm it (no kink, agreement within their error),
    else extrapolated central differences (one-sided ones at a domain edge); ``True`` forces the complex
    step alone (a ``ValueError`` if ``g`` cannot take it); ``False`` forbids it. ``scale`` is a change of
    ``t`` over which ``g`` changes substantially: the first step is ``scale/2``, the last ``scale·2⁻⁵²``.

    A ``g`` that raises or is not finite at a step loses that step; at ``t = 0`` it leaves the estimate
    undecided (``decided=False``, ``reason`` says why), never an exception.
    """
    if complex_step not in (None, True, False):
        raise TypeError(f"complex_step: expected None, True or False, got {complex_step!r}")
    scale = _check_scale(scale)
    ev = _Evaluator(g)
    if complex_step is True:
        cs = _complex_step(ev, None, scale)
        if cs is None:
            raise ValueError("complex_step=True: g cannot be differentiated by the complex step (it raised, "
                             f"returned real values or nothing finite for complex t; {ev.first_error or 'no error'})"
                             "; pass complex_step=None to fall back to finite differences")
        value, error = cs
        decided_each = np.isfinite(value) & np.isfinite(error)
        h = _COMPLEX_STEP * scale
        return WitnessEstimate(value=value, error=error, method="complex-step", steps=(h, 2 * h),
                               decided=bool(decided_each.all()), decided_each=decided_each,
                               method_each=np.full(value.shape, "complex-step", object),
                               reason="" if decided_each.all() else "the complex step is not finite")
    g0 = ev.real(0.0)
    if g0 is None:
        return _undecided(f"g(0) could not be evaluated: {ev.first_error}")
    r = _richardson(ev, g0, scale)
    value, error, decided_each, method_each = _combine_real(r, g0)
    steps = r["steps"]
    if complex_step is None:
        cs = _complex_step(ev, g0, scale)
        if cs is not None:
            c = r["central"]
            seen = np.isfinite(c[0]) & np.isfinite(c[1])
            contradicted = decided_each & (method_each == "richardson") & ~_consistent(c, cs)
            if not contradicted.any():  # holomorphic as far as the real differences can tell
                trusted = decided_each | (seen & _consistent(c, cs) & np.isfinite(r["forward"][0])
                                          & np.isfinite(r["backward"][0]) & _consistent(c, r["forward"])
                                          & _consistent(c, r["backward"]) & np.isfinite(g0))
                trusted &= np.isfinite(cs[0]) & (method_each == "richardson")
                value, error = np.where(trusted, cs[0], value), np.where(trusted, cs[1], error)
                decided_each = decided_each | trusted
                method_each = np.where(trusted, "complex-step", method_each).astype(object)
                h = _COMPLEX_STEP * scale
                steps = (h, 2 * h, *steps) if trusted.any() else steps
    reason = ""
    if not decided_each.all():
        reason = ("no step converged, or the one-sided slopes disagree (a kink), or g is not finite at 0"
                  + (f"; {ev.first_error}" if ev.first_error else ""))
    return WitnessEstimate(value=value, error=error, method=_method_name(method_each, decided_each), steps=steps,
                           decided=bool(decided_each.all()), decided_each=decided_each, method_each=method_each,
                           reason=reason)


# --- second derivatives --------------------------------------------------------------------------------


def second_directional_derivative(h: Callable[[float, float], Any], *, scale: float = 1.0) -> WitnessEstimate:
    r"""Estimate ``∂²h/∂s∂t`` at ``(0, 0)`` for ``h: (s, t) ↦ array`` (``uᵀ H v`` with
    ``h(s, t) = f(x + s·u + t·v)``), entry by entry, by extrapolated mixed central differences:

    ``M(δ) = [h(δ, δ) − h(δ, −δ) − h(−δ, δ) + h(−δ, −δ)] / 4δ² = h_st + (h_ssst + h_sttt)δ²/6 + O(δ⁴)``,

    an even series in ``δ`` (Neville's tableau as for first derivatives), rounding floor
    ``ε·Σ|h(±δ, ±δ)|/4δ²``. Steps where ``h`` is not finite are dropped; ``h(0, 0)`` must be finite.
    """
    scale = _check_scale(scale)
    ev = _Evaluator(h)
    h00 = ev.real(0.0, 0.0)
    if h00 is None:
        return _undecided(f"h(0, 0) could not be evaluated: {ev.first_error}", method="richardson-mixed")
    shape = h00.shape
    tab = _Tableau(2, shape)
    steps, first = [], _nan(shape)
    for i in range(_SECOND_STEPS):
        d = scale * 0.5 / _RATIO**i
        corners = [ev.real(a, b) for a, b in ((d, d), (d, -d), (-d, d), (-d, -d))]
        steps.append(d)
        pp, pm, mp, mm = (_nan(shape) if c is None else c for c in corners)
        with np.errstate(all="ignore"):
            m = (pp - pm - mp + mm) / (4 * d * d)
            noise = ev.eps * (np.abs(pp) + np.abs(pm) + np.abs(mp) + np.abs(mm)) / (4 * d * d)
        m = np.where(np.isfinite(m), m, np.nan)
        first = np.where(np.isnan(first) & np.isfinite(m), m, first)
        tab.add(m, noise, d)
        if tab.converged(1e3).all():
            break
    slopes = np.abs(np.nan_to_num(first, nan=0.0))
    value, error = tab.result(slopes)
    quiet = _QUIET * ev.eps * np.abs(np.nan_to_num(h00, nan=0.0)) / scale**2
    quiet = np.where(tab.flat_below(quiet), quiet, 0.0)
    decided_each = _gate(value, error, slopes, quiet) & np.isfinite(h00)
    return WitnessEstimate(value=value, error=error, method="richardson-mixed", steps=tuple(steps),
                           decided=bool(decided_each.all()), decided_each=decided_each,
                           method_each=np.full(shape, "richardson-mixed", object),
                           reason="" if decided_each.all() else "no step converged, or h is not finite at (0, 0)")


# --- arbitration ---------------------------------------------------------------------------------------


def _tolerance(rtol: float, atol: float) -> tuple[float, float]:
    for name, v in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(v, int | float | np.floating) and np.isfinite(v) and v >= 0):
            raise ValueError(f"{name}: expected a finite number >= 0, got {v!r}")
    return float(rtol), float(atol)


def _distance(estimate: WitnessEstimate, value: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(estimate.value, np.float64)
    try:
        x = np.broadcast_to(np.asarray(value, np.float64), v.shape)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what}: expected real numbers shaped like the witness's value {v.shape}, got "
                         f"{np.shape(value)} ({e})") from None
    with np.errstate(all="ignore"):
        return np.abs(x - v), np.where(np.isfinite(x), 0.0, np.inf)


def within(estimate: WitnessEstimate, value: Any, *, rtol: float, atol: float) -> np.ndarray:
    """Entry by entry: the witness decided and ``|value − w| ≤ error + atol + rtol·|w|``."""
    rtol, atol = _tolerance(rtol, atol)
    d, bad = _distance(estimate, value, "value")
    tol = estimate.error + atol + rtol * np.abs(estimate.value)
    with np.errstate(all="ignore"):
        return np.asarray(estimate.decided_each & (d + bad <= tol), bool)


def outside(estimate: WitnessEstimate, value: Any, *, rtol: float, atol: float) -> np.ndarray:
    """Entry by entry: the witness decided and ``value`` misses ``MARGIN·(error + atol + rtol·|w|)``
    (a NaN or infinite ``value`` where the witness is decided misses everything)."""
    rtol, atol = _tolerance(rtol, atol)
    d, bad = _distance(estimate, value, "value")
    tol = MARGIN * (estimate.error + atol + rtol * np.abs(estimate.value))
    with np.errstate(all="ignore"):
        return np.asarray(estimate.decided_each & ~(d + bad <= tol), bool)


def decides(estimate: WitnessEstimate, candidate: Any, jax_value: Any, *, rtol: float, atol: float) -> str:
    """Arbitrate between a candidate derivative and JAX's: ``"candidate"`` if the witness is decided,
    the candidate is within its bound (plus ``atol + rtol·|w|``) at every entry and JAX clearly outside
    (:func:`outside`) at one; ``"jax"`` the other way round; ``"undecided"`` otherwise (the witness not
    decided, both within, or neither)."""
    c_in = within(estimate, candidate, rtol=rtol, atol=atol)
    j_in = within(estimate, jax_value, rtol=rtol, atol=atol)
    c_out = outside(estimate, candidate, rtol=rtol, atol=atol)
    j_out = outside(estimate, jax_value, rtol=rtol, atol=atol)
    if not estimate.decided:
        return "undecided"
    if c_in.all() and j_out.any():
        return "candidate"
    if j_in.all() and c_out.any():
        return "jax"
    return "undecided"
