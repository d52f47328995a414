"""Packaging: one import name, ``chainrule``; every package folder installed; a downstream project whose
own ``reference/`` and ``analytic/`` packages would collide with generic names works with the plugin."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

#: Which top-level import names the distribution installed in this environment adds. Run from an empty
#: folder, so the repository's own ``*.egg-info`` cannot stand in for the installed metadata.
_TOP_LEVEL_NAMES = r'''
import importlib.metadata as md, json, pathlib, re
dist = md.distribution("chainrule")
files = [str(f) for f in dist.files or []]
finders = [f for f in files if f.startswith("__editable__") and f.endswith("_finder.py")]
if finders:  # an editable install: the finder's MAPPING names what it makes importable
    text = pathlib.Path(dist.locate_file(finders[0])).read_text()
    mapping = text.split("MAPPING", 1)[1].split("\n", 1)[0]
    names = sorted({k.split(".")[0] for k in re.findall(r"'([\w.]+)': '", mapping)})
    pth = [f for f in files if f.endswith(".pth")]
    kind = "editable"
else:  # a regular install: the first path component of every installed file
    names = sorted({f.split("/")[0].removesuffix(".py") for f in files
                    if not f.startswith("..") and ".dist-info" not in f.split("/")[0]
                    and f.split("/")[0] != "__pycache__"})
    kind = "regular"
print(json.dumps({"kind": kind, "names": names}))
'''


def test_the_installed_distribution_adds_exactly_one_top_level_name(tmp_path):
    run = subprocess.run([sys.executable, "-c", _TOP_LEVEL_NAMES], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["names"] == ["chainrule"], found


def test_every_package_folder_is_installed():
    """Every folder of analytic/, reference/ and benchmarks/ holding an ``__init__.py`` is a package that
    pyproject.toml lists (a regular install copies only listed packages: a missing one is an ImportError
    in every user's environment and in none of ours, which are editable)."""
    package_dir = PYPROJECT["tool"]["setuptools"]["package-dir"]
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    folders = {}
    for name, folder in package_dir.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if any(part in ("results", "__pycache__") or "-" in part for part in rel.parts):
                continue
            if any(init.parent == ROOT / other for other in package_dir.values() if other != folder):
                continue  # a folder mapped on its own
            folders[".".join((name, *rel.parts))] = init.parent
    assert {"chainrule", "chainrule.analytic", "chainrule.reference.checker"} <= set(folders)
    missing = sorted(set(folders) - listed)
    assert not missing, f"package folders not listed in pyproject.toml [tool.setuptools] packages: {missing}"
    stale = sorted(listed - set(folders))
    assert not stale, f"pyproject.toml lists packages with no folder: {stale}"


def test_the_wheel_holds_chainrule_alone(tmp_path):
    """Build the wheel a user's ``pip install .`` builds (from a copy of the sources, so the build leaves
    nothing in the repository) and read its file list."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "results")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        src.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, src / name)
    for folder in ("analytic", "reference", "benchmarks"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(src)],
                           capture_output=True, text=True)
    if build.returncode != 0 and "No matching distribution found for setuptools" in build.stderr:
        pytest.fail(f"pip could not fetch the build backend: {build.stderr[-500:]}")
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("chainrule-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if ".dist-info" not in n.split("/")[0]}
    assert top == {"chainrule"}, top
    for module in ("chainrule/__init__.py", "chainrule/_structured.py", "chainrule/analytic/neuron.py",
                   "chainrule/reference/checker/engine.py", "chainrule/reference/catalog/verify.py",
                   "chainrule/reference/cli/__init__.py", "chainrule/reference/derivation/__init__.py"):
        assert module in names, module
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "chainrule = chainrule.reference.cli:main" in entry_points
    assert "chainrule = chainrule.reference.pytest_plugin" in entry_points


DOWNSTREAM_TEST = '''
import jax.numpy as jnp
import numpy as np

import analytic
import reference
from reference.engine import double


def test_own_packages_are_the_ones_imported():
    assert reference.OWNER == analytic.OWNER == "downstream"
    assert double(2) == 4


def test_chainrule_fixture_checks_a_gradient(chainrule_check):
    report = chainrule_check.gradient(lambda x: jnp.sum(x ** 3), lambda x: 3 * np.asarray(x) ** 2,
                                      np.zeros(4), trials=5)
    assert report.ok


def test_chainrule_fixture_catches_a_wrong_one(chainrule_check):
    import pytest
    with pytest.raises(AssertionError, match="factor 1/2"):
        chainrule_check.gradient(lambda x: jnp.sum(x ** 2), lambda x: np.asarray(x), np.zeros(4), trials=5)
'''


def test_a_downstream_project_with_its_own_reference_and_analytic_packages(tmp_path):
    """Before the one import name, such a project's pytest run stopped at startup (exit 3): the plugin
    ``reference.pytest_plugin`` was looked up in the project's own ``reference`` package."""
    for pkg in ("reference", "analytic"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text('OWNER = "downstream"\n')
    (tmp_path / "reference" / "engine.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_downstream.py").write_text(textwrap.dedent(DOWNSTREAM_TEST))
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout
