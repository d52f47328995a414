"""chainrule.reference.plot: three heatmaps (candidate, JAX, difference) that show a wrong derivative at a glance;
and the package's one plotting policy (an Agg ``Figure``, no pyplot), which the benchmark plots share."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

from chainrule.reference.plot import _figure, _report_title, new_figure, plot_jacobians, plot_report, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _panels(claimed, expected, *, in_ndim=None, gradient=False, title=None):
    fig = _figure(claimed, expected, title=title, in_ndim=in_ndim, own="∂f/∂x" if gradient else None)
    images = [ax for ax in fig.axes if ax.images]  # the three heatmaps, not the colorbars
    return fig, images


def test_writes_a_png_and_returns_its_path(tmp_path):
    J = np.arange(12.0).reshape(3, 4)
    out = plot_jacobians(2 * J, J, tmp_path / "j.png", title="factor 2")
    assert out == tmp_path / "j.png"
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_leaves_matplotlib_global_state_alone(tmp_path):
    from matplotlib import _pylab_helpers

    rc_before = dict(matplotlib.rcParams)
    backend_before = matplotlib.get_backend()
    figures_before = _pylab_helpers.Gcf.get_num_fig_managers()
    plot_jacobians(np.eye(3), np.eye(3), tmp_path / "a.png")
    assert dict(matplotlib.rcParams) == rc_before
    assert matplotlib.get_backend() == backend_before
    assert _pylab_helpers.Gcf.get_num_fig_managers() == figures_before


def _global_state() -> tuple[dict, str, int]:
    from matplotlib import _pylab_helpers

    return dict(matplotlib.rcParams), matplotlib.get_backend(), _pylab_helpers.Gcf.get_num_fig_managers()


def test_new_figure_is_an_agg_figure_unknown_to_pyplot_and_save_figure_writes_it(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    before = _global_state()
    fig = new_figure((3.0, 2.0), layout="constrained")
    assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
    fig.subplots().plot([0, 1], [1, 0])
    assert save_figure(fig, tmp_path / "f.png", dpi=50) == tmp_path / "f.png"
    assert (tmp_path / "f.png").read_bytes()[:8] == PNG_SIGNATURE
    assert save_figure(fig, tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")
    assert _global_state() == before


def test_the_benchmark_plots_follow_the_same_policy(tmp_path):
    from chainrule.benchmarks.plots import plot_suite

    rows = [{"name": "closed form", "status": "ok", "median_s": 1e-3, "q1_s": 9e-4, "q3_s": 1.1e-3,
             "cold_s": 0.1, "ratio": 0.5},
            {"name": "jit(grad)", "status": "ok", "median_s": 2e-3, "q1_s": 1.9e-3, "q3_s": 2.1e-3,
             "cold_s": 0.2, "ratio": 1.0},
            {"name": "dense", "status": "skipped", "reason": "too big"}]
    suite = {"title": "toy", "baseline": "jit(grad)", "x_label": "n", "plot_cold": True,
             "cases": [{"label": f"n={n}", "group": g, "size": n, "contenders": rows}
                       for g in ("float32", "float64") for n in (10, 100)]}
    before = _global_state()
    out = plot_suite(suite, tmp_path / "toy.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE and out.stat().st_size > 10_000
    assert _global_state() == before


def test_titles_say_which_panel_is_the_candidate_and_which_is_jax():
    _, (cand, jax_panel, diff) = _panels(np.ones((2, 3)), np.zeros((2, 3)), title="my check")
    assert cand.get_title().startswith("candidate (claimed)")
    assert jax_panel.get_title().startswith("JAX (expected)")
    assert diff.get_title().startswith("difference: candidate − JAX")
    assert "6/6 entries differ" in diff.get_title()


def test_candidate_and_jax_share_one_color_scale_and_the_difference_is_diverging():
    rng = np.random.default_rng(0)
    J = rng.standard_normal((4, 5))
    _, (cand, jax_panel, diff) = _panels(3 * J, J)
    n_c, n_j, n_d = (ax.images[0].norm for ax in (cand, jax_panel, diff))
    assert (n_c.vmin, n_c.vmax) == (n_j.vmin, n_j.vmax)
    assert n_c.vmin == pytest.approx(min((3 * J).min(), J.min()))
    assert n_c.vmax == pytest.approx(max((3 * J).max(), J.max()))
    assert n_d.vcenter == 0.0 and n_d.vmin == -n_d.vmax
    assert n_d.vmax == pytest.approx(np.abs(2 * J).max())
    assert diff.images[0].get_cmap().name == "RdBu_r"


def test_transposed_square_jacobian_gives_an_antisymmetric_difference():
    A = np.random.default_rng(1).standard_normal((5, 5))
    _, (_, _, diff) = _panels(A.T, A)
    drawn = np.asarray(diff.images[0].get_array())
    np.testing.assert_array_equal(drawn, A.T - A)
    np.testing.assert_array_equal(drawn, -drawn.T)
    assert np.all(np.diag(drawn) == 0)


def test_banded_error_lights_up_one_band_and_its_worst_entry_is_boxed():
    J = np.diag(np.linspace(1.0, 2.0, 12))
    C = J.copy()
    C[np.arange(11), np.arange(1, 12)] = np.linspace(0.1, 0.9, 11)  # a spurious superdiagonal
    _, (_, _, diff) = _panels(C, J)
    drawn = np.asarray(diff.images[0].get_array())
    assert set(zip(*np.nonzero(drawn), strict=True)) == {(i, i + 1) for i in range(11)}
    (box,) = diff.patches
    assert box.get_xy() == (11 - 0.5, 10 - 0.5)  # column 11, row 10: the 0.9 entry


def test_rank_three_is_reshaped_to_out_by_in_and_the_labels_say_how():
    T = np.arange(24.0).reshape(2, 3, 4)
    _, (cand, _, _) = _panels(T, T + 1)
    assert cand.images[0].get_array().shape == (2, 12)
    assert cand.get_ylabel() == "output index i: axis 0 (2)"
    assert cand.get_xlabel() == "input index j: axes 1–2 of (2, 3, 4) → 12"
    _, (cand, _, _) = _panels(T, T + 1, in_ndim=1)
    assert cand.images[0].get_array().shape == (6, 4)
    assert cand.get_ylabel() == "output index i: axes 0–1 of (2, 3, 4) → 6"


def test_a_gradient_keeps_its_arguments_shape():
    g = np.arange(12.0).reshape(3, 4)
    _, (cand, _, _) = _panels(g, g, gradient=True)
    assert cand.images[0].get_array().shape == (3, 4)
    assert "∂f/∂x[i, …]" in cand.get_ylabel()
    _, (cand, _, _) = _panels(np.ones(5), np.ones(5), gradient=True)
    assert cand.images[0].get_array().shape == (1, 5)
    assert cand.get_ylabel() == "(one row)"
    assert cand.get_xlabel() == "∂f/∂x[j]: axis 0 (5)"


def test_non_finite_entries_are_counted_in_the_titles():
    g = np.arange(1.0, 8.0)
    bad = g.copy()
    bad[3] = np.nan
    _, (cand, jax_panel, diff) = _panels(bad, g)
    assert "1 non-finite entry (magenta)" in cand.get_title()
    assert "non-finite" not in jax_panel.get_title()
    assert "1/7 entries differ" in diff.get_title()
    assert diff.patches[0].get_xy() == (3 - 0.5, -0.5)


def test_different_shapes_are_drawn_side_by_side_and_the_transpose_is_named():
    B = np.random.default_rng(2).standard_normal((3, 4))
    fig, images = _panels(B.T, B)
    assert len(images) == 2
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "shapes differ" in text and "candidate (4, 3)" in text and "JAX (3, 4)" in text
    assert "transposed" in text


def test_structured_jacobians_are_densified(tmp_path):
    from chainrule.analytic.structured import Diagonal

    d = np.array([1.0, 2.0, 3.0])
    _, (cand, _, diff) = _panels(Diagonal(d), np.diag(d))
    np.testing.assert_array_equal(cand.images[0].get_array(), np.diag(d))
    assert "0/9 entries differ" in diff.get_title()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"path": "no/such/folder/j.png"}, ValueError, "path: the folder 'no/such/folder' does not exist"),
        ({"path": "j.txt"}, ValueError, r"path: expected a file name ending in \.png, \.pdf or \.svg, got 'j\.txt'"),
        ({"claimed": np.ones(2) * 1j}, TypeError, "claimed: expected a real array, got dtype complex128"),
        ({"claimed": None}, ValueError, "expected an array, got None"),
        ({"claimed": np.array(["a", "b"])}, TypeError, "claimed: expected a numeric array, got dtype <U1"),
        ({"in_ndim": -1}, ValueError, "in_ndim: expected a non-negative int or None, got -1"),
        ({"in_ndim": 3}, ValueError, r"in_ndim: expected 0 ≤ in_ndim ≤ 1 for an array of shape \(2,\), got 3"),
    ],
)
def test_bad_arguments_get_clear_errors(tmp_path, monkeypatch, kwargs, error, match):
    monkeypatch.chdir(tmp_path)
    call = {"claimed": np.ones(2), "expected": np.ones(2), "path": tmp_path / "j.png", **kwargs}
    with pytest.raises(error, match=match):
        plot_jacobians(call.pop("claimed"), call.pop("expected"), call.pop("path"), **call)


def test_plot_report_titles_the_verdict_seed_and_trial(tmp_path):
    J = np.arange(6.0).reshape(2, 3)
    report = SimpleNamespace(ok=False, diagnosis="off by a constant factor 2", claimed=2 * J, expected=J,
                             kind="jacobian", seed=7, trial=3, trials=100)
    out = plot_report(report, tmp_path / "r.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    # report.trial is 0-based; the title counts from 1, like the report's text.
    assert _report_title(report) == "check_jacobian: FAIL: off by a constant factor 2  (seed 7, trial 4/100)"
    report.ok, report.diagnosis, report.wrt, report.block = True, None, "x", "∂f/∂x"
    assert _report_title(report) == "check_jacobian (wrt x, block ∂f/∂x): ok  (seed 7, trial 4/100)"
    with pytest.raises(TypeError, match=r"expected a check report with \.claimed"):
        plot_report(object(), tmp_path / "r.png")
    report.claimed = None
    with pytest.raises(ValueError, match="no claimed/expected arrays"):
        plot_report(report, tmp_path / "r.png")


def test_plot_report_draws_a_real_check_report(tmp_path):
    import jax.numpy as jnp

    from chainrule.reference.check import check_gradient, check_jvp

    def f(W, x):
        return ((W @ x) ** 2).sum()

    def grad_W_transposed(W, x):  # ∂f/∂W = 2 (W x) xᵀ, returned transposed: wrong shape (4, 3)
        return 2 * np.outer(W @ x, x).T

    report = check_gradient(f, grad_W_transposed, np.zeros((3, 4)), np.zeros(4), trials=3)
    assert not report.ok
    assert plot_report(report, tmp_path / "g.png").read_bytes()[:8] == PNG_SIGNATURE

    report = check_jvp(jnp.sin, lambda x, t: jnp.cos(x) * t, np.zeros(5), trials=3)
    assert report.ok
    assert plot_report(report, tmp_path / "jvp.png").read_bytes()[:8] == PNG_SIGNATURE
    assert _report_title(report).startswith("check_jvp")
