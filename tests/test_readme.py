"""The README's promises: the Quickstart has exactly two commands, and the rule table is the catalog's (its
status column, every rule verified, is tests/test_catalog.py's)."""

from __future__ import annotations

import pathlib
import re

from chainrule.reference.catalog import CATALOG
from chainrule.reference.catalog.table import rule_table

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_quickstart_is_one_bash_block_of_two_commands():
    section = README.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2
    assert "chainrule verify" in lines[0] and "pytest" in lines[1]


def test_rule_table_is_in_sync_with_the_catalog():
    """The table's status column claims every rule verified: tests/test_catalog.py checks that claim, rule
    by rule, from the same session's verify results (one test file holds every user of them, so a run on
    several cores verifies the catalog once)."""
    table = README.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == rule_table(CATALOG), "regenerate with: chainrule rules --markdown"
