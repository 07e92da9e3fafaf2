"""The database away and back under two `clinic-queue serve` processes behind nginx, whatever
takes it away (a restart, a failover): screens and phones follow both instances and a nurse
works on the staff socket. While it is away the desks are refused in one clear line, both
instances say so on /healthz and the log does not move; once it is back both instances are
healthy by themselves, desks call through either, and every screen and phone ends with every
call of the log once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

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

ROUNDS = 3  # calls at each of the two desks, before the outage and after it
# What the CLI's one line says, by the refusal's code.
SAID = {"database_unreachable": "cannot be reached", "no_primary": "takes no writes now"}


async def away_and_back(
    url: str,
    folder: Path,
    away: Callable[[], None],
    back: Callable[[], None],
    refusal: str = "database_unreachable",
) -> None:
    """The sample clinic in the empty database at `url`; `away` takes the database away,
    `back` gives it back; `refusal`: the code desks and /healthz give meanwhile."""
    initialise(url, parse_config(SAMPLE_CONFIG.read_text(encoding="utf-8"), "test"), ACTOR).close()
    with closing(Store.open(url)) as clinic:
        await _scenario(url, clinic, folder, (away, back), refusal)


async def _scenario(
    url: str,
    clinic: Store,
    folder: Path,
    outage: tuple[Callable[[], None], Callable[[], None]],
    refusal: str,
) -> None:
    away, back = outage
    for index in range(40):
        issue_ticket(clinic, QUEUE, ACTOR, name=f"患者{index:02d}")
    add_staff(clinic, "wang", "desk", ("nk1", "nk2"), PASSWORD, ACTOR)
    shell = PgCli(url, folder)
    ready = clinic.last_seq()  # a login is in the log too, and no screen or phone is told of it
    async with (
        two_behind_nginx(url, folder) as front,
        watching(front.nginx.ws, front.tls, line_tokens(clinic)[:20]) as audience,
        staff(f"{front.nginx.ws}/ws/staff/v1", front.tls) as nurse,
    ):
        await asyncio.gather(*(f.until_seq(ready) for f in audience.followers))
        await login(nurse)
        for _ in range(ROUNDS):
            assert (await desk_command(nurse, "call_next", "nk1"))["ok"] is True
            commands.call_next(clinic, "nk2", ACTOR)
        await current(audience, clinic)
        seq = clinic.last_seq()

        await asyncio.to_thread(away)
        refused = await desk_command(nurse, "call_next", "nk1")
        assert refused["ok"] is False
        assert refused["error"]["code"] == refusal, refused
        typed = shell.run("call", "nk2")
        assert (typed.code, typed.out, len(typed.err_lines)) == (2, "", 1), typed.err
        assert typed.err.startswith(
            f"clinic-queue: The queue database at {shell.url} {SAID[refusal]}"
        )
        for instance in (front.a, front.b):
            gone = await until_health(instance.url, 503)
            assert (gone["reason"], gone["seq"]) == (refusal, seq)
        await asyncio.to_thread(back)

        for instance in (front.a, front.b):  # before anything is written again
            assert (await until_health(instance.url, 200))["seq"] == seq
        assert clinic.last_seq() == seq  # every commit of before, nothing refused, no part of it
        for _ in range(ROUNDS):
            assert (await desk_command(nurse, "call_next", "nk1"))["ok"] is True
            assert shell.run("call", "nk2").code == 0
        await current(audience, clinic)
        for instance in (front.a, front.b):
            assert (await until_health(instance.url, 200))["seq"] == clinic.last_seq()
    assert_every_call_once(audience, clinic)
    events = clinic.events_since(0)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # no hole
    called = [e.ticket for e in events if e.type.value == "call"]
    assert len(called) == 4 * ROUNDS == len(set(called))
