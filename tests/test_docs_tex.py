"""The catalog's formulas as TeX for the site (issue 13): every one converts to ASCII TeX with balanced
groups; the browser test (tests/test_docs_site.py) then has MathJax typeset every one of them."""

from __future__ import annotations

import pytest

from chainrule.reference.catalog import CATALOG
from chainrule.reference.docs.tex import formula_tex


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: f"{r.id}-{r.name}")
def test_every_catalog_formula_becomes_ascii_tex_with_balanced_groups(rule):
    tex = formula_tex(rule.formula)
    assert tex and tex.isascii(), tex
    assert _balanced(tex), tex


@pytest.mark.parametrize(("text", "tex"), [
    ("∂C/∂w = (2/N) Σ_i 1[z_i > 0]", r"\partial C/\partial w = (2/N) \sum_{i}\ 1[z_{i} > 0]"),
    ("d/dx xⁿ = n xⁿ⁻¹", r"d/dx\ x^{n} = n\ x^{n-1}"),                # the space is kept: not d/dxx
    ("A⁻ᵀ", r"A^{-\top}"),
    ("J^ij", "J^{ij}"),
    ("x̂ + 1⃗", r"\hat{x} + \vec{1}"),
    ("√(2/π)", r"\sqrt{2/\pi}"),
    ("{1 if xᵢ > 0; α if xᵢ ≤ 0}", r"\{1\ \text{ if }x_{i} > 0; \alpha\ \text{ if }x_{i} \leq 0\}"),
    ("b_{t+1}", "b_{t+1}"),
    ("S = row-wise softmax(Z)", r"S = \text{ row-wise }\operatorname{softmax}(Z)"),
    ("∂ℜx", r"\partial\Re x"),
])
def test_conversions_people_would_check_by_eye(text, tex):
    assert formula_tex(text) == tex


def test_docs_with_a_missing_verify_json_is_a_usage_error_that_says_how_to_make_one(tmp_path, capsys):
    from chainrule.reference.cli import main

    assert main(["docs", "--out", str(tmp_path / "site"), "--verify-json", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "nope.json: no such file" in err and "chainrule verify --json --dtype float64 > FILE" in err
    assert not (tmp_path / "site").exists()


def test_a_verify_json_of_mixed_dtypes_is_refused_before_anything_is_built(tmp_path, capsys):
    import json

    from chainrule.reference.cli import main

    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps({"rules": [{"name": "a", "dtype": "float64"}, {"name": "b", "dtype": "float32"}]}))
    assert main(["docs", "--out", str(tmp_path / "site"), "--verify-json", str(mixed)]) == 1
    err = capsys.readouterr().err
    assert "expected the output of one `chainrule verify --json` run (one dtype)" in err
    assert not (tmp_path / "site").exists()
