"""docs/configuration.md documents every key a clinic file may hold, table by table."""

from __future__ import annotations

import re

import pytest

from queue_core.config import KEYS
from queue_core.notify_config import WEBHOOK_KEYS
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
    "notify": "## `[notify]`",
}


def section(table: str) -> str:
    start = DOC.index(HEADINGS[table])
    following = DOC.find("\n## ", start + 1)
    return DOC[start : following if following != -1 else len(DOC)]


@pytest.mark.parametrize("table", sorted(KEYS))
def test_every_key_of_a_table_has_a_row_in_its_section(table: str) -> None:
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", section(table), flags=re.M))
    assert rows == KEYS[table]


def test_every_key_of_a_webhook_has_a_row_in_its_section() -> None:
    start = DOC.index("## `[[notify.webhook]]`")
    following = DOC.find("\n## ", start + 1)
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", DOC[start:following], flags=re.M))
    assert rows == WEBHOOK_KEYS
