"""The `clinic-queue` command line against a real database file.

Every desk action is checked through what a nurse and an auditor would look at next:
`status --json` (the board) and `events --json` (the log). Refusals must be one readable line
with exit code 1, usage and configuration mistakes one line with exit code 2, never a traceback.

The behaviour tests call `clinic_queue.cli.main` in this process, as the console script does;
the tests at the end start a fresh interpreter for what only a real process shows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from clinic_queue.cli import build_parser, main
from queue_core import schema
from queue_core.address import PUBLIC_URL_ENV
from queue_core.feedback import ticket_by_token
from queue_core.registration import issue_ticket
from queue_core.store import DB_ENV, Store
from tests.conftest import ACTOR, ROOT, SAMPLE_APPOINTMENTS, SAMPLE_CONFIG

CLI_DOC = ROOT / "docs" / "cli.md"
# The login name the shell of every in-process run has: the default `--actor`.
LOGIN = "nurse-login"
# The sample clinic's address for patients' phones, as its clinic file gives it.
PUBLIC_URL = "https://queue.example-hospital.cn"
LOOPBACK_WARNING = (
    "clinic-queue: warning: ticket links point to http://127.0.0.1:8765 (the default), a loopback"
    " address that patients' phones cannot open; set public_url in the clinic file's [clinic]"
    " table and run init, or set CLINIC_QUEUE_PUBLIC_URL."
)
# Commands that open a console or a server instead of printing and returning.
LONG_RUNNING = {"desk", "triage", "serve"}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


class Cli:
    """`clinic-queue --db <tmp file> ...` as a nurse's shell runs it, through `main` in-process.

    Each run sees the environment of a fresh shell in the database's folder: no
    CLINIC_QUEUE_DB or CLINIC_QUEUE_PUBLIC_URL unless the test gives one, LOGIN as the login
    name. Nothing of it
    outlives the run, so no test sees another's environment or working directory.
    """

    def __init__(self, db: Path) -> None:
        self.db = db

    def invoke(
        self, argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> Run:
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as shell:
            shell.delenv(DB_ENV, raising=False)
            shell.delenv(PUBLIC_URL_ENV, raising=False)
            shell.setenv("LOGNAME", LOGIN)
            for name, value in (env or {}).items():
                shell.setenv(name, value)
            shell.chdir(cwd or self.db.parent)
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:  # --help ends through argparse, not a return
                    code = exc.code if isinstance(exc.code, int) else 1
        return Run(code, out.getvalue(), err.getvalue())

    def run(self, *args: str, db: Path | None = None) -> Run:
        return self.invoke(["--db", str(db or self.db), *args])

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.code == 0, result.err
        assert result.err == ""
        return result.out

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.ok("status", "--json"))
        return data

    def board(self) -> dict[str, Any]:
        board: dict[str, Any] = self.status()["board"]
        return board

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        out = self.ok("events", "--since", str(since), "--json")
        return [json.loads(line) for line in out.splitlines()]

    def waiting(self, queue: str) -> list[str]:
        return [w["ticket"] for w in self.queue(queue)["next"]]

    def queue(self, queue_id: str) -> dict[str, Any]:
        found: dict[str, Any] = next(q for q in self.board()["queues"] if q["id"] == queue_id)
        return found

    def desk(self, desk_id: str) -> dict[str, Any]:
        found: dict[str, Any] = next(d for d in self.board()["desks"] if d["id"] == desk_id)
        return found

    def ticket(self, queue: str, *extra: str) -> str:
        number: str = json.loads(self.ok("ticket", queue, "--json", *extra))["number"]
        return number

    def last_event(self) -> dict[str, Any]:
        return self.events()[-1]


def with_public_url(url: str) -> str:
    """The sample clinic file with the address patients' phones reach the server at."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    return text.replace("[clinic]\n", f'[clinic]\npublic_url = "{url}"\n', 1)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Init and import once through the CLI; each test gets its own copy of the file. The
    clinic is set up as for real use, with its public address."""
    folder = tmp_path_factory.mktemp("template")
    config = folder / "clinic.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    runner = Cli(folder / "clinic-queue.db")
    runner.ok("init", "--config", str(config))
    runner.ok("import", str(SAMPLE_APPOINTMENTS))
    return runner.db


@pytest.fixture
def cli(prepared: Path, tmp_path: Path) -> Cli:
    """The sample clinic, initialised and with the sample HIS appointments imported."""
    db = tmp_path / "clinic-queue.db"
    shutil.copyfile(prepared, db)
    return Cli(db)


def sample_names() -> list[str]:
    with SAMPLE_APPOINTMENTS.open(encoding="utf-8") as f:
        return [row["name"] for row in csv.DictReader(f)]


# --- issuing and the shapes of the JSON outputs ------------------------------------------------


def test_ticket_json_has_number_queue_and_an_unguessable_token(cli: Cli) -> None:
    first = json.loads(cli.ok("ticket", "nk-pt", "--name", "张三丰", "--json"))
    second = json.loads(cli.ok("ticket", "wk", "--json"))
    assert re.fullmatch(r"A\d{3}", first["number"]) and first["queue"] == "nk-pt"
    assert re.fullmatch(r"C\d{3}", second["number"]) and second["queue"] == "wk"
    assert len(first["token"]) >= 22 and first["token"] != second["token"]
    assert first["number"] in cli.waiting("nk-pt")
    issued = cli.last_event()
    assert (issued["type"], issued["ticket"], issued["queue"]) == ("issue", second["number"], "wk")


def test_ticket_prints_the_full_link_of_the_patient_s_page(cli: Cli) -> None:
    plain = cli.ok("ticket", "nk-pt", "--name", "张三丰")
    issued = json.loads(cli.ok("ticket", "nk-pt", "--json"))
    first = re.fullmatch(rf"(A\d{{3}})  内科普通号  ahead: 0  {PUBLIC_URL}/t/([\w-]+)\n", plain)
    assert first is not None, plain
    assert issued["url"] == f"{PUBLIC_URL}/t/{issued['token']}"
    tokens = [first.group(2), issued["token"]]
    with closing(Store.open(cli.db)) as store:
        assert [ticket_by_token(store, token).number for token in tokens] == [
            first.group(1),
            issued["number"],
        ]


def test_ticket_warns_in_one_line_when_phones_cannot_open_its_link(
    cli: Cli, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh.db"
    assert cli.run("init", "--config", str(SAMPLE_CONFIG), db=fresh).code == 0
    result = cli.run("ticket", "nk-pt", "--json", db=fresh)
    assert result.code == 0 and result.err_lines == [LOOPBACK_WARNING]
    assert json.loads(result.out)["url"].startswith("http://127.0.0.1:8765/t/")
    refused = cli.run("ticket", "eye", db=fresh)  # a refusal stays one line, without it
    assert refused.code == 1 and refused.err_lines == [
        "clinic-queue: No queue called 'eye' in this clinic's configuration."
    ]


def test_the_environment_overrides_the_clinic_s_public_address(cli: Cli) -> None:
    result = cli.invoke(
        ["--db", str(cli.db), "ticket", "wk", "--json"],
        env={PUBLIC_URL_ENV: "http://10.1.2.3:8765/"},
    )
    assert result.code == 0 and result.err == ""
    issued = json.loads(result.out)
    assert issued["url"] == f"http://10.1.2.3:8765/t/{issued['token']}"
    local = cli.invoke(
        ["--db", str(cli.db), "ticket", "wk"], env={PUBLIC_URL_ENV: "http://localhost:8765"}
    )
    assert local.code == 0 and len(local.err_lines) == 1
    assert "http://localhost:8765 (CLINIC_QUEUE_PUBLIC_URL), a loopback address" in local.err


def test_a_bad_public_address_override_is_exit_2_and_issues_nothing(cli: Cli) -> None:
    seq = cli.status()["seq"]
    result = cli.invoke(
        ["--db", str(cli.db), "ticket", "wk"], env={PUBLIC_URL_ENV: "queue.example-hospital.cn"}
    )
    assert result.code == 2 and result.out == ""
    assert result.err_lines == [
        "clinic-queue: CLINIC_QUEUE_PUBLIC_URL: 'queue.example-hospital.cn'"
        " must start with http:// or https://"
    ]
    assert cli.status()["seq"] == seq


def test_status_json_has_the_documented_shape(cli: Cli) -> None:
    number = cli.ticket("nk-pt", "--name", "李四")
    status = cli.status()
    assert status["seq"] == cli.last_event()["seq"]
    board = status["board"]
    assert [d["id"] for d in board["desks"]] == ["nk1", "nk2", "nk-zj", "wk1", "wk2"]
    for desk in board["desks"]:
        assert {"id", "name", "room", "queues", "current", "paused", "next"} <= desk.keys()
    specialist = next(d for d in board["desks"] if d["id"] == "nk-zj")
    assert specialist["queues"] == ["nk-zj", "nk-pt"] and specialist["room"] == "3"
    assert specialist["current"] is None and specialist["paused"] is False
    queues = {q["id"]: q for q in board["queues"]}
    assert {q: queues[q]["prefix"] for q in queues} == {"nk-pt": "A", "nk-zj": "B", "wk": "C"}
    assert queues["nk-pt"]["name"] == "内科普通号"
    assert queues["nk-pt"]["waiting"] == 1
    assert queues["nk-pt"]["next"] == [{"ticket": number, "name": "李*", "reason": "walk_in"}]
    assert specialist["next"] == queues["nk-pt"]["next"]


def test_events_json_lines_carry_seq_type_ticket_desk_actor_reason(cli: Cli) -> None:
    events = cli.events()
    assert [e["type"] for e in events] == ["configure", "import"]
    assert [e["seq"] for e in events] == [1, 2]
    for event in events:
        assert {"seq", "at", "type", "ticket", "desk", "queue", "actor", "reason"} <= event.keys()
        assert "changes" not in event
    assert events[1]["reason"] == SAMPLE_APPOINTMENTS.name and events[1]["added"] == 200
    assert cli.events(since=1) == events[1:]
    plain = cli.ok("events").splitlines()
    assert len(plain) == 2 and "import" in plain[1]


# --- every desk and triage action changes the board and the log -------------------------------


def test_call_puts_the_head_of_the_line_at_the_desk(cli: Cli) -> None:
    first, second = cli.ticket("nk-pt"), cli.ticket("nk-pt")
    assert cli.ok("call", "nk1").startswith(first)
    assert cli.desk("nk1")["current"]["ticket"] == first
    assert cli.waiting("nk-pt") == [second]
    event = cli.last_event()
    assert (event["type"], event["ticket"], event["desk"], event["out_of_turn"]) == (
        "call",
        first,
        "nk1",
        False,
    )


def test_calling_again_finishes_the_previous_patient(cli: Cli) -> None:
    first, second = cli.ticket("wk"), cli.ticket("wk")
    cli.ok("call", "wk1")
    cli.ok("call", "wk1")
    assert cli.desk("wk1")["current"]["ticket"] == second
    assert cli.queue("wk")["done"] == 1
    assert [(e["type"], e["ticket"]) for e in cli.events()[-2:]] == [
        ("done", first),
        ("call", second),
    ]


def test_recall_counts_on_the_board_and_in_the_log(cli: Cli) -> None:
    number = cli.ticket("wk")
    cli.ok("call", "wk2")
    cli.ok("recall", "wk2")
    cli.ok("recall", "wk2")
    assert cli.desk("wk2")["current"]["recall"] == 2
    event = cli.last_event()
    assert (event["type"], event["ticket"], event["recalls"]) == ("recall", number, 2)


def test_skip_then_requeue_puts_the_patient_two_behind_the_head(cli: Cli) -> None:
    missed, *others = [cli.ticket("nk-pt") for _ in range(4)]
    cli.ok("call", "nk1")
    cli.ok("skip", "nk1")
    assert cli.desk("nk1")["current"] is None
    assert [t["ticket"] for t in cli.queue("nk-pt")["missed"]] == [missed]
    assert cli.last_event()["type"] == "skip"
    cli.ok("requeue", missed)
    assert cli.waiting("nk-pt") == [others[0], others[1], missed, others[2]]
    requeued = cli.queue("nk-pt")["next"][2]
    assert requeued["reason"] == "requeued"
    assert (cli.last_event()["type"], cli.last_event()["behind"]) == ("requeue", 2)


def test_away_for_tests_then_back_behind_the_head_pinned_to_the_desk(cli: Cli) -> None:
    patient, *others = [cli.ticket("nk-pt") for _ in range(3)]
    cli.ok("call", "nk2")
    cli.ok("away", "nk2")
    assert cli.desk("nk2")["current"] is None
    assert [t["ticket"] for t in cli.queue("nk-pt")["away"]] == [patient]
    assert patient not in cli.waiting("nk-pt")
    cli.ok("back", patient)
    assert cli.waiting("nk-pt") == [others[0], patient, others[1]]
    back = cli.queue("nk-pt")["next"][1]
    assert back["reason"] == "returned"
    assert patient in [e["ticket"] for e in cli.desk("nk2")["next"]]  # back to the desk that
    assert patient not in [e["ticket"] for e in cli.desk("nk1")["next"]]  # sent it, only there
    assert (cli.last_event()["type"], cli.last_event()["desk"]) == ("back", "nk2")


def test_done_frees_the_desk(cli: Cli) -> None:
    number = cli.ticket("wk")
    cli.ok("call", "wk1")
    cli.ok("done", "wk1")
    assert cli.desk("wk1")["current"] is None
    assert cli.queue("wk")["done"] == 1
    assert (cli.last_event()["type"], cli.last_event()["ticket"]) == ("done", number)


def test_transfer_to_another_queue_keeps_arrival_and_records_the_reason(cli: Cli) -> None:
    moved = cli.ticket("nk-pt")
    later = cli.ticket("wk")
    cli.ok("transfer", moved, "--to", "wk", "--reason", "needs a surgeon")
    assert moved not in cli.waiting("nk-pt")
    surgery = cli.queue("wk")["next"]
    assert [w["ticket"] for w in surgery] == [moved, later]
    assert surgery[0]["reason"] == "transferred"
    event = cli.last_event()
    assert (event["type"], event["queue"], event["from_queue"], event["reason"]) == (
        "transfer",
        "wk",
        "nk-pt",
        "needs a surgeon",
    )


def test_cancel_takes_the_ticket_out_with_its_reason(cli: Cli) -> None:
    number = cli.ticket("nk-pt")
    cli.ok("cancel", number, "--reason", "went home")
    assert number not in cli.waiting("nk-pt")
    assert (cli.last_event()["type"], cli.last_event()["reason"]) == ("cancel", "went home")


def test_pause_stops_calls_until_resume(cli: Cli) -> None:
    number = cli.ticket("wk")
    cli.ok("pause", "wk1", "--reason", "doctor in theatre")
    assert cli.desk("wk1")["paused"] is True
    assert (cli.last_event()["type"], cli.last_event()["reason"]) == ("pause", "doctor in theatre")
    refused = cli.run("call", "wk1")
    assert refused.code == 1 and "paused" in refused.err
    cli.ok("resume", "wk1")
    assert cli.desk("wk1")["paused"] is False
    assert cli.last_event()["type"] == "resume"
    cli.ok("call", "wk1")
    assert cli.desk("wk1")["current"]["ticket"] == number


def test_checkin_puts_an_imported_appointment_in_the_line(cli: Cli) -> None:
    assert cli.waiting("nk-pt") == []
    registered = cli.queue("nk-pt")["registered"]
    cli.ok("checkin", "A001")
    assert cli.waiting("nk-pt") == ["A001"]
    assert cli.queue("nk-pt")["registered"] == registered - 1
    event = cli.last_event()
    assert (event["type"], event["ticket"]) == ("checkin", "A001")
    assert event["placement"] in ("appointment", "late_appointment")


def test_priority_moves_a_ticket_ahead_within_its_cap(cli: Cli) -> None:
    line = [cli.ticket("nk-pt") for _ in range(5)]
    cli.ok("priority", line[4], "elderly", "--reason", "82 years old")
    assert cli.waiting("nk-pt") == [line[0], line[4], *line[1:4]]
    assert cli.queue("nk-pt")["next"][1]["reason"] == "priority"
    event = cli.last_event()
    assert (event["type"], event["priority"], event["reason"]) == (
        "priority",
        "elderly",
        "82 years old",
    )
    cli.ok("priority", line[4], "--clear")
    assert cli.waiting("nk-pt") == line


def test_out_of_turn_call_with_a_reason_is_recorded(cli: Cli) -> None:
    line = [cli.ticket("nk-pt") for _ in range(3)]
    cli.ok("call", "nk1", "--ticket", line[2], "--reason", "chest pain")
    assert cli.desk("nk1")["current"]["ticket"] == line[2]
    event = cli.last_event()
    assert (event["ticket"], event["out_of_turn"], event["reason"]) == (
        line[2],
        True,
        "chest pain",
    )


def test_actor_lands_in_the_events(cli: Cli) -> None:
    cli.ok("ticket", "wk", "--actor", "triage-li")
    cli.ok("call", "wk1", "--actor", "nurse-wang")
    cli.ok("done", "wk1")
    # Without --actor (init, import, done) the host and the login name of the shell's user.
    host = f"host:{LOGIN}"
    assert [e["actor"] for e in cli.events()] == [host, host, "triage-li", "nurse-wang", host]


def test_an_actor_of_the_staff_api_cannot_be_typed(cli: Cli) -> None:
    seq = len(cli.events())
    result = cli.run("call", "wk1", "--actor", "staff:wang")
    assert result.code == 2 and len(result.err.splitlines()) == 1 and "staff:" in result.err
    assert len(cli.events()) == seq


# --- refusals: exit 1, one line, nothing changed ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["call", "wk1"], "Nobody is waiting"),
        (["requeue", "A999"], "No ticket A999"),
        (["checkin", "Z123"], "No ticket Z123"),
        (["call", "nk1", "--ticket", "A001"], "reason is required"),
        (["call", "nk1", "--ticket", "A001", "--reason", "   "], "reason is required"),
        (["cancel", "A001", "--reason", ""], "reason is required"),
        (["call", "nk9"], "No desk called 'nk9'"),
        (["pause", "nowhere"], "No desk called 'nowhere'"),
        (["ticket", "eye"], "No queue called 'eye'"),
        (["ticket", "nk-pt", "--priority", "vip"], "No priority class called 'vip'"),
        (["done", "nk1"], "no patient called"),
        (["away", "nk1"], "no patient called"),
        (["requeue", "A001"], "only missed tickets"),
    ],
)
def test_refusal_is_one_line_exit_1_and_changes_nothing(
    cli: Cli, args: list[str], says: str
) -> None:
    seq = cli.status()["seq"]
    result = cli.run(*args)
    assert result.code == 1
    assert len(result.err_lines) == 1 and says in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert cli.status()["seq"] == seq


def test_init_that_would_lose_a_waiting_patient_is_refused_with_every_blocker_on_a_line(
    cli: Cli, tmp_path: Path
) -> None:
    # Prefixes of nk-pt and nk-zj swapped, military no longer a class, while patients wait.
    cli.ok("ticket", "nk-zj", "--priority", "military")
    config = tmp_path / "clinic.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8")
        .replace('prefix = "A"', 'prefix = "?"')
        .replace('prefix = "B"', 'prefix = "A"')
        .replace('prefix = "?"', 'prefix = "B"')
        .replace('id = "military"', 'id = "veteran"'),
        encoding="utf-8",
    )
    seq, board = cli.status()["seq"], cli.board()
    result = cli.run("init", "--config", str(config))
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    assert result.err_lines == [
        "clinic-queue: The new configuration was not applied: it would orphan open tickets or"
        " give a number out twice. Deal with these first, or apply it after the day is closed:",
        "  queue nk-pt changes its prefix from A to B,"
        " but A001, A002, A003, A004, A005 and 98 more are open in it",
        "  queue nk-zj changes its prefix from B to A,"
        " but B001, B002, B003, B004, B005 and 30 more are open in it",
        "  priority class military is removed, but B035 is marked with it",
        "  queue nk-zj would number its next tickets A036 onwards today,"
        " but A036, A037, A038, A039, A040 and 63 more are held already",
    ]
    assert cli.status()["seq"] == seq and cli.board() == board


def test_bad_import_lists_each_refused_row_and_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "his.csv"
    bad.write_text(
        "external_id,name,queue,slot_start\nX1,甲,nk-pt,09:00\nX2,乙,eye,09:00\nX3,丙,wk,9h\n",
        encoding="utf-8",
    )
    seq = cli.status()["seq"]
    result = cli.run("import", str(bad))
    assert result.code == 1
    assert result.err_lines == [
        f"clinic-queue: {bad}: 2 rows refused (lines 3, 4); nothing imported."
    ]
    assert result.out.splitlines()[:2] == [
        "refused line 3: unknown queue 'eye'",
        "refused line 4: slot_start '9h' is not a time (HH:MM)"
        " or a date and time (YYYY-MM-DD HH:MM)",
    ]
    assert cli.status()["seq"] == seq


# --- usage and configuration: exit 2, one line -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["bogus"],
        ["call"],
        ["cancel", "A001"],
        ["call", "nk1", "--reason", "no ticket given"],
        ["events", "--since", "yesterday"],
        ["status", "--colour"],
    ],
)
def test_usage_error_is_one_line_exit_2(cli: Cli, args: list[str]) -> None:
    result = cli.run(*args)
    assert result.code == 2
    assert len(result.err_lines) == 1 and "Traceback" not in result.err


def test_missing_database_is_exit_2_and_says_to_init(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere.db"
    result = cli.run("status", db=missing)
    assert result.code == 2 and len(result.err_lines) == 1
    assert "clinic-queue init" in result.err
    assert not missing.exists()


@pytest.mark.parametrize("content", [b"not a database at all" * 10, bytes(range(256)) * 20])
def test_a_file_that_is_not_sqlite_is_exit_2_not_a_traceback(
    cli: Cli, tmp_path: Path, content: bytes
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(content)
    for args in (["status"], ["init"]):
        result = cli.run(*args, db=junk)
        assert result.code == 2 and len(result.err_lines) == 1, result.err
        assert "cannot be used as a queue database" in result.err
    assert junk.read_bytes() == content


def test_init_refuses_a_sqlite_file_of_another_program_and_leaves_it_as_it_was(
    cli: Cli, tmp_path: Path
) -> None:
    other = tmp_path / "his-export.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO patients (name) VALUES ('张三丰')")
        conn.commit()
    content = other.read_bytes()
    for args in (["init", "--config", str(SAMPLE_CONFIG)], ["status"]):
        result = cli.run(*args, db=other)
        assert result.code == 2 and result.err_lines == [
            f"clinic-queue: {other} is a SQLite database of something else (tables: patients);"
            " clinic-queue will not use it. Give init a new or empty file."
        ]
    assert other.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic-queue.db", "his-export.db"]


def test_init_takes_an_empty_file(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "new.db"
    empty.touch()
    assert cli.run("init", "--config", str(SAMPLE_CONFIG), db=empty).code == 0
    assert cli.run("ticket", "nk-pt", db=empty).code == 0


def test_init_migrates_an_older_clinic_queue_file(cli: Cli, tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    first_only = Migrations(schema.MIGRATION_SET)
    name, step = schema._STEPS[0]
    first_only(name=name)(step)
    with closing(Database(older)) as db:
        first_only.apply(db)
    assert cli.run("status", db=older).code == 2  # not set up yet: init migrates it
    result = cli.run("init", "--config", str(SAMPLE_CONFIG), db=older)
    assert result.code == 0 and result.err == ""
    assert cli.run("ticket", "nk-pt", db=older).code == 0
    with closing(sqlite3.connect(older)) as conn:
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied == list(schema.MIGRATION_NAMES)


def test_a_directory_as_database_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("status", db=tmp_path)
    assert result.code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.err


def test_bad_config_file_is_exit_2_naming_every_bad_key(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "clinic.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8")
        .replace("slot_minutes = 30", 'slot_minutes = "half an hour"')
        .replace('prefix = "C"', 'prefix = "c1"'),
        encoding="utf-8",
    )
    result = cli.run("init", "--config", str(config), db=tmp_path / "new.db")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "clinic.slot_minutes" in result.err and "queues[2].prefix" in result.err


def test_unreadable_config_path_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("init", "--config", str(tmp_path / "nope.toml"), db=tmp_path / "new.db")
    assert result.code == 2 and len(result.err_lines) == 1 and "cannot read" in result.err


def test_db_from_the_environment_and_the_option_before_it(cli: Cli, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    seq = cli.status()["seq"]
    from_env = cli.invoke(["status", "--json"], env={DB_ENV: str(cli.db)}, cwd=elsewhere)
    assert from_env.code == 0 and json.loads(from_env.out)["seq"] == seq
    missing = tmp_path / "missing.db"
    from_option = cli.invoke(
        ["--db", str(cli.db), "status", "--json"], env={DB_ENV: str(missing)}, cwd=elsewhere
    )
    assert from_option.code == 0 and json.loads(from_option.out)["seq"] == seq
    neither = cli.invoke(["status"], cwd=elsewhere)
    assert neither.code == 2 and neither.err_lines == [
        "clinic-queue: clinic-queue.db is not a clinic-queue database yet; run 'clinic-queue init'."
    ]
    assert not missing.exists() and list(elsewhere.iterdir()) == []


def open_files_of(db: Path) -> list[str]:
    """What this process holds open of the database and its -wal, -shm and .lock files."""
    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # the descriptor listing the folder itself is gone by now
            continue
        if target.startswith(str(db.resolve())):
            held.append(target)
    return held


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc/self/fd")
def test_a_command_leaves_no_file_of_the_database_open(cli: Cli, tmp_path: Path) -> None:
    # A script (or a test) calling `main` many times in one process must not run out of files.
    new = tmp_path / "new.db"
    assert cli.run("init", "--config", str(SAMPLE_CONFIG), db=new).code == 0
    cli.ok("ticket", "wk")
    cli.ok("call", "wk1")
    assert cli.run("call", "wk2").code == 1
    assert cli.run("transfer", "C999", "--to", "wk").code == 1
    cli.ok("status")
    cli.ok("events")
    assert open_files_of(new) == [] and open_files_of(cli.db) == []


# --- privacy and the documentation --------------------------------------------------------------


def test_close_day_ends_what_is_open_and_says_what_it_closed(cli: Cli) -> None:
    first = cli.ticket("nk-pt", "--name", "张三丰")
    second = cli.ticket("nk-pt")
    cli.ok("call", "nk1")
    out = cli.ok("close-day")
    assert re.fullmatch(
        r"Closed \d{4}-\d\d-\d\d: \d+ not seen, 0 no-show, 1 in a visit the close ended\.\n", out
    ), out
    assert cli.desk("nk1")["current"] is None
    assert cli.waiting("nk-pt") == []
    refused = cli.run("ticket", "nk-pt")
    assert refused.code == 1 and refused.err_lines == [
        f"clinic-queue: The queue of {cli.board()['day']} is closed; new tickets join the next"
        " day's queue."
    ]
    assert cli.ok("close-day") == "Nothing to close: every day with tickets is closed already.\n"
    closed = [json.loads(e) for e in cli.ok("events", "--type", "closed", "--json").splitlines()]
    was = {e["ticket"]: e["was"] for e in closed if e["ticket"] in (first, second)}
    assert was == {first: "called", second: "waiting"}
    assert {e["actor"] for e in closed} == {f"host:{LOGIN}"}


def test_events_are_found_by_ticket_desk_actor_and_day_in_the_clinics_time(cli: Cli) -> None:
    number = cli.ticket("nk-pt")
    cli.ok("call", "nk2", "--actor", "nurse-wang")
    mine = cli.ok("events", "--ticket", number.lower()).splitlines()
    assert [line.split()[2] for line in mine] == ["issue", "call"]
    assert all(line.split()[1].endswith("+08:00") for line in mine)  # Asia/Shanghai
    [call] = cli.ok("events", "--desk", "nk2", "--by", "nurse-wang", "--json").splitlines()
    assert json.loads(call)["ticket"] == number
    day = cli.board()["day"]
    assert cli.ok("events", "--day", day, "--ticket", number).splitlines() == mine
    assert cli.ok("events", "--day", "2020-01-01") == ""
    bad = cli.run("events", "--day", "2026-13-01")
    assert bad.code == 2 and bad.err_lines == [
        "clinic-queue: '2026-13-01' is not a day (YYYY-MM-DD)"
    ]


def test_status_shows_only_masked_names(cli: Cli) -> None:
    walk_ins = {"张三丰": "张*丰", "欧阳娜娜": "欧*娜", "John Smith": "J* S*"}
    numbers = [cli.ticket("nk-pt", "--name", name) for name in walk_ins]
    cli.ok("checkin", "A001")
    cli.ok("checkin", "C001")
    cli.ok("call", "nk1")
    cli.ok("call", "wk1")
    json_out, table_out = cli.ok("status", "--json"), cli.ok("status")
    for full in [*walk_ins, *sample_names()]:
        assert full not in json_out and full not in table_out
    masked = {w["ticket"]: w["name"] for w in cli.queue("nk-pt")["next"]}
    current = cli.desk("nk1")["current"]
    masked[current["ticket"]] = current["name"]
    assert [masked[n] for n in numbers] == list(walk_ins.values())


def subcommands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


def test_every_command_is_documented_in_cli_md() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### clinic-queue ([a-z-]+)\s*$", text, re.MULTILINE))
    assert len(subcommands()) >= 21
    assert [c for c in subcommands() if c not in headings] == []
    assert headings <= set(subcommands())


# --- as a real process: what only a fresh interpreter shows -----------------------------------
# The exit code the shell receives, stderr free of tracebacks, a first run on a new machine,
# and which libraries a plain command loads: a call of `main` in this process shows none of it.


def process(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """`python -m clinic_queue ...` in a new interpreter, without this shell's CLINIC_QUEUE_DB
    or CLINIC_QUEUE_PUBLIC_URL."""
    shell = {k: v for k, v in os.environ.items() if k not in (DB_ENV, PUBLIC_URL_ENV)}
    done = subprocess.run(
        [sys.executable, "-m", "clinic_queue", *argv],
        capture_output=True,
        text=True,
        env={**shell, **(env or {})},
        cwd=cwd,
        timeout=60,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("db", "args", "code", "says"),
    [
        ("clinic-queue.db", ["call", "wk1"], 1, "Nobody is waiting"),
        ("clinic-queue.db", ["status", "--colour"], 2, "unrecognized arguments: --colour"),
        ("clinic-queue.db", ["init", "--config", "nope.toml"], 2, "cannot read"),
        (".", ["status"], 2, "cannot be used as a queue database"),
    ],
    ids=["refusal", "usage", "config", "not-a-database"],
)
def test_process_exit_code_and_one_line_on_stderr(
    cli: Cli, db: str, args: list[str], code: int, says: str
) -> None:
    seq = cli.status()["seq"]
    result = process(["--db", db, *args], cwd=cli.db.parent)
    assert result.code == code
    assert len(result.err_lines) == 1 and says in result.err, result.err
    assert "Traceback" not in result.err and result.out == ""
    assert cli.status()["seq"] == seq


@pytest.mark.slow
def test_process_first_run_on_a_new_machine(tmp_path: Path) -> None:
    """No database yet; CLINIC_QUEUE_DB says where it goes, as in the README's quick start."""
    env = {DB_ENV: str(tmp_path / "clinic.db")}
    init = process(["init", "--config", str(SAMPLE_CONFIG)], cwd=tmp_path, env=env)
    assert (init.code, init.err) == (0, "") and "3 queues, 5 desks" in init.out
    issued = process(["ticket", "nk-pt", "--name", "张三丰", "--json"], cwd=tmp_path, env=env)
    # The sample clinic says no public address: the link works on this machine only.
    assert issued.code == 0 and issued.err_lines == [LOOPBACK_WARNING]
    number = json.loads(issued.out)["number"]
    board = process(["status"], cwd=tmp_path, env=env)
    assert (board.code, board.err) == (0, "")
    assert f"{number}" in board.out and "内科普通号" in board.out and "张三丰" not in board.out


@pytest.mark.slow
def test_process_events_piped_into_head_end_quietly(cli: Cli) -> None:
    store = Store.open(cli.db)
    for _ in range(1_000):  # more than a pipe holds: the writer is still writing when head quits
        issue_ticket(store, "wk", ACTOR)
    store.close()
    command = f"{sys.executable} -m clinic_queue --db {cli.db} events | head -1"
    done = subprocess.run(
        ["bash", "-c", command + "; exit ${PIPESTATUS[0]}"], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.count("\n") == 1 and "configure" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("env", "warned"), [({}, True), ({PUBLIC_URL_ENV: PUBLIC_URL}, False)])
def test_process_serve_warns_when_phones_cannot_reach_the_public_address(
    tmp_path: Path, env: dict[str, str], warned: bool
) -> None:
    db = tmp_path / "clinic.db"
    assert process(["--db", str(db), "init"], cwd=tmp_path).code == 0
    shell = {k: v for k, v in os.environ.items() if k not in (DB_ENV, PUBLIC_URL_ENV)}
    server = subprocess.Popen(
        [sys.executable, "-m", "clinic_queue", "--db", str(db), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**shell, "PYTHONUNBUFFERED": "1", **env},
        cwd=tmp_path,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("Serving on http://127.0.0.1:")
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert err.splitlines() == ([LOOPBACK_WARNING] if warned else [])


def test_serve_refuses_a_proxy_that_is_no_address(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PUBLIC_URL_ENV, PUBLIC_URL)
    monkeypatch.setenv("CLINIC_QUEUE_PROXIES", "127.0.0.1,nginx")
    refused = cli.run("serve", "--port", "0")
    assert refused.code == 2
    assert refused.err_lines == ["clinic-queue: CLINIC_QUEUE_PROXIES: 'nginx' is not an IP address"]


EVERY_COMMAND_IN_ONE_INTERPRETER = """
import json, sys
from clinic_queue.cli import main
codes = [main(argv) for argv in json.loads(sys.argv[1])]
print(json.dumps({"codes": codes, "loaded": sorted(sys.modules)}))
"""


@pytest.mark.slow
def test_process_plain_commands_never_import_textual_or_websockets(tmp_path: Path) -> None:
    # Plain commands start fast because only `desk`, `triage` and `serve` load those libraries.
    runs = [
        ["init", "--config", str(SAMPLE_CONFIG)],
        ["simulate", "--day", "2026-01-05", "--until", "09:00"],
        ["replay", "--day", "2026-01-05", "--config", str(SAMPLE_CONFIG)],
        ["import", str(SAMPLE_APPOINTMENTS)],
        ["ticket", "nk-pt", "--json"],
        ["checkin", "A001"],
        ["priority", "A001", "elderly"],
        ["priority", "A001", "--clear"],
        ["call", "nk1", "--ticket", "A001", "--reason", "first of the morning"],
        ["recall", "nk1"],
        ["skip", "nk1"],
        ["requeue", "A001"],
        ["call", "nk1", "--ticket", "A001", "--reason", "back"],
        ["away", "nk1"],
        ["back", "A001"],
        ["call", "nk1", "--ticket", "A001", "--reason", "results in"],
        ["done", "nk1"],
        ["reopen", "nk1", "--reason", "finished too soon"],
        ["away", "nk1"],
        ["undo-away", "A001", "--reason", "not sent after all"],
        ["done", "nk1"],
        ["checkin", "C001"],
        ["transfer", "C001", "--to", "nk-pt", "--reason", "referral"],
        ["cancel", "C001", "--reason", "went home"],
        ["uncancel", "C001", "--reason", "cancelled by mistake"],
        ["pause", "nk2"],
        ["resume", "nk2"],
        ["status"],
        ["status", "--json"],
        ["events"],
        ["events", "--json"],
        ["report"],
        ["report", "--format", "csv"],
        ["report", "--format", "json"],
        ["close-day"],
        ["purge"],
        ["backup", str(tmp_path / "copy.db")],
        ["restore", str(tmp_path / "copy.db")],
        ["voice-clips", str(tmp_path / "voice")],
        ["voice-check", str(tmp_path / "voice")],
        ["staff", "list"],
        ["migrate-to", "other.db"],
        ["call", "wk2"],
        ["bogus"],
    ]
    assert {argv[0] for argv in runs} >= set(subcommands()) - LONG_RUNNING
    db = str(tmp_path / "clinic-queue.db")
    argvs = json.dumps([["--db", db, *argv] for argv in runs])
    done = subprocess.run(
        [sys.executable, "-c", EVERY_COMMAND_IN_ONE_INTERPRETER, argvs],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["codes"] == [0] * (len(runs) - 3) + [1, 1, 2], done.stderr
    loaded = report["loaded"]
    assert "queue_core.store" in loaded and "clinic_queue.render" in loaded
    for library in ("textual", "websockets"):
        assert not [m for m in loaded if m == library or m.startswith(f"{library}.")], library
