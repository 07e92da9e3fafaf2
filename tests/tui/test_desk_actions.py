"""Every desk key end to end: key -> database state -> event in the log -> what the screen shows."""

from __future__ import annotations

import time
from typing import cast

from textual.pilot import Pilot
from textual.widgets import Digits, OptionList, Static

from queue_core import commands
from queue_core.model import TicketState
from queue_core.store import Store
from queue_core.writer_gate import WriterGate
from queue_tui.app import ClinicQueueApp, desk_console
from queue_tui.backend import Backend
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.confirm import ConfirmDialog
from queue_tui.screens.desk import CALL_AGAIN_SECONDS, DeskScreen
from queue_tui.screens.help import HelpScreen
from queue_tui.screens.reason import ReasonDialog
from queue_tui.widgets.current import CurrentPanel
from queue_tui.widgets.header import StatusHeader
from queue_tui.widgets.tickets import TicketTable
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import busy_morning, fill_line, plain, rendered, text_within, toasts, until


def desk(pilot: Pilot[None]) -> DeskScreen:
    return cast(DeskScreen, cast(ClinicQueueApp, pilot.app).home)


def current(pilot: Pilot[None]) -> str | None:
    ticket = desk(pilot).query_one(CurrentPanel).ticket
    return ticket.number if ticket else None


def big_number(pilot: Pilot[None]) -> str:
    return desk(pilot).query_one("#current-number", Digits).value


def details(pilot: Pilot[None]) -> str:
    return plain(desk(pilot).query_one("#current-details", Static).content)


def listed(pilot: Pilot[None], table: str) -> list[str]:
    return [row.number for row in desk(pilot).query_one(f"#{table}", TicketTable).ticket_rows]


def reasons(pilot: Pilot[None]) -> dict[str, str]:
    rows = desk(pilot).query_one("#waiting", TicketTable).ticket_rows
    return {row.number: row.cells[3] for row in rows}


def header(pilot: Pilot[None]) -> str:
    return plain(desk(pilot).query_one(StatusHeader).render())


def ticket_state(store: Store, number: str) -> TicketState:
    with store.read() as conn:
        row = conn.execute("SELECT state FROM tickets WHERE number = ?", (number,)).fetchone()
    return TicketState(row[0])


async def started(store: Store, pilot: Pilot[None], waiting: int) -> None:
    await until(pilot, lambda: len(listed(pilot, "waiting")) == waiting, f"{waiting} waiting")


async def test_n_and_space_call_the_next_patient(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    numbers = fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await started(store, pilot, 5)
        seq = store.last_seq()
        await pilot.press("n")
        await until(pilot, lambda: current(pilot) == numbers[0], "A001 in the room")
        assert ticket_state(store, numbers[0]) is TicketState.CALLED
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.desk, event.actor) == (
            "call",
            "A001",
            "nk1",
            backend.actor,
        )
        assert big_number(pilot) == "A001"
        assert "张三丰" in details(pilot)
        assert numbers[0] not in listed(pilot, "waiting")
        await until(pilot, lambda: any("A001" in t for t in toasts(pilot)), "the call toast")

        clock.advance(seconds=CALL_AGAIN_SECONDS)
        seq = store.last_seq()
        await pilot.press("space")
        await until(pilot, lambda: current(pilot) == numbers[1], "A002 in the room")
        assert [e.type for e in store.events_since(seq)] == ["done", "call"]
        assert ticket_state(store, numbers[0]) is TicketState.DONE


async def test_a_second_call_next_within_seconds_asks_first(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 5)
        await pilot.press("n")
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        seq = store.last_seq()
        await pilot.press("n")  # a double tap: A001 has not had time to come in
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        question = rendered(pilot.app.screen.query_one("#question"))
        assert "A001 刚刚叫号。结束 A001 并叫下一位？" in question
        await pilot.press("n", "space")  # the held key answers nothing
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), "the desk again")
        await pilot.pause(0.1)
        assert store.events_since(seq) == [] and current(pilot) == "A001"

        await pilot.press("n")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        await pilot.press("y")  # deliberate: A001 ends, A002 is called
        await until(pilot, lambda: current(pilot) == "A002", "A002 in the room")
        assert [(e.type, e.ticket) for e in store.events_since(seq)] == [
            ("done", "A001"),
            ("call", "A002"),
        ]


async def test_presses_while_a_call_is_in_flight_are_ignored(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    gate = WriterGate(store.path)  # another writer holds the file: the first call waits
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 5)
        seq = store.last_seq()
        gate.acquire(time.monotonic() + 5)
        try:
            await pilot.press("n", "n", "space", "n")  # a held key's auto-repeat
            await pilot.pause(0.2)
        finally:
            gate.release()
            gate.close()
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        await pilot.pause(0.2)
        assert [(e.type, e.ticket) for e in store.events_since(seq)] == [("call", "A001")]
        assert listed(pilot, "waiting") == ["A002", "A003", "A004", "A005"]


async def test_r_recalls_the_current_patient(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        assert "重呼" not in details(pilot)
        seq = store.last_seq()
        await pilot.press("r")
        await until(pilot, lambda: "重呼 1 次" in details(pilot), "one recall")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.payload["recalls"]) == ("recall", "A001", 1)


async def test_s_skips_only_after_confirming(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        seq = store.last_seq()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), "the desk again")
        assert store.events_since(seq) == []
        assert ticket_state(store, "A001") is TicketState.CALLED

        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await until(pilot, lambda: listed(pilot, "missed") == ["A001"], "A001 missed")
        assert ticket_state(store, "A001") is TicketState.MISSED
        assert [e.type for e in store.events_since(seq)] == ["skip"]
        assert current(pilot) is None
        assert big_number(pilot) == ""


async def test_q_requeues_the_selected_missed_patient(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    commands.skip(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: listed(pilot, "missed") == ["A001"], "A001 missed")
        seq = store.last_seq()
        await pilot.press("q")
        await until(pilot, lambda: "A001" in listed(pilot, "waiting"), "A001 back in the line")
        assert listed(pilot, "waiting")[:3] == ["A002", "A003", "A001"]
        assert reasons(pilot)["A001"] == "过号重排"
        assert listed(pilot, "missed") == []
        [event] = store.events_since(seq)
        assert (event.type, event.ticket) == ("requeue", "A001")


async def test_q_without_a_missed_patient_says_so(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await started(store, pilot, 5)
        seq = store.last_seq()
        await pilot.press("q")
        await until(pilot, lambda: "没有选中的过号患者" in toasts(pilot), "the warning")
        assert store.events_since(seq) == []


async def test_d_finishes_the_current_patient(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        seq = store.last_seq()
        await pilot.press("d")
        await until(pilot, lambda: current(pilot) is None, "an empty room")
        assert ticket_state(store, "A001") is TicketState.DONE
        assert [(e.type, e.ticket) for e in store.events_since(seq)] == [("done", "A001")]
        assert "按 n 叫号" in details(pilot)


async def test_a_sends_away_and_b_brings_back(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        seq = store.last_seq()
        await pilot.press("a")
        await until(pilot, lambda: listed(pilot, "away") == ["A001"], "A001 away for tests")
        assert ticket_state(store, "A001") is TicketState.AWAY
        assert current(pilot) is None
        assert [(e.type, e.ticket) for e in store.events_since(seq)] == [("away", "A001")]

        seq = store.last_seq()
        await pilot.press("b")
        await until(pilot, lambda: "A001" in listed(pilot, "waiting"), "A001 back in line")
        assert listed(pilot, "waiting")[:2] == ["A002", "A001"]
        assert reasons(pilot)["A001"] == "检后回诊 · 指定本诊室"
        assert listed(pilot, "away") == []
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.desk) == ("back", "A001", "nk1")


async def test_a_with_nobody_in_the_room_is_refused(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await started(store, pilot, 5)
        seq = store.last_seq()
        await pilot.press("a")  # the cursor is on A001, who was never called
        await until(pilot, lambda: "当前没有已叫号的患者" in toasts(pilot), "the refusal")
        assert store.events_since(seq) == []
        assert listed(pilot, "waiting") == ["A001", "A002", "A003", "A004", "A005"]
        assert listed(pilot, "away") == []


async def test_t_transfers_to_a_chosen_desk(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        seq = store.last_seq()
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the targets")
        options = pilot.app.screen.query_one(OptionList).options
        shown = [plain(o.prompt)[3:] for o in options]  # after each line's number key
        assert not any("（1诊室）" in line for line in shown)  # not this desk's own room
        assert "队列 内科普通号" not in shown  # nor the ticket's own queue
        queues = ["队列 内科专家号", "队列 外科"]
        assert set(queues) <= set(shown)
        assert {"诊室 内科2诊室（2诊室）", "诊室 内科专家诊室（3诊室）"} <= set(shown)
        for _ in range(shown.index("诊室 内科2诊室（2诊室）")):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: current(pilot) is None, "an empty room")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.desk) == ("transfer", "A001", "nk2")
        with store.read() as conn:
            row = conn.execute("SELECT state, pinned_desk FROM tickets WHERE number = 'A001'")
            assert tuple(row.fetchone()) == ("waiting", "nk2")
        assert "A001" not in listed(pilot, "waiting")  # pinned to room 2 now


async def test_c_needs_a_reason_and_records_it(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 5)
        await pilot.press("down", "down", "down")  # the waiting list's cursor on A004
        seq = store.last_seq()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
        await pilot.press("enter")  # empty: refused, the dialog stays
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        assert plain(dialog.query_one("#problem", Static).content) == "必须填写原因"
        await pilot.press("space", "space", "enter")  # blank is no reason either
        assert pilot.app.screen is dialog
        assert store.events_since(seq) == []
        await pilot.press(*"急诊", "enter")
        await until(pilot, lambda: current(pilot) == "A004", "A004 in the room")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.reason) == ("call", "A004", "急诊")
        assert event.payload["out_of_turn"] is True and event.actor == backend.actor
        assert listed(pilot, "waiting") == ["A001", "A002", "A003", "A005"]


async def test_escape_leaves_the_reason_dialog_without_calling(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 5)
        seq = store.last_seq()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), "the desk")
        assert store.events_since(seq) == []


async def test_p_pauses_and_resumes(store: Store, clock: SteppingClock, backend: Backend) -> None:
    fill_line(store, clock)
    console = desk_console(backend, "nk1", store.now)
    # Wide enough for the whole header: beside a running server it also names the room's screens.
    async with console.run_test(size=(120, 30), notifications=True) as pilot:
        await started(store, pilot, 5)
        assert "接诊中" in header(pilot)
        seq = store.last_seq()
        await pilot.press("p")
        await until(pilot, lambda: "停诊中" in header(pilot), "the desk paused")
        assert desk(pilot).query_one(StatusHeader).has_class("-paused")
        [event] = store.events_since(seq)
        assert (event.type, event.desk) == ("pause", "nk1")
        await pilot.press("n")  # a paused desk refuses to call: a notification, no crash
        await until(pilot, lambda: any("已停诊" in t for t in toasts(pilot)), "the refusal")
        assert current(pilot) is None
        await pilot.press("p")
        await until(pilot, lambda: "接诊中" in header(pilot), "the desk open")
        assert [e.type for e in store.events_since(seq)] == ["pause", "resume"]


async def test_slash_finds_a_patient_in_the_lists(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await started(store, pilot, 5)
        await pilot.press("slash", *"赵六", "enter")
        table = desk(pilot).query_one("#waiting", TicketTable)
        await until(pilot, lambda: table.selected_number == "A004", "the cursor on A004")
        await pilot.press("slash", *"C001", "enter")
        await until(pilot, lambda: any("C001" in t for t in toasts(pilot)), "nothing found")
        assert "没有找到 C001" in toasts(pilot)


async def test_l_switches_language_and_question_mark_shows_help(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 5)
        assert header(pilot).startswith("内科1诊室")
        await pilot.press("l")
        await until(pilot, lambda: header(pilot).startswith("Internal Medicine Room 1"), "English")
        assert reasons(pilot)["A001"] == "walk-in"
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")
        await pilot.press("escape")
        await pilot.press("l")
        await until(pilot, lambda: header(pilot).startswith("内科1诊室"), "Chinese again")


async def test_a_refusal_is_a_notification_not_a_crash(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await until(pilot, lambda: "实时" in header(pilot), "the live indicator")
        seq = store.last_seq()
        for key in ("r", "d", "n"):
            await pilot.press(key)
        await until(pilot, lambda: len(toasts(pilot)) == 3, "three refusals")
        assert "当前没有已叫号的患者" in toasts(pilot)  # the nurse's language, not the core's
        assert "没有候诊患者" in toasts(pilot)
        assert store.events_since(seq) == []
        assert pilot.app.is_running
        await pilot.press("l")
        await pilot.press("n")
        await until(pilot, lambda: len(toasts(pilot)) == 4, "a refusal in English")
        assert "Nobody is waiting for desk nk1." in toasts(pilot)


async def test_receipts_and_presence_show_once_reported(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    from queue_core.feedback import record_presence, record_receipt

    fill_line(store, clock)
    called = commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        assert "播报" not in details(pilot)  # no receipt yet: nothing, not a fake tick
        call_seq = store.last_seq()
        record_receipt(store, call_seq, "hall")
        await until(pilot, lambda: "已在 1 块屏幕播报" in details(pilot), "one receipt")
        record_receipt(store, call_seq, "nk-area")
        await until(pilot, lambda: "已在 2 块屏幕播报" in details(pilot), "two receipts")
        record_presence(store, called.token, "on_my_way")
        await until(pilot, lambda: "患者：正在赶来" in details(pilot), "on my way")
        commands.recall(store, "nk1", ACTOR)  # a new call: its receipts start from zero
        await until(pilot, lambda: "重呼 1 次" in details(pilot), "the recall")
        assert "播报" not in details(pilot)


async def test_waiting_list_gives_each_reason(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    from queue_core.registration import issue_ticket

    fill_line(store, clock)
    issue_ticket(store, "nk-pt", ACTOR, name="钱八", priority="elderly")
    issue_ticket(store, "nk-zj", ACTOR, name="周九", desk="nk-zj")
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await started(store, pilot, 6)
        assert listed(pilot, "waiting") == ["A001", "A002", "A006", "A003", "A004", "A005"]
        assert reasons(pilot)["A006"] == "优先·老年人"
        assert reasons(pilot)["A001"] == "现场挂号"
        assert "B001" not in listed(pilot, "waiting")  # another queue's desk


async def test_the_focused_list_and_its_selected_ticket_are_named_on_its_border(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    busy_morning(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(size=(120, 30)) as pilot:
        screen = desk(pilot)
        waiting, missed = (screen.query_one(f"#{i}", TicketTable) for i in ("waiting", "missed"))

        def border(table: TicketTable) -> str:
            return text_within(pilot, table).splitlines()[0]

        await until(pilot, lambda: "▶ 候诊 4 · A003" in border(waiting), "the waiting list")
        await pilot.press("down")
        await until(pilot, lambda: "▶ 候诊 4 · A004" in border(waiting), "the cursor on A004")
        assert "▶" not in border(missed)
        await pilot.press("tab")
        await until(pilot, lambda: "▶ 过号 1 · A001" in border(missed), "the missed list")
        assert "▶" not in border(waiting) and "候诊 4" in border(waiting)


async def test_a_screen_that_could_not_speak_the_call_is_told_apart(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    from queue_core.feedback import record_receipt

    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        call_seq = store.last_seq()
        record_receipt(store, call_seq, "hall", how="audio")
        await until(pilot, lambda: "已在 1 块屏幕播报" in details(pilot), "one spoken receipt")
        record_receipt(store, call_seq, "nk-area", how="shown_only")
        await until(pilot, lambda: "已播报 1 屏 · 1 屏仅显示" in details(pilot), "one shown only")
        await pilot.press("l")
        await until(
            pilot,
            lambda: "spoken on 1 screen(s) · shown only on 1" in details(pilot),
            "the same in English",
        )
