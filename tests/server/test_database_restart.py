"""PostgreSQL goes away and comes back under a running server (`pg_ctl stop`, then `start`):
the screens and phones stay connected and get every call once, the desks are told the
database is away and nothing they pressed is half-applied, and afterwards everything works
again without restarting anything. A server of its own, so no other test sees it stop."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from urllib.request import urlopen

import pytest

from display_server.server import DisplayServer, serve
from display_server.staff import STAFF_PATH
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.cli.test_cli import Cli
from tests.conftest import ACTOR, SteppingClock
from tests.pg import PgServer
from tests.server.conftest import WAIT_S, Feed, Message, caught_up, open_feed

pytestmark = pytest.mark.slow  # a PostgreSQL server of its own, stopped and started
PASSWORD = "correct horse 42"


def _health(app: DisplayServer) -> tuple[int, Message]:
    try:
        with urlopen(f"{app.url}/healthz", timeout=WAIT_S) as answer:
            return answer.status, json.loads(answer.read())
    except OSError as exc:  # urllib's HTTPError for a 503 carries the body too
        body = exc.read() if hasattr(exc, "read") else b"{}"
        return int(getattr(exc, "code", 0)), json.loads(body)


async def _until_health(app: DisplayServer, status: int) -> Message:
    async with asyncio.timeout(WAIT_S):
        while True:
            code, body = await asyncio.to_thread(_health, app)
            if code == status:
                return body
            await asyncio.sleep(0.05)


async def _command(feed: Feed, op: str, desk: str) -> Message:
    key = uuid.uuid4().hex
    await feed.send({"type": "command", "id": key, "op": op, "args": {"desk": desk}})
    answer = await feed.until(lambda m: m.get("id") == key)
    return answer


def _calls(messages: list[Message]) -> list[tuple[int, str]]:
    return [(m["seq"], m["ticket"]) for m in messages if m["type"] == "call"]


async def test_screens_phones_and_desks_ride_out_a_database_restart(
    pg_store: Store, own_pg_server: PgServer, clock: SteppingClock
) -> None:
    tickets = []
    for name in ["张三丰", "李四", "王五", "赵六"]:
        tickets.append(issue_ticket(pg_store, "nk-pt", ACTOR, name=name))
        clock.advance(minutes=1)
    add_staff(pg_store, "wang", "desk", ("nk1", "nk2"), PASSWORD, "host:root")
    async with serve(pg_store, "127.0.0.1", 0) as app:
        display = await open_feed(app, "/ws/display?since=")
        phone = await open_feed(app, f"/ws/ticket/{tickets[2].token}?since=")
        await display.until_type("snapshot")
        await phone.until_type("ticket")
        nurse = await open_feed(app, STAFF_PATH)
        await nurse.send({"type": "login", "user": "wang", "password": PASSWORD, "device": "PC"})
        assert (await nurse.next())["type"] == "session"
        assert (await _command(nurse, "call_next", "nk1"))["ok"] is True
        await display.until_type("call")
        seq = pg_store.last_seq()

        await asyncio.to_thread(own_pg_server.stop)
        refused = await _command(nurse, "call_next", "nk2")
        assert refused["ok"] is False
        assert refused["error"]["code"] == "database_unreachable"
        shell = Cli(Path("unused.db")).invoke(["--db", str(pg_store.backend.target), "call", "nk2"])
        assert shell.code == 2 and len(shell.err_lines) == 1, shell.err
        assert "cannot be reached" in shell.err and "Traceback" not in shell.err
        away = await _until_health(app, 503)
        assert (away["reason"], away["seq"]) == ("database_unreachable", seq)
        await asyncio.to_thread(own_pg_server.start)

        assert pg_store.last_seq() == seq  # nothing of what was refused was written
        assert (await _command(nurse, "call_next", "nk2"))["ok"] is True
        commands.call_next(pg_store, "nk1", ACTOR)  # a connection open before: replaced
        await caught_up(app, pg_store)
        await display.until(lambda m: m["type"] == "board" and m["seq"] == pg_store.last_seq())
        assert (await _until_health(app, 200))["seq"] == pg_store.last_seq()
        called = await phone.until_type("called")
        assert called["desk"] == "nk1"

    numbers = [t.number for t in tickets[:3]]
    calls = _calls(display.messages)
    assert [number for _, number in calls] == numbers  # every call once, in order
    assert [s for s, _ in calls] == sorted(s for s, _ in calls)
    seqs = [m["seq"] for m in display.messages if m["type"] == "board"]
    assert seqs == sorted(set(seqs))  # no board sent twice: the tail resumed by seq
    assert [m["type"] for m in phone.messages].count("called") == 1
