"""`init` with a changed configuration refuses what would orphan an open ticket or give a
number out twice, names every blocker on its own line, and changes nothing; once the tickets
concerned are closed (the day is over), the same change applies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core import commands
from queue_core.closing import close_day
from queue_core.config import parse_config
from queue_core.errors import ConfigurationBlocked
from queue_core.importer import import_appointments
from queue_core.line import read_board
from queue_core.model import Ticket
from queue_core.registration import initialise, issue_ticket, set_priority
from queue_core.store import CONFIG_KEY, Store
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.oracle import violations

SAMPLE = SAMPLE_CONFIG.read_text(encoding="utf-8")
SUMMARY = (
    "The new configuration was not applied: it would orphan open tickets or give a number out"
    " twice. Deal with these first, or apply it after the day is closed:"
)


def without(text: str, table: str, ident: str) -> str:
    """The clinic file without the `[[table]]` whose id is `ident`."""
    blocks = text.split("\n\n")
    kept = [b for b in blocks if not b.startswith(f'[[{table}]]\nid = "{ident}"')]
    assert len(kept) == len(blocks) - 1, f"no [[{table}]] {ident}"
    return "\n\n".join(kept)


def swapped_prefixes(text: str) -> str:
    return (
        text.replace('prefix = "A"', 'prefix = "?"')
        .replace('prefix = "B"', 'prefix = "A"')
        .replace('prefix = "?"', 'prefix = "B"')
    )


def without_specialist_queue(text: str) -> str:
    return without(text, "queues", "nk-zj").replace(
        'queues = ["nk-zj", "nk-pt"]', 'queues = ["nk-pt"]'
    )


def refused(store: Store, clock: SteppingClock, text: str) -> list[str]:
    """The blockers `init` names for `text`, after checking that it changed nothing."""
    seq = store.last_seq()
    with pytest.raises(ConfigurationBlocked) as blocked:
        initialise(store.path, parse_config(text), ACTOR, now=clock())
    lines = blocked.value.message.splitlines()
    assert lines[0] == SUMMARY and [line.strip() for line in lines[1:]] == blocked.value.blockers
    assert store.last_seq() == seq
    with store.read() as conn:
        stored = conn.execute("SELECT value FROM settings WHERE key = ?", (CONFIG_KEY,))
        assert stored.fetchone()[0] == SAMPLE
    return blocked.value.blockers


def applies(store: Store, clock: SteppingClock, text: str) -> Store:
    """`init` with `text` goes through; the store reopened with the new configuration."""
    initialise(store.path, parse_config(text), ACTOR, now=clock()).close()
    store.close()
    return Store.open(store.path, clock=clock)


def walk_ins(store: Store, clock: SteppingClock, queue: str, count: int) -> list[Ticket]:
    tickets = []
    for _ in range(count):
        tickets.append(issue_ticket(store, queue, ACTOR))
        clock.advance(minutes=1)
    return tickets


def line_of(store: Store, queue: str) -> list[str]:
    view = read_board(store).queue(queue)
    assert view is not None
    return [p.ticket.number for p in view.line]


def test_swapped_prefixes_with_patients_waiting_in_both_queues_are_refused(
    store: Store, clock: SteppingClock
) -> None:
    # The issue's case: nk-pt's next ticket would be B003, the number of a waiting nk-zj patient.
    walk_ins(store, clock, "nk-pt", 2)
    walk_ins(store, clock, "nk-zj", 3)
    assert refused(store, clock, swapped_prefixes(SAMPLE)) == [
        "queue nk-pt changes its prefix from A to B, but A001, A002 are open in it",
        "queue nk-zj changes its prefix from B to A, but B001, B002, B003 are open in it",
        "queue nk-pt would number its next tickets B003 onwards today, but B003 is held already",
    ]
    assert line_of(store, "nk-zj") == ["B001", "B002", "B003"]
    store.close()
    assert violations(store.path)[0] == []


def test_removing_a_queue_with_patients_waiting_is_refused(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-zj", 7)
    assert refused(store, clock, without_specialist_queue(SAMPLE)) == [
        "queue nk-zj is removed, but B001, B002, B003, B004, B005 and 2 more are open in it"
    ]
    assert line_of(store, "nk-zj") == [f"B00{n}" for n in range(1, 8)]


def test_removing_a_desk_names_its_called_pinned_and_away_patients(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-zj", 3)
    issue_ticket(store, "nk-pt", ACTOR, desk="nk-zj")  # A001, pinned: 专家号
    commands.call_next(store, "nk-zj", ACTOR)  # B001
    commands.send_away(store, "nk-zj", ACTOR)  # comes back to nk-zj
    commands.call_next(store, "nk-zj", ACTOR)  # B002
    # nk-zj's queue moves to the surgery rooms, so every queue keeps a desk.
    text = without(SAMPLE, "desks", "nk-zj").replace(
        'queues = ["wk"]\n\n[[priority]]', 'queues = ["wk", "nk-zj"]\n\n[[priority]]'
    )
    assert refused(store, clock, text) == [
        "desk nk-zj is removed, but B002 is called to it",
        "desk nk-zj is removed, but A001 is pinned to it",
        "desk nk-zj is removed, but B001 is away for tests and coming back to it",
    ]


def test_a_desk_that_stops_serving_a_queue_keeps_the_patients_pinned_to_it_there(
    store: Store, clock: SteppingClock
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, desk="nk-zj")  # A001, pinned to the specialist
    text = SAMPLE.replace('queues = ["nk-zj", "nk-pt"]', 'queues = ["nk-zj"]')
    assert refused(store, clock, text) == [
        "desk nk-zj no longer serves queue nk-pt, but A001 is pinned to it"
    ]


def test_removing_a_priority_class_still_marked_on_a_ticket_is_refused(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "wk", 2)
    set_priority(store, "C002", "military", ACTOR)
    assert refused(store, clock, without(SAMPLE, "priority", "military")) == [
        "priority class military is removed, but C002 is marked with it"
    ]


def test_every_blocker_is_named_at_once(store: Store, clock: SteppingClock) -> None:
    walk_ins(store, clock, "nk-zj", 1)
    issue_ticket(store, "wk", ACTOR, priority="military")
    text = without(without_specialist_queue(SAMPLE), "priority", "military")
    assert refused(store, clock, text) == [
        "queue nk-zj is removed, but B001 is open in it",
        "priority class military is removed, but C001 is marked with it",
    ]


def test_a_prefix_of_today_s_closed_tickets_goes_to_another_queue_once_the_day_is_closed(
    store: Store, clock: SteppingClock
) -> None:
    # Nobody waits any more, but B001 and B002 were given out today and a number never changes
    # hands within a day: nk-pt may take prefix B once today gives out no more numbers.
    for ticket in walk_ins(store, clock, "nk-zj", 2):
        commands.cancel(store, ticket.number, "went home", ACTOR)
    text = swapped_prefixes(SAMPLE)
    assert refused(store, clock, text) == [
        "queue nk-pt would number its next tickets B001 onwards today,"
        " but B001, B002 are held already"
    ]
    close_day(store, ACTOR)
    store = applies(store, clock, text)
    clock.advance(days=1)
    assert issue_ticket(store, "nk-pt", ACTOR).number == "B001"
    store.close()


def test_an_appointment_of_a_later_day_keeps_its_queue(
    store: Store, clock: SteppingClock, tmp_path: Path
) -> None:
    his = tmp_path / "his.csv"
    his.write_text(
        "external_id,name,queue,slot_start\nHIS1,黎兰平,nk-zj,2026-11-24 09:00\n", encoding="utf-8"
    )
    import_appointments(store, his, ACTOR)
    assert refused(store, clock, without_specialist_queue(SAMPLE)) == [
        "queue nk-zj is removed, but B001 of 2026-11-24 is open in it"
    ]


def test_tickets_a_day_left_open_block_nothing_the_next_day(
    store: Store, clock: SteppingClock
) -> None:
    # The next day's first write (init's own) closes the day before: its tickets are over.
    walk_ins(store, clock, "nk-zj", 1)
    clock.advance(days=1)
    store = applies(store, clock, without_specialist_queue(SAMPLE))
    assert store.config.queue("nk-zj") is None
    store.close()


def test_once_the_tickets_are_closed_the_change_applies(store: Store, clock: SteppingClock) -> None:
    tickets = walk_ins(store, clock, "nk-zj", 2)
    text = without_specialist_queue(SAMPLE)
    refused(store, clock, text)
    commands.call_next(store, "nk-zj", ACTOR)
    commands.finish(store, "nk-zj", ACTOR)
    commands.cancel(store, tickets[1].number, "went home", ACTOR)
    store = applies(store, clock, text)
    assert store.config.queue("nk-zj") is None
    assert [q.config.id for q in read_board(store).queues] == ["nk-pt", "wk"]
    store.close()


def test_a_change_that_touches_nothing_in_use_applies_while_patients_wait(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-pt", 3)
    text = (
        SAMPLE.replace('name = "外科"', 'name = "普外科"').replace('prefix = "C"', 'prefix = "D"')
        + '\n[[desks]]\nid = "wk3"\nname = "外科3诊室"\nroom = "7"\nqueues = ["wk"]\n'
    )
    store = applies(store, clock, text)
    assert line_of(store, "nk-pt") == ["A001", "A002", "A003"]
    assert issue_ticket(store, "wk", ACTOR).number == "D001"
    store = applies(store, clock, text)  # the same file again
    store.close()
    assert violations(store.path)[0] == []
