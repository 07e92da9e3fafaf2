"""The consoles' views as JSON: what a console away from the host draws is what the host's
console draws, and no secret of the configuration travels with it."""

from __future__ import annotations

import json
from dataclasses import replace

from queue_core import commands
from queue_core.address import FROM_CONFIG, PublicAddress
from queue_core.console_view import (
    DeskView,
    Slip,
    TriageView,
    config_from_json,
    read_desk,
    read_triage,
    slip_for,
)
from queue_core.line import Line
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def _busy(store: Store, clock: SteppingClock) -> None:
    for name in ("张三丰", "李四", "王五", "赵六"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    issue_ticket(store, "nk-pt", ACTOR, name="钱八", priority="elderly")
    commands.call_next(store, "nk1", ACTOR)
    commands.skip(store, "nk1", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    commands.send_away(store, "nk1", ACTOR)
    commands.call_next(store, "nk1", ACTOR)


def _through_the_wire(data: dict[str, object]) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(data, ensure_ascii=False))
    return loaded


def test_desk_view_survives_json_with_every_list(store: Store, clock: SteppingClock) -> None:
    _busy(store, clock)
    view = read_desk(Line.load(store), "nk1")
    assert view.current is not None and view.line and view.missed and view.away
    back = DeskView.from_json(_through_the_wire(view.to_json()))
    assert replace(back, config=view.config) == view
    assert back.config.desks == view.config.desks
    assert back.config.queues == view.config.queues
    assert back.config.priorities == view.config.priorities
    assert back.config.tz == view.config.tz


def test_triage_view_survives_json_with_its_search(store: Store, clock: SteppingClock) -> None:
    _busy(store, clock)
    view = read_triage(Line.load(store), store, "李")
    assert [t.name for t in view.found] == ["李四"]
    back = TriageView.from_json(_through_the_wire(view.to_json()))
    assert replace(back, config=view.config) == view


def test_no_screen_key_or_backup_travels_with_a_view(store: Store, clock: SteppingClock) -> None:
    _busy(store, clock)
    text = json.dumps(read_desk(Line.load(store), "nk1").to_json(), ensure_ascii=False)
    keys = [s.key for s in store.config.screens]
    assert keys and not any(key in text for key in keys)
    config = config_from_json(json.loads(text)["config"])
    assert [s.key for s in config.screens] == [""] * len(keys)
    assert [s.desks for s in config.screens] == [s.desks for s in store.config.screens]
    assert config.backup is None


def test_slip_survives_json(store: Store, clock: SteppingClock) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    slip = slip_for(store, ticket, PublicAddress("http://192.168.1.20:8765", FROM_CONFIG))
    assert Slip.from_json(_through_the_wire(slip.to_json())) == slip
