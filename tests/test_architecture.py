"""The architecture's promises: analytic/ never imports JAX; reference/ reaches analytic derivatives
only through the catalog."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_importing_every_analytic_module_loads_no_jax():
    code = (
        "import importlib, pkgutil, sys, chainrule.analytic\n"
        "for m in pkgutil.iter_modules(chainrule.analytic.__path__):\n"
        "    importlib.import_module('chainrule.analytic.' + m.name)\n"
        "loaded = sorted(k for k in sys.modules if k == 'jax' or k.startswith(('jax.', 'jaxlib')))\n"
        "print(len(list(pkgutil.iter_modules(chainrule.analytic.__path__))), loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"analytic imported JAX: {run.stdout}{run.stderr}"
    assert int(run.stdout.split()[0]) >= 3  # the check really imported the topic modules


def test_no_analytic_source_mentions_a_jax_import():
    offenders = []
    paths = sorted((ROOT / "analytic").glob("*.py"))
    assert len(paths) >= 3, paths  # the scan really read the topic modules
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("jax", "jaxlib")]
    assert not offenders


def test_reference_imports_analytic_derivatives_only_in_the_catalog():
    """Outside reference/catalog/, reference/ may import analytic's structured types, never rules."""
    allowed_everywhere = {"chainrule.analytic.structured", "chainrule.analytic._array"}
    offenders = []
    scanned = 0
    for path in (ROOT / "reference").rglob("*.py"):
        if "catalog" in path.relative_to(ROOT / "reference").parts:
            continue
        scanned += 1
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analytic"):
                if node.module not in allowed_everywhere:
                    offenders.append(f"{path.relative_to(ROOT)} imports {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{path.relative_to(ROOT)} imports {a.name}"
                    for a in node.names
                    if a.name.startswith("analytic") and a.name not in allowed_everywhere
                ]
    assert scanned >= 5, scanned  # verify.py, check.py, derivation.py, cli.py, … were really read
    assert not offenders, offenders


def test_generic_validation_helpers_do_not_depend_on_analytic():
    """DESIGN.md: check_* and Derivation work on anyone's code, so they load no analytic module."""
    code = (
        "import sys\n"
        "import chainrule.reference.check, chainrule.reference.derivation\n"
        "import chainrule.reference.checker.report, chainrule.reference.checker.diagnosis\n"
        "loaded = sorted(k for k in sys.modules if k.startswith('chainrule.analytic'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"the validation helpers imported analytic: {run.stdout}{run.stderr}"
