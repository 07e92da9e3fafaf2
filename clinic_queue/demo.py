"""`make demo`: a sample clinic morning on ./clinic-queue.db, then the real main job.

With a terminal: the display server runs in the background, its TV page and one patient's
phone link (with QR code) are printed with the commands that open the triage desk and a second
desk on the same database, and the desk console opens in front; quitting the console stops the
server cleanly. `CLINIC_QUEUE_HOST=0.0.0.0` (`make demo HOST=0.0.0.0`) serves the clinic's
network, and the QR code then holds this machine's LAN address, so a real phone can open it.
Without a terminal (piped, CI): a scripted morning is played through the same core commands and
the board is printed after each step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from clinic_queue import demo_sim
from clinic_queue.demo_sim import SIMULATE_ENV
from clinic_queue.lan import is_unspecified, listen_host, phone_base
from queue_core import commands
from queue_core.address import PUBLIC_URL_ENV, is_loopback
from queue_core.board import public_status
from queue_core.config import load_config
from queue_core.errors import ConfigError
from queue_core.importer import import_appointments
from queue_core.line import read_board
from queue_core.model import Ticket, TicketState
from queue_core.registration import check_in, initialise, issue_ticket
from queue_core.store import Store, default_db_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
ACTOR = "demo"
WALK_INS = [
    ("nk-pt", "张三丰", None),
    ("nk-pt", "李四", None),
    ("wk", "王小明", None),
    ("nk-pt", "赵桂英", "elderly"),
    ("wk", "John Smith", None),
    ("nk-pt", "周杰", None),
]


def morning_start(store: Store) -> datetime:
    """The demo's first patients arrived 35 minutes ago, so waits on screen look like a clinic's.

    Outside the sample appointments' hours they check in late and join as walk-ins would.
    """
    return store.now() - timedelta(minutes=35)


def prepare(db: Path) -> tuple[Store, Ticket]:
    """A fresh database with the sample clinic, its appointments, and a busy first half hour."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    initialise(db, load_config(SAMPLE / "clinic.toml"), ACTOR).close()
    store = Store.open(db)
    moment = morning_start(store)
    import_appointments(store, SAMPLE / "appointments.csv", ACTOR, now=moment)
    with store.read() as conn:
        first = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM tickets WHERE state = 'registered'"
                " ORDER BY slot_start, id LIMIT 24"
            )
        ]
    for number in first:
        moment += timedelta(seconds=50)
        check_in(store, number, ACTOR, now=moment)
    patient = None
    for queue, name, priority in WALK_INS:
        moment += timedelta(seconds=50)
        ticket = issue_ticket(store, queue, ACTOR, name=name, priority=priority, now=moment)
        patient = patient or ticket
    for desk in ("nk1", "nk2", "wk1"):
        moment += timedelta(seconds=30)
        commands.call_next(store, desk, ACTOR, now=moment)
    assert patient is not None
    return store, patient


def scripted_morning(store: Store) -> None:
    from clinic_queue.render import print_board

    steps: list[tuple[str, Callable[[], Ticket]]] = [
        ("内科1诊室 calls the next patient", lambda: commands.call_next(store, "nk1", ACTOR)),
        ("内科1诊室 recalls", lambda: commands.recall(store, "nk1", ACTOR)),
        ("nobody came: skip to the missed list", lambda: commands.skip(store, "nk1", ACTOR)),
        ("内科2诊室 calls the next patient", lambda: commands.call_next(store, "nk2", ACTOR)),
        ("外科1诊室 finishes", lambda: commands.finish(store, "wk1", ACTOR)),
        (
            "内科专家诊室 calls (specialist queue first)",
            lambda: commands.call_next(store, "nk-zj", ACTOR),
        ),
    ]
    for title, step in steps:
        print(f"\n== {title}: {step().number}")
        print_board(public_status(read_board(store)))
        time.sleep(0.3)
    missed = [t for q in read_board(store).queues for t in q.missed]
    if missed and missed[0].state is TicketState.MISSED:
        commands.requeue(store, missed[0].number, ACTOR)
        print(f"\n== {missed[0].number} came back: requeued behind the head")
        print_board(public_status(read_board(store)))


def _start_server(db: Path, host: str, port: int) -> subprocess.Popen[str]:
    """`clinic-queue serve` with this process's environment, the public address included."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clinic_queue",
            "--db",
            str(db),
            "serve",
            "--host",
            host,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        text=True,  # its stderr (a refusal, the public address's warning) goes to the terminal
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("Serving on "):
        proc.terminate()
        raise SystemExit(f"the display server did not start: {line or 'no output'}")
    return proc


def _stop(server: subprocess.Popen[str]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    print("Display server stopped.")


def _console_command(db: Path, base: str, *command: str) -> str:
    """The exact command that opens another console on the demo's database, from anywhere."""
    script = Path(sys.executable).with_name("clinic-queue")
    program = str(script) if script.exists() else f"{sys.executable} -m clinic_queue"
    prefix = f"{PUBLIC_URL_ENV}={base} " if command[0] == "triage" else ""
    return f"{prefix}{program} --db {db.resolve()} {' '.join(command)}"


def page_lines(base: str, patient: Ticket) -> list[str]:
    """The pages' addresses, and what to do when phones cannot open them."""
    lines = [
        f"TV page (waiting room):   {base}/display",
        f"Phone page of {patient.number}:     {base}/t/{patient.token}",
    ]
    host = urlsplit(base).hostname or ""
    if is_unspecified(host):
        lines.append(
            "This machine has no network address but loopback, so phones cannot open these"
            " links: name the address they reach it at with PUBLIC_URL=http://ADDRESS:8765."
        )
    elif is_loopback(host):
        lines.append(
            "Only this machine can open these links: `make demo HOST=0.0.0.0` serves the"
            " clinic's network and puts this machine's LAN address in the QR code"
            " (or PUBLIC_URL=http://ADDRESS:8765 to name it)."
        )
    return lines


def console_lines(db: Path, base: str) -> list[str]:
    return [
        "More consoles on the same database, each in a terminal of its own:",
        f"  triage desk (分诊台):      {_console_command(db, base, 'triage')}",
        f"  内科2诊室 (desk nk2):     {_console_command(db, base, 'desk', 'nk2')}",
    ]


def live(store: Store, patient: Ticket, db: Path) -> None:
    import segno

    from queue_tui.app import run_desk

    host = listen_host(os.environ)
    port = int(os.environ.get("CLINIC_QUEUE_PORT", "8765"))
    base = phone_base(host, port, os.environ)
    os.environ[PUBLIC_URL_ENV] = base  # the server's, the desk's and this demo's links alike
    server = _start_server(db, host, port)
    try:
        if os.environ.get(SIMULATE_ENV, "") not in ("", "0"):
            simulated = Store.open(db)
            demo_sim.start(simulated, "nk1")
            print("A simulated clinic works every desk but 内科1诊室 (nk1) at the wall clock.")
        print("\n".join(page_lines(base, patient)))
        segno.make(f"{base}/t/{patient.token}", error="m").terminal(compact=True)
        print("\n".join(console_lines(db, base)))
        try:
            input("Press Enter to open the desk console of 内科1诊室 (nk1)… ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        run_desk(store, "nk1", ACTOR)
    finally:
        _stop(server)


def main() -> None:
    db = default_db_path()
    store, patient = prepare(db)
    print(f"Demo database ready: {db} ({store.config.name})")
    if sys.stdin.isatty() and sys.stdout.isatty():
        try:
            live(store, patient, db)
        except ConfigError as exc:  # a PUBLIC_URL that is no address
            raise SystemExit(f"demo: {exc}") from None
    else:
        scripted_morning(store)


if __name__ == "__main__":
    main()
