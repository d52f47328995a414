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


# --- the import graph of the installed package ---------------------------------------------------------


def _installed_modules() -> dict[str, pathlib.Path]:
    """Every module of the installed package, by its import name, with its source file."""
    import importlib
    import pkgutil

    found: dict[str, pathlib.Path] = {}
    for layer in ("chainrule", "chainrule.analytic", "chainrule.reference", "chainrule.benchmarks"):
        try:
            pkg = importlib.import_module(layer)
        except ModuleNotFoundError:
            continue
        found[layer] = pathlib.Path(pkg.__file__)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=layer + "."):
            spec = importlib.util.find_spec(info.name)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found[info.name] = pathlib.Path(spec.origin)
    return found


def _imports(name: str, path: pathlib.Path, modules: dict[str, pathlib.Path]) -> set[str]:
    """The chainrule modules ``name`` imports (module level or inside functions, relative or absolute)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in modules:  # `import chainrule.x.y` names chainrule.x.y, or a name in it
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def test_the_installed_package_has_no_import_cycle():
    modules = _installed_modules()
    assert len(modules) > 40 and "chainrule.reference.checker.engine" in modules, sorted(modules)
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "chainrule.reference.checker.problem" in graph["chainrule.reference.checker.engine"]  # edges are read
    # Tarjan's strongly connected components: a component of two or more modules is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


#: The most lines a source module of reference/ or benchmarks/ may have (one concern each).
MAX_MODULE_LINES = 600


def test_no_module_of_reference_or_benchmarks_is_over_600_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
             for folder in ("reference", "benchmarks") for p in (ROOT / folder).rglob("*.py")}
    assert len(sizes) > 30, sizes  # the scan read the tree
    over = {k: v for k, v in sizes.items() if v > MAX_MODULE_LINES}
    assert not over, f"split these modules (over {MAX_MODULE_LINES} lines): {over}"
