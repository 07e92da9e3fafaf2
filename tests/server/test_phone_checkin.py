"""Check-in from the phone, on the wire: the code only on registered screens, the phone's
refusals (a wrong code, a stale one, another department's, too many tries) writing nothing,
and the right code checking the patient in as `phone`. Real server on port 0, real clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from display_server.server import DisplayServer
from queue_core import checkin_code
from queue_core.config import ClinicConfig
from queue_core.events import EventType
from queue_core.importer import import_appointments
from queue_core.model import Ticket
from queue_core.registration import issue_ticket
from queue_core.replay import current_tables
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.server.conftest import Feed, config_with_codes, open_feed

NK_AREA = "/ws/display?key=sample-nk-area-key-change-me&since="
WK_DOOR = "/ws/display?key=sample-wk1-door-key-change-me&since="
MINUTES = 5


@pytest.fixture
def sample_config() -> ClinicConfig:
    return config_with_codes(MINUTES)


def appointments(store: Store, tmp_path: Path) -> dict[str, Ticket]:
    csv = tmp_path / "his.csv"
    csv.write_text(
        "external_id,name,queue,slot_start\nHIS1,李四,nk-pt,09:30\nHIS2,王五,nk-pt,10:00\n"
        "HIS3,赵六,wk,10:00\n",
        encoding="utf-8",
    )
    import_appointments(store, csv, ACTOR)
    with store.read() as conn:
        rows = conn.execute("SELECT * FROM tickets WHERE external_id IS NOT NULL").fetchall()
    return {t.external_id or "": t for t in (Ticket.from_row(dict(r)) for r in rows)}


async def screen_code(app: DisplayServer, path: str) -> dict[str, str]:
    feed = await open_feed(app, path)
    message = await feed.until_type("checkin_code")
    await feed.ws.close()
    assert 1 <= message["changes_in"] <= MINUTES * 60
    return {c["place"]: c["code"] for c in message["codes"]}


async def phone(app: DisplayServer, ticket: Ticket) -> tuple[Feed, dict[str, Any]]:
    feed = await open_feed(app, f"/ws/ticket/{ticket.token}")
    return feed, await feed.until_type("ticket")


async def try_code(feed: Feed, code: str) -> dict[str, Any]:
    await feed.send({"type": "check_in", "code": code})
    return await feed.until(lambda m: m["type"] in ("error", "checked_in"))


def written(store: Store) -> tuple[int, Any]:
    with store.read() as conn:
        return store.last_seq(), current_tables(conn)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_a_registered_screen_shows_its_departments_code_and_a_plain_page_none(
    server: DisplayServer,
) -> None:
    assert set(await screen_code(server, NK_AREA)) == {"内科"}
    plain = await open_feed(server, "/ws/display?department=内科&since=")
    await plain.send({"type": "ping"})
    await plain.until_type("pong")
    assert all(m["type"] != "checkin_code" for m in plain.messages)
    codes = await screen_code(server, WK_DOOR)
    assert set(codes) == {"外科"} and all(len(c) == 6 and c.isdigit() for c in codes.values())


async def test_the_phone_sees_not_checked_in_with_its_slot_and_the_right_code_checks_in(
    server: DisplayServer, store: Store, tmp_path: Path
) -> None:
    ticket = appointments(store, tmp_path)["HIS1"]
    feed, first = await phone(server, ticket)
    assert (first["state"], first["slot"], first["self_checkin"]) == ("registered", "09:30", True)
    code = (await screen_code(server, NK_AREA))["内科"]
    seq = store.last_seq()
    assert await try_code(feed, f" {code[:3]} {code[3:]} ") == {
        "type": "checked_in",
        "number": ticket.number,
    }
    [event] = store.events_since(seq)
    assert (event.type, event.actor, event.ticket) == (EventType.CHECKIN, "phone", ticket.number)
    # The state may come before the answer or after it: the feed and the answer do not wait
    # for each other.
    told = [m for m in feed.messages if m["type"] == "state"]
    state = told[0] if told else await feed.until_type("state")
    assert (state["state"], state["why"]) == ("waiting", "checkin")
    again = await try_code(feed, code)
    assert again["code"] == "not_registered"


async def test_wrong_stale_and_other_departments_codes_are_refused_writing_nothing(
    server: DisplayServer, store: Store, tmp_path: Path, clock: SteppingClock
) -> None:
    ticket = appointments(store, tmp_path)["HIS1"]
    feed, _ = await phone(server, ticket)
    code = (await screen_code(server, NK_AREA))["内科"]
    other = (await screen_code(server, WK_DOOR))["外科"]
    before = written(store)
    refused = await try_code(feed, wrong(code))
    assert (refused["code"], refused["tries_left"]) == ("bad_code", 4)
    assert (await try_code(feed, other))["code"] == "bad_code"
    assert (await try_code(feed, "abc"))["code"] == "bad_code"
    clock.advance(minutes=2 * MINUTES)  # two windows on: the code read then is stale
    assert (await try_code(feed, code))["code"] == "bad_code"
    assert written(store) == before
    fresh = (await screen_code(server, NK_AREA))["内科"]
    clock.advance(minutes=MINUTES)  # the previous window's code is still taken
    assert (await try_code(feed, fresh))["type"] == "checked_in"


async def test_five_wrong_codes_stop_the_ticket_even_with_the_right_one(
    server: DisplayServer, store: Store, tmp_path: Path
) -> None:
    tickets = appointments(store, tmp_path)
    feed, _ = await phone(server, tickets["HIS1"])
    code = (await screen_code(server, NK_AREA))["内科"]
    lefts = [(await try_code(feed, wrong(code)))["tries_left"] for _ in range(checkin_code.TRIES)]
    assert lefts == [4, 3, 2, 1, 0]
    before = written(store)
    stopped = await try_code(feed, code)
    assert stopped["code"] == "too_many_tries" and stopped["retry_after"] >= 1
    assert stopped["message"]
    assert written(store) == before
    other, _ = await phone(server, tickets["HIS2"])  # the limit is the ticket's, not the room's
    assert (await try_code(other, code))["type"] == "checked_in"


async def test_a_walk_in_and_a_bad_message_are_refused_and_the_phone_stays_served(
    server: DisplayServer, store: Store
) -> None:
    walk_in = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    feed, first = await phone(server, walk_in)
    assert (first["slot"], first["self_checkin"]) == (None, False)
    code = (await screen_code(server, NK_AREA))["内科"]
    assert (await try_code(feed, code))["code"] == "not_registered"
    await feed.send({"type": "check_in", "code": 123456})
    assert (await feed.until_type("error"))["code"] == "bad_check_in"
    await feed.send({"type": "check_in", "code": "1" * 17})
    assert (await feed.until_type("error"))["code"] == "bad_check_in"
    await feed.send({"type": "ping"})
    assert (await feed.until_type("pong"))["type"] == "pong"


class TestWithoutCodes:
    @pytest.fixture
    def sample_config(self) -> ClinicConfig:
        return config_with_codes(0)

    async def test_no_code_is_shown_and_the_phone_is_sent_to_the_desk(
        self, server: DisplayServer, store: Store, tmp_path: Path
    ) -> None:
        ticket = appointments(store, tmp_path)["HIS1"]
        feed, first = await phone(server, ticket)
        assert first["self_checkin"] is False
        before = written(store)
        assert (await try_code(feed, "000000"))["code"] == "checkin_off"
        assert written(store) == before
        screen = await open_feed(server, NK_AREA)
        await screen.send({"type": "ping"})
        await screen.until_type("pong")
        assert all(m["type"] != "checkin_code" for m in screen.messages)
