"""Every message of a busy morning: no full name, no token, no phone digits; all documented."""

from __future__ import annotations

import re
from typing import Any

import pytest

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.board import public_board
from queue_core.checkin_code import place_of
from queue_core.config import ClinicConfig
from queue_core.line import read_board
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY, ROOT, SteppingClock
from tests.server.conftest import Feed, config_with_codes, open_feed
from tests.server.morning import all_tickets, busy_morning

DOC = ROOT / "docs" / "protocol.md"


@pytest.fixture
def sample_config() -> ClinicConfig:
    """With check-in from the phone: the screens carry its codes, a phone checks in."""
    return config_with_codes(5)


async def phone_checks_in(store: Store, server: DisplayServer) -> list[Feed]:
    """A patient not yet checked in types the code on the hall's screen."""
    ticket = next(t for t in all_tickets(store) if t.state.value == "registered")
    hall = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
    codes = (await hall.until_type("checkin_code"))["codes"]
    code = next(c["code"] for c in codes if c["place"] == place_of(store.config, ticket.queue))
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}")
    await phone.send({"type": "check_in", "code": code})
    await phone.until_type("checked_in")
    return [hall, phone]


def string_values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in string_values(v)]
    return [value] if isinstance(value, str) else []


async def test_busy_morning_feeds_carry_no_personal_data(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    feeds = await busy_morning(store, clock, server)
    frames = [frame for feed in feeds for frame in feed.frames]
    assert sum('"type":"call"' in f for f in frames) > 20
    tickets = all_tickets(store)
    phones = {
        line.split(",")[4]
        for line in (ROOT / "sample_data" / "appointments.csv").read_text().splitlines()[1:]
    } | {"13912345678"}
    values = {s for feed in feeds for m in feed.messages for s in string_values(m)}
    for ticket in tickets:
        name_chars = ticket.name.replace(" ", "")
        for frame in frames:
            if len(name_chars) >= 2:
                assert ticket.name not in frame, ticket.name
            assert ticket.token not in frame
            assert ticket.external_id is None or ticket.external_id not in frame
        assert ticket.phone_last4 == "" or ticket.phone_last4 not in values
    for frame in frames:
        assert not re.search(r"\d{7,}", frame), frame
        assert not any(phone in frame for phone in phones if phone)


def documented_fields() -> dict[str, set[str]]:
    """type -> the field names its row of a server-to-client table in docs/protocol.md names."""
    fields: dict[str, set[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        for kind in re.findall(r"`([a-z_]+)`", cells[0]):
            fields.setdefault(kind, set()).update(re.findall(r"`([a-z_]+)`", cells[-1]))
    return fields


def sent_types() -> set[str]:
    """The types in the `type` column of the doc's server-to-client tables (display, phone)."""
    types: set[str] = set()
    sending = False
    header: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("Server to client") or line.startswith("## Phone feed"):
            sending = True
        elif line.startswith("Client to server") or line.startswith("## "):
            sending = False
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif sending and header[0] == "type":
            types.update(re.findall(r"`([a-z_]+)`", cells[0]))
    return types


async def test_every_message_of_a_morning_is_in_the_protocol_doc(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    feeds = await busy_morning(store, clock, server)
    # The one message the morning's dice need not produce: a paused desk opening again.
    desks = public_board(read_board(store))["desks"]
    paused = next((d["id"] for d in desks if d["paused"]), None)
    if paused is None:
        paused = "wk1"
        commands.pause(store, paused, ACTOR, reason="break")
    commands.resume(store, paused, ACTOR)
    await feeds[0].until_type("resume")
    feeds += await phone_checks_in(store, server)
    doc = documented_fields()
    text = DOC.read_text(encoding="utf-8")
    seen: set[str] = set()
    for message in (m for feed in feeds for m in feed.messages):
        kind = message["type"]
        seen.add(kind)
        assert kind in doc, f"{kind} is not documented"
        undocumented = set(message) - {"type"} - doc[kind]
        assert not undocumented, f"{kind}: {undocumented} not documented"
        if kind in ("board", "snapshot"):
            board = message["board"]
            for entry in [*board["desks"], *board["queues"]]:
                assert all(f'"{key}"' in text for key in entry), entry
    # Both ways: no message type outside those tables, and none of them left unchecked.
    documented = sent_types()
    assert seen == documented, (
        f"sent, not in a server-to-client table: {sorted(seen - documented)}; "
        f"documented, never sent this morning: {sorted(documented - seen)}"
    )
