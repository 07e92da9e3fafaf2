"""The operations registry: every desk and triage action, its roles, its arguments, its answer."""

from __future__ import annotations

import json
import re

import pytest

from queue_core import operations
from queue_core.errors import QueueError
from queue_core.operations import BY_NAME, OPERATIONS, BadArguments, Member, Role, allowed
from queue_core.store import Store
from tests.conftest import ROOT

DOC = ROOT / "docs" / "staff-api.md"


def _run(store: Store, op_name: str, **args: str | None) -> dict[str, object]:
    op = BY_NAME[op_name]
    return op.run(store, op.parse(args), "staff:test")


def test_every_operation_names_a_function_of_the_core() -> None:
    for op in OPERATIONS:
        module, _, function = op.command.partition(".")
        assert callable(getattr(getattr(operations, module), function)), op.name


def test_the_doc_lists_every_operation_with_its_roles() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `(\w+)` \| `[\w.]+` \| ([^|]+) \|", text, re.MULTILINE)
    }
    assert set(rows) == set(BY_NAME)
    for op in OPERATIONS:
        assert {r.strip() for r in rows[op.name].split(",")} == {r.value for r in op.roles}


def test_issue_call_finish_run_through_the_table_and_answer_json(store: Store) -> None:
    slip = _run(store, "issue", queue="nk-pt", name="张三丰", phone="13800001234")
    ticket = slip["ticket"]
    assert isinstance(ticket, dict) and ticket["number"] == "A001" and ticket["token"]
    called = _run(store, "call_next", desk="nk1")
    assert json.loads(json.dumps(called)) == called
    assert called["finished"] is None
    assert isinstance(called["called"], dict) and called["called"]["number"] == "A001"
    done = _run(store, "finish", desk="nk1")
    assert done["ticket"] == {
        "number": "A001",
        "queue": "nk-pt",
        "state": "done",
        "desk": "nk1",
        "pinned_desk": None,
        "priority": None,
        "placement": "walk_in",
        "recalls": 0,
    }
    with store.read() as conn:
        actors = {r[0] for r in conn.execute("SELECT actor FROM events WHERE seq > 1")}
    assert actors == {"staff:test"}


def test_refusals_of_the_core_keep_their_code(store: Store) -> None:
    with pytest.raises(QueueError) as refused:
        _run(store, "call_next", desk="nk1")
    assert refused.value.code == "nobody_waiting"


@pytest.mark.parametrize(
    ("args", "field"),
    [({}, "desk"), ({"desk": 3}, "desk"), ({"desk": "nk1", "colour": "red"}, "colour")],
)
def test_bad_arguments_name_the_field(args: dict[str, object], field: str) -> None:
    with pytest.raises(BadArguments) as refused:
        BY_NAME["call_next"].parse(args)
    assert refused.value.code == "bad_args" and refused.value.params["field"] == field


def test_arguments_must_be_an_object() -> None:
    with pytest.raises(BadArguments):
        BY_NAME["recall"].parse(["nk1"])


def test_a_desk_role_reaches_its_desks_and_their_queues_only(store: Store) -> None:
    _run(store, "issue", queue="wk")
    nurse = Member(Role.DESK, frozenset({"nk1"}))
    assert allowed(BY_NAME["call_next"], nurse, {"desk": "nk1"}, store)
    assert not allowed(BY_NAME["call_next"], nurse, {"desk": "wk1"}, store)
    assert not allowed(BY_NAME["transfer"], nurse, {"number": "C001", "to": "nk1"}, store)
    surgeon = Member(Role.DESK, frozenset({"wk2"}))
    assert allowed(BY_NAME["transfer"], surgeon, {"number": "C001", "to": "nk1"}, store)
    assert not allowed(BY_NAME["issue"], surgeon, {"queue": "wk"}, store)


def test_roles_without_desks_or_of_screens_run_no_desk_action(store: Store) -> None:
    for role in (Role.INTEGRATION, Role.SCREEN, Role.TRIAGE):
        assert not allowed(BY_NAME["call_next"], Member(role), {"desk": "nk1"}, store)
    admin = Member(Role.ADMIN)
    assert all(allowed(op, admin, {"desk": "nk1", "number": "A001"}, store) for op in OPERATIONS)


def test_the_role_matrix_gives_each_operation_its_roles_and_scope() -> None:
    text = DOC.read_text(encoding="utf-8")
    matrix = text[text.index("| request | desk | triage |") :].split("\n\n")[0]
    header, _, *rows = matrix.splitlines()
    roles = [Role(cell.strip()) for cell in header.strip("|").split("|")[1:]]
    marked: dict[str, dict[Role, str]] = {}
    for row in rows:
        first, *cells = (cell.strip() for cell in row.strip("|").split("|"))
        for name in re.findall(r"`(\w+)`", first):
            marked[name] = dict(zip(roles, cells, strict=True))
    for op in OPERATIONS:
        want = {
            role: (
                "own desks"
                if role in operations.DESK_SCOPED and op.scope is not operations.Scope.NONE
                else "yes"
            )
            if role in op.roles
            else "no"
            for role in Role
        }
        assert marked[op.name] == want, op.name
