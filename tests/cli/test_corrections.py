"""Taking back a desk's mistake from the command line: what the nurse reads, where the patient
is on the board afterwards, and the audited event with its reason."""

from __future__ import annotations

from tests.cli import test_cli
from tests.cli.test_cli import Cli
from tests.oracle import violations

prepared, cli = test_cli.prepared, test_cli.cli  # the sample clinic's fixtures


def _names(cli: Cli) -> tuple[str, str]:
    return cli.ticket("nk-pt", "--name", "张三丰"), cli.ticket("nk-pt", "--name", "李四")


def test_a_call_says_whose_visit_it_finished(cli: Cli) -> None:
    first, second = _names(cli)
    third = cli.ticket("nk-pt")
    assert cli.ok("call", "nk1") == f"{first} 张*丰: called to desk nk1\n"
    assert cli.ok("call", "nk1") == (f"{first} 张*丰: finished\n{second} 李*: called to desk nk1\n")
    out = cli.ok("call", "nk1", "--ticket", third, "--reason", "急诊")
    assert out.splitlines()[0] == f"{second} 李*: finished"


def test_a_visit_finished_too_soon_is_back_in_the_room_with_its_reason(cli: Cli) -> None:
    first, _ = _names(cli)
    cli.ok("call", "nk1")
    cli.ok("done", "nk1")
    out = cli.ok("reopen", "nk1", "--reason", "按错了")
    assert out == f"{first} 张*丰: visit reopened at desk nk1\n"
    assert cli.desk("nk1")["current"]["ticket"] == first
    event = cli.last_event()
    assert (event["type"], event["ticket"], event["reason"]) == ("reopen", first, "按错了")
    assert violations(cli.db)[0] == []


def test_a_visit_cannot_be_reopened_once_the_desk_has_called_again(cli: Cli) -> None:
    _, second = _names(cli)
    cli.ok("call", "nk1")
    cli.ok("done", "nk1")
    cli.ok("call", "nk1")
    refused = cli.run("reopen", "nk1", "--reason", "按错了")
    assert (refused.code, refused.err_lines) == (
        1,
        [
            f"clinic-queue: {second} is in the room at desk nk1; only an empty room takes a"
            " visit back."
        ],
    )
    cli.ok("skip", "nk1")
    refused = cli.run("reopen", "nk1", "--reason", "按错了")
    assert refused.code == 1 and "has called nobody since" in refused.err
    assert cli.desk("nk1")["current"] is None


def test_a_reason_is_required_for_every_correction(cli: Cli) -> None:
    number = cli.ticket("nk-pt")
    cli.ok("cancel", number, "--reason", "走了")
    for args in (["reopen", "nk1"], ["uncancel", number], ["undo-away", number]):
        refused = cli.run(*args, "--reason", " ")
        assert refused.code == 1 and "A reason is required" in refused.err, args
        assert cli.run(*args).code == 2
    assert cli.last_event()["type"] == "cancel"


def test_a_cancelled_ticket_comes_back_at_its_original_place(cli: Cli) -> None:
    first, second = _names(cli)
    third = cli.ticket("nk-pt")
    cli.ok("cancel", second, "--reason", "走了")
    assert cli.waiting("nk-pt") == [first, third]
    out = cli.ok("uncancel", second, "--reason", "取消错了")
    assert out == f"{second} 李*: cancel taken back: waiting again\n"
    assert cli.waiting("nk-pt") == [first, second, third]
    event = cli.last_event()
    assert (event["type"], event["reason"], event["was"]) == ("uncancel", "取消错了", "waiting")
    again = cli.run("uncancel", second, "--reason", "again")
    assert again.code == 1 and f"{second} is waiting" in again.err
    assert violations(cli.db)[0] == []


def test_a_patient_cancelled_while_called_comes_back_to_the_missed_list(cli: Cli) -> None:
    first, second = _names(cli)
    cli.ok("call", "nk1")
    cli.ok("cancel", first, "--reason", "走了")
    cli.ok("call", "nk1")
    cli.ok("uncancel", first, "--reason", "他回来了")
    assert [t["ticket"] for t in cli.queue("nk-pt")["missed"]] == [first]
    assert cli.desk("nk1")["current"]["ticket"] == second


def test_a_patient_sent_for_tests_by_mistake_is_back_in_the_room(cli: Cli) -> None:
    first, second = _names(cli)
    cli.ok("call", "nk1")
    cli.ok("away", "nk1")
    out = cli.ok("undo-away", first, "--reason", "按错了")
    assert out == f"{first} 张*丰: not sent for tests after all: back in the room of desk nk1\n"
    assert cli.desk("nk1")["current"]["ticket"] == first
    assert cli.queue("nk-pt")["away"] == []
    assert cli.waiting("nk-pt") == [second]
    assert violations(cli.db)[0] == []


def test_sent_for_tests_from_a_room_since_taken_goes_back_to_its_place(cli: Cli) -> None:
    first, second = _names(cli)
    cli.ok("call", "nk1")
    cli.ok("away", "nk1")
    cli.ok("call", "nk1")  # the next patient is in the room now
    assert cli.desk("nk1")["current"]["ticket"] == second
    out = cli.ok("undo-away", first, "--reason", "按错了")
    assert out == f"{first} 张*丰: not sent for tests after all: back at its place in the line\n"
    assert cli.waiting("nk-pt") == [first]
    event = cli.last_event()
    assert (event["type"], event["to"]) == ("undo_away", "waiting")


def test_nothing_is_taken_back_once_the_day_has_closed(cli: Cli) -> None:
    number = cli.ticket("nk-pt")
    cli.ok("cancel", number, "--reason", "走了")
    cli.ok("close-day")
    refused = cli.run("uncancel", number, "--reason", "取消错了")
    assert refused.code == 1
    assert refused.err_lines == [
        f"clinic-queue: The queue of {cli.status()['board']['day']} is closed; its tickets keep"
        " their final states."
    ]
