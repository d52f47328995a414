"""JAX's persistent compilation cache for ``chainrule verify`` and the test suite: compile once, reuse.

Almost all of a cold ``chainrule verify`` is XLA compiling the checks' programs. With the cache on,
every compiled program is written to a directory and a later run with the same program (same HLO,
shapes, JAX/jaxlib version, backend and compile options: JAX's own cache key) loads it instead of
compiling it again. Tracing and lowering still run: JAX computes the key from the lowered program.

Where the cache lives (first that applies):

1. ``directory`` passed to :func:`enable_compilation_cache` (``chainrule verify --cache-dir DIR``);
2. the environment variable ``CHAINRULE_CACHE_DIR``;
3. the user's cache directory: ``$XDG_CACHE_HOME/chainrule/xla`` (default ``~/.cache/chainrule/xla``)
   on Linux, ``~/Library/Caches/chainrule/xla`` on macOS, ``%LOCALAPPDATA%\\chainrule\\Cache\\xla`` on
   Windows.

It is off with ``chainrule verify --no-cache`` or ``CHAINRULE_NO_CACHE=1``. Deleting the directory is
always safe (the next run compiles again). A directory that cannot be created or written turns the
cache off with a warning that names it, never an error: a read-only home must not stop a check.

>>> import os
>>> str(default_cache_dir({"CHAINRULE_CACHE_DIR": "/tmp/cr-cache"}))
'/tmp/cr-cache'
>>> default_cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}, platform="linux").as_posix()
'/var/cache/me/chainrule/xla'
>>> cache_disabled({"CHAINRULE_NO_CACHE": "1"}), cache_disabled({})
(True, False)
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CACHE_DIR_ENV",
    "NO_CACHE_ENV",
    "cache_disabled",
    "default_cache_dir",
    "enable_compilation_cache",
    "enabled_cache_dir",
]

#: Overrides the cache's directory.
CACHE_DIR_ENV = "CHAINRULE_CACHE_DIR"
#: Any value but ``""``/``0``/``false``/``no`` turns the cache off.
NO_CACHE_ENV = "CHAINRULE_NO_CACHE"

_enabled: Path | None = None


def cache_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CHAINRULE_NO_CACHE`` asks for no persistent cache."""
    value = (os.environ if environ is None else environ).get(NO_CACHE_ENV, "")
    return value.strip().lower() not in ("", "0", "false", "no")


def default_cache_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The cache directory used when none is passed: ``CHAINRULE_CACHE_DIR``, else the user's cache dir."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV]).expanduser()
    platform = sys.platform if platform is None else platform
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Caches" / "chainrule" / "xla"
    if platform.startswith("win"):
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "chainrule" / "Cache" / "xla"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "chainrule" / "xla"


def _writable(directory: Path) -> str | None:
    """``None`` if ``directory`` exists (created if need be) and takes a file; else why not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def enable_compilation_cache(directory: str | os.PathLike[str] | None = None) -> Path | None:
    """Turn on JAX's persistent compilation cache in ``directory``; the directory used, or ``None``.

    ``None`` when ``CHAINRULE_NO_CACHE`` is set, or when the directory cannot be written (a
    :class:`RuntimeWarning` says which and why). Every compiled program is cached, however fast it
    compiled (the checks' programs are many and small). Call it before the first compilation of the
    process; calling it again with the same directory does nothing.
    """
    global _enabled
    if cache_disabled():
        return None
    path = Path(directory).expanduser() if directory is not None else default_cache_dir()
    path = path.absolute()
    if _enabled == path:
        return path
    problem = _writable(path)
    if problem is not None:
        warnings.warn(f"chainrule: the compilation cache directory {path} cannot be written ({problem}); "
                      f"compiling without a persistent cache (set {CACHE_DIR_ENV} to a writable directory, "
                      f"or {NO_CACHE_ENV}=1 to silence this)", RuntimeWarning, stacklevel=2)
        return None
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    if _enabled is not None:  # a second directory in one process: JAX must reopen its cache
        compilation_cache.reset_cache()
    _enabled = path
    return path


def enabled_cache_dir() -> Path | None:
    """The directory :func:`enable_compilation_cache` turned on in this process, if any."""
    return _enabled
