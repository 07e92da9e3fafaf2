"""PostgreSQL stopped and started again (`pg_ctl stop -m fast`, then `start`) under two
`clinic-queue serve` processes behind nginx while the desks call: the desks are refused in one
clear line while it is away and nothing of it is written, both instances say so on /healthz and
come back by themselves, and every screen and phone behind nginx ends with every call of the
log once, in order. A server of the test's own, so no other test sees it stop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.cli.test_cli_postgres import PgCli
from tests.conftest import ACTOR, SAMPLE_CONFIG
from tests.multi.audience import (
    assert_every_call_once,
    current,
    desk_command,
    until_health,
    watching,
)
from tests.multi.test_several_servers import (
    PASSWORD,
    QUEUE,
    line_tokens,
    login,
    staff,
    two_behind_nginx,
)
from tests.pg import PgServer

pytestmark = pytest.mark.slow


@pytest.fixture
def own_clinic(own_pg_server: PgServer) -> Iterator[tuple[str, Store]]:
    url = own_pg_server.fresh_database()
    initialise(url, parse_config(SAMPLE_CONFIG.read_text(encoding="utf-8"), "test"), ACTOR).close()
    store = Store.open(url)
    yield url, store
    store.close()


async def test_a_database_restart_under_two_servers_loses_and_repeats_no_call(
    own_clinic: tuple[str, Store], own_pg_server: PgServer, tmp_path: Path
) -> None:
    url, clinic = own_clinic
    for index in range(40):
        issue_ticket(clinic, QUEUE, ACTOR, name=f"患者{index:02d}")
    add_staff(clinic, "wang", "desk", ("nk1", "nk2"), PASSWORD, ACTOR)
    shell = PgCli(url, tmp_path)
    ready = clinic.last_seq()  # a login is in the log too, and no screen or phone is told of it
    async with (
        two_behind_nginx(url, tmp_path) as front,
        watching(front.nginx.ws, front.tls, line_tokens(clinic)[:20]) as audience,
        staff(f"{front.nginx.ws}/ws/staff/v1", front.tls) as nurse,
    ):
        await asyncio.gather(*(f.until_seq(ready) for f in audience.followers))
        await login(nurse)
        for _ in range(3):
            assert (await desk_command(nurse, "call_next", "nk1"))["ok"] is True
            commands.call_next(clinic, "nk2", ACTOR)
        await current(audience, clinic)
        seq = clinic.last_seq()

        await asyncio.to_thread(own_pg_server.stop)
        refused = await desk_command(nurse, "call_next", "nk1")
        assert refused["ok"] is False and refused["error"]["code"] == "database_unreachable"
        typed = shell.run("call", "nk2")
        assert (typed.code, typed.out, len(typed.err_lines)) == (2, "", 1), typed.err
        assert typed.err.startswith(f"clinic-queue: The queue database at {shell.url} cannot")
        for instance in (front.a, front.b):
            away = await until_health(instance.url, 503)
            assert (away["reason"], away["seq"]) == ("database_unreachable", seq)
        await asyncio.to_thread(own_pg_server.start)

        for instance in (front.a, front.b):
            assert (await until_health(instance.url, 200))["seq"] == seq
        assert clinic.last_seq() == seq  # nothing refused was written, not a part of it
        for _ in range(3):
            assert (await desk_command(nurse, "call_next", "nk1"))["ok"] is True
            assert shell.run("call", "nk2").code == 0
        await current(audience, clinic)
        for instance in (front.a, front.b):
            assert (await until_health(instance.url, 200))["seq"] == clinic.last_seq()
    assert_every_call_once(audience, clinic)
    called = [e.ticket for e in clinic.events_since(0) if e.type.value == "call"]
    assert len(called) == 12 == len(set(called))
