"""Every triage action end to end: keys -> database -> event log -> what the screen shows,
with the console on the database host and on another PC through a real server."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from textual.pilot import Pilot
from textual.widgets import Digits, Select, Static

from queue_core.address import PUBLIC_URL_ENV
from queue_core.config import parse_config
from queue_core.feedback import ticket_by_token
from queue_core.importer import import_appointments
from queue_core.model import TicketState
from queue_core.registration import find_tickets, initialise
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, triage_app, triage_console
from queue_tui.backend import Backend
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.slip import SlipScreen
from queue_tui.screens.triage import TriageScreen
from queue_tui.widgets.qrcode import QrCode
from queue_tui.widgets.tickets import TicketTable
from tests.conftest import ACTOR, SAMPLE_APPOINTMENTS, SAMPLE_CONFIG, SteppingClock
from tests.tui.conftest import BASE_URL, fill_line, plain, rendered, toasts, until


def triage(pilot: Pilot[None]) -> TriageScreen:
    return cast(TriageScreen, cast(ClinicQueueApp, pilot.app).home)


def found(pilot: Pilot[None]) -> list[str]:
    return [row.number for row in triage(pilot).query_one("#found", TicketTable).ticket_rows]


def app_for(backend: Backend, store: Store) -> ClinicQueueApp:
    """The triage console over `backend`: the database host's file or a real server."""
    return triage_console(backend, store.now)


async def find(pilot: Pilot[None], text: str, number: str) -> None:
    await pilot.press("f3", *text)
    await until(pilot, lambda: number in found(pilot), f"{number} found by {text}")
    await pilot.press("enter")  # to the results list


@pytest.mark.slow
async def test_issue_a_walk_in_shows_and_prints_the_slip(
    store: Store, clock: SteppingClock, triage_backend: Backend, tmp_path: Path
) -> None:
    fill_line(store, clock)  # five ahead
    async with app_for(triage_backend, store).run_test(size=(100, 30), notifications=True) as pilot:
        screen = triage(pilot)
        await until(pilot, lambda: screen.snapshot is not None, "the first read")
        await pilot.press("enter", "down", "enter")  # the queue list: 内科普通号
        await until(pilot, lambda: screen.query_one("#queue", Select).value == "nk-pt", "queue")
        await pilot.press("tab", *"周九", "tab", *"138 0000 1234")
        seq = store.last_seq()
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.queue, event.actor) == (
            "issue",
            "A006",
            "nk-pt",
            triage_backend.actor,
        )
        [ticket] = find_tickets(store, "A006")
        assert (ticket.name, ticket.phone_last4, ticket.state) == (
            "周九",
            "1234",
            TicketState.WAITING,
        )
        slip = pilot.app.screen
        assert slip.query_one("#slip-number", Digits).value == "A006"
        facts = plain(slip.query_one("#slip-facts", Static).content)
        assert "前面还有 5 人" in facts and "周*" in facts and "周九" not in facts
        assert "诊室：1, 2, 3" in facts
        url = slip.query_one(QrCode).data
        assert url == triage_backend.address.link(ticket.token)
        assert ticket_by_token(store, url.rsplit("/", 1)[1]).number == "A006"

        await pilot.press("p")
        await until(pilot, lambda: any("凭条已保存为文件" in t for t in toasts(pilot)), "saved")
        file = tmp_path / "slips" / "2026-11-23-A006.txt"
        printed = file.read_text(encoding="utf-8")
        assert "A006" in printed and url in printed and "前面还有 5 人" in printed
        # The slip holds the patient's secret link: its owner alone reads it.
        assert (file.stat().st_mode & 0o777, file.parent.stat().st_mode & 0o777) == (0o600, 0o700)
        assert "█" in printed and "周九" not in printed
        assert screen.query_one("#name").value == ""  # type: ignore[attr-defined]


async def test_issue_without_a_queue_is_refused_on_screen(
    store: Store, triage_backend: Backend
) -> None:
    async with app_for(triage_backend, store).run_test(notifications=True) as pilot:
        await until(pilot, lambda: triage(pilot).snapshot is not None, "the first read")
        seq = store.last_seq()
        await pilot.press("f2")
        await until(pilot, lambda: "请选择队列" in toasts(pilot), "the warning")
        assert store.events_since(seq) == []


async def test_specialist_walk_in_pinned_to_a_desk(store: Store, triage_backend: Backend) -> None:
    async with app_for(triage_backend, store).run_test(size=(100, 30)) as pilot:
        screen = triage(pilot)
        await until(pilot, lambda: screen.snapshot is not None, "the first read")
        screen.query_one("#queue", Select).value = "nk-zj"
        screen.query_one("#priority", Select).value = "elderly"
        screen.query_one("#desk", Select).value = "nk-zj"
        seq = store.last_seq()
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.desk) == ("issue", "B001", "nk-zj")
        [ticket] = find_tickets(store, "B001")
        assert (ticket.pinned_desk, ticket.priority) == ("nk-zj", "elderly")
        facts = plain(pilot.app.screen.query_one("#slip-facts", Static).content)
        assert "诊室：3" in facts
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, TriageScreen), "back")


async def test_check_in_an_appointment_found_by_phone_digits(
    store: Store, triage_backend: Backend
) -> None:
    import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    async with app_for(triage_backend, store).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: triage(pilot).snapshot is not None, "the first read")
        [appointment] = find_tickets(store, "1164")
        assert appointment.state is TicketState.REGISTERED
        await find(pilot, "1164", appointment.number)
        seq = store.last_seq()
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket) == ("checkin", appointment.number)
        [after] = find_tickets(store, appointment.number)
        assert after.state is TicketState.WAITING
        await pilot.press("escape")
        table = triage(pilot).query_one("#found", TicketTable)
        await until(pilot, lambda: "候诊" in table.ticket_rows[0].cells[3], "shown as waiting")


@pytest.mark.slow
async def test_mark_priority_and_cancel_with_a_reason(
    store: Store, clock: SteppingClock, triage_backend: Backend
) -> None:
    fill_line(store, clock)
    async with app_for(triage_backend, store).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: triage(pilot).snapshot is not None, "the first read")
        await find(pilot, "王五", "A003")
        seq = store.last_seq()
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the classes")
        await pilot.press("down", "down", "down", "enter")  # 孕妇, the fourth class
        table = triage(pilot).query_one("#found", TicketTable)
        await until(pilot, lambda: "孕妇" in table.ticket_rows[0].cells[3], "marked")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.payload["priority"]) == (
            "priority",
            "A003",
            "pregnant",
        )

        seq = store.last_seq()
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, ReasonDialog)  # no reason, no cancel
        assert store.events_since(seq) == []
        await pilot.press(*"患者离开", "enter")
        await until(pilot, lambda: "已取消" in table.ticket_rows[0].cells[3], "cancelled")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.reason) == ("cancel", "A003", "患者离开")


async def test_a_refused_check_in_is_a_notification(
    store: Store, clock: SteppingClock, triage_backend: Backend
) -> None:
    fill_line(store, clock)
    async with app_for(triage_backend, store).run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: triage(pilot).snapshot is not None, "the first read")
        await find(pilot, "A001", "A001")
        seq = store.last_seq()
        await pilot.press("f4")
        refusal = "A001 当前为「候诊」，不能执行此操作"  # in the nurse's language
        await until(pilot, lambda: refusal in toasts(pilot), "the refusal")
        assert store.events_since(seq) == []
        assert isinstance(pilot.app.screen, TriageScreen)


def slip_link(pilot: Pilot[None]) -> str:
    link: str = pilot.app.screen.query_one(QrCode).data
    return link


async def test_a_loopback_public_address_is_shown_above_the_form_in_both_languages(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample clinic gives no public_url: every slip's QR code would be a dead link.
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    app = triage_app(store, ACTOR, print_dir=tmp_path / "slips")
    async with app.run_test(size=(100, 30)) as pilot:
        warning = triage(pilot).query_one("#address-warning")
        await until(pilot, lambda: warning.region.height > 0, "the warning")
        shown = " ".join(rendered(warning).split())
        assert "警告：患者手机打不开凭条上的二维码，它指向本机地址 http://127.0.0.1:8765。" in shown
        assert "[clinic] 中设置 public_url" in shown and "CLINIC_QUEUE_PUBLIC_URL" in shown
        await pilot.press("f8")
        await until(pilot, lambda: "loopback" in rendered(warning), "the warning in English")
        shown = " ".join(rendered(warning).split())
        assert "Warning: the QR code on every slip points to http://127.0.0.1:8765" in shown
        assert "a loopback address that patients' phones cannot open" in shown
        assert "Set public_url in the clinic file's [clinic] table" in shown


async def test_the_clinic_s_public_address_is_on_every_slip_and_nothing_warns(
    tmp_path: Path, clock: SteppingClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    text = SAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "[clinic]\n", f'[clinic]\npublic_url = "{BASE_URL}/queue/"\n', 1
    )
    db = tmp_path / "clinic.db"
    initialise(db, parse_config(text), ACTOR, now=clock()).close()
    store = Store.open(db, clock=clock)
    app = triage_app(store, ACTOR, print_dir=tmp_path / "slips")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = triage(pilot)
        await until(pilot, lambda: screen.snapshot is not None, "the first read")
        assert screen.query_one("#address-warning").region.height == 0
        screen.query_one("#queue", Select).value = "wk"
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")
        [ticket] = find_tickets(store, "C001")
        assert slip_link(pilot) == f"{BASE_URL}/queue/t/{ticket.token}"
    store.close()
