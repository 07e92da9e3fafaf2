"""`clinic-queue import` as the triage desk runs it each time the HIS exports: what it prints,
its exit code, and what the board (`status --json`) and the log (`events --json`) say next."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import LOGIN, Cli
from tests.conftest import SAMPLE_CONFIG

HEADER = "external_id,name,queue,slot_start,phone,priority,desk,status"
BOOKED = [
    "H1,张三丰,nk-pt,09:00,13800000001,,,",
    "H2,李四,nk-pt,09:30,13800000002,,,",
    "H3,王五,wk,10:00,,elderly,,",
]


@pytest.fixture
def clinic(tmp_path: Path) -> Cli:
    """The sample clinic, initialised, with nothing imported yet."""
    runner = Cli(tmp_path / "clinic-queue.db")
    runner.ok("init", "--config", str(SAMPLE_CONFIG))
    return runner


def export(tmp_path: Path, rows: list[str], encoding: str = "gbk") -> Path:
    """The export as Excel on Chinese Windows saves it: GBK, CRLF."""
    path = tmp_path / "his.csv"
    path.write_bytes("\r\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


def registered(cli: Cli) -> dict[str, int]:
    return {q["id"]: q["registered"] for q in cli.board()["queues"]}


def test_a_gbk_export_imports_and_the_same_file_twice_changes_nothing(
    clinic: Cli, tmp_path: Path
) -> None:
    path = export(tmp_path, BOOKED)
    first = clinic.ok("import", str(path))
    assert (
        first
        == f"{path} (GB18030): 3 added, 0 updated, 0 cancelled, 0 unchanged, 0 kept, 0 refused.\n"
    )
    assert registered(clinic) == {"nk-pt": 2, "nk-zj": 0, "wk": 1}
    events = clinic.events()
    assert events[-1]["type"] == "import" and events[-1]["reason"] == "his.csv"
    assert (events[-1]["added"], events[-1]["actor"]) == (3, f"host:{LOGIN}")
    second = clinic.ok("import", str(path))
    assert (
        second
        == f"{path} (GB18030): 0 added, 0 updated, 0 cancelled, 3 unchanged, 0 kept, 0 refused.\n"
    )
    assert clinic.events() == events


def test_a_dry_run_prints_the_diff_and_writes_nothing(clinic: Cli, tmp_path: Path) -> None:
    clinic.ok("import", str(export(tmp_path, BOOKED)))
    changed = [
        "H1,张三丰,nk-pt,10:00,13800000001,,,",
        "H2,李四,nk-pt,09:30,13800000002,,,退号",
        "H3,王五,wk,10:00,,elderly,,",
        "H4,赵六,wk,10:30,,,,",
    ]
    path = export(tmp_path, changed)
    seq = clinic.status()["seq"]
    dry = clinic.ok("import", str(path), "--dry-run")
    assert dry.splitlines() == [
        "update  line 2: H1 A001: slot 09:00 → 10:00",
        "cancel  line 3: H2 A002 cancelled in the HIS (退号)",
        f"add     line 5: H4 赵*, wk, {clinic.board()['day']} 10:30",
        f"{path} (GB18030), dry run: 1 to add, 1 to update, 1 to cancel, 1 unchanged,"
        " 0 kept, 0 refused.",
    ]
    assert clinic.status()["seq"] == seq
    done = clinic.ok("import", str(path), "--actor", "triage-li")
    assert done.splitlines() == [
        "update  line 2: H1 A001: slot 09:00 → 10:00",
        "cancel  line 3: H2 A002 cancelled in the HIS (退号)",
        f"{path} (GB18030): 1 added, 1 updated, 1 cancelled, 1 unchanged, 0 kept, 0 refused.",
    ]
    assert registered(clinic) == {"nk-pt": 1, "nk-zj": 0, "wk": 2}
    tail = [(e["type"], e["ticket"], e["reason"], e["actor"]) for e in clinic.events(seq)]
    assert tail == [
        ("import", None, "his.csv", "triage-li"),
        ("cancel", "A002", "HIS", "triage-li"),
    ]


def test_a_complete_export_cancels_a_waiting_patient_it_lacks(clinic: Cli, tmp_path: Path) -> None:
    clinic.ok("import", str(export(tmp_path, BOOKED)))
    clinic.ok("checkin", "A002")
    assert clinic.waiting("nk-pt") == ["A002"]
    path = export(tmp_path, [BOOKED[0], BOOKED[2]])
    out = clinic.ok("import", str(path), "--complete")
    assert out.splitlines()[0] == "cancel  H2 A002 not in the export"
    assert clinic.waiting("nk-pt") == []
    assert clinic.last_event()["type"] == "cancel" and clinic.last_event()["reason"] == "HIS"


def test_a_patient_in_the_room_is_kept_and_said_so(clinic: Cli, tmp_path: Path) -> None:
    clinic.ok("import", str(export(tmp_path, BOOKED)))
    clinic.ok("checkin", "A001")
    clinic.ok("call", "nk1")
    seq = clinic.status()["seq"]
    refunded = [BOOKED[0] + "退号", *BOOKED[1:]]
    out = clinic.ok("import", str(export(tmp_path, refunded)))
    assert out.splitlines() == [
        "keep    line 2: H1 A001 is called at desk nk1: cancelled in the HIS, not here",
        f"{tmp_path / 'his.csv'} (GB18030): 0 added, 0 updated, 0 cancelled, 2 unchanged,"
        " 1 kept, 0 refused.",
    ]
    assert clinic.desk("nk1")["current"]["ticket"] == "A001"
    assert clinic.status()["seq"] == seq


def test_every_refused_row_is_on_its_own_line_and_nothing_is_written(
    clinic: Cli, tmp_path: Path
) -> None:
    rows = [
        BOOKED[0],
        "X1,甲,eye,9h,,,,",  # two problems, one row
        "X2,乙,wk,10:15,,,,",
    ]
    path = export(tmp_path, rows)
    seq = clinic.status()["seq"]
    result = clinic.run("import", str(path))
    assert result.code == 1
    assert result.err_lines == [
        f"clinic-queue: {path}: 2 rows refused (lines 3, 4); nothing imported."
    ]
    assert result.out.splitlines() == [
        "refused line 3: unknown queue 'eye'; slot_start '9h' is not a time (HH:MM)"
        " or a date and time (YYYY-MM-DD HH:MM)",
        "refused line 4: slot_start '10:15' is not on a 30-minute slot boundary",
        f"{path} (GB18030), nothing written: 1 to add, 0 to update, 0 to cancel, 0 unchanged,"
        " 0 kept, 2 refused.",
    ]
    assert clinic.status()["seq"] == seq


def test_a_file_that_is_no_text_is_one_line_exit_1(clinic: Cli, tmp_path: Path) -> None:
    path = tmp_path / "his.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8" * 50)
    result = clinic.run("import", str(path))
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == [
        f"clinic-queue: {path}: neither UTF-8 nor GB18030/GBK text; name its encoding with"
        " --encoding; nothing imported."
    ]


def test_encoding_can_be_forced_and_an_unknown_one_is_a_usage_error(
    clinic: Cli, tmp_path: Path
) -> None:
    traditional = ["T1,張三豐,nk-pt,09:00,,,,", "T2,陳美玲,wk,09:30,,,,"]
    path = export(tmp_path, traditional, encoding="big5")  # a Hong Kong or Taiwan HIS
    assert clinic.ok("import", str(path), "--encoding", "big5").startswith(
        f"{path} (big5): 2 added"
    )
    assert registered(clinic) == {"nk-pt": 1, "nk-zj": 0, "wk": 1}
    result = clinic.run("import", str(path), "--encoding", "klingon")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "unknown text encoding 'klingon'" in result.err
