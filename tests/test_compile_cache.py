"""JAX's persistent compilation cache (issue 12): where it lives, that a second run loads programs
instead of compiling them, and that it is off when asked and harmless when it cannot be written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chainrule.reference.compile_cache import (
    CACHE_DIR_ENV,
    NO_CACHE_ENV,
    cache_disabled,
    default_cache_dir,
    enable_compilation_cache,
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (CACHE_DIR_ENV, NO_CACHE_ENV)}
    return {**env, **extra}


def test_the_default_directory_follows_each_platforms_convention_and_the_override_wins():
    assert default_cache_dir({"HOME": "/home/u"}, platform="linux") == Path("/home/u/.cache/chainrule/xla")
    assert default_cache_dir({"HOME": "/home/u", "XDG_CACHE_HOME": "/c"}, platform="linux") == Path(
        "/c/chainrule/xla")
    assert default_cache_dir({"HOME": "/Users/u"}, platform="darwin") == Path(
        "/Users/u/Library/Caches/chainrule/xla")
    assert default_cache_dir({"HOME": "/h", "LOCALAPPDATA": "/l"}, platform="win32") == Path(
        "/l/chainrule/Cache/xla")
    assert default_cache_dir({"HOME": "/h", CACHE_DIR_ENV: "/mine", "XDG_CACHE_HOME": "/c"},
                             platform="linux") == Path("/mine")


@pytest.mark.parametrize(("value", "off"), [("1", True), ("yes", True), ("0", False), ("", False),
                                            ("false", False)])
def test_no_cache_reads_like_a_switch(value, off):
    assert cache_disabled({NO_CACHE_ENV: value}) is off


def test_an_unwritable_directory_warns_names_it_and_turns_the_cache_off(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.warns(RuntimeWarning, match=r"a-file/xla cannot be written .*CHAINRULE_CACHE_DIR"):
        assert enable_compilation_cache(blocker / "xla") is None


_COUNT_HITS = textwrap.dedent("""
    import json, sys
    import jax
    from chainrule.reference.compile_cache import enable_compilation_cache
    from chainrule.reference.catalog import by_name
    from chainrule.reference.catalog.verify import verify_catalog

    events = []
    jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))
    enable_compilation_cache(sys.argv[1])
    results = verify_catalog([by_name("grad_power_x"), by_name("jac_sin_of_linear_x")], trials=10)
    print(json.dumps({"hits": events.count("/jax/compilation_cache/cache_hits"),
                      "misses": events.count("/jax/compilation_cache/cache_misses"),
                      "status": [r.status for r in results], "err": [r.max_rel_error for r in results]}))
""")


def test_a_second_run_loads_every_program_from_the_cache_and_reaches_the_same_verdicts(tmp_path):
    cache = tmp_path / "cache"

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", _COUNT_HITS, str(cache)], capture_output=True, text=True,
                             env=_env(), check=True, cwd=tmp_path)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first, second = run(), run()
    assert first["hits"] == 0 and first["misses"] > 0, first
    assert any(cache.iterdir()), "the first run wrote nothing to the cache"
    assert second["misses"] == 0 and second["hits"] == first["misses"], (first, second)
    assert first["status"] == second["status"] == ["pass", "pass"]
    assert first["err"] == second["err"]


def test_verify_writes_to_cache_dir_and_no_cache_writes_nothing(tmp_path):
    mine, env_dir = tmp_path / "mine", tmp_path / "from-env"
    args = [sys.executable, "-m", "chainrule", "verify", "-k", "grad_power_x", "--json"]
    done = subprocess.run([*args, "--cache-dir", str(mine)], capture_output=True, text=True,
                          env=_env(**{CACHE_DIR_ENV: str(env_dir)}), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert any(mine.iterdir()) and not env_dir.exists()
    off = subprocess.run([*args, "--no-cache"], capture_output=True, text=True,
                         env=_env(**{CACHE_DIR_ENV: str(env_dir)}), cwd=tmp_path)
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["passed"] == json.loads(done.stdout)["passed"] > 0
    assert not env_dir.exists()
    both = subprocess.run([*args, "--no-cache", "--cache-dir", str(mine)], capture_output=True, text=True,
                          env=_env(), cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
