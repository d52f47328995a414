"""``chainrule docs``: build the documentation site with Sphinx (``pip install ".[docs]"``).

Sphinx because its autodoc builds the API reference from the docstrings this project already writes in
reStructuredText (the doctests show as they run), its search works offline, and MathJax 3 is served from
the site's own files by ``sphinx-mathjax-offline`` (the site renders with no network). The guides are the
README's sections (one source of prose), read with ``myst-parser``; the catalog and API pages are generated
(:mod:`.pages`) from the catalog's records and two ``chainrule verify --json`` runs (float64 and float32)
made at build time. A build with a Sphinx warning fails.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .derive_page import derive_gallery_page
from .kinks_table import kink_table_markdown
from .pages import TOPIC_TITLES, VerifyRuns, api_page, catalog_index, topic_page

__all__ = ["GUIDES", "SiteBuild", "build_site", "project_root", "readme_section"]

#: The guides: page name, title, and the README section (its ``##`` heading) each one is.
GUIDES: tuple[tuple[str, str], ...] = (
    ("checking", "Check your own gradient"),
    ("derivations", "Check a derivation"),
    ("audit", "Audit JAX itself"),
    ("benchmarks", "Benchmarks"),
    ("conventions", "Notation and conventions"),
)
_DOCS_EXTRA = "pip install '.[docs]' (Sphinx, furo, myst-parser, sphinx-mathjax-offline)"


@dataclass
class SiteBuild:
    """What a build made: where, how long, how many pages."""

    out: Path
    seconds: float
    pages: int
    verify_seconds: float

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def project_root(start: Path | None = None) -> Path:
    """The chainrule checkout the site is built from: the working directory or the editable install's source."""
    candidates = [Path.cwd() if start is None else Path(start)]
    here = Path(__file__).resolve()
    candidates += [p for p in here.parents][:4]
    for c in candidates:
        py = c / "pyproject.toml"
        if py.is_file() and (c / "README.md").is_file() and 'name = "chainrule"' in py.read_text(encoding="utf-8"):
            return c
    raise FileNotFoundError(
        "chainrule docs: expected to run in a chainrule checkout (a folder with its pyproject.toml and "
        f"README.md), found none at {candidates[0]} or beside the installed package; cd into the clone")


def readme_section(readme: str, title: str) -> str:
    """The README's ``## title`` section, up to the next ``##`` heading (its ``###`` sub-sections included)."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    if not m:
        raise ValueError(f"README.md has no section '## {title}'; the docs' guides are its sections {GUIDES}")
    return m.group(1)


_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def _guide_markdown(title: str, body: str, root: Path, static: Path) -> str:
    """A README section as a page: headings one level up, repository links as paths, images copied."""

    def link(m: re.Match[str]) -> str:
        bang, text, target = m.groups()
        if target.startswith(("http://", "https://", "mailto:")):
            return m.group(0)
        if bang:  # an image of the repository: copied into the site
            src = root / target
            if not src.is_file():
                raise FileNotFoundError(f"README.md shows {target}, which does not exist")
            dest = static / target.replace("/", "_")
            shutil.copyfile(src, dest)
            return f"![{text}](../_static/{dest.name})"  # the guides live in guides/
        if target.startswith("#"):
            return text
        return f"{text} (`{target}` in the repository)" if text.strip("`") != target else f"`{target}`"

    body = _LINK.sub(link, body)
    body = re.sub(r"^(#{3,}) ", lambda m: m.group(1)[1:] + " ", body, flags=re.M)
    return f"# {title}\n{body}"


def _run_verify(dtype: str, jobs: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "chainrule", "verify", "--json", "--dtype", dtype,
                             "--jobs", str(jobs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _verify_runs(verify_json: Sequence[Path] | None) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    runs: dict[str, Any] = {}
    if verify_json:
        for p in verify_json:
            data = json.loads(Path(p).read_text(encoding="utf-8"))
            dtypes = {r["dtype"] for r in data.get("rules", [])}
            if len(dtypes) != 1:
                raise ValueError(f"{p}: expected the output of one `chainrule verify --json` run (one dtype), "
                                 f"found dtypes {sorted(dtypes)}")
            runs[dtypes.pop()] = data
        return runs, time.perf_counter() - start
    from ..catalog.parallel import default_jobs

    # the two runs go side by side, so each takes half the usable cores (no more processes than cores)
    jobs = max(1, default_jobs() // 2)
    procs = {d: _run_verify(d, jobs) for d in ("float64", "float32")}
    for d, proc in procs.items():
        out, err = proc.communicate()
        if proc.returncode not in (0, 1):  # 1: some rule failed, which the pages show
            raise RuntimeError(f"chainrule docs: `chainrule verify --json --dtype {d}` exited {proc.returncode}: "
                               f"{err.strip()[-2000:]}")
        runs[d] = json.loads(out)
    return runs, time.perf_counter() - start


def _conf(version: str) -> str:
    return f'''# generated by chainrule docs
project = "chainrule"
copyright = "the chainrule authors, MIT License"
version = release = "{version}"
extensions = ["sphinx.ext.autodoc", "myst_parser", "sphinx-mathjax-offline"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "chainrule {version}"
html_static_path = ["_static"]
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
'''


def _index(runs: VerifyRuns, counts: Mapping[str, int]) -> str:
    rows = "\n".join(f"   * - :ref:`{TOPIC_TITLES[t]} <topic-{t}>`\n     - {n}" for t, n in counts.items())
    guides = "\n".join(f"   guides/{name}" for name, _ in GUIDES)
    return f"""chainrule
=========

The matrix calculus of deep learning, after Parr & Howard, *The Matrix Calculus You Need For Deep
Learning*: every rule derived by hand as a closed form and verified against ``jax.grad``, ``jax.jacfwd``
and ``jax.jacrev`` on random inputs; the layers people hand-derive; the Matrix Cookbook's chapter 2; and a
checker for your own derivatives.

This site was built {runs.when} on {runs.machine}; every rule's status on it comes from the
``chainrule verify --json`` runs made then. An example, the paper's neuron loss:

.. math::

   \\frac{{\\partial C}}{{\\partial w}} = \\frac{{2}}{{N}} \\sum_i \\mathbb{{1}}[z_i > 0]\\,(z_i - y_i)\\, x_i^\\top

(:ref:`L-3 <topic-loss>`).

.. list-table:: The catalog
   :header-rows: 1

   * - topic
     - rules
{rows}

.. toctree::
   :maxdepth: 2
   :caption: Catalog

   catalog/index

.. toctree::
   :maxdepth: 1
   :caption: Guides

{guides}

.. toctree::
   :maxdepth: 1
   :caption: Derived and verified

   derivations

.. toctree::
   :maxdepth: 1
   :caption: Reference

   api
"""


def build_site(out: str | Path = "site", *, verify_json: Sequence[Path] | None = None,
               root: Path | None = None) -> SiteBuild:
    """Build the site into ``out`` (``out/index.html`` opens it); returns what was built.

    ``verify_json``: the outputs of ``chainrule verify --json --dtype D`` runs to show (one per dtype);
    by default the build makes them (float64 and float32, side by side).
    """
    try:
        from sphinx.cmd.build import build_main
    except ImportError as exc:
        raise ImportError(f"chainrule docs needs Sphinx and its extensions: {_DOCS_EXTRA}") from exc
    for mod in ("furo", "myst_parser", "sphinx-mathjax-offline"):
        try:
            __import__(mod)
        except ImportError as exc:
            raise ImportError(f"chainrule docs needs {mod}: {_DOCS_EXTRA}") from exc
    import chainrule

    from ..catalog import CATALOG, TOPICS
    from ..checker.problem import DEFAULTS

    start = time.perf_counter()
    root = project_root(root)
    out = Path(out).resolve()
    raw, verify_seconds = _verify_runs(verify_json)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    machine = (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, jax {metadata.version('jax')}")
    runs = VerifyRuns.from_json(raw, when, machine)
    version = metadata.version("chainrule")
    readme = (root / "README.md").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="chainrule-docs-") as tmp:
        src = Path(tmp)
        static = src / "_static"
        (src / "catalog").mkdir(parents=True)
        (src / "guides").mkdir()
        static.mkdir()
        (src / "conf.py").write_text(_conf(version), encoding="utf-8")
        counts = {t: sum(r.topic == t for r in CATALOG) for t in TOPICS}
        (src / "index.rst").write_text(_index(runs, {t: n for t, n in counts.items() if n}), encoding="utf-8")
        (src / "catalog" / "index.rst").write_text(catalog_index(runs), encoding="utf-8")
        for t in TOPICS:
            if counts[t]:
                (src / "catalog" / f"{t}.rst").write_text(topic_page(t, runs), encoding="utf-8")
        (src / "api.rst").write_text(api_page(chainrule.__all__, DEFAULTS), encoding="utf-8")
        (src / "derivations.rst").write_text(derive_gallery_page(), encoding="utf-8")
        for name, title in GUIDES:
            page = _guide_markdown(title, readme_section(readme, title), root, static)
            if name == "conventions":
                page += "\n" + kink_table_markdown()
            (src / "guides" / f"{name}.md").write_text(page, encoding="utf-8")
        log = src / "sphinx-warnings.log"
        code = build_main(["-b", "html", "-W", "-q", "-w", str(log), "-d", str(src / "_doctrees"), str(src),
                           str(out)])
        if code != 0:
            warnings = log.read_text(encoding="utf-8") if log.exists() else ""
            raise RuntimeError(f"chainrule docs: Sphinx failed (exit {code}); a warning fails the build:\n"
                               f"{warnings[-6000:]}")
    pages = sum(1 for _ in out.rglob("*.html"))
    return SiteBuild(out, time.perf_counter() - start, pages, verify_seconds)
