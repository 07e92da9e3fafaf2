"""A realistic busy morning through the real core: appointments checked in, walk-ins, priority
patients, calls at every desk, a few no-shows on the missed list.

Used by the privacy test (every full name it creates must stay off the TV page) and for the
screenshots in docs/screenshots/.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from queue_core import commands
from queue_core.importer import import_appointments
from queue_core.model import Ticket
from queue_core.registration import check_in, find_tickets, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_APPOINTMENTS

WALK_INS = [
    ("nk-pt", "王建国", None),
    ("nk-pt", "李秀英", "elderly"),
    ("nk-pt", "John Smith", None),
    ("nk-pt", "陈静", None),
    ("nk-pt", "欧阳娜娜", None),
    ("nk-pt", "赵志强", "pregnant"),
    ("nk-pt", "刘洋", None),
    ("wk", "孙丽华", None),
    ("wk", "周伟", None),
    ("wk", "吴桂兰", "elderly"),
    ("wk", "郑海涛", None),
    ("nk-zj", "冯玉珍", None),
]
CHECK_INS_PER_QUEUE = {"nk-pt": 8, "nk-zj": 4, "wk": 6}


@dataclass
class Morning:
    names: list[str] = field(default_factory=list)  # every full name the clinic holds today
    tickets: list[Ticket] = field(default_factory=list)  # walk-ins and checked-in appointments


def _appointments() -> list[dict[str, str]]:
    with SAMPLE_APPOINTMENTS.open(encoding="utf-8-sig") as file:
        return sorted(csv.DictReader(file), key=lambda r: (r["slot_start"], r["external_id"]))


def _appointments_to_check_in(rows: list[dict[str, str]]) -> list[str]:
    """The earliest appointments of each queue by slot: the patients who arrive first."""
    chosen: list[str] = []
    left = dict(CHECK_INS_PER_QUEUE)
    for row in rows:
        if left.get(row["queue"], 0) > 0:
            left[row["queue"]] -= 1
            chosen.append(row["name"])
    return chosen


def fill_waiting_room(store: Store) -> Morning:
    """Import the HIS appointments, check some in and register walk-ins: nobody called yet."""
    rows = _appointments()
    morning = Morning(names=[r["name"] for r in rows])
    import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    for name in _appointments_to_check_in(rows):
        found = [t for t in find_tickets(store, name) if t.name == name]
        morning.tickets.append(check_in(store, found[0].number, ACTOR))
    for queue, name, priority in WALK_INS:
        morning.tickets.append(issue_ticket(store, queue, ACTOR, name=name, priority=priority))
        morning.names.append(name)
    return morning


def run_first_hour(store: Store) -> None:
    """Every desk sees a few patients; two no-shows at internal medicine, one at surgery."""
    for desk in ("nk1", "nk2", "nk-zj", "wk1", "wk2"):
        commands.call_next(store, desk, ACTOR)
    commands.skip(store, "nk1", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    commands.recall(store, "nk2", ACTOR)
    commands.skip(store, "nk2", ACTOR)
    commands.call_next(store, "wk1", ACTOR)
    commands.skip(store, "wk1", ACTOR)
    for desk in ("nk2", "wk1", "wk2", "nk-zj"):
        commands.call_next(store, desk, ACTOR)
