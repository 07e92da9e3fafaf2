"""Two `clinic-queue serve` processes on one database behind a real nginx configured from
deploy/nginx-several-servers.conf: one is killed (SIGKILL) while the desks call, and its
screens and phones go on from the other with every call once; desk commands, their keys and
the screens' acks work through either instance."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from queue_core import commands
from queue_core.events import EventType
from queue_core.registration import issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY
from tests.instances import Instance, instances
from tests.multi.followers import Follower
from tests.nginx import Nginx, need_nginx, running_nginx, self_signed

pytestmark = pytest.mark.slow
HALL = f"/ws/display?key={HALL_KEY}"
QUEUE = "nk-pt"
DESKS = ("nk1", "nk2")
CALLS = 30
KILL_AFTER = 10  # calls before the first instance is killed
PASSWORD = "correct horse 42"
CALL_TYPES = {EventType.CALL, EventType.RECALL}


@dataclass
class Front:
    a: Instance
    b: Instance
    nginx: Nginx
    tls: ssl.SSLContext


@asynccontextmanager
async def two_behind_nginx(db: str, folder: Path) -> AsyncIterator[Front]:
    need_nginx()
    cert, key = self_signed(folder)
    with instances(db, folder) as (a, b):
        ports, api = [a.port, b.port], [a.api_port, b.api_port]
        with running_nginx(folder / "nginx", ports, api, (cert, key)) as nginx:
            yield Front(a, b, nginx, ssl.create_default_context(cafile=str(cert)))


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/healthz", timeout=10) as answer:
        data: dict[str, Any] = json.loads(answer.read())
        return data


def line_tokens(store: Store) -> list[tuple[str, str]]:
    with store.read() as conn:
        rows = conn.execute(
            "SELECT number, token FROM tickets WHERE state = 'waiting' AND queue = ?"
            " ORDER BY sort_key",
            (QUEUE,),
        ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def desks_call(store: Store, count: int, kill_at: int, kill: Instance) -> None:
    """The desks call `count` patients, a few milliseconds apart; `kill` dies after `kill_at`."""
    for index in range(count):
        commands.call_next(store, DESKS[index % len(DESKS)], ACTOR)
        if index + 1 == kill_at:
            kill.kill()
        time.sleep(0.02)


async def test_a_killed_instance_s_clients_resume_on_the_other_with_every_call_once(
    clinic: Store, clinic_db: str, tmp_path: Path
) -> None:
    for index in range(60):
        issue_ticket(clinic, QUEUE, ACTOR, name=f"患者{index:02d}")
    line = line_tokens(clinic)
    async with two_behind_nginx(clinic_db, tmp_path) as front:
        base = front.nginx.ws
        screens = [Follower(base, HALL, front.tls) for _ in range(6)]
        # Tickets 10-39: the calls reach the first of them, the rest wait on.
        phones = {number: Follower(base, f"/ws/ticket/{t}", front.tls) for number, t in line[10:40]}
        followers = [*screens, *phones.values()]
        tasks = [asyncio.create_task(f.run()) for f in followers]
        try:
            start = clinic.last_seq()
            await asyncio.gather(*(f.until_seq(start) for f in followers))
            on = [await asyncio.to_thread(health, i.url) for i in (front.a, front.b)]
            assert all(h["displays"] + h["phones"] > 0 for h in on), on  # nginx spread them
            await asyncio.to_thread(desks_call, clinic, CALLS, KILL_AFTER, front.a)
            last = clinic.last_seq()
            events = clinic.events_since(start)
            called = {e.ticket: e.seq for e in events if e.type in CALL_TYPES}
            waiting = [f for number, f in phones.items() if number not in called]
            await asyncio.gather(*(f.until_seq(last) for f in [*screens, *waiting]))
            for number, phone in phones.items():
                if number in called:
                    await phone.until_seq(called[number])
            survivor = await asyncio.to_thread(health, front.b.url)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    assert survivor["displays"] + survivor["phones"] == len(followers)
    assert any(f.opens > 1 for f in followers)  # the kill cut some of them off
    for screen in screens:
        first = screen.messages[0]
        assert first["type"] == "snapshot" and len(screen.of_type("snapshot")) == 1
        seen = [m["seq"] for m in screen.of_type("call")]
        assert seen == [e.seq for e in events if e.type in CALL_TYPES and e.seq > first["seq"]]
    for number, phone in phones.items():
        assert len(phone.of_type("ticket")) == 1  # resumed each time, never started over
        seen = [m["seq"] for m in phone.of_type("called")]
        assert seen == ([called[number]] if number in called else [])


async def test_a_desk_command_and_its_key_through_either_instance_run_once(
    clinic: Store, clinic_db: str, tmp_path: Path
) -> None:
    for _ in range(3):
        issue_ticket(clinic, QUEUE, ACTOR)
    add_staff(clinic, "wang", "desk", ("nk1",), PASSWORD, ACTOR)
    async with two_behind_nginx(clinic_db, tmp_path) as front:
        command = {"type": "command", "id": uuid.uuid4().hex, "op": "call_next"}
        command["args"] = {"desk": "nk1"}
        async with staff(f"{front.nginx.ws}/ws/staff/v1", front.tls) as nurse:
            session = await login(nurse)
            await nurse.send(json.dumps(command))
            first = json.loads(await nurse.recv())
        seq = clinic.last_seq()
        for instance in (front.a, front.b):  # the answer was lost: sent again, anywhere
            async with staff(f"ws://127.0.0.1:{instance.port}/ws/staff/v1", None) as again:
                await again.send(json.dumps({"type": "auth", "token": session["token"]}))
                assert json.loads(await again.recv())["type"] == "session"
                await again.send(json.dumps(command))
                assert json.loads(await again.recv()) == first
        assert clinic.last_seq() == seq
        assert first["value"]["called"]["number"] == "A001"
        other = {**command, "id": uuid.uuid4().hex}
        async with staff(f"ws://127.0.0.1:{front.b.port}/ws/staff/v1", None) as nurse:
            await nurse.send(json.dumps({"type": "auth", "token": session["token"]}))
            await nurse.recv()
            await nurse.send(json.dumps(other))
            assert json.loads(await nurse.recv())["value"]["called"]["number"] == "A002"


async def test_an_ack_sent_to_the_other_instance_is_recorded_once(
    clinic: Store, clinic_db: str, tmp_path: Path
) -> None:
    issue_ticket(clinic, QUEUE, ACTOR)
    async with two_behind_nginx(clinic_db, tmp_path) as front:
        on_a = Follower(f"ws://127.0.0.1:{front.a.port}", HALL, None)
        watching = asyncio.create_task(on_a.run())
        try:
            await on_a.until_seq(clinic.last_seq())
            commands.call_next(clinic, "nk1", ACTOR)
            call_seq = clinic.last_seq()
            await on_a.until_seq(call_seq)
            [call] = on_a.of_type("call")  # pushed by the first instance
            assert call["seq"] == call_seq
            for instance in (front.b, front.a, front.b):
                url = f"ws://127.0.0.1:{instance.port}{HALL}&since={call_seq}"
                async with connect(url, open_timeout=10) as screen:
                    await screen.send(json.dumps({"type": "ack", "seq": call_seq, "how": "audio"}))
                    await screen.send(json.dumps({"type": "ping"}))
                    while json.loads(await screen.recv())["type"] != "pong":
                        pass  # the ack was handled before the ping: one frame at a time
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
    announced = [e for e in clinic.events_since(call_seq) if e.type is EventType.ANNOUNCED]
    assert [(e.payload.get("call_seq"), e.actor) for e in announced] == [(call_seq, "screen:hall")]


async def test_the_his_api_answers_through_nginx_from_each_instance(
    clinic: Store, clinic_db: str, tmp_path: Path
) -> None:
    async with two_behind_nginx(clinic_db, tmp_path) as front:
        context = front.tls
        statuses = []
        for instance in (None, front.a):
            if instance is not None:
                instance.kill()  # the second request goes to the one left
            asked = urllib.request.Request(
                f"{front.nginx.api_url}/api/v1/appointments", data=b"{}", method="POST"
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                await asyncio.to_thread(urllib.request.urlopen, asked, timeout=10, context=context)
            statuses.append(refused.value.code)
    assert statuses == [401, 401]  # the API's answer without a session, not nginx's 502


@asynccontextmanager
async def staff(url: str, tls: ssl.SSLContext | None) -> AsyncIterator[ClientConnection]:
    async with connect(url, ssl=tls, open_timeout=10) as ws:
        yield ws


async def login(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "login", "user": "wang", "password": PASSWORD}))
    session: dict[str, Any] = json.loads(await ws.recv())
    assert session["type"] == "session", session
    return session
