"""The one table of desk and triage actions a console may ask for (docs/staff-api.md).

Each operation names the command it runs, the roles allowed, its argument fields, which argument
names the desk (for desk-scoped roles) and the JSON form of its result. The consoles' local
backend runs operations through this table in-process and the staff websocket runs them for
remote consoles, so a role is checked the same way wherever the key was pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from queue_core import commands, corrections, his_live, registration
from queue_core.errors import QueueError
from queue_core.model import DeskState, Ticket
from queue_core.store import Store

Args = Mapping[str, str | None]
Json = dict[str, Any]


class Role(StrEnum):
    DESK = "desk"  # desk actions at the desks assigned
    TRIAGE = "triage"  # issue, check in, priority, cancel and its undoing
    ADMIN = "admin"  # everything
    INTEGRATION = "integration"  # the HIS's machine account: desk actions only at desks given
    SCREEN = "screen"  # a TV's key: receipts and presence on the feeds, no operation here


class Scope(StrEnum):
    """What a desk-scoped role (desk, integration) must hold for an operation to be allowed."""

    NONE = "none"  # not desk-scoped: the role alone decides
    DESK = "desk"  # the `desk` argument is one of the member's desks
    TICKET = "ticket"  # the ticket's queue is served by one of the member's desks


DESK_SCOPED = frozenset({Role.DESK, Role.INTEGRATION})


class BadArguments(QueueError):
    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message, "bad_args", **params)


@dataclass(frozen=True)
class Arg:
    name: str
    required: bool = True


@dataclass(frozen=True)
class Operation:
    name: str
    command: str  # the queue_core function it runs, as documented
    roles: frozenset[Role]
    args: tuple[Arg, ...]
    scope: Scope
    result: str  # the JSON form of its value, as documented
    run: Callable[[Store, Args, str], Json]

    def parse(self, raw: object) -> dict[str, str | None]:
        """The arguments as the command takes them, or BadArguments naming the field."""
        if not isinstance(raw, dict):
            raise BadArguments("The arguments must be a JSON object.")
        known = {a.name for a in self.args}
        extra = sorted(str(k) for k in raw if k not in known)
        if extra:
            raise BadArguments(f"Unknown argument {extra[0]!r} for {self.name}.", field=extra[0])
        parsed: dict[str, str | None] = {}
        for arg in self.args:
            value = raw.get(arg.name)
            if value is None and arg.required:
                raise BadArguments(f"{self.name} needs {arg.name!r}.", field=arg.name)
            if value is not None and not isinstance(value, str):
                raise BadArguments(f"{arg.name!r} must be a string.", field=arg.name)
            parsed[arg.name] = value
        return parsed


def ticket_json(ticket: Ticket, *, token: bool = False) -> Json:
    """A ticket as a staff answer carries it; the phone token only where a slip is printed."""
    value: Json = {
        "number": ticket.number,
        "queue": ticket.queue,
        "state": ticket.state.value,
        "desk": ticket.desk,
        "pinned_desk": ticket.pinned_desk,
        "priority": ticket.priority,
        "placement": ticket.placement.value,
        "recalls": ticket.recalls,
    }
    if token:
        value["token"] = ticket.token
    return value


def _desk_json(state: DeskState) -> Json:
    return {"desk": {"id": state.id, "paused": state.paused}}


def _ticket(ticket: Ticket) -> Json:
    return {"ticket": ticket_json(ticket)}


def _slip(ticket: Ticket) -> Json:
    return {"ticket": ticket_json(ticket, token=True)}


def _call(done: commands.Call) -> Json:
    finished = ticket_json(done.finished) if done.finished else None
    return {"called": ticket_json(done.called), "finished": finished}


def _s(args: Args, name: str) -> str:
    value = args[name]
    assert value is not None  # Operation.parse refuses a missing required argument
    return value


_DESK = (Arg("desk"),)
_NUMBER = (Arg("number"),)
_REASON = Arg("reason")
_OPTIONAL_REASON = Arg("reason", required=False)
_DESK_ROLES = frozenset({Role.DESK, Role.INTEGRATION, Role.ADMIN})
_TRIAGE_ROLES = frozenset({Role.TRIAGE, Role.ADMIN})
_TICKET = '{"ticket": Ticket}'
_CALL = '{"called": Ticket, "finished": Ticket | null}'
_DESK_STATE = '{"desk": {"id": str, "paused": bool}}'
_SLIP = '{"ticket": Ticket with "token"}'


def _op(
    name: str,
    command: str,
    roles: frozenset[Role],
    args: tuple[Arg, ...],
    scope: Scope,
    result: str,
    run: Callable[[Store, Args, str], Json],
) -> Operation:
    return Operation(name, command, roles, args, scope, result, run)


OPERATIONS: tuple[Operation, ...] = (
    _op(
        "call_next",
        "commands.next_call",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _CALL,
        lambda s, a, actor: _call(commands.next_call(s, _s(a, "desk"), actor)),
    ),
    _op(
        "call_ticket",
        "commands.out_of_turn_call",
        _DESK_ROLES,
        (*_DESK, *_NUMBER, _REASON),
        Scope.DESK,
        _CALL,
        lambda s, a, actor: _call(
            commands.out_of_turn_call(s, _s(a, "desk"), _s(a, "number"), _s(a, "reason"), actor)
        ),
    ),
    _op(
        "recall",
        "commands.recall",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _TICKET,
        lambda s, a, actor: _ticket(commands.recall(s, _s(a, "desk"), actor)),
    ),
    _op(
        "finish",
        "commands.finish",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _TICKET,
        lambda s, a, actor: _ticket(commands.finish(s, _s(a, "desk"), actor)),
    ),
    _op(
        "skip",
        "commands.skip",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _TICKET,
        lambda s, a, actor: _ticket(commands.skip(s, _s(a, "desk"), actor)),
    ),
    _op(
        "send_away",
        "commands.send_away",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _TICKET,
        lambda s, a, actor: _ticket(commands.send_away(s, _s(a, "desk"), actor)),
    ),
    _op(
        "requeue",
        "commands.requeue",
        _DESK_ROLES,
        _NUMBER,
        Scope.TICKET,
        _TICKET,
        lambda s, a, actor: _ticket(commands.requeue(s, _s(a, "number"), actor)),
    ),
    _op(
        "come_back",
        "commands.come_back",
        _DESK_ROLES,
        _NUMBER,
        Scope.TICKET,
        _TICKET,
        lambda s, a, actor: _ticket(commands.come_back(s, _s(a, "number"), actor)),
    ),
    _op(
        "transfer",
        "commands.transfer",
        _DESK_ROLES,
        (*_NUMBER, Arg("to"), _OPTIONAL_REASON),
        Scope.TICKET,
        _TICKET,
        lambda s, a, actor: _ticket(
            commands.transfer(
                s,
                _s(a, "number"),
                commands.transfer_target(s.config, _s(a, "to")),
                actor,
                a.get("reason"),
            )
        ),
    ),
    _op(
        "pause",
        "commands.pause",
        _DESK_ROLES,
        (*_DESK, _OPTIONAL_REASON),
        Scope.DESK,
        _DESK_STATE,
        lambda s, a, actor: _desk_json(commands.pause(s, _s(a, "desk"), actor, a.get("reason"))),
    ),
    _op(
        "resume",
        "commands.resume",
        _DESK_ROLES,
        _DESK,
        Scope.DESK,
        _DESK_STATE,
        lambda s, a, actor: _desk_json(commands.resume(s, _s(a, "desk"), actor)),
    ),
    _op(
        "reopen",
        "corrections.reopen",
        _DESK_ROLES,
        (*_DESK, _REASON),
        Scope.DESK,
        _TICKET,
        lambda s, a, actor: _ticket(corrections.reopen(s, _s(a, "desk"), _s(a, "reason"), actor)),
    ),
    _op(
        "undo_away",
        "corrections.undo_away",
        _DESK_ROLES,
        (*_NUMBER, _REASON),
        Scope.TICKET,
        _TICKET,
        lambda s, a, actor: _ticket(
            corrections.undo_away(s, _s(a, "number"), _s(a, "reason"), actor)
        ),
    ),
    _op(
        "issue",
        "registration.issue_ticket",
        _TRIAGE_ROLES,
        (
            Arg("queue"),
            Arg("name", required=False),
            Arg("phone", required=False),
            Arg("priority", required=False),
            Arg("desk", required=False),
        ),
        Scope.NONE,
        _SLIP,
        lambda s, a, actor: _slip(
            registration.issue_ticket(
                s,
                _s(a, "queue"),
                actor,
                name=a.get("name") or "",
                phone=a.get("phone") or "",
                priority=a.get("priority"),
                desk=a.get("desk"),
            )
        ),
    ),
    _op(
        "check_in",
        "registration.check_in",
        _TRIAGE_ROLES,
        _NUMBER,
        Scope.NONE,
        _SLIP,
        lambda s, a, actor: _slip(registration.check_in(s, _s(a, "number"), actor)),
    ),
    _op(
        "set_priority",
        "registration.set_priority",
        _TRIAGE_ROLES,
        (*_NUMBER, Arg("priority", required=False), _OPTIONAL_REASON),
        Scope.NONE,
        _TICKET,
        lambda s, a, actor: _ticket(
            registration.set_priority(s, _s(a, "number"), a.get("priority"), actor, a.get("reason"))
        ),
    ),
    _op(
        "cancel",
        "commands.cancel",
        _TRIAGE_ROLES,
        (*_NUMBER, _REASON),
        Scope.NONE,
        _TICKET,
        lambda s, a, actor: _ticket(commands.cancel(s, _s(a, "number"), _s(a, "reason"), actor)),
    ),
    _op(
        "uncancel",
        "corrections.uncancel",
        _TRIAGE_ROLES,
        (*_NUMBER, _REASON),
        Scope.NONE,
        _TICKET,
        lambda s, a, actor: _ticket(
            corrections.uncancel(s, _s(a, "number"), _s(a, "reason"), actor)
        ),
    ),
)

_HIS_ROLES = frozenset({Role.INTEGRATION, Role.ADMIN})
_HIS_ID = Arg("external_id")
_APPOINTMENT = '{"result": str, "detail": str, "appointment": Appointment}'


def _outcome(store: Store, done: his_live.Outcome) -> Json:
    return {
        "result": done.result,
        "detail": done.detail,
        "appointment": his_live.appointment_json(store, done.ticket),
    }


# The HIS's live appointments (docs/his-api.md): the rows of its daily file, one at a time.
HIS_OPERATIONS: tuple[Operation, ...] = (
    _op(
        "his_book",
        "his_live.book",
        _HIS_ROLES,
        (
            _HIS_ID,
            Arg("name"),
            Arg("queue"),
            Arg("slot_start"),
            Arg("phone", required=False),
            Arg("priority", required=False),
            Arg("desk", required=False),
        ),
        Scope.NONE,
        _APPOINTMENT,
        lambda s, a, actor: _outcome(s, his_live.book(s, a, actor)),
    ),
    _op(
        "his_cancel",
        "his_live.cancel",
        _HIS_ROLES,
        (_HIS_ID, _REASON),
        Scope.NONE,
        _APPOINTMENT,
        lambda s, a, actor: _outcome(
            s, his_live.cancel(s, _s(a, "external_id"), _s(a, "reason"), actor)
        ),
    ),
    _op(
        "his_check_in",
        "his_live.check_in",
        _HIS_ROLES,
        (_HIS_ID,),
        Scope.NONE,
        _APPOINTMENT,
        lambda s, a, actor: _outcome(s, his_live.check_in(s, _s(a, "external_id"), actor)),
    ),
)
OPERATIONS += HIS_OPERATIONS

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}


@dataclass(frozen=True)
class Member:
    """Who asks: a role and, for desk-scoped roles, the desks assigned."""

    role: Role
    desks: frozenset[str] = frozenset()


def allowed(op: Operation, member: Member, args: Args, store: Store) -> bool:
    """May `member` run `op` with `args`? Reads (for a ticket's queue) but never writes."""
    if member.role not in op.roles:
        return False
    if member.role not in DESK_SCOPED or op.scope is Scope.NONE:
        return True
    if op.scope is Scope.DESK:
        return args.get("desk") in member.desks
    return _ticket_in_reach(store, _s(args, "number"), member.desks)


def _ticket_in_reach(store: Store, number: str, desks: Collection[str]) -> bool:
    """A ticket-scoped action is the member's when one of their desks serves the ticket's queue
    or the ticket is pinned to (or was last at) one of them. An unknown number is let through:
    the command itself refuses it as not found, writing nothing."""
    day = store.today()
    with store.read() as conn:
        row = conn.execute(
            "SELECT queue, desk, pinned_desk FROM tickets WHERE day = ? AND number = ?",
            (day, number.strip().upper()),
        ).fetchone()
    if row is None:
        return True
    queue, desk, pinned = row
    if desk in desks or pinned in desks:
        return True
    config = store.config
    return any((d := config.desk(name)) is not None and queue in d.queues for name in desks)
