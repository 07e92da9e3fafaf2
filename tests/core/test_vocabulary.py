"""One event vocabulary: every event the commands append is declared, and every table that
explains events to a patient (the protocol doc, the phone page) agrees with the declarations."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from queue_core.closing import FINAL, close_day
from queue_core.config import parse_config
from queue_core.events import FACTS, EventType, Why
from queue_core.model import Placement, TicketState
from queue_core.registration import initialise
from queue_core.retention import purge_due
from queue_core.staff import add_staff, disable_staff, login, logout, reset_password
from queue_core.staff_errors import LoginRefused
from queue_core.store import Store
from tests.conftest import ROOT
from tests.scenarios.clinic_day import clinic_day_store, play_day

PHONE_JS = ROOT / "display_server" / "static" / "phone.js"
PROTOCOL = ROOT / "docs" / "protocol.md"


def test_every_event_type_has_one_declaration() -> None:
    assert set(FACTS) == set(EventType)
    assert all(cls.TYPE is kind for kind, cls in FACTS.items())


def test_a_whole_day_logs_only_declared_fields(tmp_path: Path) -> None:
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    play_day(store, clock, seed=3, walk_ins=120, step_minutes=3.0)
    close_day(store, "admin")  # what the day left open gets its final state
    kept = timedelta(days=store.config.retention_days + 1)
    assert purge_due(store, "admin", clock() + kept) is not None  # then its personal data goes
    _staff_shift(store)
    events = store.events_since(0)
    assert {e.type for e in events} == set(EventType)
    for event in events:
        fact = event.fact()
        extra = set(event.payload) - {"changes"}
        assert extra == set(fact.payload()), event
        assert (fact.ticket, fact.desk, fact.queue, fact.reason) == (
            event.ticket,
            event.desk,
            event.queue,
            event.reason,
        )
        assert {k: list(v) if isinstance(v, tuple) else v for k, v in fact.payload().items()} == {
            k: event.payload[k] for k in extra
        }
    store.close()


def _staff_shift(store: Store) -> None:
    """Every staff event: an account made, a login, a failed one, a logout, reset, disabled."""
    add_staff(store, "wang", "desk", ("nk1",), "correct horse 42", "host:root")
    session = login(store, "wang", "correct horse 42", "10.0.0.7", "NK1-PC")
    with pytest.raises(LoginRefused):
        login(store, "wang", "wrong password", "10.0.0.7")
    logout(store, session.token)
    reset_password(store, "wang", "battery staple 9", "host:root")
    disable_staff(store, "wang", "host:root")


def _js_table(name: str) -> dict[str, str]:
    text = PHONE_JS.read_text(encoding="utf-8")
    found = re.search(rf"var {name} = \{{([^}}]*)\}}", text)
    assert found, f"{name} is gone from phone.js"
    return dict(re.findall(r"(\w+): \"(\w+)\"", found.group(1)))


def test_the_phone_page_explains_every_state_message_that_puts_a_ticket_back_in_line() -> None:
    back_in_line = {
        cls.PHONES.told[1]: cls.PHONES.own.value
        for cls in FACTS.values()
        if cls.PHONES.told and cls.PHONES.told[0] is TicketState.WAITING and cls.PHONES.own
    }
    assert _js_table("OWN_STATE_REASONS") == back_in_line


def _doc_table(heading: str) -> set[str]:
    """The codes in the first column of the table that follows `heading` in the protocol doc."""
    lines = PROTOCOL.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    codes: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        codes.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return codes


def test_the_protocol_doc_lists_exactly_the_why_codes_phones_can_get() -> None:
    assert _doc_table("| `why` | meaning |") == {w.value for w in Why} | {
        p.value for p in Placement
    }


def test_the_protocol_doc_lists_the_state_messages_of_the_vocabulary() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `state` |"))
    states, whys = re.findall(r"\(([^)]*)\)", row)[-2:]
    told = [cls.PHONES.told for cls in FACTS.values() if cls.PHONES.told is not None]
    finals = {s.value for s in FINAL.values()}  # a `closed` ticket is told the state it ended in
    assert (
        set(re.findall(r"`(\w+)`", states)) == {state.value for state, _ in told if state} | finals
    )
    assert set(re.findall(r"`(\w+)`", whys)) == {why for _, why in told}


def test_a_command_cannot_write_a_row_that_no_event_describes(store: Store) -> None:
    for sneaky in (
        "UPDATE desks SET paused = 1",
        "WITH d AS (SELECT 1) UPDATE desks SET paused = 1",
        "SELECT 1; UPDATE desks SET paused = 1",
    ):
        with pytest.raises(RuntimeError, match="only through Tx"), store.write() as tx:
            tx.read.execute(sneaky)
    with pytest.raises(RuntimeError, match="without an event"), store.write() as tx:
        tx.save_desk(tx.desk("nk1"))
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM desks WHERE paused = 1").fetchone()[0] == 0


def test_reconfiguring_logs_the_settings_and_the_desks_it_removes(
    store: Store, tmp_path: Path
) -> None:
    text = (ROOT / "sample_data" / "clinic.toml").read_text(encoding="utf-8")
    wk2 = text.index('[[desks]]\nid = "wk2"')
    smaller = text[:wk2] + text[text.index("[[priority]]", wk2) :]
    config = parse_config(smaller)
    assert config.desk("wk2") is None
    initialise(store.path, config, "admin").close()
    [event] = store.events_since(store.last_seq() - 1)
    assert event.type is EventType.CONFIGURE
    assert event.payload["changes"]["removed"] == {"desks": ["wk2"]}
    assert event.changed("settings") == [{"key": "config", "value": smaller}]
    assert "wk2" not in event.fact().payload()["desks"]


def test_the_cli_doc_lists_every_event_type_with_its_fields() -> None:
    documented: dict[str, set[str]] = {}
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    start = text.index("| type | written by | extra fields |")
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        kinds, _, fields = (cell.strip() for cell in line.strip("|").split("|"))
        for kind in re.findall(r"`(\w+)`", kinds):
            documented[kind] = set(re.findall(r"`(\w+)`", fields.split("(")[0]))
    declared = {kind.value: set(cls.payload_fields()) for kind, cls in FACTS.items()}
    assert documented == declared
