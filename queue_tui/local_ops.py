"""The desk and triage actions by name, with JSON arguments and results: what a console asks
of its backend, run here in-process against the database file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from queue_core import commands, corrections, registration
from queue_core.address import PublicAddress
from queue_core.console_view import Json, Slip, slip_for
from queue_core.errors import TicketNotFound
from queue_core.model import Ticket
from queue_core.store import Store

Op = Callable[[Store, str, PublicAddress, dict[str, Any]], Json]


def _ticket(ticket: Ticket) -> Json:
    return {"ticket": ticket.to_row()}


def _call(done: commands.Call) -> Json:
    finished = done.finished.to_row() if done.finished else None
    return {"called": done.called.to_row(), "finished": finished}


def _nothing(_: object) -> Json:
    return {}


def _optional(args: dict[str, Any], key: str) -> str | None:
    value = args.get(key)
    return value if isinstance(value, str) and value else None


OPS: dict[str, Op] = {
    "call_next": lambda s, a, _, x: _call(commands.next_call(s, x["desk"], a)),
    "call_ticket": lambda s, a, _, x: _call(
        commands.out_of_turn_call(s, x["desk"], x["number"], x["reason"], a)
    ),
    "recall": lambda s, a, _, x: _ticket(commands.recall(s, x["desk"], a)),
    "finish": lambda s, a, _, x: _ticket(commands.finish(s, x["desk"], a)),
    "skip": lambda s, a, _, x: _ticket(commands.skip(s, x["desk"], a)),
    "send_away": lambda s, a, _, x: _ticket(commands.send_away(s, x["desk"], a)),
    "requeue": lambda s, a, _, x: _ticket(commands.requeue(s, x["number"], a)),
    "come_back": lambda s, a, _, x: _ticket(commands.come_back(s, x["number"], a)),
    "transfer": lambda s, a, _, x: _ticket(
        commands.transfer(s, x["number"], commands.transfer_target(s.config, x["to"]), a)
    ),
    "pause": lambda s, a, _, x: _nothing(commands.pause(s, x["desk"], a)),
    "resume": lambda s, a, _, x: _nothing(commands.resume(s, x["desk"], a)),
    "reopen": lambda s, a, _, x: _ticket(corrections.reopen(s, x["desk"], x["reason"], a)),
    "undo_away": lambda s, a, _, x: _ticket(corrections.undo_away(s, x["number"], x["reason"], a)),
    "uncancel": lambda s, a, _, x: _ticket(corrections.uncancel(s, x["number"], x["reason"], a)),
    "issue": lambda s, a, _, x: _ticket(
        registration.issue_ticket(
            s,
            x["queue"],
            a,
            name=x.get("name", ""),
            phone=x.get("phone", ""),
            priority=_optional(x, "priority"),
            desk=_optional(x, "desk"),
        )
    ),
    "check_in": lambda s, a, _, x: _ticket(registration.check_in(s, x["number"], a)),
    "priority": lambda s, a, _, x: _ticket(
        registration.set_priority(s, x["number"], _optional(x, "priority"), a)
    ),
    "cancel": lambda s, a, _, x: _ticket(commands.cancel(s, x["number"], x["reason"], a)),
    "slip": lambda s, _, address, x: {"slip": _slip(s, address, x["number"]).to_json()},
    "find": lambda s, _a, _, x: {
        "tickets": [t.to_row() for t in registration.find_tickets(s, x["text"])]
    },
}


def _slip(store: Store, address: PublicAddress, number: str) -> Slip:
    found = [t for t in registration.find_tickets(store, number) if t.number == number]
    if not found:
        raise TicketNotFound(number)
    return slip_for(store, found[0], address)
