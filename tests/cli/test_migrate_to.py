"""`clinic-queue migrate-to`: a clinic's SQLite file copied into PostgreSQL goes on there as it
would have on the file: the same line, the same log, the next seq after the last copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import PUBLIC_URL, Cli, with_public_url
from tests.cli.test_cli_postgres import PgCli
from tests.conftest import SAMPLE_APPOINTMENTS


@pytest.fixture
def worked_file(tmp_path: Path) -> Cli:
    """A morning's work on a file: appointments, walk-ins, calls, a skip, a staff member."""
    config = tmp_path / "clinic.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    cli = Cli(tmp_path / "clinic-queue.db")
    cli.ok("init", "--config", str(config))
    cli.ok("import", str(SAMPLE_APPOINTMENTS))
    for _ in range(4):
        cli.ticket("nk-pt")
    cli.ticket("wk")
    cli.ok("call", "nk1")
    cli.ok("skip", "nk1")
    cli.ok("call", "nk1")
    cli.ok("call", "wk1")
    return cli


def _line(cli: Cli) -> list[tuple[str, list[str]]]:
    return [(q["id"], cli.waiting(q["id"])) for q in cli.board()["queues"]]


def test_the_copy_holds_the_same_line_and_log_and_goes_on_from_there(
    worked_file: Cli, pg_url: str, tmp_path: Path
) -> None:
    out = worked_file.ok("migrate-to", pg_url)
    events = worked_file.events()
    assert out.startswith(f"Copied {worked_file.db} into {pg_url}: ")
    assert f"the last seq {events[-1]['seq']:,}" in out
    moved = PgCli(pg_url, tmp_path)
    assert moved.events() == events
    assert _line(moved) == _line(worked_file)
    assert moved.desk("nk1")["current"] == worked_file.desk("nk1")["current"]
    # The clinic goes on in PostgreSQL: the next number of the day, the next seq.
    assert worked_file.ticket("nk-pt") == moved.ticket("nk-pt")
    assert moved.last_event()["seq"] == events[-1]["seq"] + 1


def test_a_database_that_holds_a_clinic_is_refused_and_left_alone(
    worked_file: Cli, pg_url: str, tmp_path: Path
) -> None:
    worked_file.ok("migrate-to", pg_url)
    moved = PgCli(pg_url, tmp_path)
    moved.ticket("wk")
    before = moved.events()
    result = worked_file.run("migrate-to", pg_url)
    assert result.code == 1
    assert result.err_lines == [
        f"clinic-queue: {pg_url} already holds a clinic ({len(before)} events); nothing was"
        " copied. Copy into a new, empty database."
    ]
    assert moved.events() == before


def test_a_target_that_is_no_postgresql_address_is_refused(worked_file: Cli) -> None:
    result = worked_file.run("migrate-to", "other.db")
    assert result.code == 1
    assert result.err_lines == [
        "clinic-queue: other.db is not a postgresql:// address; nothing was copied."
    ]
