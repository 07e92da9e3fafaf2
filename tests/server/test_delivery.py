"""The feeds' policy without a socket: events in, (recipient group, bytes) out.

Events come from real commands on a real store; what the policy gives out is checked as the
bytes it would write, the way websockets' own tests check the frames of its protocol core.
"""

from __future__ import annotations

import json
from typing import Any

from display_server.delivery import FAN_OUT_CHUNK, Delivery, Out
from display_server.protocol import screen_filter
from queue_core import commands
from queue_core.line import Line
from queue_core.masking import mask_name
from queue_core.model import Ticket
from queue_core.registration import issue_ticket
from queue_core.screens import ScreenFilter
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


class Policy:
    """A Delivery that follows `store` the way the server's tail hands it events."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.delivery = Delivery(Line.load(store), lambda line: None)

    def step(self) -> list[Out]:
        return list(self.delivery.on_events(self.store.events_since(self.delivery.seq)))

    def round(self) -> list[list[Out]]:
        return list(self.delivery.phone_round())


def messages(out: list[Out], recipient: ScreenFilter | int) -> list[dict[str, Any]]:
    return [json.loads(data) for to, data in out if to == recipient]


def walk_ins(store: Store, clock: SteppingClock, queue: str, count: int) -> list[Ticket]:
    tickets = []
    for i in range(count):
        tickets.append(issue_ticket(store, queue, ACTOR, name=f"患者{i:03d}"))
        clock.advance(minutes=1)
    return tickets


def test_a_call_goes_to_the_screens_that_show_its_desk_then_the_board_follows(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-pt", 3)
    policy = Policy(store)
    medicine = screen_filter(store.config, {"department": ["内科"]})
    surgery = screen_filter(store.config, {"queues": ["wk"]})
    for seen in (medicine, surgery):
        [snapshot] = [json.loads(d) for d in policy.delivery.join_display(seen, None)]
        assert snapshot["type"] == "snapshot"
    commands.call_next(store, "nk1", ACTOR)
    out = policy.step()
    assert [m["type"] for m in messages(out, medicine)] == ["call", "board"]
    assert messages(out, surgery) == []  # neither its desks nor its queues changed
    call = messages(out, medicine)[0]
    assert (call["ticket"], call["room"], call["name"]) == ("A001", "1", mask_name("患者000"))


def test_a_phone_joins_with_its_ticket_and_hears_of_each_call_ahead(
    store: Store, clock: SteppingClock
) -> None:
    tickets = walk_ins(store, clock, "wk", 4)
    policy = Policy(store)
    mine = tickets[-1]
    [first] = [json.loads(d) for d in policy.delivery.join_phone(mine, None)]
    assert (first["type"], first["number"], first["ahead"]) == ("ticket", "C004", 3)
    commands.call_next(store, "wk1", ACTOR)
    assert messages(policy.step(), mine.id) == []  # nothing of its own: its place comes next
    [[position]] = [messages(chunk, mine.id) for chunk in policy.round()]
    assert (position["type"], position["ahead"], position["why"]) == ("pos", 2, "called")
    assert policy.round() == []  # nothing new: no round


def test_a_call_between_two_chunks_reaches_the_screens_before_the_rest_of_the_round(
    store: Store, clock: SteppingClock
) -> None:
    tickets = walk_ins(store, clock, "wk", FAN_OUT_CHUNK + 20)
    policy = Policy(store)
    hall = screen_filter(store.config, {})
    policy.delivery.join_display(hall, None)
    far, near = tickets[20:], tickets[1:20]
    for ticket in [*far, *near]:  # the far ones fill the first chunk
        policy.delivery.join_phone(ticket, None)
    commands.call_next(store, "wk1", ACTOR)
    policy.step()
    chunks = policy.delivery.phone_round()
    first = next(chunks)
    assert {to for to, _ in first} <= {t.id for t in far}
    commands.call_next(store, "wk2", ACTOR)
    calls = [m for m in messages(policy.step(), hall) if m["type"] == "call"]
    assert [c["ticket"] for c in calls] == ["C002"]
    # The rest of the round already counts the second call: two ahead of them are gone.
    told = {to: json.loads(data)["ahead"] for to, data in next(chunks)}
    assert told == {t.id: i for i, t in enumerate(tickets[2:20])}


def test_a_phone_closed_during_a_round_is_not_written_to(
    store: Store, clock: SteppingClock
) -> None:
    tickets = walk_ins(store, clock, "wk", FAN_OUT_CHUNK + 20)
    policy = Policy(store)
    for ticket in tickets:
        policy.delivery.join_phone(ticket, None)
    commands.call_next(store, "wk1", ACTOR)
    policy.step()
    chunks = policy.delivery.phone_round()
    next(chunks)
    last = tickets[-1]
    policy.delivery.leave_phone(last.id)
    assert all(to != last.id for chunk in chunks for to, _ in chunk)


def test_a_screen_resuming_within_the_journal_gets_what_it_missed_then_the_board(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-pt", 3)
    policy = Policy(store)
    hall = screen_filter(store.config, {})
    since = policy.delivery.seq
    commands.call_next(store, "nk1", ACTOR)
    commands.recall(store, "nk1", ACTOR)
    policy.step()
    resumed = [json.loads(d) for d in policy.delivery.join_display(hall, since)]
    assert [(m["type"], m.get("recall")) for m in resumed] == [
        ("call", 0),
        ("call", 1),
        ("board", None),
    ]
    too_old = [json.loads(d) for d in policy.delivery.join_display(hall, since + 1000)]
    assert [m["type"] for m in too_old] == ["snapshot"]


def test_a_server_that_starts_refills_the_journal_so_screens_resume_across_a_restart(
    store: Store, clock: SteppingClock
) -> None:
    walk_ins(store, clock, "nk-pt", 3)
    since = store.last_seq()
    commands.call_next(store, "nk1", ACTOR)  # while the server was down
    commands.call_next(store, "nk2", ACTOR)
    policy = Policy(store)  # a new server process
    policy.delivery.refill(store.events_since(0), 0)
    hall = screen_filter(store.config, {})
    resumed = [json.loads(d) for d in policy.delivery.join_display(hall, since)]
    assert [(m["type"], m.get("ticket")) for m in resumed] == [
        ("call", "A001"),
        ("call", "A002"),
        ("board", None),
    ]
