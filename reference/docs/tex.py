"""A catalog formula, written as people write it in text (``∂C/∂w = (2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ``),
as TeX for the documentation site's MathJax.

The formula's one source is the first line of its closed form's docstring (``Rule.formula``); this module
only spells it in TeX: Greek letters and operators become their commands, runs of superscript and subscript
characters become ``^{…}`` and ``_{…}`` (``ᵀ`` is ``\\top``), ``√(…)`` a ``\\sqrt``, combining hats and arrows
``\\hat``/``\\vec``, function names ``\\operatorname``, and the English words between the mathematics
``\\text``. The site's browser test fails on any formula MathJax cannot typeset.

>>> formula_tex("∂C/∂w = (2/N) Σ_i 1[z_i > 0] (z_i − y_i) x_iᵀ")
'\\\\partial C/\\\\partial w = (2/N) \\\\sum_{i}\\\\ 1[z_{i} > 0] (z_{i} - y_{i}) x_{i}^{\\\\top}'
>>> formula_tex("∂(w > x)/∂x = 0 (n × n) almost everywhere")
'\\\\partial(w > x)/\\\\partial x = 0 (n \\\\times n) \\\\text{ almost everywhere}'
>>> formula_tex("c = √(2/π), x̂ = A⁻ᵀ")
'c = \\\\sqrt{2/\\\\pi}, \\\\hat{x} = A^{-\\\\top}'
"""

from __future__ import annotations

import re

__all__ = ["formula_tex"]

_SYMBOLS = {
    "∂": r"\partial", "Σ": r"\sum", "∇": r"\nabla", "Δ": r"\Delta", "α": r"\alpha", "β": r"\beta",
    "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta", "λ": r"\lambda", "μ": r"\mu",
    "π": r"\pi", "σ": r"\sigma", "τ": r"\tau", "⊙": r"\odot", "⊗": r"\otimes", "⊘": r"\oslash",
    "∘": r"\circ", "·": r"\cdot", "×": r"\times", "→": r"\to", "−": "-", "≠": r"\neq", "≤": r"\leq",
    "≥": r"\geq", "⋆": r"\star", "…": r"\dots", "½": r"\tfrac{1}{2}", "ℑ": r"\Im", "ℜ": r"\Re",
    "‖": r"\|", "′": "'", "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "~": r"\sim",
    "ŵ": r"\hat{w}", "Ŷ": r"\hat{Y}", "ŷ": r"\hat{y}",
}
_SUPER = {"²": "2", "³": "3", "¹": "1", "⁷": "7", "⁸": "8", "ⁿ": "n", "ⁱ": "i", "ʳ": "r", "ᵏ": "k",
          "⁻": "-", "⁺": "+", "⁽": "(", "⁾": ")", "ᵀ": r"\top", "ᴴ": r"\mathsf{H}"}
_SUB = {"₀": "0", "₁": "1", "₂": "2", "₊": "+", "₋": "-", "ₓ": "x", "ₖ": "k", "ₗ": "l", "ₙ": "n",
        "ₜ": "t", "ᵢ": "i", "ⱼ": "j"}
_COMBINING = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u20d7": r"\vec"}
#: Names set upright, as functions.
FUNCTIONS = frozenset("""
    exp log ln sin cos tanh det diag Tr tr max min sum mean softmax softplus clip onehot tril eig adj norm
    rowsum gelu GELU leaky_relu loss_gradient vjp_causal_attention_Q Concat BCE MSE idx mask relu sigmoid
""".split())
#: Words set as text between the mathematics.
WORDS = frozenset("""
    Jacobians LAYER MLP alike almost along also and any at backward batch block causal column contain
    cotangent derivative diagonal diagonals directional either entry every everywhere first for forward
    free gradients head heads if imaginary inverse is its layer maximum of on or over own parameters part
    read real residual row sample scalar shape staged symmetric that the transformer values vector when
    whose windows wise with
""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-\d+[a-z]?)?(?:'s)?")
_TEXTISH = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:'s)?\.?")


def _text_word(word: str) -> bool:
    """An English word of the formulas (``almost``, ``LAYER-23's``, ``row-wise``), not mathematics."""
    w = word.rstrip(".")
    w = w[:-2] if w.endswith("'s") else w
    return w.split("-")[0] in WORDS or w in ("i.e", "e.g")


def _text_run(text: str, i: int) -> int:
    """The end of the run of English words starting at ``i`` (``i`` itself when there is none)."""
    end, j = i, i
    while True:
        m = _TEXTISH.match(text, j)
        if not m or not _text_word(m.group(0)):
            return end
        after = m.end()
        if after < len(text) and (text[after].isalnum() or text[after] in "_(["):
            return end
        end = after
        if text[end:end + 1] != " ":
            return end
        j = end + 1


def formula_tex(text: str) -> str:
    """``text`` (a catalog formula) as TeX for MathJax; see the module docstring."""
    out: list[str] = []
    braces: list[bool] = []  # per open "{": True when it groups a sub/superscript (kept), False when literal
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        end = _text_run(text, i) if ch.isalpha() and (i == 0 or text[i - 1] in " (") else i
        if end > i:
            lead = " " if i > 0 and text[i - 1] == " " else ""
            trail = " " if text[end:end + 1] == " " else ""
            out.append(r"\text{" + lead + text[i:end] + trail + "}")
            i = end + len(trail)
            continue
        if ch.isalpha() and ch.isascii():
            word = _WORD.match(text, i).group(0)  # type: ignore[union-attr]
            i += len(word)
            _identifier(word, out)
            continue
        if ch in _SUPER or ch in _SUB:
            table, mark = (_SUPER, "^") if ch in _SUPER else (_SUB, "_")
            j = i
            while j < n and text[j] in table:
                j += 1
            out.append(mark + "{" + "".join(table[c] for c in text[i:j]) + "}")
            i = j
            continue
        if ch in _COMBINING:
            last = out.pop() if out else "{}"
            out.append(f"{_COMBINING[ch]}{{{last}}}")
            i += 1
            continue
        if ch == "√":
            i += 1
            if i < n and text[i] == "(":
                depth, j = 0, i
                while j < n:
                    depth += {"(": 1, ")": -1}.get(text[j], 0)
                    if depth == 0:
                        break
                    j += 1
                out.append(r"\sqrt{" + formula_tex(text[i + 1:j]) + "}")
                i = j + 1
            else:
                m2 = re.match(r"[A-Za-z0-9.]+", text[i:])
                arg = m2.group(0) if m2 else ""
                out.append(r"\sqrt{" + formula_tex(arg) + "}")
                i += len(arg)
            continue
        if ch == "{":
            grouping = bool(out) and out[-1] in ("_", "^")
            braces.append(grouping)
            out.append("{" if grouping else r"\{")
        elif ch == "}":
            grouping = braces.pop() if braces else False
            out.append("}" if grouping else r"\}")
        elif ch == "\\":
            out.append(r"\backslash ")
        elif ch == " ":
            out.append(_space(text, i, out))
        else:
            out.append(_SYMBOLS.get(ch, ch))
        i += 1
    return _join(out).strip()


def _identifier(word: str, out: list[str]) -> None:
    """A run of ASCII letters, digits and underscores: a function name, or letters with subscripts."""
    if out and out[-1] in ("_", "^"):  # a script written with an ASCII mark: the whole run (J^ij)
        out.append("{" + word.replace("_", r"\_") + "}")
        return
    if word.endswith("'s"):
        out.append(r"\text{" + word + "}")
        return
    if word in FUNCTIONS:
        out.append(r"\operatorname{" + word.replace("_", r"\_") + "}")
        return
    parts = word.split("_")
    head = parts[0]
    out.extend(head)  # one token per letter: a combining mark applies to the last one only
    for part in parts[1:]:
        if part == "":  # a trailing "_": its subscript is the group that follows ("S_{i,y}")
            out.append("_")
            continue
        sub = re.match(r"\d+|[A-Za-z]+", part).group(0)  # type: ignore[union-attr]
        out.append("_{" + sub + "}")
        out.extend(part[len(sub):])


#: Characters beside which a space is TeX's own (an operator's spacing); elsewhere a space is kept (``\ ``):
#: ``d/dx xⁿ`` is not ``d/dxxⁿ``.
_SPACED = set("=+-<>,;:/(|[") | {"−", "·", "×", "→", "≠", "≤", "≥", "⊙", "⊗", "⊘", "∘", "⋆", ")", "]"}


_CONTROL_WORD = re.compile(r"\\[A-Za-z]+$")


def _join(tokens: list[str]) -> str:
    """The tokens as one TeX string: a control word keeps its space before a letter (``\\partial y``), and
    a script mark takes the next token as its group (``\\sum_{i}``, ``_{\\hat{y}}``)."""
    parts: list[str] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if tok in ("_", "^") and k + 1 < len(tokens) and not tokens[k + 1].startswith("{"):
            tok, k = tok + "{" + tokens[k + 1] + "}", k + 1
        if parts and _CONTROL_WORD.search(parts[-1]) and tok[:1].isalpha():
            parts.append(" ")
        parts.append(tok)
        k += 1
    return "".join(parts)


def _space(text: str, i: int, out: list[str]) -> str:
    prev = text[:i].rstrip()[-1:]
    nxt = text[i:].lstrip()[:1]
    if not prev or not nxt or prev in _SPACED or nxt in _SPACED or (out and out[-1].startswith(r"\text")):
        return " "
    return r"\ "
