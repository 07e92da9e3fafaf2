"""`clinic-queue simulate` and `replay` on real database files, in-process and in one process."""

from __future__ import annotations

import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from clinic_queue.cli import main
from tests.conftest import SAMPLE_CONFIG

DAY = "2026-11-23"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_simulate_sets_up_plays_and_closes_a_day(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    code, out, err = run("--db", db, "simulate", "--config", str(SAMPLE_CONFIG), "--day", DAY)
    assert (code, err) == (0, "")
    assert out.startswith(f"Simulated {DAY} (seed 1) in {db}: ")
    assert out.rstrip().endswith(", closed.")
    code, out, _ = run("--db", db, "events", "--day", DAY, "--type", "day_closed")
    assert code == 0 and len(out.splitlines()) == 1


def test_simulate_refuses_a_day_with_tickets_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    args = ("--db", db, "simulate", "--day", DAY, "--until", "09:30")
    assert run("--db", db, "init", "--config", str(SAMPLE_CONFIG))[0] == 0
    code, out, _ = run(*args)
    assert code == 0 and out.rstrip().endswith(", left open.")
    code, out, err = run(*args)
    assert (code, out) == (1, "")
    assert err == (
        f"clinic-queue: {DAY} has tickets already: a simulated day only goes into a day after"
        " every day of the file (use a new --db, or a later --day).\n"
    )


def test_simulate_at_a_speed_plays_to_the_time_given(tmp_path: Path) -> None:
    # A hundred thousand times real time: the day's first hour and a half in a few hundredths.
    db = str(tmp_path / "sim.db")
    argv = ("--db", db, "simulate", "--config", str(SAMPLE_CONFIG), "--day", DAY)
    code, out, err = run(*argv, "--speed", "100000", "--until", "08:30")
    assert (code, err) == (0, "")
    played_to = re.search(r" to (\d\d:\d\d), left open\.$", out.rstrip())
    assert played_to is not None and "08:00" <= played_to[1] < "08:30", out


def test_simulate_and_replay_refuse_bad_options_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    assert run("--db", db, "init", "--config", str(SAMPLE_CONFIG))[0] == 0
    for argv, problem in [
        (("simulate", "--day", "23/11/2026"), "argument --day: '23/11/2026' is not a day"),
        (("simulate", "--until", "9:30"), "argument --until: '9:30' is not a time of day"),
        (("simulate", "--speed", "fast"), "argument --speed: 'fast' is not a speed factor"),
        (("simulate", "--seed", "x"), "argument --seed: 'x' is not a whole number"),
        (("simulate", "--speed", "2", "--realtime"), "not allowed with argument"),
        (("replay", "--day", DAY), "the following arguments are required: --config"),
    ]:
        code, out, err = run("--db", db, *argv)
        assert (code, out) == (2, ""), argv
        assert len(err.splitlines()) == 1 and problem in err, (argv, err)
    code, _, err = run("--db", db, "simulate", "--realtime", "--day", DAY)
    assert code == 1 and err.startswith("clinic-queue: --realtime plays today")
    code, _, err = run("--db", db, "replay", "--day", DAY, "--config", str(tmp_path / "no.toml"))
    assert code == 2 and "cannot read" in err
    code, _, err = run("--db", db, "replay", "--day", DAY, "--config", str(SAMPLE_CONFIG))
    assert (code, err) == (1, f"clinic-queue: {DAY} has no tickets to replay.\n")


def test_replay_prints_old_and_new_side_by_side(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    run("--db", db, "simulate", "--config", str(SAMPLE_CONFIG), "--day", DAY, "--seed", "2")
    stricter = tmp_path / "stricter.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    stricter.write_text(text.replace("max_ahead = 3", "max_ahead = 1"), encoding="utf-8")
    code, out, err = run("--db", db, "replay", "--day", DAY, "--config", str(SAMPLE_CONFIG))
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0] == f"Replayed {DAY} under {SAMPLE_CONFIG}: 240 tickets; the same call order."
    assert lines[1].split() == ["old", "new"]
    same = [line for line in lines[2:] if line.startswith("wait median, regular")]
    assert len(same) == 1 and same[0].split()[-2] == same[0].split()[-4]
    code, out, _ = run("--db", db, "replay", "--day", DAY, "--config", str(stricter))
    assert code == 0 and out.splitlines()[0].endswith("another call order.")
    elderly = next(x for x in out.splitlines() if x.startswith("wait median, elderly")).split()
    assert float(elderly[-2]) > float(elderly[-4])


@pytest.mark.slow
def test_a_bad_day_ends_the_process_with_code_2_and_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clinic_queue",
            "--db",
            str(tmp_path / "x.db"),
            "simulate",
            "--day",
            "2026-02-30",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "clinic-queue simulate: argument --day: '2026-02-30' is not a day (YYYY-MM-DD)\n"
    )
