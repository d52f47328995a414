"""Traced programs kept between runs of ``chainrule verify``, so a second run neither traces nor lowers them.

JAX's persistent compilation cache (:mod:`chainrule.reference.compile_cache`) saves XLA's compiling, but
JAX must still trace every program and lower it to compute the cache's key; for the catalog that is
most of a warm run. This store saves the *traced* program with :mod:`jax.export` (StableHLO, serialized)
under a key that covers everything the trace depends on:

* the SHA-256 of every ``.py`` file of the installed ``chainrule`` package (its closed forms, primals,
  records, checker) — any change to any source makes every stored program unreachable;
* the versions of JAX, jaxlib, NumPy and Python, the platform, and whether 64-bit mode is on;
* the caller's description of the program (for ``chainrule verify``: the batch's rules, dtype, trials and
  seed) and the shapes and dtypes of every argument.

A stored program is loaded with :func:`jax.export.deserialize` and called through ``jax.jit`` (XLA then
finds its compiled form in the compilation cache). Anything unexpected while exporting, writing or
loading — an unserializable output, a full disk, a truncated file — falls back to tracing as usual, and a
broken file is deleted: the store can make a run faster, never different. It lives in ``exported/`` inside
the compilation cache's directory and is off whenever that cache is off (``--no-cache``).

Beside the programs it keeps, under the same kind of key, what each check of a batch learned by tracing
before it ran (the shapes and dtypes of ``f``'s output and of the candidate's): :func:`save_structs`,
:func:`load_structs`. A warm run then traces nothing at all.

>>> len(source_fingerprint()) == 64
True
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["load_structs", "program_key", "save_structs", "source_fingerprint", "store_dir", "stored_program"]


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """SHA-256 over the path and bytes of every ``.py`` file of the installed package (all of its folders:
    an editable install maps them from separate places)."""
    import importlib.util

    h = hashlib.sha256()
    roots = set()
    for name in ("chainrule", "chainrule.analytic", "chainrule.reference", "chainrule.benchmarks"):
        spec = importlib.util.find_spec(name)  # by name: this module must not import the package's top
        locations = spec.submodule_search_locations if spec is not None else None
        roots.update(Path(p).resolve() for p in locations or ())
    for root in sorted(roots):
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def _environment() -> str:
    import jax

    versions = ",".join(f"{d}={importlib.metadata.version(d)}" for d in ("jax", "jaxlib", "numpy"))
    return (f"{versions},python={sys.version.split()[0]},{platform.machine()},{jax.default_backend()},"
            f"x64={bool(jax.config.jax_enable_x64)}")


def program_key(description: str, args: Any) -> str:
    """The key of a program: the package's sources, the environment, ``description`` and the arguments'
    tree, shapes and dtypes."""
    import jax

    leaves, tree = jax.tree_util.tree_flatten(args)
    signature = ";".join(f"{tuple(a.shape)}:{a.dtype}" for a in leaves)
    text = "\n".join((source_fingerprint(), _environment(), description, str(tree), signature))
    return hashlib.sha256(text.encode()).hexdigest()


def store_dir() -> Path | None:
    """``exported/`` in the enabled compilation cache's directory, or ``None`` when there is no cache."""
    from ..compile_cache import enabled_cache_dir

    base = enabled_cache_dir()
    return None if base is None else base / "exported"


def stored_program(fn: Callable[..., Any], args: Any, description: str,
                   compiler_options: dict[str, Any] | None = None) -> Callable[..., Any]:
    """``fn`` (a ``jax.jit`` function of the single argument ``args``) as a callable that skips tracing when
    this exact program was exported before; ``fn`` itself when there is no store or anything fails."""
    import jax
    from jax import export

    directory = store_dir()
    if directory is None:
        return fn
    path = directory / f"{program_key(description, args)}.jaxexport"
    exported = None
    if path.is_file():
        try:
            exported = export.deserialize(bytearray(path.read_bytes()))
        except Exception:  # a truncated or foreign file: trace again, and replace it
            path.unlink(missing_ok=True)
    if exported is None:
        try:
            specs = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), args)
            exported = export.export(fn)(specs)
            _write(path, exported.serialize())
        except Exception:
            return fn
    return jax.jit(exported.call, compiler_options=compiler_options)


def _write(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(blob)
    os.replace(tmp, path)  # readers see a whole file or none


def _structs_path(description: str) -> Path | None:
    directory = store_dir()
    return None if directory is None else directory / f"{program_key(description + '|structs', ())}.structs"


def save_structs(description: str, structs: list[Any]) -> None:
    """Keep ``structs`` (pytrees of ``jax.ShapeDtypeStruct``, one per check of a batch) under ``description``;
    nothing happens when there is no store or the write fails."""
    import pickle

    path = _structs_path(description)
    if path is None:
        return
    try:
        _write(path, pickle.dumps(structs))
    except Exception:
        return


def load_structs(description: str, count: int) -> list[Any] | None:
    """The ``count`` structures saved under ``description``, or ``None`` (no store, none saved, another
    count, or a broken file, which is deleted)."""
    import pickle

    import jax

    path = _structs_path(description)
    if path is None or not path.is_file():
        return None
    try:
        structs = pickle.loads(path.read_bytes())
        leaves = jax.tree_util.tree_leaves(structs)
        if (isinstance(structs, list) and len(structs) == count
                and all(isinstance(a, jax.ShapeDtypeStruct) for a in leaves)):
            return structs
    except Exception:
        pass
    path.unlink(missing_ok=True)
    return None
