"""The command line on PostgreSQL: `--db postgresql://...` or CLINIC_QUEUE_DB choose the store,
and `init`, the desk commands and `status` behave as they do on the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core.backend_postgres import shown_url
from queue_core.store import DB_ENV
from tests.cli.test_cli import PUBLIC_URL, Cli, Run, with_public_url
from tests.conftest import SAMPLE_APPOINTMENTS
from tests.pg import PgServer


class PgCli(Cli):
    """`clinic-queue --db postgresql://... ...` run from a clinic's folder."""

    def __init__(self, url: str, home: Path) -> None:
        super().__init__(home / "clinic-queue.db")  # the shell's folder; no file is made there
        self.url = url

    def run(self, *args: str, db: Path | None = None) -> Run:
        return self.invoke(["--db", self.url, *args])


@pytest.fixture
def clinic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "clinic.toml"
    path.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    return path


@pytest.fixture
def cli(pg_url: str, tmp_path: Path, clinic_file: Path) -> PgCli:
    runner = PgCli(pg_url, tmp_path)
    assert runner.ok("init", "--config", str(clinic_file)).startswith(f"Initialised {pg_url}:")
    return runner


def test_init_on_postgresql_leaves_no_file_behind(
    cli: PgCli, tmp_path: Path, clinic_file: Path
) -> None:
    assert list(tmp_path.iterdir()) == []
    # Run again: the clinic is found set up, and the new init is logged after it.
    before = len(cli.events())
    cli.ok("init", "--config", str(clinic_file))
    assert [e["seq"] for e in cli.events()] == list(range(1, before + 2))


def test_desk_commands_and_status_on_postgresql(cli: PgCli) -> None:
    first, second, third = (cli.ticket("nk-pt") for _ in range(3))
    assert cli.ok("call", "nk1").startswith(first)
    assert cli.desk("nk1")["current"]["ticket"] == first
    assert cli.waiting("nk-pt") == [second, third]
    cli.ok("skip", "nk1")
    cli.ok("call", "nk1")
    cli.ok("requeue", first)
    assert cli.waiting("nk-pt") == [third, first]
    cli.ok("done", "nk1")
    assert cli.desk("nk1")["current"] is None
    types = [e["type"] for e in cli.events()]
    assert types[-5:] == ["call", "skip", "call", "requeue", "done"]
    seqs = [e["seq"] for e in cli.events()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_import_on_postgresql_books_the_appointments_once(cli: PgCli) -> None:
    cli.ok("import", str(SAMPLE_APPOINTMENTS))
    booked = [q["registered"] for q in cli.board()["queues"]]
    assert sum(booked) > 0
    assert cli.run("import", str(SAMPLE_APPOINTMENTS)).code == 0  # a second sync: unchanged
    assert [q["registered"] for q in cli.board()["queues"]] == booked


def test_a_refusal_on_postgresql_is_one_line_exit_1(cli: PgCli) -> None:
    result = cli.run("done", "nk1")
    assert result.code == 1
    assert len(result.err_lines) == 1


def test_the_environment_chooses_postgresql(pg_url: str, tmp_path: Path, clinic_file: Path) -> None:
    runner = PgCli(pg_url, tmp_path)
    result = runner.invoke(["init", "--config", str(clinic_file)], env={DB_ENV: pg_url})
    assert result.code == 0, result.err
    assert result.out.startswith(f"Initialised {pg_url}:")
    assert runner.ticket("wk").startswith("C")


def test_an_address_nobody_answers_is_one_line_exit_2(pg_server: PgServer, tmp_path: Path) -> None:
    runner = PgCli(pg_server.url("no_such_clinic"), tmp_path)
    result = runner.run("status")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "cannot be reached" in result.err
    assert "Traceback" not in result.err


def test_messages_never_print_the_password() -> None:
    url = "postgresql://queue:s3cret@db.example:5432/clinic"
    assert shown_url(url) == "postgresql://queue:***@db.example:5432/clinic"
    assert shown_url("postgresql:///clinic?host=/run") == "postgresql:///clinic?host=/run"


def test_migrate_to_from_postgresql_says_it_needs_the_file_and_does_nothing(cli: PgCli) -> None:
    before = cli.events()
    result = cli.run("migrate-to", cli.url)
    assert result.code == 2
    assert result.err_lines == [
        f"clinic-queue: migrate-to works on an SQLite file only, not yet on {cli.url};"
        " nothing was done (see docs/scaling.md)."
    ]
    assert cli.events() == before


def test_report_close_day_and_staff_on_postgresql(cli: PgCli) -> None:
    cli.ticket("nk-pt")
    assert cli.ok("report").startswith("示例医院")
    assert cli.ok("close-day").startswith("Closed ")
    assert cli.last_event()["type"] == "day_closed"
    assert cli.run("staff", "list").code == 0
