"""The clinic's ordering rules as a table of scenarios: the pure functions, then real commands.

Each pure row builds waiting tickets by hand (name, minutes after 09:00, priority, pinned desk)
and states the call order a nurse would expect. The store scenarios play the same rules through
the commands on each store (a real SQLite file, a real PostgreSQL database), where the database
is part of the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import ClinicConfig, parse_config
from queue_core.errors import NobodyWaiting, NoCurrentPatient, NotEligible
from queue_core.importer import import_appointments
from queue_core.line import read_board
from queue_core.model import Placement, Source, Ticket, TicketState
from queue_core.registration import check_in, initialise, issue_ticket
from queue_core.rules import (
    Placed,
    arrival,
    desk_order,
    order_queue,
    overtaken_within_caps,
    reinsert_key,
    to_micros,
)
from queue_core.store import Store
from tests.conftest import ACTOR, MORNING, SAMPLE_CONFIG, SteppingClock
from tests.pg import STORES, store_target

SAMPLE_TEXT = SAMPLE_CONFIG.read_text(encoding="utf-8")
CONFIG = parse_config(SAMPLE_TEXT)
KEEP_SLOT = parse_config(
    SAMPLE_TEXT.replace('late_appointment = "walk_in"', 'late_appointment = "keep_slot"')
)
FRESH_ARRIVAL_ON_TRANSFER = parse_config(
    SAMPLE_TEXT.replace(
        "requeue_behind = 3\n", "requeue_behind = 3\ntransfer_keeps_arrival = false\n"
    )
)
assert KEEP_SLOT.late_appointment == "keep_slot"
assert FRESH_ARRIVAL_ON_TRANSFER.queue("wk").transfer_keeps_arrival is False  # type: ignore[union-attr]

Spec = tuple[str, float] | tuple[str, float, str | None] | tuple[str, float, str | None, str | None]


def at(minutes: float) -> datetime:
    return MORNING + timedelta(minutes=minutes)


def tickets(*specs: Spec, queue: str = "nk-pt", first_id: int = 1) -> list[Ticket]:
    """Waiting walk-ins named by `number`, arriving `minutes` after 09:00 Shanghai."""
    made = []
    for offset, spec in enumerate(specs):
        number, minutes = spec[0], spec[1]
        priority = spec[2] if len(spec) > 2 else None
        pinned = spec[3] if len(spec) > 3 else None
        key = to_micros(at(minutes))
        made.append(
            Ticket(
                id=first_id + offset, day="2026-11-23", number=number, queue=queue,
                token=f"token-{number}", state=TicketState.WAITING, source=Source.WALK_IN,
                created_at=at(minutes).isoformat(), priority=priority, pinned_desk=pinned,
                arrival_key=key, sort_key=(key, first_id + offset),
            )
        )  # fmt: skip
    return made


def numbers(order: list[Placed]) -> list[str]:
    return [p.ticket.number for p in order]


# --- priority cap: order_queue over one queue ------------------------------------------------

PRIORITY_ROWS = [
    pytest.param(
        [("a", 0), ("b", 1), ("c", 2)],
        ["a", "b", "c"],
        id="no-priority-keeps-arrival-order",
    ),
    pytest.param(
        [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4), ("old", 5, "elderly")],
        ["a", "b", "old", "c", "d", "e"],
        id="elderly-moves-at-most-3-places",
    ),
    pytest.param(
        [("a", 0), ("b", 1), ("old", 2, "elderly")],
        ["old", "a", "b"],
        id="elderly-with-fewer-than-3-ahead-goes-first",
    ),
    pytest.param(
        [("p1", 0, "pregnant"), ("a", 1), ("b", 2), ("old", 3, "elderly")],
        ["p1", "old", "a", "b"],
        id="never-past-an-earlier-priority-ticket",
    ),
    pytest.param(
        [
            ("a", 0),
            ("b", 1),
            ("c", 2),
            ("d", 3),
            ("e", 4),
            ("f", 5),
            ("o1", 6, "elderly"),
            ("o2", 7, "elderly"),
        ],
        ["a", "b", "c", "o1", "o2", "d", "e", "f"],
        id="second-elderly-stays-behind-the-first",
    ),
    pytest.param(
        [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4), ("er", 5, "emergency")],
        ["er", "a", "b", "c", "d", "e"],
        id="emergency-cap-20-reaches-the-front",
    ),
    pytest.param(
        [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("x", 4, "no-such-class")],
        ["a", "b", "c", "d", "x"],
        id="unknown-class-gets-no-priority",
    ),
]


@pytest.mark.parametrize(("specs", "expected"), PRIORITY_ROWS)
def test_priority_order(specs: list[Spec], expected: list[str]) -> None:
    order = order_queue(tickets(*specs), CONFIG)
    assert numbers(order) == expected
    assert [p.position for p in order] == list(range(len(order)))
    assert overtaken_within_caps(order, CONFIG)


def test_priority_reason_shown_only_when_the_ticket_moved() -> None:
    order = order_queue(tickets(("old", 0, "elderly"), ("a", 1), ("old2", 2, "elderly")), CONFIG)
    reasons = {p.ticket.number: p.reason for p in order}
    assert numbers(order) == ["old", "old2", "a"]
    assert reasons == {
        "old": Placement.WALK_IN,
        "old2": Placement.PRIORITY,
        "a": Placement.WALK_IN,
    }


def test_order_ignores_tickets_that_are_not_waiting() -> None:
    line = tickets(("a", 0), ("b", 1), ("c", 2), ("d", 3))
    line[0].state = TicketState.CALLED
    line[2].state = TicketState.MISSED
    assert numbers(order_queue(line, CONFIG)) == ["b", "d"]


def test_overtaken_within_caps_catches_a_ticket_moved_too_far() -> None:
    order = order_queue(tickets(("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4)), CONFIG)
    jumped = [order[4], *order[:4]]
    forged = [p._replace(position=i) for i, p in enumerate(jumped)]
    assert not overtaken_within_caps(forged, CONFIG)


# --- arrival: walk-ins, appointments on time, early, late ------------------------------------

SLOT_0900 = at(0)

ARRIVAL_ROWS = [
    pytest.param(Source.WALK_IN, 12, None, CONFIG, 12, Placement.WALK_IN, id="walk-in-at-check-in"),
    pytest.param(Source.APPOINTMENT, -20, SLOT_0900, CONFIG, 0, Placement.APPOINTMENT,
                 id="appointment-early-ordered-by-slot-start"),
    pytest.param(Source.APPOINTMENT, 29, SLOT_0900, CONFIG, 0, Placement.APPOINTMENT,
                 id="appointment-inside-its-slot-keeps-slot-start"),
    pytest.param(Source.APPOINTMENT, 30, SLOT_0900, CONFIG, 0, Placement.APPOINTMENT,
                 id="appointment-at-slot-end-still-on-time"),
    pytest.param(Source.APPOINTMENT, 31, SLOT_0900, CONFIG, 31, Placement.LATE_APPOINTMENT,
                 id="late-appointment-walk-in-policy-arrives-now"),
    pytest.param(Source.APPOINTMENT, 31, SLOT_0900, KEEP_SLOT, 0, Placement.LATE_APPOINTMENT,
                 id="late-appointment-keep-slot-policy-keeps-slot"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "checked_in", "slot", "config", "key_minute", "placement"), ARRIVAL_ROWS
)
def test_arrival(
    source: Source,
    checked_in: float,
    slot: datetime | None,
    config: ClinicConfig,
    key_minute: float,
    placement: Placement,
) -> None:
    assert arrival(source, at(checked_in), slot, config) == (to_micros(at(key_minute)), placement)


# --- desks: pinned tickets and multi-queue merge ---------------------------------------------


def _orders(*lines: list[Ticket]) -> dict[str, list[Placed]]:
    return {line[0].queue: order_queue(line, CONFIG) for line in lines}


def test_pinned_ticket_is_served_only_at_its_desk() -> None:
    orders = _orders(tickets(("a", 0, None, "nk2"), ("b", 1), ("c", 2, None, "nk-zj")))
    nk1, nk2, zj = (CONFIG.desk(d) for d in ("nk1", "nk2", "nk-zj"))
    assert nk1 and nk2 and zj
    assert numbers(desk_order(nk1, orders)) == ["b"]
    assert numbers(desk_order(nk2, orders)) == ["a", "b"]
    assert numbers(desk_order(zj, orders)) == ["b", "c"]


def test_multi_queue_desk_merges_its_queues_by_arrival() -> None:
    general = tickets(("A001", 0), ("A002", 2), ("A003", 4))
    expert = tickets(("B001", 1), ("B002", 3), queue="nk-zj", first_id=10)
    orders = _orders(general, expert)
    zj, nk1 = CONFIG.desk("nk-zj"), CONFIG.desk("nk1")
    assert zj and nk1
    assert numbers(desk_order(zj, orders)) == ["A001", "B001", "A002", "B002", "A003"]
    assert numbers(desk_order(nk1, orders)) == ["A001", "A002", "A003"]


def test_merge_keeps_a_queue_s_own_priority_order() -> None:
    general = tickets(("A001", 0), ("A002", 1), ("A003", 2), ("A004", 10, "elderly"))
    expert = tickets(("B001", 5), queue="nk-zj", first_id=10)
    zj = CONFIG.desk("nk-zj")
    assert zj
    merged = numbers(desk_order(zj, _orders(general, expert)))
    assert merged.index("A004") < merged.index("A001")
    assert [n for n in merged if n.startswith("A")] == ["A004", "A001", "A002", "A003"]


# --- reinsertion keys: N behind the head, short and empty lines ------------------------------


def _reinsert(line: list[Ticket], returning: Ticket, behind: int, stamp: int) -> list[str]:
    key = reinsert_key(line, returning, behind, stamp, CONFIG)
    assert key is not None
    returning.sort_key = key
    return numbers(order_queue([*line, returning], CONFIG))


def test_reinsert_key_is_none_when_nobody_waits() -> None:
    returning = tickets(("R", 0))[0]
    assert reinsert_key([], returning, 2, stamp=7, config=CONFIG) is None


@pytest.mark.parametrize(
    ("waiting", "behind", "expected"),
    [
        pytest.param(5, 2, ["w1", "w2", "R", "w3", "w4", "w5"], id="two-behind-head"),
        pytest.param(5, 3, ["w1", "w2", "w3", "R", "w4", "w5"], id="three-behind-head"),
        pytest.param(1, 2, ["w1", "R"], id="short-line-goes-to-the-end"),
        pytest.param(2, 2, ["w1", "w2", "R"], id="line-exactly-n-long"),
    ],
)
def test_reinsert_places_n_behind_head(waiting: int, behind: int, expected: list[str]) -> None:
    line = tickets(*[(f"w{i}", float(i)) for i in range(1, waiting + 1)])
    returning = tickets(("R", -30), first_id=99)[0]
    assert _reinsert(line, returning, behind, stamp=50) == expected


@pytest.mark.parametrize(
    ("specs", "returning", "expected"),
    [
        pytest.param(
            [("w1", 1), ("w2", 2), ("w3", 3), ("w4", 4), ("old", 5, "elderly")],
            ("R", -30),
            ["w1", "w2", "old", "R", "w3", "w4"],
            id="priority-ticket-near-the-head-first-place-at-least-n-back",
        ),
        pytest.param(
            [("er", 0, "emergency"), ("w1", 1), ("w2", 2), ("w3", 3), ("w4", 4)],
            ("R", -30),
            ["er", "w1", "R", "w2", "w3", "w4"],
            id="priority-ticket-at-the-head-counts-as-one-place",
        ),
        pytest.param(
            [("w1", 1), ("w2", 2), ("w3", 3), ("w4", 4), ("w5", 5), ("w6", 6)],
            ("R", -30, "elderly"),
            ["w1", "w2", "R", "w3", "w4", "w5", "w6"],
            id="returning-priority-ticket-not-nearer-the-front-than-n",
        ),
    ],
)
def test_reinsert_with_priority_tickets_never_nearer_than_n(
    specs: list[Spec], returning: Spec, expected: list[str]
) -> None:
    back = tickets(returning, first_id=99)[0]
    assert _reinsert(tickets(*specs), back, 2, stamp=50) == expected


def test_later_reinsertion_behind_the_same_head_stands_n_behind_too() -> None:
    line = tickets(("w1", 1), ("w2", 2), ("w3", 3), ("w4", 4))
    first = tickets(("R1", -30), first_id=98)[0]
    _reinsert(line, first, 2, stamp=50)
    second = tickets(("R2", -40), first_id=99)[0]
    assert _reinsert([*line, first], second, 2, stamp=51) == ["w1", "w2", "R2", "R1", "w3", "w4"]


# --- the same rules through real commands on each store --------------------------------------


@pytest.fixture(params=STORES)
def db_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every store scenario runs on an SQLite file and on a PostgreSQL database."""
    return store_target(request, tmp_path)


@pytest.fixture
def open_store(
    request: pytest.FixtureRequest, db_path: Path | str, tmp_path: Path, clock: SteppingClock
) -> Iterator[Callable[[ClinicConfig], Store]]:
    """Stores for variants of the sample clinic, each on its own file or database."""
    opened: list[Store] = []

    def make(config: ClinicConfig) -> Store:
        if isinstance(db_path, str):
            path: Path | str = request.getfixturevalue("pg_server").fresh_database()
        else:
            path = tmp_path / f"variant-{len(opened)}.db"
        initialise(path, config, ACTOR, now=clock()).close()
        opened.append(Store.open(path, clock=clock))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


def line(store: Store, queue: str) -> list[str]:
    view = read_board(store).queue(queue)
    assert view is not None
    return numbers(view.line)


def reasons(store: Store, queue: str) -> dict[str, str]:
    view = read_board(store).queue(queue)
    assert view is not None
    return {p.ticket.number: p.reason.value for p in view.line}


def walk_ins(store: Store, clock: SteppingClock, queue: str, count: int, **extra: str) -> list[str]:
    issued = []
    for _ in range(count):
        issued.append(issue_ticket(store, queue, ACTOR, **extra).number)  # type: ignore[arg-type]
        clock.advance(minutes=1)
    return issued


def import_rows(store: Store, tmp_path: Path, rows: list[str]) -> dict[str, str]:
    """Import appointment rows; returns {external_id: ticket number}."""
    path = tmp_path / f"his-{store.last_seq()}.csv"
    header = "external_id,name,queue,slot_start,phone,priority,desk"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    import_appointments(store, path, ACTOR)
    with store.read() as conn:
        return {r[0]: r[1] for r in conn.execute("SELECT external_id, number FROM tickets")}


def test_store_elderly_walk_in_moves_three_places(store: Store, clock: SteppingClock) -> None:
    first = walk_ins(store, clock, "nk-pt", 5)
    old = issue_ticket(store, "nk-pt", ACTOR, name="王老伯", priority="elderly").number
    assert line(store, "nk-pt") == [*first[:2], old, *first[2:]]
    assert reasons(store, "nk-pt")[old] == "priority"
    called = [commands.call_next(store, "nk1", ACTOR).number for _ in range(3)]
    assert called == [first[0], first[1], old]


def test_store_elderly_never_passes_an_earlier_priority_ticket(
    store: Store, clock: SteppingClock
) -> None:
    first = walk_ins(store, clock, "nk-pt", 2)
    pregnant = walk_ins(store, clock, "nk-pt", 1, priority="pregnant")
    old = walk_ins(store, clock, "nk-pt", 1, priority="elderly")
    assert line(store, "nk-pt") == [*pregnant, *old, *first]


@pytest.mark.parametrize("policy_config", [CONFIG, KEEP_SLOT], ids=["walk_in", "keep_slot"])
def test_store_late_appointment(
    open_store: Callable[[ClinicConfig], Store],
    clock: SteppingClock,
    tmp_path: Path,
    policy_config: ClinicConfig,
) -> None:
    store = open_store(policy_config)
    booked = import_rows(store, tmp_path, ["HIS-L1,迟到者,nk-pt,09:00,,,"])["HIS-L1"]
    clock.advance(minutes=5)
    early_walk_ins = walk_ins(store, clock, "nk-pt", 3)
    clock.advance(minutes=40)  # 09:48: the 09:00-09:30 slot is over
    assert check_in(store, booked, ACTOR).placement is Placement.LATE_APPOINTMENT
    if policy_config.late_appointment == "walk_in":
        assert line(store, "nk-pt") == [*early_walk_ins, booked]
    else:
        assert line(store, "nk-pt") == [booked, *early_walk_ins]
    assert reasons(store, "nk-pt")[booked] == "late_appointment"


def test_store_appointments_checked_in_early_are_ordered_by_slot_start(
    store: Store, clock: SteppingClock, tmp_path: Path
) -> None:
    booked = import_rows(
        store, tmp_path, ["HIS-S1,早到甲,nk-pt,10:00,,,", "HIS-S2,早到乙,nk-pt,09:30,,,"]
    )
    clock.advance(minutes=5)
    before = walk_ins(store, clock, "nk-pt", 1)  # 09:05
    clock.advance(minutes=4)
    check_in(store, booked["HIS-S1"], ACTOR)  # 10:00 slot, checks in at 09:10
    clock.advance(minutes=5)
    check_in(store, booked["HIS-S2"], ACTOR)  # 09:30 slot, checks in at 09:15
    clock.advance(minutes=25)
    after = walk_ins(store, clock, "nk-pt", 1)  # 09:40
    assert line(store, "nk-pt") == [*before, booked["HIS-S2"], *after, booked["HIS-S1"]]
    assert reasons(store, "nk-pt")[booked["HIS-S1"]] == "appointment"


def test_store_registered_appointment_is_not_in_the_line(
    store: Store, clock: SteppingClock, tmp_path: Path
) -> None:
    import_rows(store, tmp_path, ["HIS-R1,未签到,nk-pt,09:00,,,"])
    assert line(store, "nk-pt") == []
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk1", ACTOR)


@pytest.mark.parametrize(("queue", "desk", "behind"), [("nk-pt", "nk1", 2), ("wk", "wk1", 3)])
def test_store_requeued_patient_goes_n_behind_head(
    store: Store, clock: SteppingClock, queue: str, desk: str, behind: int
) -> None:
    issued = walk_ins(store, clock, queue, 6)
    missed = commands.call_next(store, desk, ACTOR).number
    commands.skip(store, desk, ACTOR)
    requeued = commands.requeue(store, missed, ACTOR)
    rest = issued[1:]
    assert line(store, queue) == [*rest[:behind], missed, *rest[behind:]]
    assert requeued.placement is Placement.REQUEUED
    assert reasons(store, queue)[missed] == "requeued"


def test_store_requeue_counts_places_behind_a_priority_head(
    store: Store, clock: SteppingClock
) -> None:
    """A priority ticket near the head must not push a requeued patient to the end of the line."""
    first = walk_ins(store, clock, "nk-pt", 5)
    old = walk_ins(store, clock, "nk-pt", 1, priority="elderly")[0]
    commands.call_next(store, "nk1", ACTOR)
    missed = commands.skip(store, "nk1", ACTOR).number
    assert line(store, "nk-pt") == [first[1], old, first[2], first[3], first[4]]
    commands.requeue(store, missed, ACTOR)
    after = line(store, "nk-pt")
    # Exactly 2 behind cannot be had here: the elderly ticket's three places are counted
    # over the requeued one too, so the first place at least 2 behind the head is the 4th.
    assert after == [first[1], first[2], old, missed, first[3], first[4]]


def test_store_requeued_elderly_patient_is_not_sent_to_the_front(
    store: Store, clock: SteppingClock
) -> None:
    first = walk_ins(store, clock, "nk-pt", 1)[0]
    old = walk_ins(store, clock, "nk-pt", 1, priority="elderly")[0]
    assert commands.call_next(store, "nk1", ACTOR).number == old
    commands.skip(store, "nk1", ACTOR)
    commands.requeue(store, old, ACTOR)
    assert line(store, "nk-pt") == [first, old]


def test_store_requeued_elderly_patient_goes_exactly_two_behind_in_a_long_line(
    store: Store, clock: SteppingClock
) -> None:
    old = walk_ins(store, clock, "nk-pt", 1, priority="elderly")[0]
    others = walk_ins(store, clock, "nk-pt", 6)
    assert commands.call_next(store, "nk1", ACTOR).number == old
    commands.skip(store, "nk1", ACTOR)
    commands.requeue(store, old, ACTOR)
    assert line(store, "nk-pt") == [others[0], others[1], old, *others[2:]]


def test_store_requeue_into_an_empty_or_short_line(store: Store, clock: SteppingClock) -> None:
    only = walk_ins(store, clock, "nk-pt", 1)[0]
    commands.call_next(store, "nk1", ACTOR)
    missed = commands.skip(store, "nk1", ACTOR).number
    commands.requeue(store, missed, ACTOR)
    assert line(store, "nk-pt") == [missed]
    assert reasons(store, "nk-pt")[missed] == "requeued"
    assert commands.call_next(store, "nk1", ACTOR).number == missed
    commands.skip(store, "nk1", ACTOR)
    later = walk_ins(store, clock, "nk-pt", 1)[0]
    commands.requeue(store, missed, ACTOR)
    assert line(store, "nk-pt") == [later, missed]
    assert only == missed


def test_store_only_the_patient_in_the_room_is_sent_for_tests(
    store: Store, clock: SteppingClock
) -> None:
    issued = walk_ins(store, clock, "nk-pt", 3)
    seq = store.last_seq()
    with pytest.raises(NoCurrentPatient):
        commands.send_away(store, "nk1", ACTOR)  # nobody called: the line is left as it was
    assert store.last_seq() == seq and line(store, "nk-pt") == issued
    commands.call_next(store, "nk2", ACTOR)
    sent = commands.send_away(store, "nk2", ACTOR)
    assert (sent.number, sent.state, sent.desk) == (issued[0], TicketState.AWAY, "nk2")
    away = store.events_since(seq)[-1]
    assert (away.type, away.ticket, away.desk) == ("away", issued[0], "nk2")
    assert line(store, "nk-pt") == issued[1:]


def test_store_return_after_tests_goes_behind_head_pinned_to_its_desk(
    store: Store, clock: SteppingClock
) -> None:
    issued = walk_ins(store, clock, "nk-pt", 5)
    sent = commands.call_next(store, "nk2", ACTOR).number
    commands.send_away(store, "nk2", ACTOR)
    assert commands.call_next(store, "nk1", ACTOR).number == issued[1]
    back = commands.come_back(store, sent, ACTOR)
    assert back.pinned_desk == "nk2"
    assert line(store, "nk-pt") == [issued[2], sent, issued[3], issued[4]]
    assert reasons(store, "nk-pt")[sent] == "returned"
    assert commands.call_next(store, "nk1", ACTOR).number == issued[2]
    assert commands.call_next(store, "nk1", ACTOR).number == issued[3]
    assert commands.call_next(store, "nk-zj", ACTOR).number == issued[4]
    assert commands.call_next(store, "nk2", ACTOR).number == sent


def test_store_pinned_ticket_is_served_only_at_its_desk(store: Store, clock: SteppingClock) -> None:
    pinned = walk_ins(store, clock, "nk-pt", 1, desk="nk2")[0]
    free = walk_ins(store, clock, "nk-pt", 1)[0]
    assert commands.call_next(store, "nk1", ACTOR).number == free
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk1", ACTOR)
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk-zj", ACTOR)
    with pytest.raises(NotEligible):
        commands.call_ticket(store, "nk1", pinned, "patient asked", ACTOR)
    assert commands.call_next(store, "nk2", ACTOR).number == pinned


@pytest.mark.parametrize(
    ("config", "keeps"),
    [(CONFIG, True), (FRESH_ARRIVAL_ON_TRANSFER, False)],
    ids=["keeps", "fresh"],
)
def test_store_transfer_and_arrival(
    open_store: Callable[[ClinicConfig], Store],
    clock: SteppingClock,
    config: ClinicConfig,
    keeps: bool,
) -> None:
    store = open_store(config)
    moved = walk_ins(store, clock, "nk-pt", 1)[0]
    surgery = walk_ins(store, clock, "wk", 2)
    commands.call_next(store, "nk1", ACTOR)
    clock.advance(minutes=10)
    ticket = commands.transfer(
        store, moved, commands.ToQueue("wk"), ACTOR, reason="needs a surgeon"
    )
    assert ticket.queue == "wk" and ticket.pinned_desk is None
    expected = [moved, *surgery] if keeps else [*surgery, moved]
    assert line(store, "wk") == expected
    assert reasons(store, "wk")[moved] == "transferred"
    assert line(store, "nk-pt") == []


def test_store_transfer_to_a_desk_pins_it_there(store: Store, clock: SteppingClock) -> None:
    first, second = walk_ins(store, clock, "nk-pt", 2)
    commands.transfer(store, second, commands.ToDesk("nk-zj"), ACTOR)
    assert line(store, "nk-pt") == [first, second]
    assert commands.call_next(store, "nk1", ACTOR).number == first
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk2", ACTOR)
    assert commands.call_next(store, "nk-zj", ACTOR).number == second


def test_store_day_rollover_restarts_numbers(store: Store, clock: SteppingClock) -> None:
    yesterday = walk_ins(store, clock, "nk-pt", 2)
    assert yesterday == ["A001", "A002"]
    clock.now = datetime.fromisoformat("2026-11-23T15:59:00+00:00")  # 23:59 in Shanghai
    assert walk_ins(store, clock, "nk-pt", 1) == ["A003"]
    clock.now = datetime.fromisoformat("2026-11-23T16:00:00+00:00")  # midnight in Shanghai
    today = issue_ticket(store, "nk-pt", ACTOR)
    assert (today.number, today.day) == ("A001", "2026-11-24")
    assert line(store, "nk-pt") == ["A001"]
    called = commands.call_next(store, "nk1", ACTOR)
    assert called.id == today.id
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk2", ACTOR)
    with store.read() as conn:
        states = conn.execute(
            "SELECT state, COUNT(*) FROM tickets WHERE day = '2026-11-23' GROUP BY state"
        ).fetchall()
    assert [tuple(r) for r in states] == [("not_seen", 3)]  # the new day's first write closed it


def test_store_multi_queue_desk_serves_both_queues(store: Store, clock: SteppingClock) -> None:
    a1 = walk_ins(store, clock, "nk-pt", 1)[0]
    b1 = walk_ins(store, clock, "nk-zj", 1)[0]
    a2 = walk_ins(store, clock, "nk-pt", 1)[0]
    assert [a1, b1, a2] == ["A001", "B001", "A002"]
    called = [commands.call_next(store, "nk-zj", ACTOR).number for _ in range(3)]
    assert called == [a1, b1, a2]


def test_store_general_desk_never_calls_the_expert_queue(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-zj", 2)
    with pytest.raises(NobodyWaiting):
        commands.call_next(store, "nk1", ACTOR)
