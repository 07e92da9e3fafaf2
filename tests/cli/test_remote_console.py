"""`desk --server` and `triage --server`: a mistyped address is one line, before any screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_sick_file import clinic, one_line


@pytest.mark.parametrize("console", [["desk", "nk1"], ["triage"]])
def test_a_server_address_that_is_not_one_is_one_line(db_path: Path, console: list[str]) -> None:
    cli = clinic(db_path)
    result = cli.run(*console, "--server", "ftp://queue.clinic.lan")
    one_line(result, 1, "Not a server address: 'ftp://queue.clinic.lan'", "https://")
