"""The documentation site (issue 13), built once and opened in headless Chromium the way a reader opens it.

The build makes its own ``chainrule verify --json`` runs (float64 and float32) and fails on any Sphinx
warning. Chromium (Debian's ``chromium``) loads the pages from ``file://`` with no network: every formula
must be typeset by the site's own MathJax (no raw TeX left, no MathJax error; all pages in frames of one
harness page, one browser start), every internal link must resolve, the search must find a rule, and two
screenshots are written for a person to look at.

Without Chromium the browser tests skip, except where ``CHAINRULE_REQUIRE_BROWSER=1`` (CI sets it): there a
missing browser fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx", reason="the docs extra (pip install '.[docs]') is not installed")

import chainrule
from chainrule.reference.catalog import CATALOG, TOPICS
from chainrule.reference.docs.build import build_site
from chainrule.reference.docs.pages import anchor

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if "math" in (a.get("class") or "").split():
            self.math += 1


def _parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = build_site(out)
    assert built.index.is_file() and built.pages >= len(TOPICS) + 5
    return out


REQUIRED = os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1"
#: The browser tests run wherever Chromium is installed and wherever CI requires it (there a missing browser
#: fails in _browser); only a machine with neither, a plain ``pip install ".[test]"``, leaves them out.
needs_browser = pytest.mark.skipif(CHROMIUM is None and not REQUIRED,
                                   reason="no chromium on PATH (apt-get install chromium); CI requires it")


def _browser() -> str:
    if CHROMIUM is None:
        pytest.fail("CHAINRULE_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    return CHROMIUM


def _chromium(*args: str, timeout: float = 120) -> str:
    cmd = [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--virtual-time-budget=20000", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _rendered(page: Path, query: str = "") -> str:
    return _chromium("--dump-dom", page.as_uri() + query)


def test_every_rule_has_an_anchor_with_its_formula_on_its_topic_page(site):
    pages = {t: _parse(site / "catalog" / f"{t}.html") for t in TOPICS if any(r.topic == t for r in CATALOG)}
    missing = [r.id for r in CATALOG if anchor(r) not in pages[r.topic].ids]
    assert missing == []
    for t, page in pages.items():
        n = sum(r.topic == t for r in CATALOG)
        assert page.math >= n, f"{t}: {page.math} math blocks for {n} rules"


def test_every_rule_shows_its_status_from_the_verify_runs_of_the_build(site):
    text = (site / "catalog" / "loss.html").read_text(encoding="utf-8")
    assert "float64: <strong>pass</strong>" in text and "float32: <strong>pass</strong>" in text
    cookbook = (site / "catalog" / "cookbook.html").read_text(encoding="utf-8")
    assert "<strong>xfail</strong>" in cookbook and "printed (must fail)" in cookbook


def test_every_public_name_and_checker_option_is_in_the_api_reference(site):
    from chainrule.reference.checker.problem import DEFAULTS

    page = _parse(site / "api.html")
    assert [n for n in chainrule.__all__ if f"chainrule.{n}" not in page.ids] == []
    text = (site / "api.html").read_text(encoding="utf-8")
    assert [k for k in DEFAULTS if f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{k}</span>"
            not in text] == []


def test_every_internal_link_resolves(site):
    broken = []
    cache: dict[Path, _Page] = {}
    for html in site.rglob("*.html"):
        for href in _parse(html).hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("mailto:"):
                continue
            target = (html.parent / unquote(parts.path)).resolve() if parts.path else html
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{html.relative_to(site)} → {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in cache:
                    cache[target] = _parse(target)
                page = cache[target]
                if unquote(parts.fragment) not in page.ids:
                    broken.append(f"{html.relative_to(site)} → {href} (no such anchor)")
    assert broken == []


def _pages_with_math(site: Path) -> list[Path]:
    return [site / "index.html", site / "api.html", *sorted((site / "catalog").glob("*.html")),
            *sorted((site / "guides").glob("*.html"))]


#: One Chromium start renders every page, each in a frame of this harness page, instead of one start per page
#: (about 1.1 s each, the most of this file's time). ``--allow-file-access-from-files`` lets the harness read its
#: frames' ``file://`` documents. A frame's slot is filled once the page's own MathJax says its typesetting is done
#: (``MathJax.startup.promise``), at once for a page with no MathJax script (a page without math; one with TeX
#: in it then shows raw delimiters), or after 10 s of virtual time for a page whose MathJax never starts. A slot
#: left at ``pending`` means the page did not finish within the virtual-time budget.
_HARNESS = """<!doctype html><html><body><script>
const pages = %s;
async function typeset(i) {
  const slot = document.createElement('pre'); slot.id = 'page-' + i; slot.textContent = 'pending';
  const frame = document.createElement('iframe'); frame.style.width = '1200px'; frame.style.height = '900px';
  document.body.append(slot, frame);
  const loaded = new Promise(done => frame.addEventListener('load', done));
  frame.src = pages[i];
  await loaded;
  const w = frame.contentWindow;
  const ready = () => w.MathJax && w.MathJax.startup && w.MathJax.startup.promise;
  const loads = frame.contentDocument.querySelector('script[src*="mathjax"]') !== null;
  for (let n = 0; loads && n < 200 && !ready(); n++) await new Promise(done => setTimeout(done, 50));
  if (ready()) await w.MathJax.startup.promise;
  slot.textContent = frame.contentDocument.documentElement.outerHTML;
}
pages.forEach((_, i) => typeset(i).catch(e => { document.getElementById('page-' + i).textContent = 'ERROR ' + e; }));
</script></body></html>"""


def _rendered_in_frames(pages: list[Path], workdir: Path) -> list[str]:
    """Each page's DOM after its MathJax finished, from one Chromium start (see :data:`_HARNESS`)."""
    harness = workdir / "harness.html"
    harness.write_text(_HARNESS % json.dumps([p.as_uri() for p in pages]), encoding="utf-8")
    dom = _chromium("--allow-file-access-from-files", "--dump-dom", harness.as_uri())
    slots = dict(re.findall(r'<pre id="page-(\d+)">(.*?)</pre>', dom, flags=re.S))
    return [unescape(slots.get(str(i), "missing from the harness")) for i in range(len(pages))]


@needs_browser
def test_the_math_is_typeset_in_a_real_browser_with_no_network(site, tmp_path):
    problems = []
    pages = _pages_with_math(site)
    for page, dom in zip(pages, _rendered_in_frames(pages, tmp_path), strict=True):
        if not dom.startswith("<html"):
            problems.append(f"{page.relative_to(site)}: {dom[:200]}")
            continue
        typeset = dom.count("<mjx-container")
        raw = re.findall(r"\\\(|\\\[", re.sub(r"<(script|pre|code)\b.*?</\1>", "", dom, flags=re.S))
        errors = dom.count("<mjx-merror") + dom.count('data-mjx-error')
        expected = _parse(page).math
        if typeset < expected or raw or errors:
            problems.append(f"{page.relative_to(site)}: {typeset} typeset of {expected}, {len(raw)} raw TeX "
                            f"delimiters, {errors} MathJax errors")
    assert problems == []


@needs_browser
def test_the_search_finds_a_rule(site):
    dom = _rendered(site / "search.html", "?q=grad_loss_w")
    results = re.search(r'<ul[^>]*class="search"[^>]*>(.*?)</ul>', dom, flags=re.S)
    assert results is not None, dom[-3000:]
    assert 'href="catalog/loss.html' in results.group(1), results.group(1)[:2000]


@needs_browser
def test_screenshots_of_a_rule_page_and_the_checker_guide_are_written(site):
    shots = site / "_screenshots"
    shots.mkdir(exist_ok=True)
    for name, page in (("rule-page.png", site / "catalog" / "loss.html"),
                       ("checker-guide.png", site / "guides" / "checking.html")):
        _chromium(f"--screenshot={shots / name}", "--window-size=1280,1600", "--hide-scrollbars", page.as_uri())
        data = (shots / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, (name, len(data))
