r"""``chainrule derive``: the paper's procedure from the command line (:func:`chainrule.reference.derive.derive`).

::

    chainrule derive "EXPR" --wrt NAME[,NAME…] --shape NAME=DIMS [--shape …]
        [--json | --markdown | --latex] [--trials T] [--seed S]

``EXPR`` is NumPy-like Python (``+ - * / @ **``, ``.T``, ``sum``, ``mean``, ``relu``, ``exp``, … see
:mod:`chainrule.reference.derive.parse`). ``--shape NAME=DIMS`` gives the shape of every variable in it:
``DIMS`` is a comma-separated list of dimension names or positive integers (``X=N,n``, ``W=3,4``), and
``b=`` (empty) is a scalar. ``--wrt`` names the variables to differentiate with respect to; the others
are constants. For example, the paper's neuron loss::

    chainrule derive "mean((y - relu(X @ w + b)) ** 2)" --wrt w,b \
        --shape X=N,n --shape w=n --shape b= --shape y=N

prints the intermediate variables with their local partials and catalog rules, the chain rule, the
closed form ``∂C/∂w = (2/N) Xᵀ(1[z > 0] ⊗ (z − y)), where z = Xw + b``, the verdict of checking
it against JAX, and the generated array-API code. ``--json`` prints everything as one JSON object,
``--markdown`` as a Markdown section, ``--latex`` only the closed forms (``\begin{aligned}``).
``--trials`` random trials per variable check the generated code (default 100); ``--seed`` fixes
every random draw (default 0).

Exit status: 0 when the derivation is verified, 1 when it was derived but not verified, 2 on a usage
error (a malformed ``--shape`` or ``--wrt``, a bad ``--trials`` or ``--seed``) or an expression
``derive`` cannot take (an unsupported construct, a shape mismatch, a variable without a shape).
"""

from __future__ import annotations

import argparse
import json
import keyword
import os
import sys

from .arguments import seed_type, trials_type

__all__ = ["add_parser", "shape_type", "wrt_type"]

_PROG = "chainrule derive"


def _name(text: str, what: str) -> str:
    name = text.strip()
    if not name.isidentifier() or keyword.iskeyword(name):
        raise argparse.ArgumentTypeError(f"{what}: expected a variable name (a Python identifier), got {text!r}")
    return name


def shape_type(text: str) -> tuple[str, tuple[str | int, ...]]:
    """``--shape NAME=DIMS``: ``("X", ("N", "n"))`` from ``X=N,n``; ``("b", ())`` from ``b=``.

    >>> shape_type("X=N,n"), shape_type("W=3, 4"), shape_type("b=")
    (('X', ('N', 'n')), ('W', (3, 4)), ('b', ()))
    """
    name, sep, dims = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=DIMS such as X=N,n, w=3 or b= (a scalar), got {text!r}")
    name = _name(name, f"{text!r}")
    dims = dims.strip()
    if dims.startswith("(") and dims.endswith(")"):  # b=() and X=(N,n) read as b= and X=N,n
        dims = dims[1:-1].strip()
    if not dims:
        return name, ()
    shape: list[str | int] = []
    for part in (p.strip() for p in dims.split(",")):
        if part.isdecimal() and part.isascii() and int(part) >= 1:
            shape.append(int(part))
        elif part.isidentifier() and not keyword.iskeyword(part):
            shape.append(part)
        else:
            raise argparse.ArgumentTypeError(
                f"{text!r}: each dimension must be a name (N, n) or a positive integer (3), got {part!r}; "
                "write a scalar as b=")
    return name, tuple(shape)


def wrt_type(text: str) -> tuple[str, ...]:
    """``--wrt w,b``: ``("w", "b")``.

    >>> wrt_type("w, b")
    ('w', 'b')
    """
    names = tuple(_name(p, f"{text!r}") for p in text.split(","))
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text!r} names a variable twice")
    return names


def domain_type(text: str) -> tuple[str, str]:
    """``--domain x=positive``: ``("x", "positive")``.

    >>> domain_type("x=positive")
    ('x', 'positive')
    """
    from ..samplers import DOMAINS

    name, sep, domain = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=DOMAIN, e.g. x=positive")
    name = _name(name, repr(text))
    domain = domain.strip()
    if domain not in DOMAINS:
        raise argparse.ArgumentTypeError(f"{text!r}: unknown domain {domain!r}; expected one of "
                                         f"{', '.join(sorted(DOMAINS))}")
    return name, domain


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``derive`` on the ``chainrule`` subcommand parser."""
    p = sub.add_parser(
        "derive",
        help="derive an expression's gradient step by step, with catalog rules, and verify it against JAX",
        description="Derive the gradient (or Jacobian) of EXPR step by step as the paper does: intermediate "
                    "variables, local partials citing catalog rules, the chain rule, a closed form and "
                    "array-API code, all verified against JAX. Exit status 0 if verified, 1 if not, 2 on a "
                    "usage error or an expression that cannot be derived.",
    )
    p.add_argument("expression", metavar="EXPR", help='NumPy-like Python, e.g. "mean((y - relu(X @ w + b)) ** 2)"')
    p.add_argument("--wrt", type=wrt_type, required=True, metavar="NAME[,NAME…]",
                   help="the variables to differentiate with respect to, comma-separated (the others are constants)")
    p.add_argument("--shape", type=shape_type, action="append", default=[], metavar="NAME=DIMS",
                   help="shape of a variable: names or positive integers, comma-separated (X=N,n, w=3); b= for "
                        "a scalar; repeat for each variable")
    p.add_argument("--domain", type=domain_type, action="append", default=[], metavar="NAME=DOMAIN",
                   help="draw a variable from this domain in the checks (positive, nonzero, spd, …) instead of the "
                        "one its uses suggest; repeat for each variable")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument("--markdown", action="store_true", help="print the derivation as Markdown")
    fmt.add_argument("--latex", action="store_true", help="print only the closed forms, in LaTeX")
    p.add_argument("--trials", type=trials_type, default=100,
                   help="random trials per variable checking the generated code (default 100)")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of every random draw (default 0)")
    p.set_defaults(func=_cmd_derive)


def _error(message: str) -> int:
    print(f"{_PROG}: error: {message}", file=sys.stderr)
    return 2


def _emit(text: str, end: str = "\n") -> None:
    """Print ``text``; when the reader has gone (``chainrule derive … | head``), stop writing quietly."""
    try:
        print(text, end=end, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again


def _cmd_derive(args: argparse.Namespace) -> int:
    shapes: dict[str, tuple[str | int, ...]] = {}
    for name, shape in args.shape:
        if name in shapes:
            return _error(f"--shape: {name!r} given twice ({name}={','.join(map(str, shapes[name]))} and "
                          f"{name}={','.join(map(str, shape))}); give each variable once")
        shapes[name] = shape
    if not shapes:
        return _error("give the shape of every variable in EXPR, e.g. --shape X=N,n --shape w=n --shape b=")

    from ..derive import DeriveError, derive

    try:
        report = derive(args.expression, args.wrt, shapes, trials=args.trials, seed=args.seed,
                        domains=dict(args.domain))
    except DeriveError as exc:
        return _error(str(exc))
    status = 0 if report.verified else 1
    if args.json:
        _emit(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif args.markdown:
        _emit(report.markdown(), end="")
    elif args.latex:
        _emit(report.latex)
        for problem in report.problems:  # LaTeX carries no verdict; the exit status and this line do
            print(f"{_PROG}: NOT verified: {problem}", file=sys.stderr)
    else:
        _print_rich(report)
    return status


def _print_rich(report: object) -> None:
    from rich.console import Console

    # As `chainrule verify`: rich renders at the terminal's width, and at 80 columns (or $COLUMNS) when
    # stdout is a pipe or a file, without escape codes there.
    # The generated code is printed as it is, after the rest: wrapped or cropped at the width it would no
    # longer run when copied.
    out = Console()
    if out.is_terminal:
        out.print(report.renderable(code=False))  # type: ignore[attr-defined]
    else:
        with out.capture() as captured:
            out.print(report.renderable(code=False))  # type: ignore[attr-defined]
        _emit("\n".join(line.rstrip() for line in captured.get().splitlines()))
    _emit("Code")
    _emit(report.code.rstrip())  # type: ignore[attr-defined]
