"""``chainrule check``: compare your own derivative with JAX's from the command line.

::

    chainrule check MODULE:FUNCTION MODULE:DERIVATIVE --shape x=5 --shape W=3,4
        [--kind auto|gradient|jacobian|hessian] [--argnums 0] [--trials N] [--seed S]
        [--domain x=positive] [--dtype float64|float32] [--rtol R] [--atol A]
        [--mode auto|dense|probe] [--json] [--plot FILE.png]

``MODULE`` is an importable module (``mypkg.layers``; the current folder is searched first) or a
Python file (``path/to/file.py``). ``--shape NAME=SIZES`` gives the shape of the function's parameter
``NAME`` (``x=5``, ``W=3,4``, ``b=`` or ``b=()`` for a scalar); the example arrays built from them
are passed positionally in the order of the function's signature. ``--argnums`` takes positions or
parameter names (``0``, ``0,1``, ``W``). ``--kind auto`` (the default) checks a gradient when the
function returns a scalar and a Jacobian otherwise.

Exit status: 0 when the derivative agrees with JAX, 1 when it does not (or the function cannot be
evaluated), 2 on a usage error (unknown module or attribute, bad ``--shape`` syntax, a parameter
without a shape).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import importlib.util
import inspect
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["add_parser"]

_KINDS = ("auto", "gradient", "jacobian", "hessian")


class UsageError(Exception):
    """A mistake on the command line: printed to stderr, exit status 2."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``chainrule check`` on the ``chainrule`` parser's subcommands."""
    p = sub.add_parser(
        "check",
        help="check your own gradient or Jacobian against JAX",
        description="Compare a hand-written derivative with JAX's on randomized inputs of the given "
                    "shapes. Exit status 0 if they agree, 1 if not, 2 on a usage error.",
    )
    p.add_argument("function", metavar="MODULE:FUNCTION",
                   help="the primal, e.g. mymodel:loss or path/to/file.py:loss")
    p.add_argument("derivative", metavar="MODULE:DERIVATIVE",
                   help="your derivative of it, same arguments, e.g. mymodel:grad_loss")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=SIZES",
                   help="shape of the parameter NAME: x=5, W=3,4, b= (scalar); repeat for each parameter")
    p.add_argument("--kind", choices=_KINDS, default="auto",
                   help="what the derivative returns (default auto: gradient if FUNCTION returns a "
                        "scalar, else jacobian)")
    p.add_argument("--argnums", default="0", metavar="ARGNUMS",
                   help="the argument(s) to differentiate: positions or names, comma-separated (default 0)")
    p.add_argument("--trials", type=int, default=None, help="random trials (default: the checker's)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random draws (default: the checker's)")
    p.add_argument("--domain", action="append", default=[], metavar="NAME=DOMAIN",
                   help="where NAME's trials are drawn: real, positive, nonzero, away_from_kink, unit, …")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="dtype of the example inputs (default float64)")
    p.add_argument("--rtol", type=float, default=None, help="relative tolerance (default: dtype-keyed)")
    p.add_argument("--atol", type=float, default=None, help="absolute tolerance (default: dtype-keyed)")
    p.add_argument("--mode", choices=("auto", "dense", "probe"), default=None,
                   help="compare full Jacobians (dense) or random products (probe); default auto")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--plot", metavar="FILE.png", default=None,
                   help="also draw the candidate's and JAX's derivatives and their difference")
    p.set_defaults(func=_cmd_check)


# --- resolving MODULE:ATTRIBUTE -------------------------------------------------------------------


def _split_target(spec: str, what: str) -> tuple[str, str]:
    module, sep, attr = spec.rpartition(":")
    if not sep or not module or not attr:
        raise UsageError(f"{what}: expected MODULE:NAME (e.g. mymodel:loss or path/to/file.py:loss), "
                         f"got {spec!r}")
    return module, attr


def _load_module(module: str, what: str) -> Any:
    if module.endswith(".py") or os.sep in module or "/" in module:
        path = Path(module)
        if not path.is_file():
            raise UsageError(f"{what}: no such file {module!r} (from {os.getcwd()})")
        path = path.resolve()
        stem = re.sub(r"\W", "_", path.stem)
        name = f"_chainrule_check_{stem}_{abs(hash(str(path))):x}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise UsageError(f"{what}: cannot load {module!r} as a Python module (expected a .py file)")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        try:
            with _search_first(str(path.parent)):  # the file imports its neighbours, as a script would
                spec.loader.exec_module(mod)
        except Exception as exc:
            del sys.modules[name]
            raise UsageError(f"{what}: importing {module!r} raised {type(exc).__name__}: {exc}") from None
        return mod
    try:
        with _search_first(os.getcwd()):  # `chainrule check mymodel:f` finds ./mymodel.py
            return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            raise UsageError(f"{what}: no module named {module!r} (searched the current folder and "
                             "sys.path); give an importable module or a file path such as "
                             "path/to/file.py") from None
        raise UsageError(f"{what}: importing {module!r} raised ModuleNotFoundError: {exc}") from None
    except Exception as exc:
        raise UsageError(f"{what}: importing {module!r} raised {type(exc).__name__}: {exc}") from None


@contextlib.contextmanager
def _search_first(folder: str) -> Iterator[None]:
    """Put ``folder`` first on ``sys.path`` while importing, then restore ``sys.path``."""
    saved = list(sys.path)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path[:] = saved


def _resolve(spec: str, what: str) -> Callable[..., Any]:
    """The callable named by ``MODULE:NAME`` (``NAME`` may be dotted: ``Model.loss``)."""
    module, attr = _split_target(spec, what)
    obj: Any = _load_module(module, what)
    for i, part in enumerate(attr.split(".")):
        if not hasattr(obj, part):
            owner = module if i == 0 else f"{module}:{'.'.join(attr.split('.')[:i])}"
            names = [n for n in dir(obj) if not n.startswith("_")]
            near = difflib.get_close_matches(part, names, n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise UsageError(f"{what}: {owner} has no attribute {part!r}{hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{what}: {spec} is a {type(obj).__name__}, not a function")
    return obj


# --- shapes, domains and argnums ------------------------------------------------------------------

_SHAPE_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$")


def _parse_shape(text: str) -> tuple[str, tuple[int, ...]]:
    m = _SHAPE_RE.match(text)
    if not m:
        raise UsageError(f"--shape {text!r}: expected NAME=SIZES such as x=5, W=3,4 or b= (a scalar)")
    name, sizes = m.group(1), m.group(2)
    sizes = sizes.strip().removeprefix("(").removesuffix(")").strip()
    if not sizes:
        return name, ()
    parts = [s.strip() for s in re.split(r"[,x×]", sizes) if s.strip()]
    try:
        shape = tuple(int(s) for s in parts)
    except ValueError:
        raise UsageError(f"--shape {text!r}: sizes must be positive integers separated by commas "
                         f"(x=5, W=3,4), got {m.group(2)!r}") from None
    if any(s < 1 for s in shape):
        raise UsageError(f"--shape {text!r}: sizes must be at least 1, got {shape}")
    return name, shape


def _parse_pairs(values: list[str], flag: str, parse: Callable[[str], tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for text in values:
        name, value = parse(text)
        if name in out:
            raise UsageError(f"{flag}: {name!r} given twice ({flag} {name}=…); give each name once")
        out[name] = value
    return out


def _parse_domain(text: str) -> tuple[str, str]:
    from ..samplers import DOMAINS

    name, sep, domain = text.partition("=")
    name, domain = name.strip(), domain.strip()
    if not sep or not name.isidentifier() or not domain:
        raise UsageError(f"--domain {text!r}: expected NAME=DOMAIN such as x=positive")
    if domain not in DOMAINS:
        raise UsageError(f"--domain {text!r}: unknown domain {domain!r}; expected one of {sorted(DOMAINS)}")
    return name, domain


def _parameters(fn: Callable[..., Any], what: str) -> list[inspect.Parameter]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise UsageError(f"{what}: cannot read the signature of {fn!r}; wrap it in a def with named "
                         "parameters") from None
    return params


def _positional_names(fn: Callable[..., Any], shapes: dict[str, tuple[int, ...]], what: str) -> list[str]:
    """The parameters to pass, in signature order; every one of them has a shape."""
    params = _parameters(fn, what)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in positional]
    unknown = [n for n in shapes if n not in names]
    if unknown:
        extra = ""
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            extra = " (shapes cannot be matched to *args; wrap the function in a def with named parameters)"
        raise UsageError(f"--shape: {what} has no parameter named {', '.join(map(repr, unknown))}; its "
                         f"parameters are ({', '.join(names)}){extra}")
    required_kw = [p.name for p in params if p.kind == p.KEYWORD_ONLY and p.default is p.empty]
    if required_kw:
        raise UsageError(f"{what}: keyword-only parameters without defaults ({', '.join(required_kw)}) "
                         "cannot be given shapes; give them defaults or make them positional")
    last = max((i for i, n in enumerate(names) if n in shapes), default=-1)
    missing = [p.name for p in positional if p.name not in shapes and
               (p.default is p.empty or positional.index(p) < last)]
    if missing:
        given = " ".join(f"--shape {n}={','.join(map(str, s))}" for n, s in shapes.items()) or "none"
        raise UsageError(
            f"--shape: no shape for parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} of {what}{_signature(fn)}; add "
            f"{' '.join(f'--shape {n}=…' for n in missing)} (given: {given})"
        )
    return names[: last + 1]


def _signature(fn: Callable[..., Any]) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):  # pragma: no cover
        return "(…)"


def _parse_argnums(text: str, names: list[str]) -> int | tuple[int, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise UsageError(f"--argnums {text!r}: expected positions or parameter names such as 0, 0,1 or W")
    out = []
    for p in parts:
        if re.fullmatch(r"-?\d+", p):
            i = int(p)
            if not -len(names) <= i < len(names):
                raise UsageError(f"--argnums {text!r}: position {i} is out of range for the "
                                 f"{len(names)} argument(s) given shapes ({', '.join(names)})")
            out.append(i % len(names))
        elif p in names:
            out.append(names.index(p))
        else:
            raise UsageError(f"--argnums {text!r}: {p!r} is neither a position nor one of the arguments "
                             f"given shapes ({', '.join(names)})")
    if len(set(out)) != len(out):
        raise UsageError(f"--argnums {text!r}: an argument is listed twice")
    return out[0] if len(out) == 1 else tuple(out)


# --- the command ----------------------------------------------------------------------------------


def _examples(names: list[str], shapes: dict[str, tuple[int, ...]], domains: dict[str, str],
              dtype: str, seed: int | None) -> list[Any]:
    import numpy as np

    from ..samplers import sample

    rng = np.random.default_rng(0 if seed is None else seed)
    return [sample(domains.get(n, "real"), rng, shapes[n], dtype) for n in names]


def _kind_of(fn: Callable[..., Any], args: list[Any], what: str) -> str:
    """``gradient`` when ``fn`` returns a scalar at the example inputs, else ``jacobian``."""
    import numpy as np

    from ..autodiff import x64

    try:
        with x64(args[0].dtype == np.float64 if args else True):
            out = fn(*args)
    except Exception as exc:
        raise _Failure(f"{what} raised {type(exc).__name__} on example inputs of shapes "
                       f"{[tuple(np.shape(a)) for a in args]}: {exc}; check the --shape values") from None
    try:
        shape = tuple(np.shape(out))
    except Exception:  # a pytree output: let the Jacobian check describe it
        return "jacobian"
    return "gradient" if shape == () else "jacobian"


class _Failure(Exception):
    """The function cannot be evaluated: a check failure, exit status 1."""


def _command_line(args: argparse.Namespace, kind: str, seed: int) -> str:
    """The ``chainrule check`` command that reproduces this run (same trials and seed)."""
    words = ["chainrule", "check", args.function, args.derivative]
    for text in args.shape:
        words += ["--shape", text.replace(" ", "")]
    words += ["--kind", kind]
    if args.argnums != "0":
        words += ["--argnums", args.argnums]
    for text in args.domain:
        words += ["--domain", text]
    if args.dtype != "float64":
        words += ["--dtype", args.dtype]
    for key in ("trials", "rtol", "atol", "mode"):
        value = getattr(args, key)
        if value is not None:
            words += [f"--{key}", str(value)]
    words += ["--seed", str(seed)]
    return shlex.join(words)


def _emit(text: str) -> None:
    """Print ``text``; when the reader has gone (``chainrule check … | head``), stop writing quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not fail again


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as exc:
        print(f"chainrule check: {exc}", file=sys.stderr)
        return 2
    except _Failure as exc:
        print(f"chainrule check: FAIL: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.trials is not None and args.trials < 1:
        raise UsageError(f"--trials must be at least 1, got {args.trials}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a whole number ≥ 0 (NumPy seeds are non-negative), got {args.seed}")
    for flag in ("rtol", "atol"):
        v = getattr(args, flag)
        if v is not None and not v >= 0:
            raise UsageError(f"--{flag} must be ≥ 0, got {v}")
    if args.plot is not None:
        folder = Path(args.plot).parent
        if not folder.is_dir():
            raise UsageError(f"--plot {args.plot!r}: the folder {str(folder)!r} does not exist")
        if Path(args.plot).suffix.lower() not in (".png", ".pdf", ".svg"):
            raise UsageError(f"--plot {args.plot!r}: expected a .png, .pdf or .svg file name")
    shapes = _parse_pairs(args.shape, "--shape", _parse_shape)
    domains = _parse_pairs(args.domain, "--domain", _parse_domain)
    f = _resolve(args.function, "FUNCTION")
    derivative = _resolve(args.derivative, "DERIVATIVE")
    names = _positional_names(f, shapes, args.function)
    if not names:
        raise UsageError(f"--shape: give the shape of at least one parameter of {args.function}"
                         f"{_signature(f)}, e.g. --shape x=5")
    stray = sorted(set(domains) - set(names))
    if stray:
        raise UsageError(f"--domain: {', '.join(stray)} is not among the arguments given shapes "
                         f"({', '.join(names)})")
    argnums = _parse_argnums(args.argnums, names)
    examples = _examples(names, shapes, domains, args.dtype, args.seed)
    kind = args.kind if args.kind != "auto" else _kind_of(f, examples, args.function)

    # the shapes are declared, so other shapes are the user's too: a passing check whose example is square
    # is retried with an axis grown by one; the dtype is declared, so the candidate runs in it
    options: dict[str, Any] = {"vary_shapes": True, "candidate_precision": "as-given"}
    for key in ("trials", "seed", "rtol", "atol", "mode"):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    if domains:
        options["domains"] = dict(domains)

    from .. import check as _check

    checker = {"gradient": _check.check_gradient, "jacobian": _check.check_jacobian,
               "hessian": _check.check_hessian}[kind]
    try:
        report = checker(f, derivative, *examples, argnums=argnums, **options)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"the checker rejected the arguments: {exc}") from None

    # The checker's reproduction line is a Python call naming a module loaded from a path; from the
    # command line, the command itself is the line that reproduces the report.
    report.reproduce = _command_line(args, kind, report.seed)
    report.inputs = None  # no Python session to inspect them in; the command above redraws them
    _emit(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.json else str(report))
    if args.plot is not None:
        from ..plot import plot_report

        try:
            written = plot_report(report, args.plot)
        except (ValueError, TypeError) as exc:
            print(f"chainrule check: no plot written: {exc}", file=sys.stderr)
        else:
            print(f"chainrule check: wrote {written}", file=sys.stderr)
    return 0 if report.ok else 1
