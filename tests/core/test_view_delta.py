"""A desk view sent as deltas: a console that takes each delta in holds, after every step of a
busy morning, the view the server holds, through JSON as on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable

from queue_core import commands
from queue_core.console_view import ESTIMATED_PLACES, DeskView, read_desk
from queue_core.line import Line
from queue_core.registration import issue_ticket, set_priority
from queue_core.store import Store
from queue_core.view_delta import NO_BASE, DeskFrames, applied, delta
from tests.conftest import ACTOR, SteppingClock

Step = Callable[[Store], object]

STEPS: list[tuple[str, Step]] = [
    ("issue", lambda s: issue_ticket(s, "nk-pt", ACTOR, name="张三丰")),
    ("issue", lambda s: issue_ticket(s, "nk-pt", ACTOR, name="李四")),
    ("issue elderly", lambda s: issue_ticket(s, "nk-pt", ACTOR, name="钱八", priority="elderly")),
    ("call", lambda s: commands.call_next(s, "nk1", ACTOR)),
    ("skip", lambda s: commands.skip(s, "nk1", ACTOR)),
    ("call", lambda s: commands.call_next(s, "nk1", ACTOR)),
    ("send away", lambda s: commands.send_away(s, "nk1", ACTOR)),
    ("priority", lambda s: set_priority(s, "A002", "elderly", ACTOR)),
    ("pause", lambda s: commands.pause(s, "nk1", ACTOR)),
    ("resume", lambda s: commands.resume(s, "nk1", ACTOR)),
    ("call", lambda s: commands.call_next(s, "nk1", ACTOR)),
    ("requeue", lambda s: commands.requeue(s, "A003", ACTOR)),
    ("come back", lambda s: commands.come_back(s, "A001", ACTOR)),
    ("finish", lambda s: commands.finish(s, "nk1", ACTOR)),
]


def _wire(data: object) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(data, ensure_ascii=False))
    return loaded


def test_each_delta_taken_in_gives_the_servers_view(store: Store, clock: SteppingClock) -> None:
    line = Line.load(store)
    frames = DeskFrames()
    frames.update(read_desk(line, "nk1"))
    held = DeskView.from_json(_wire(frames.whole()))
    for name, step in STEPS:
        seq = line.seq
        clock.advance(minutes=1)
        step(store)
        for event in store.events_since(seq):
            line.apply(event)
        frames.update(read_desk(line, "nk1"))
        assert frames.base == held.seq, name
        held = applied(held, frames.seq, _wire(frames.changes))
        assert _wire(held.to_json()) == _wire(frames.whole()), name


def test_a_change_elsewhere_is_no_delta_and_a_call_sends_no_waiting_row(
    store: Store, clock: SteppingClock
) -> None:
    for n in range(20):
        issue_ticket(store, "nk-pt", ACTOR, name=f"病人{n}")
    line = Line.load(store)
    before = read_desk(line, "nk1")
    seq = line.seq
    issue_ticket(store, "wk", ACTOR, name="周九")  # a queue desk nk1 does not serve
    commands.call_next(store, "nk1", ACTOR)
    events = store.events_since(seq)
    line.apply(events[0])
    assert delta(before, read_desk(line, "nk1")) == {}
    for event in events[1:]:
        line.apply(event)
    changes = delta(before, read_desk(line, "nk1"))
    assert changes["tickets"] == [] and changes["current"]["name"] == "病人0"
    assert "病人1" not in json.dumps(changes, ensure_ascii=False)


def test_a_view_changed_at_the_same_seq_has_no_base() -> None:
    frames = DeskFrames()
    assert frames.base == NO_BASE and frames.seq == -1


def _head_priority_changed(store: Store) -> None:
    """The head's row changes and it stays where it stands: its row goes, no line entry."""
    head = read_desk(Line.load(store), "nk1").line[0].ticket
    set_priority(store, head.number, None if head.priority else "elderly", ACTOR)


def test_on_a_line_past_the_estimated_places_each_delta_gives_the_servers_view(
    store: Store, clock: SteppingClock
) -> None:
    # Past ESTIMATED_PLACES, with a priority patient moving up among them: each call shifts
    # the whole kept tail a place, each finished visit moves the estimates shown.
    for n in range(ESTIMATED_PLACES + 20):
        priority = "elderly" if n % 15 == 14 else None
        issue_ticket(store, "nk-pt", ACTOR, name=f"病人{n}", priority=priority)
    line = Line.load(store)
    frames = DeskFrames()
    frames.update(read_desk(line, "nk1"))
    held = DeskView.from_json(_wire(frames.whole()))
    steps: list[Step] = [
        lambda s: commands.call_next(s, "nk1", ACTOR),
        lambda s: commands.finish(s, "nk1", ACTOR),
        lambda s: issue_ticket(s, "nk-pt", ACTOR, name="新来", priority="elderly"),
        lambda s: commands.call_next(s, "nk2", ACTOR),
        _head_priority_changed,
    ]
    for step in steps * 3:
        seq = line.seq
        clock.advance(minutes=4)
        step(store)
        for event in store.events_since(seq):
            line.apply(event)
        frames.update(read_desk(line, "nk1"))
        held = applied(held, frames.seq, _wire(frames.changes))
        assert _wire(held.to_json()) == _wire(frames.whole())
        if step is _head_priority_changed:
            assert [t["id"] for t in frames.changes["tickets"]] == [held.line[0].ticket.id]
    assert len(held.line) > ESTIMATED_PLACES and len(held.estimates) == ESTIMATED_PLACES
    assert held.estimates == {
        t: e[1:] for t, e in Line.load(store).estimates.items() if t in held.estimates
    }
