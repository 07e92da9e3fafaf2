"""How long a HIS import holds the desks: the writer gate seen from a desk, and the whole command.

For each size, a HIS export (GBK, as Excel on Chinese Windows saves it) of that many
appointments over five days is imported three times with `clinic-queue import` as its own
process, while a desk process writes without pause: the first import (into nothing) while
the desk pauses and resumes a desk; then an updated export (a slot moved in 2 rows of 100, 1 in
100 cancelled in the HIS, 1 in 100 new) and the same file again, while the desk checks in
today's appointments one after another, so that the import has to catch up on tickets of its
own file inside the lock. Each desk command notes when it began and how long it took; the
longest of those that ran during the import is how long the import kept that desk waiting.

    python -m benchmarks.import_sync [--quick] [--sizes 20000 100000] [--tree PATH]
    (also part of `make bench`: python -m benchmarks.run_all --only import)

`--tree` measures the clinic-queue of another checkout (an older commit, for a before and
after); the export is then UTF-8, which every version reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.clinic import fresh_clinic
from benchmarks.report import (
    DOC,
    ROOT,
    Blocks,
    Table,
    machine_line,
    show_blocks,
    verdict,
    write_blocks,
)
from queue_core.config import load_config

GOAL_S = 1.0  # a 20,000-row export must not hold the desks for more than about a second
GOAL_ROWS = 20_000
DAYS = 5
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
QUEUES = (("nk-pt", None), ("nk-zj", "nk-zj"), ("wk", None))
HEADER = "external_id,name,queue,slot_start,phone,priority,desk,status"
# The desk: one command after another until the stop file appears; then, as JSON, when each
# began (monotonic clock, shared by the processes of one machine) and how long it took.
DESK = """
import json, os, sys, time
from queue_core import commands
from queue_core.errors import QueueError
from queue_core.registration import check_in
from queue_core.store import Store
store = Store.open(sys.argv[1])
stop, mode = sys.argv[2], sys.argv[3]
with store.read() as conn:
    waiting = [r[0] for r in conn.execute(
        "SELECT number FROM tickets WHERE day = ? AND state = 'registered' ORDER BY id",
        (store.today(),))] if mode == "checkin" else []
    paused = bool(conn.execute("SELECT paused FROM desks WHERE id = 'nk1'").fetchone()[0])
done = []
print("ready", flush=True)
while not os.path.exists(stop):
    began = time.monotonic()
    if waiting:
        try:
            check_in(store, waiting.pop(0), "bench-triage")
        except QueueError:  # cancelled by the import meanwhile: refused, as at a real desk
            pass
    else:
        (commands.resume if paused else commands.pause)(store, "nk1", "bench-desk")
        paused = not paused
    done.append((began, time.monotonic() - began))
print(json.dumps(done))
"""


@dataclass(frozen=True)
class Run:
    size: int  # the appointments of the first export
    rows: int  # the rows of the file this import read
    what: str
    seconds: float  # the whole `clinic-queue import` process
    summary: str  # the counts it printed
    held_s: float  # the longest a desk command took while the import ran
    desk_commands: int  # desk commands that ran during the import
    code: int


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def export_rows(rows: int, first_day: date, seed: int = 7) -> list[list[str]]:
    """`rows` appointments over DAYS days, 20 half-hour slots from 08:00, three queues."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        day = first_day + timedelta(days=i % DAYS)
        slot = (i // DAYS) % 20
        queue, desk = QUEUES[i % len(QUEUES)]
        out.append(
            [
                f"HIS{i:08d}",
                _name(rng),
                queue,
                f"{day.isoformat()} {8 + slot // 2:02d}:{30 * (slot % 2):02d}",
                f"13{rng.randrange(10**9):09d}",
                "elderly" if i % 20 == 19 else "",
                desk or "",
                "",
            ]
        )
    return out


def updated(rows: list[list[str]], seed: int = 11) -> list[list[str]]:
    """The HIS's later export: slots moved, refunds (退号), new appointments."""
    rng = random.Random(seed)
    later = [list(r) for r in rows]
    for row in later:
        draw = rng.random()
        if draw < 0.02:
            hour = int(row[3][11:13])
            row[3] = f"{row[3][:11]}{min(hour + 1, 17):02d}{row[3][13:]}"
        elif draw < 0.03:
            row[7] = "退号"
    extra = export_rows(len(rows) // 100, date.fromisoformat(rows[0][3][:10]), seed + 1)
    return later + [[f"NEW{r[0]}", *r[1:]] for r in extra]


def write_export(path: Path, rows: list[list[str]], encoding: str) -> Path:
    lines = [HEADER, *(",".join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _desk(db: Path, stop: Path, mode: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    desk = subprocess.Popen(
        [sys.executable, "-c", DESK, str(db), str(stop), mode],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
    )
    assert desk.stdout is not None
    assert desk.stdout.readline().strip() == "ready"
    time.sleep(0.2)  # the desk is writing before the import starts
    return desk


def measure(
    db: Path, his: Path, size: int, what: str, mode: str, env: dict[str, str], cwd: Path
) -> Run:
    stop = db.with_name("stop")
    stop.unlink(missing_ok=True)
    desk = _desk(db, stop, mode, env, cwd)
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "clinic_queue", "--db", str(db), "import", str(his)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    ended = time.monotonic()
    stop.touch()
    out, _ = desk.communicate(timeout=60)
    commands = [
        (b, d) for b, d in json.loads(out.splitlines()[-1]) if began <= b + d and b <= ended
    ]
    summary = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1]
    return Run(
        size,
        len(his.read_bytes().splitlines()) - 1,
        what,
        ended - began,
        summary.partition(": ")[2] or summary,
        max((d for _, d in commands), default=0.0),
        len(commands),
        done.returncode,
    )


def run_size(size: int, workdir: Path, tree: Path) -> list[Run]:
    db = fresh_clinic(workdir / f"import-{size}.db")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    encoding = "gbk" if tree == ROOT else "utf-8"
    today = datetime.now(load_config(ROOT / "sample_data" / "clinic.toml").tz).date()
    first = export_rows(size, today)
    his = write_export(workdir / f"his-{size}.csv", first, encoding)
    later = write_export(workdir / f"his-{size}-later.csv", updated(first), encoding)
    return [
        measure(db, his, size, "first import", "pause", env, tree),
        measure(db, later, size, "updated export", "checkin", env, tree),
        measure(db, later, size, "the same file again", "checkin", env, tree),
    ]


def run(sizes: list[int], tree: Path = ROOT) -> list[Run]:
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        return [r for rows in sizes for r in run_size(rows, Path(tmp), tree)]


def _short(text: str, width: int = 72) -> str:
    """A refusal as long as a table cell can hold (an older version listed every row)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def blocks(runs: list[Run], machine: str) -> Blocks:
    columns = (
        "rows",
        "import",
        "whole command s",
        "desks held s (longest desk command)",
        "desk commands meanwhile",
        "what it did",
    )
    table = Table(
        columns,
        [
            (
                f"{r.rows:,}",
                r.what,
                f"{r.seconds:.2f}",
                f"{r.held_s:.3f}",
                f"{r.desk_commands:,}",
                r.summary if r.code == 0 else f"exit {r.code}: {_short(r.summary)}",
            )
            for r in runs
        ],
        left={"import", "what it did"},
    )
    lines = [
        f"- {r.rows:,} rows, {r.what}: the desks waited at most {r.held_s:.2f} s "
        f"(goal about {GOAL_S:.0f} s): {verdict(r.held_s <= GOAL_S)}."
        for r in runs
        if r.size == GOAL_ROWS
    ]
    return {
        "import-sync-machine": [machine],
        "import-sync": [table],
        "import-sync-goals": ["\n".join(lines) or "- (no run of 20,000 rows)"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke run, printed only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    parser.add_argument("--sizes", type=int, nargs="+", help="default: 20000 100000 (quick: 2000)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([2_000] if args.quick else [GOAL_ROWS, 100_000])
    tree = args.tree.resolve()
    result = blocks(run(sizes, tree), machine_line(args.quick))
    if args.quick or tree != ROOT:
        show_blocks(result, args.output)
    else:
        write_blocks(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
