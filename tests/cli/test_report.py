"""`clinic-queue report` on the scripted surgery morning: what a head of department reads."""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from clinic_queue.cli import main
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.core.scripted_day import (
    CANCEL_REASON,
    HOSTILE_NAME,
    OUT_OF_TURN_REASON,
    WAIT_MEDIAN,
    WAIT_P90,
    surgery_morning,
)

DAY = "2026-11-23"


def run(db: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db), "report", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def morning(store: Store, clock: SteppingClock, db_path: Path) -> Path:
    surgery_morning(store, clock)
    return db_path


def test_the_table_shows_the_hand_counted_figures_and_the_charts(morning: Path) -> None:
    code, out, err = run(morning, "--day", DAY)
    assert (code, err) == (0, "")
    total = next(line for line in out.splitlines() if line.strip().startswith("all "))
    cells = [c.strip() for c in total.split("│")]
    # all │ 8 patients │ 7 seen │ wait median │ p90 │ visit median │ missed │ came back │ no-show
    assert cells[:9] == [
        "all",
        "8",
        "7",
        f"{WAIT_MEDIAN:.1f}",
        f"{WAIT_P90:.1f}",
        "10.0",
        "1",
        "1",
        "0",
    ]
    assert cells[9:11] == ["0.12", "10.0"]  # 1 recall over 8 calls; wk1 paused 10 minutes
    assert "Waiting by hour of arrival (median minutes)" in out
    assert "  wk1   " + "█" * 40 + " 4 seen" in out
    assert "  wk2   " + "█" * 30 + " 3 seen" in out
    assert "Fairness: 7 overtakes, 0 flagged." in out
    assert "C002   │ 4         │ out_of_turn 1, priority 1, requeued 2" in out
    assert "doctor-li" in out and OUT_OF_TURN_REASON in out
    assert HOSTILE_NAME not in out  # names are not in a report: numbers only
    assert "李四" not in out and "李*" not in out


def test_csv_parses_and_neutralises_formula_cells(morning: Path) -> None:
    code, out, _ = run(morning, "--day", DAY, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    sections = {r[0] for r in rows}
    assert {"total", "queue", "desk", "hour", "out_of_turn", "cancel", "fair_ticket"} <= sections
    cells = [c for r in rows for c in r]
    assert f"'{OUT_OF_TURN_REASON}" in cells
    assert f"'{CANCEL_REASON}" in cells
    assert not [c for c in cells if c.lstrip()[:1] in ("=", "+", "-", "@", "\t", "\r")]
    total = next(r for r in rows if r[0] == "total")
    assert total[1:6] == ["all", "8", "7", "13.0", "26.0"]


def test_json_has_the_documented_shape(morning: Path) -> None:
    code, out, _ = run(morning, "--day", DAY, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == [
        "from", "to", "queue", "desk", "total", "queues", "desks", "hours",
        "out_of_turn", "cancels", "transfers", "fairness",
    ]  # fmt: skip
    assert data["total"]["wait_minutes"] == {"count": 7, "median": 13.0, "p90": 26.0}
    assert data["out_of_turn"] == [
        {
            "at": "2026-11-23T09:21:00+08:00",
            "ticket": "C004",
            "desk": "wk1",
            "queue": "wk",
            "actor": "doctor-li",
            "reason": OUT_OF_TURN_REASON,
            "to": "",
            "from_queue": "",
        }
    ]
    assert data["cancels"][0]["reason"] == CANCEL_REASON
    fair = data["fairness"]
    assert (fair["overtakes"], fair["flagged"]) == (7, [])
    assert fair["per_ticket"]["C002"] == {"out_of_turn": 1, "priority": 1, "requeued": 2}
    assert fair["per_desk"]["wk2"] == {"priority": 3, "requeued": 1}
    desks = {d["key"]: d for d in data["desks"]}
    assert (desks["wk1"]["pause_minutes"], desks["wk2"]["recalls_per_call"]) == (10.0, 0.25)


def test_a_desk_and_a_queue_narrow_the_report(morning: Path) -> None:
    _, out, _ = run(morning, "--day", DAY, "--desk", "wk2", "--format", "json")
    data = json.loads(out)
    assert [d["key"] for d in data["desks"]] == ["wk2"]
    assert data["total"]["wait_minutes"]["count"] == 3  # C005, C002, C006 were called there first
    assert data["out_of_turn"] == []
    _, out, _ = run(morning, "--day", DAY, "--queue", "nk-pt", "--format", "json")
    assert json.loads(out)["total"]["patients"] == 0


def test_a_day_without_events_reports_nobody(morning: Path) -> None:
    code, out, _ = run(morning, "--from", "2026-11-20", "--to", "2026-11-21", "--format", "json")
    assert code == 0
    assert json.loads(out)["total"]["patients"] == 0


@pytest.mark.parametrize(
    ("argv", "code", "line"),
    [
        (["--day", "2026-13-01"], 2, "clinic-queue: --day '2026-13-01' is not a day (YYYY-MM-DD)"),
        (["--from", "yesterday"], 2, "clinic-queue: --from 'yesterday' is not a day (YYYY-MM-DD)"),
        (["--day", DAY, "--to", DAY], 2, "clinic-queue: give --day, or --from and --to, not both"),
        (
            ["--from", "2026-11-24", "--to", "2026-11-23"],
            2,
            "clinic-queue: --from 2026-11-24 is after --to 2026-11-23",
        ),
        (
            ["--queue", "xx"],
            1,
            "clinic-queue: No queue called 'xx' in this clinic's configuration.",
        ),
        (["--desk", "zz"], 1, "clinic-queue: No desk called 'zz' in this clinic's configuration."),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    morning: Path, argv: list[str], code: int, line: str
) -> None:
    got, out, err = run(morning, *argv)
    assert (got, out, err.splitlines()) == (code, "", [line])


def test_a_day_closed_by_the_next_days_first_write_keeps_its_not_seen_ticket(
    store: Store, clock: SteppingClock, db_path: Path
) -> None:
    """The `closed` event of a ticket left waiting is written on the next day: it still counts
    for its own day, and a range of both days has both days' tickets."""
    surgery_morning(store, clock)
    issue_ticket(store, "wk", ACTOR, name="等到天黑")  # C009, never called
    clock.advance(days=1)
    issue_ticket(store, "wk", ACTOR, name="第二天")  # closes the 23rd first
    _, out, _ = run(db_path, "--day", DAY, "--format", "json")
    one = json.loads(out)["total"]
    assert (one["patients"], one["seen"], one["wait_minutes"]["count"]) == (9, 7, 7)
    _, out, _ = run(db_path, "--from", DAY, "--to", "2026-11-24", "--format", "json")
    assert json.loads(out)["total"]["patients"] == 10
