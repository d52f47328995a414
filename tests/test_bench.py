"""chainrule.benchmarks and ``chainrule bench``: the quick run's outputs, the harness's honesty checks, the
direction of the benchmarks' imports, and the fast paths of ``chainrule.analytic.neuron.loss_gradient`` the
benchmarks measure (row blocks on NumPy, X sharded over devices under ``jax.jit``)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from chainrule.analytic import neuron as nn
from chainrule.benchmarks import harness
from chainrule.benchmarks.harness import SCHEMA, Case, Contender, Suite, run_case, run_suite
from chainrule.benchmarks.registry import SUITES, select_suites
from chainrule.benchmarks.report import summary_markdown
from chainrule.reference.autodiff import gradient
from chainrule.reference.cli import main
from chainrule.reference.tolerances import TOLERANCES

ROOT = Path(__file__).resolve().parents[1]

# --- chainrule bench --quick: what CI runs -------------------------------------------------------


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("bench")
    return main(["bench", "--quick", "--out", str(out)]), out


def test_quick_run_exits_zero_and_writes_json_summary_and_one_png_per_suite(quick_run):
    status, out = quick_run
    assert status == 0
    assert (out / "results.json").is_file() and (out / "summary.md").is_file()
    for suite in SUITES:
        png = out / f"{suite.name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
        assert png.stat().st_size > 10_000, f"{png} looks empty"


def test_results_json_schema(quick_run):
    _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    assert results["schema"] == SCHEMA and results["quick"] is True
    assert results["command"].startswith("chainrule bench --quick")
    for key in ("cpu", "cpu_count", "usable_cores", "python", "numpy", "blas", "jax", "jaxlib",
                "jax_backend", "jax_devices", "thread_settings", "load_average"):
        assert key in results["machine"], key
    assert [s["name"] for s in results["suites"]] == [s.name for s in SUITES]
    for suite in results["suites"]:
        assert suite["cases"], suite["name"]
        assert {"title", "description", "x_label", "baseline", "devices", "seconds"} <= set(suite)
        compared = [c for case in suite["cases"] for c in case["contenders"]
                    if c["name"] != suite["baseline"] and "matches" in c]
        assert compared, f"{suite['name']}: no contender's answer was compared with the baseline's"
        for case in suite["cases"]:
            assert {"label", "group", "size", "dtype", "params", "contenders"} <= set(case)
            rows = {c["name"]: c for c in case["contenders"]}
            base = rows[suite["baseline"]]
            assert base["ratio"] == pytest.approx(1.0)
            for c in rows.values():
                where = f"{suite['name']} / {case['label']} / {c['name']}"
                assert c["status"] in ("ok", "skipped"), f"{where}: {c.get('reason')}"
                if c["status"] == "skipped":
                    assert c["reason"], where
                    continue
                assert 0 < c["min_s"] <= c["median_s"], where
                assert c["q1_s"] <= c["median_s"] <= c["q3_s"], where
                assert c["repeats"] >= 3 and c["calls_per_sample"] >= 1, where
                assert c["cold_s"] >= c["first_call_s"] > 0, where
                assert (c["compile_s"] is not None) == c["compiled"], where
                assert c["ratio"] > 0, where
                if "matches" in c:  # every contender that computes the answer got it right
                    assert c["matches"], f"{where}: relative error {c['max_rel_error']}"
    sharded = next(s for s in results["suites"] if s["name"] == "sharded")
    assert len(sharded["devices"]) == 8  # ran in its own process with 8 simulated devices


def test_summary_lists_every_suite_and_where_references_stop(quick_run):
    _, out = quick_run
    text = (out / "summary.md").read_text()
    results = json.loads((out / "results.json").read_text())
    for suite in results["suites"]:
        assert f"## {suite['title']}" in text
        section = text.split(f"## {suite['title']}", 1)[1].split("\n## ", 1)[0]
        skipped = [c["name"] for case in suite["cases"] for c in case["contenders"] if c["status"] == "skipped"]
        assert ("Where references stop:" in section) == bool(skipped), (suite["name"], skipped)
        assert all(f"`{name}`" in section for name in skipped), suite["name"]


def test_the_layer_memory_suite_measures_both_programs_memory_and_checks_the_answers(quick_run):
    """Issue 11's memory suite: every case has XLA's memory account of the closed form's and jax.vjp's
    programs, their answers agree, and summary.md carries the per-case memory table."""
    _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    suite = next(s for s in results["suites"] if s["name"] == "layer_memory")
    assert suite["plot_memory"] is True
    groups = {case["group"].split(" (")[0] for case in suite["cases"]}
    assert groups == {"layer-norm", "softmax cross-entropy", "attention"}
    for case in suite["cases"]:
        by = {c["name"]: c for c in case["contenders"]}
        for name in ("closed form (jit)", "jax.vjp of the forward (jit)", "closed form (NumPy)"):
            assert by[name]["status"] == "ok" and by[name]["matches"] is True, (case["label"], by[name])
            assert by[name]["memory_bytes"] > 0, (case["label"], name)
        assert by["jax.vjp of the forward (jit)"]["ratio"] == 1.0
    text = (out / "summary.md").read_text()
    assert "| layer | size | closed form: memory | jax.vjp: memory | memory ratio | time ratio |" in text
    assert text.count("| attention | T=") == 2


def test_unknown_suite_is_a_usage_error(capsys):
    assert main(["bench", "-k", "no-such-suite", "--out", "unused"]) == 2
    assert "no suite matches" in capsys.readouterr().err
    assert [s.name for s in select_suites(SUITES, "loss,shard")] == ["loss_gradient", "sharded"]


def test_chainrule_bench_runs_from_any_directory(tmp_path):
    """The installed command in a fresh process started in an empty folder: no repository on sys.path."""
    exe = shutil.which("chainrule", path=os.path.dirname(sys.executable))
    cmd = [exe] if exe else [sys.executable, "-c", "import sys; from chainrule.reference.cli import main; "
                                                 "sys.exit(main())"]
    proc = subprocess.run([*cmd, "bench", "--quick", "-k", "elementwise", "--out", "out"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["schema"] == SCHEMA and [s["name"] for s in results["suites"]] == ["elementwise"]
    assert (tmp_path / "out" / "summary.md").is_file()
    assert (tmp_path / "out" / "elementwise.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Element-wise Jacobian" in proc.stdout


# --- the direction of imports: registry -> suites -> harness, never back --------------------------

#: The engine's modules: they may import chainrule.reference, never the registry, the worker or a suite.
ENGINE = ("harness.py", "report.py", "plots.py", "targets.py")


def _chainrule_imports(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, absolute names, relative imports resolved against ``package``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            names |= {base} | {f"{base}.{a.name}" for a in node.names}
    return names


@pytest.mark.parametrize("module", ENGINE)
def test_the_engine_imports_neither_the_registry_nor_a_suite(module):
    names = _chainrule_imports(ROOT / "benchmarks" / module, "chainrule.benchmarks")
    assert any(n.startswith("chainrule.reference") for n in names) or module in ("report.py", "targets.py"), names
    forbidden = sorted(n for n in names if n.startswith(("chainrule.benchmarks.registry",
                                                         "chainrule.benchmarks.worker",
                                                         "chainrule.benchmarks.suites")))
    assert not forbidden, f"benchmarks/{module} imports {forbidden}: the registry imports the engine, not the reverse"


def test_the_suites_import_the_harness_and_not_the_registry():
    paths = sorted((ROOT / "benchmarks" / "suites").glob("*.py"))
    assert len(paths) >= 8, paths
    for path in paths:
        names = _chainrule_imports(path, "chainrule.benchmarks.suites")
        assert not any(n.startswith(("chainrule.benchmarks.registry", "chainrule.benchmarks.worker"))
                       for n in names), path.name
        if path.stem not in ("__init__", "_common"):
            assert "chainrule.benchmarks.harness" in names, path.name
    registry = _chainrule_imports(ROOT / "benchmarks" / "registry.py", "chainrule.benchmarks")
    assert {"chainrule.benchmarks.harness", "chainrule.benchmarks.suites"} <= registry


def test_every_suite_module_is_registered():
    modules = sorted(p.stem for p in (ROOT / "benchmarks" / "suites").glob("*.py") if not p.stem.startswith("_"))
    assert sorted(s.name for s in SUITES) == modules


def test_no_benchmark_module_switches_the_matplotlib_backend_or_uses_pyplot():
    for path in [*sorted((ROOT / "benchmarks").rglob("*.py")), ROOT / "reference" / "plot.py"]:
        names = _chainrule_imports(path, "chainrule.benchmarks")
        assert "matplotlib.pyplot" not in names, path
        assert "matplotlib.use(" not in path.read_text(), path


# --- the worker subprocess: a suite with env runs in its own process --------------------------------


def _toy_suite(env: dict[str, str]) -> Suite:
    x = np.arange(1.0, 4.0)
    return Suite("toy", "toy", "", "n", "twice",
                 lambda quick: [Case("n=3", "g", 3, lambda: [Contender("twice", lambda x: 2 * x, (x,), jit=False)])],
                 env=env)


def test_a_suite_with_env_runs_through_the_worker_with_that_env(monkeypatch):
    seen = {}

    def fake_run(cmd, env, **kwargs):
        seen.update(cmd=cmd, env=env)
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps({"devices": ["d0"], "cases": []}), stderr="")

    monkeypatch.setattr(harness.subprocess, "run", fake_run)
    monkeypatch.delenv("CHAINRULE_TOY", raising=False)
    result = run_suite(_toy_suite({"CHAINRULE_TOY": "1"}), quick=True)
    assert seen["cmd"][1:] == ["-m", "chainrule.benchmarks.worker", "toy", "--quick"]
    assert seen["env"]["CHAINRULE_TOY"] == "1"
    assert result["devices"] == ["d0"] and result["env"] == {"CHAINRULE_TOY": "1"}
    # once the environment is the suite's (as in the worker), it runs in this process
    monkeypatch.setenv("CHAINRULE_TOY", "1")
    result = run_suite(_toy_suite({"CHAINRULE_TOY": "1"}), quick=True)
    assert [c["label"] for c in result["cases"]] == ["n=3"]


def test_the_worker_prints_one_suites_cases_as_json_and_rejects_unknown_names(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "chainrule.benchmarks.worker", "elementwise", "--quick"],
                          cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [c["label"] for c in out["cases"]] == ["n=10", "n=300"] and out["devices"]
    proc = subprocess.run([sys.executable, "-m", "chainrule.benchmarks.worker", "no-such-suite"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "no benchmark suite 'no-such-suite'" in proc.stderr


# --- the harness: a wrong answer or a size that does not fit shows in the results ---------------


def _case(*contenders: Contender, skipped: dict[str, str] | None = None) -> Case:
    return Case("n=4", "toy", 4, lambda: list(contenders), "float64", {"n": 4}, skipped or {})


def test_a_contender_with_a_wrong_answer_is_flagged_not_timed_as_a_win():
    x = np.arange(1.0, 5.0)
    row = run_case(_case(Contender("reference", lambda x: 2 * x, (x,), jit=False),
                         Contender("off by a factor 2", lambda x: 4 * x, (x,), jit=False),
                         Contender("right, compiled", lambda x: x + x, (x,))),
                   "reference", repeats=3)
    by = {c["name"]: c for c in row["contenders"]}
    assert by["reference"]["matches"] and by["right, compiled"]["matches"]
    assert by["off by a factor 2"]["matches"] is False
    assert by["off by a factor 2"]["max_rel_error"] == pytest.approx(1.0)
    assert by["right, compiled"]["compile_s"] > 0 and by["reference"]["compile_s"] is None
    assert row["tolerance"] == {"rtol": TOLERANCES["float64"].rtol, "atol": TOLERANCES["float64"].atol}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_correctness_check_uses_the_dtypes_row_of_the_tolerance_table(dtype):
    """Just inside the table's rtol agrees, just outside does not: no tolerance of the benchmarks' own."""
    tol = TOLERANCES[dtype]
    x = np.arange(1.0, 5.0)  # max|x| = 4
    inside = x + 0.5 * (tol.atol + tol.rtol * 4.0) * np.array([0, 0, 0, 1.0])
    outside = x + 2.0 * (tol.atol + tol.rtol * 4.0) * np.array([0, 0, 0, 1.0])
    case = Case("n=4", "toy", 4, lambda: [Contender("reference", lambda: x, (), jit=False),
                                         Contender("inside", lambda: inside, (), jit=False),
                                         Contender("outside", lambda: outside, (), jit=False),
                                         Contender("wrong shape", lambda: x[:3], (), jit=False)], dtype)
    by = {c["name"]: c for c in run_case(case, "reference", repeats=3)["contenders"]}
    assert by["inside"]["matches"] is True and by["outside"]["matches"] is False
    assert by["wrong shape"]["matches"] is False and by["wrong shape"]["max_rel_error"] is None
    assert "MATCH_RTOL" not in vars(harness)


def test_a_case_with_a_dtype_outside_the_tolerance_table_is_refused():
    with pytest.raises(ValueError, match=r"dtype expected one of .*got 'int8'"):
        Case("n=1", "toy", 1, list, "int8")


def test_skipped_and_failing_contenders_are_reported_with_their_reason():
    x = np.ones(3)

    def broken(x):
        raise MemoryError("pretend the dense Jacobian does not fit")

    row = run_case(_case(Contender("reference", lambda x: x, (x,), jit=False),
                         Contender("broken", broken, (x,), jit=False),
                         skipped={"dense": "n × n needs 1 TiB"}), "reference", repeats=3)
    by = {c["name"]: c for c in row["contenders"]}
    assert by["dense"] == {"name": "dense", "status": "skipped", "reason": "n × n needs 1 TiB"}
    assert by["broken"]["status"] == "error" and "MemoryError" in by["broken"]["reason"]
    suite = {"title": "toy", "description": "", "baseline": "reference", "devices": ["cpu"],
             "cases": [row]}
    results = {"quick": True, "created": "now", "command": "c", "seconds": 0.0, "suites": [suite],
               "machine": {"cpu": "x", "usable_cores": 1, "cpu_count": 1, "load_average": [0.0],
                           "platform": "p", "python": "3", "numpy": "2", "blas": "b", "jax": "j",
                           "jaxlib": "j", "jax_backend": "cpu", "jax_devices": ["cpu"],
                           "thread_settings": {}}}
    text = summary_markdown(results)
    assert "Where references stop: `dense` from n=4 (n × n needs 1 TiB)" in text
    assert "| n=4 |" in text and "error" in text


# --- loss_gradient's fast paths -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_loss_gradient_in_row_blocks_equals_autodiff(monkeypatch, dtype):
    """Blocks of 3 rows over N = 10 (a ragged last block): the same gradient as jax.grad."""
    rng = np.random.default_rng(5)
    w, X, y = rng.standard_normal(4), rng.standard_normal((10, 4)), rng.standard_normal(10)
    w, X, y, b = w.astype(dtype), X.astype(dtype), y.astype(dtype), np.asarray(0.3, dtype)
    monkeypatch.setattr(nn, "_BLOCK_ELEMENTS", 3 * 4)  # 3 rows of 4
    blocks = []
    sums = nn._masked_error_sums

    def spy(xp, w, b, X, y, scale, fused):
        blocks.append(X.shape)
        return sums(xp, w, b, X, y, scale, fused=fused)

    monkeypatch.setattr(nn, "_masked_error_sums", spy)
    gw, gb = nn.loss_gradient(w, b, X, y)
    assert blocks == [(3, 4), (3, 4), (3, 4), (1, 4)]
    rw, rb = gradient(nn.loss, w, b, X, y, argnums=(0, 1), precision="as-is")
    assert isinstance(gw, np.ndarray) and gw.dtype == np.dtype(dtype) and gw.shape == (4,)
    assert np.asarray(gb).dtype == np.dtype(dtype) and np.shape(gb) == ()
    rtol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(gw, rw, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(gb, rb, rtol=rtol, atol=rtol)


_SHARDED = textwrap.dedent("""
    import json
    import jax, numpy as np
    from jax.sharding import NamedSharding, PartitionSpec as P
    from chainrule.analytic import neuron as nn

    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        w, b = rng.standard_normal(5), np.asarray(0.2)
        X, y = rng.standard_normal((64, 5)), rng.standard_normal(64)
        mesh = jax.make_mesh((8,), ("rows",))
        rows, rep = NamedSharding(mesh, P("rows")), NamedSharding(mesh, P())
        args = (jax.device_put(w, rep), jax.device_put(b, rep), jax.device_put(X, rows),
                jax.device_put(y, rows))
        closed = jax.jit(nn.loss_gradient)(*args)
        auto = jax.jit(jax.grad(nn.loss, argnums=(0, 1)))(*args)
        print(json.dumps({
            "devices": len(jax.devices()),
            "X_shards": len(args[2].sharding.device_set),
            "rows_per_shard": args[2].addressable_shards[0].data.shape[0],
            "err_w": float(np.max(np.abs(np.asarray(closed[0]) - np.asarray(auto[0])))),
            "err_b": float(abs(np.asarray(closed[1]) - np.asarray(auto[1]))),
            "scale": float(np.max(np.abs(np.asarray(auto[0])))),
        }))
""")


def test_jax_loss_gradient_with_X_sharded_over_8_devices_equals_jax_grad():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
           "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", _SHARDED], env=env, capture_output=True,
                          text=True, check=False, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["devices"] == 8 and r["X_shards"] == 8 and r["rows_per_shard"] == 8
    assert r["err_w"] <= 1e-12 * r["scale"] and r["err_b"] <= 1e-12


def test_a_contender_that_compiles_to_the_baselines_kernels_is_marked_so_and_a_different_one_is_not():
    # issue 12: a ratio near 1 between two programs XLA compiles alike is the same program timed twice
    x = np.linspace(0.5, 2.0, 64)
    case = Case("n=64", "toy", 64, lambda: [
        Contender("x + x", lambda x: x + x, (x,)),
        Contender("2 x", lambda x: 2.0 * x, (x,)),  # the same one loop over x
        Contender("2 x via a sort", lambda x: jnp.sort(2.0 * x)[::-1][::-1], (x,), compare=False),
    ])
    by = {c["name"]: c for c in run_case(case, "x + x", repeats=3)["contenders"]}
    assert by["x + x"]["kernels"] and by["x + x"]["same_kernels_as_baseline"] is True
    assert by["2 x"]["same_kernels_as_baseline"] is True
    assert by["2 x via a sort"]["same_kernels_as_baseline"] is False
    assert any("sort" in k for k in by["2 x via a sort"]["kernels"])


def test_the_headline_counts_the_cases_that_run_the_baselines_own_kernels_and_reports_the_floor():
    from chainrule.benchmarks.report import headline

    def row(name, ratio, same=None):
        return {"name": name, "ratio": ratio, "ratio_q1": ratio * 0.9, "ratio_q3": ratio * 1.1,
                "same_kernels_as_baseline": same}

    suite = {"baseline": "jit(grad)", "headline": "closed form (jit)", "floor": "X @ w",
             "cases": [{"label": "small", "contenders": [row("closed form (jit)", 1.2, True), row("X @ w", 0.6)]},
                       {"label": "big", "contenders": [row("closed form (jit)", 0.8, False), row("X @ w", 0.4)]}]}
    text = headline(suite, {"cpu": "CPU-X", "usable_cores": 2, "load_average": [0.5, 0.4, 0.3]})
    assert "×0.8–1.2 over 2 cases" in text and "slowest small ×1.2" in text
    assert "1 of 2 cases compile to the baseline's own kernels" in text and "1 of the 1 cases above ×1.0" in text
    assert "the headline is ×2–2 the floor" in text and "CPU-X, 2 usable cores" in text
    assert headline({**suite, "headline": None}) is None


# --- the targets and their measured reasons (issue 12) ----------------------------------------------


def _row(name, median_s, ratio, status="ok", **kw):
    return {"name": name, "status": status, "median_s": median_s if status == "ok" else None, "ratio": ratio,
            "ratio_q1": ratio * 0.9 if ratio else None, "ratio_q3": ratio * 1.1 if ratio else None, **kw}


def _suite(*contender_rows, params=None):
    return {"baseline": "grad", "cases": [{"label": "N=10", "params": params or {"N": 10, "d": 2},
                                           "contenders": [_row("grad", 1e-3, 1.0), *contender_rows]}]}


def test_a_target_missed_by_the_baselines_own_program_is_called_timing_noise_with_the_rounds():
    from chainrule.benchmarks.targets import Target, target_rows

    (r,) = target_rows(_suite(_row("closed", 1.05e-3, 1.05, same_kernels_as_baseline=True),
                              _row("other", 0.8e-3, 0.8)), Target("closed", 1.0, alternative="other"))
    assert not r.met and r.measured == 1.05 and r.quartiles == (1.05 * 0.9, 1.05 * 1.1)
    assert r.reason == ("the same XLA program as grad (identical kernels): timing noise, rounds ×0.945–1.16; "
                        "the other evaluation order measured ×0.8, within the target"), r.reason


def test_a_target_below_one_pass_over_the_data_is_out_of_reach_and_says_what_one_pass_measured():
    from chainrule.benchmarks.targets import Target, target_rows

    (r,) = target_rows(_suite(_row("closed", 0.9e-3, 0.9), _row("one pass", 0.7e-3, 0.7)),
                       Target("closed", 0.6, floor="one pass"))
    assert not r.met and r.reason == "out of reach: one pass alone (`one pass`) measured ×0.7", r.reason


def test_a_target_within_reach_gives_the_passes_bandwidths_and_the_other_order():
    from chainrule.benchmarks.targets import Target, target_rows

    suite = _suite(_row("closed", 0.8e-3, 0.8), _row("one pass", 0.2e-3, 0.2), _row("other", 1.2e-3, 1.2),
                   _row("scan", 0.5e-3, 0.5), params={"N": 10, "d": 2, "X_bytes": 4e6})
    (r,) = target_rows(suite, Target("closed", 0.6, floor="one pass", alternative="other", compare=("scan",)))
    assert r.reason == ("×4 the one-pass time (one pass: ×0.2); streams 4 MB at 5 GB/s, one pass at 20 GB/s; "
                        "the other evaluation order measured ×1.2 (also over); `scan` ×0.5"), r.reason
    # held to the one pass itself: the ratio of the medians, and the other order's ratio to the one pass
    (r,) = target_rows(suite, Target("closed", 1.3, of="one pass", floor="one pass", alternative="other"))
    assert not r.met and r.measured == pytest.approx(4.0) and r.quartiles is None
    assert r.reason.startswith("×4 the one-pass time; streams 4 MB") and "measured ×6 (also over)" in r.reason
    # met: no reason
    (r,) = target_rows(suite, Target("closed", 1.0, floor="one pass"))
    assert r.met and r.reason == ""


def test_a_target_on_a_skipped_contender_is_not_measured_and_never_met():
    from chainrule.benchmarks.targets import Target, target_rows, targets_markdown

    suite = _suite({"name": "closed", "status": "skipped", "reason": "needs 2 TiB"})
    (r,) = target_rows(suite, Target("closed", 1.0))
    assert not r.met and r.measured is None and r.reason == "not measured: `closed` needs 2 TiB"
    text = targets_markdown(suite, [Target("closed", 1.0, text="every cell"),
                                    Target("closed", 1.0, where=lambda p: p["N"] > 100, text="big ones")])
    assert "- `closed` ≤ ×1 `grad`, every cell: **met in 0 of 1 cells**; missed:" in text
    assert "| N=10 | — | — | not measured: `closed` needs 2 TiB |" in text
    assert "- `closed` ≤ ×1 `grad`, big ones: no case of this run is selected." in text


def test_the_loss_gradient_summary_judges_every_target_on_the_run(quick_run):
    from chainrule.benchmarks.suites.loss_gradient import TARGETS

    _, out = quick_run
    section = (out / "summary.md").read_text().split("## Neuron loss gradient", 1)[1].split("\n## ", 1)[0]
    assert "### Targets, judged on this run" in section
    results = json.loads((out / "results.json").read_text())
    (suite,) = [s for s in results["suites"] if s["name"] == "loss_gradient"]
    for t in TARGETS:
        assert t.describe(suite["baseline"]) in section
    # the quick cases (N = 500 and 5,000, d = 20) are judged against the every-cell targets
    assert section.count("**met in") == 2 and section.count("no case of this run is selected") == 3
