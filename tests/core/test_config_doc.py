"""docs/configuration.md documents every key a clinic file may hold, table by table."""

from __future__ import annotations

import re

import pytest

from queue_core.config import KEYS
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
HEADINGS = {
    "clinic": "## `[clinic]`",
    "queues": "## `[[queues]]`",
    "desks": "## `[[desks]]`",
    "priority": "## `[[priority]]`",
    "backup": "## `[backup]`",
    "screens": "## `[[screens]]`",
    "voice": "## `[voice]`",
}


def section(table: str) -> str:
    start = DOC.index(HEADINGS[table])
    following = DOC.find("\n## ", start + 1)
    return DOC[start : following if following != -1 else len(DOC)]


@pytest.mark.parametrize("table", sorted(KEYS))
def test_every_key_of_a_table_has_a_row_in_its_section(table: str) -> None:
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", section(table), flags=re.M))
    assert rows == KEYS[table]
