"""The documentation site's derivations page: every gallery expression of ``chainrule derive``
(:data:`chainrule.reference.derive.gallery.GALLERY`) derived and verified at build time, its closed form
typeset from the report's LaTeX, its steps with the rule each one uses, and the verdict.

>>> page = derive_gallery_page(names=("C-2",), trials=5)
>>> "C-2" in page and ".. math::" in page and "verified" in page
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["derive_gallery_page"]


def _literal(text: str) -> str:
    """Inline literal reST (formulas may hold ``|`` and ``*``, which reST would read as markup)."""
    return f"``{text}``" if text else ""


def derive_gallery_page(names: Sequence[str] | None = None, *, trials: int = 100, seed: int = 0) -> str:
    """The page's reST: one section per gallery entry (``names`` selects some)."""
    from ..derive import derive
    from ..derive.gallery import GALLERY

    entries = [g for g in GALLERY if names is None or g.name in names]
    out = [
        ".. _derivations:",
        "",
        "Derivations",
        "===========",
        "",
        "Each expression below was derived by ``chainrule derive`` when this site was built: one intermediate",
        "variable per operation, each local partial with the catalog rule it is, the chain rule, and the closed",
        "form. Each was verified then: every local partial against ``jax.jacfwd`` (the derivation checker) and",
        f"the generated code against JAX on {trials} random trials per variable. See the guide",
        ":doc:`guides/derivations` for the command.",
        "",
    ]
    for g in entries:
        r = derive(g.expression, g.wrt, g.shapes, trials=trials, seed=seed)
        title = f"{g.name}: {g.expression}"
        verdict = "verified" if r.verified else "NOT verified: " + "; ".join(r.problems)
        shapes = ", ".join(f"{k} ({', '.join(map(str, v))}{',' if len(v) == 1 else ''})" for k, v in g.shapes.items())
        out += [f".. _derive-{g.name}:", "", title, "-" * len(title), ""]
        out += [f"Shapes: {_literal(shapes)}; with respect to {', '.join(g.wrt)}."
                + (f" {g.note}." if g.note else ""), ""]
        out += [".. math::", "", *(f"   {line}" for line in r.latex.splitlines()), ""]
        out += [".. list-table::", "   :header-rows: 1", "", "   * - variable", "     - definition",
                "     - local partials", "     - rules"]
        for s in r.steps:
            partials = "; ".join(f"∂{s.name}/∂{p.wrt} = {p.formula}" for p in s.partials)
            rules = ", ".join(dict.fromkeys(p.rule for p in s.partials))
            out += [f"   * - {_literal(s.name)}", f"     - {_literal(s.formula)}",
                    f"     - {_literal(partials)}", f"     - {rules}"]
        out += ["", f"**{verdict}** ({len(r.steps)} steps, {r.seconds:.1f} s).", ""]
    return "\n".join(out) + "\n"
