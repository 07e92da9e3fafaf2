"""Desk actions: one function each, one transaction each, every change described by its event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queue_core.config import ClinicConfig, DeskConfig, QueueConfig
from queue_core.errors import (
    DeskNotFound,
    DeskPaused,
    InvalidState,
    NobodyWaiting,
    NoCurrentPatient,
    NotEligible,
    QueueNotFound,
    ReasonRequired,
)
from queue_core.events import (
    Called,
    CameBack,
    Cancelled,
    Finished,
    Paused,
    Recalled,
    Requeued,
    Resumed,
    SentAway,
    Skipped,
    Transferred,
)
from queue_core.lineup import desk_next, reinsert_window
from queue_core.model import OPEN_STATES, DeskState, Placement, Ticket, TicketState
from queue_core.rules import base_key, eligible_at, reinsert_key, to_micros
from queue_core.store import Store, Tx, iso
from queue_core.text import clean_optional_reason, clean_reason


def desk_config(store: Store, desk_id: str) -> DeskConfig:
    desk = store.config.desk(desk_id)
    if desk is None:
        raise DeskNotFound(desk_id)
    return desk


def _current(tx: Tx, desk: DeskConfig) -> tuple[DeskState, Ticket]:
    state = tx.desk(desk.id)
    if state.current_ticket is None:
        raise NoCurrentPatient(desk.id)
    return state, tx.ticket(state.current_ticket)


def _finish(tx: Tx, state: DeskState, ticket: Ticket, actor: str) -> Ticket:
    """The visit ends (finish, or calling the next patient): recorded as its own event."""
    state.current_ticket = None
    tx.save_desk(state)
    if ticket.state is TicketState.CALLED:
        ticket.state = TicketState.DONE
        ticket.finished_at = iso(tx.now)
        tx.save_ticket(ticket)
    tx.append(Finished(ticket=ticket.number, desk=state.id, queue=ticket.queue), actor)
    return ticket


def _open_desk(tx: Tx, desk: DeskConfig) -> DeskState:
    state = tx.desk(desk.id)
    if state.paused:
        raise DeskPaused(desk.id)
    return state


@dataclass(frozen=True)
class Call:
    """A call, and the visit it ended: the nurse is told both."""

    called: Ticket
    finished: Ticket | None


def _call(
    tx: Tx, desk: DeskState, ticket: Ticket, actor: str, reason: str | None, room: str
) -> Call:
    finished = None
    if desk.current_ticket is not None:
        finished = _finish(tx, desk, tx.ticket(desk.current_ticket), actor)
    ticket.state = TicketState.CALLED
    ticket.desk = desk.id
    ticket.called_at = iso(tx.now)
    ticket.recalls = 0
    desk.current_ticket = ticket.id
    tx.save_ticket(ticket)
    tx.save_desk(desk)
    tx.append(
        Called(
            ticket=ticket.number,
            desk=desk.id,
            queue=ticket.queue,
            reason=reason,
            out_of_turn=reason is not None,
            room=room,
        ),
        actor,
    )
    return Call(ticket, finished)


def call_next(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Ticket:
    """Finish the current patient (if any) and call the first eligible one in the rules' order."""
    return next_call(store, desk_id, actor, now).called


def next_call(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Call:
    """`call_next`, also saying whose visit the call ended."""
    desk = desk_config(store, desk_id)
    with store.write(now) as tx:
        state = _open_desk(tx, desk)
        head = desk_next(tx.read, tx.day, desk, tx.config)
        if head is None:
            raise NobodyWaiting(desk.id)
        return _call(tx, state, head.ticket, actor, None, desk.room)


def call_ticket(
    store: Store, desk_id: str, number: str, reason: str, actor: str, now: datetime | None = None
) -> Ticket:
    """Call a ticket out of turn. Always needs a reason; the event records who and why."""
    return out_of_turn_call(store, desk_id, number, reason, actor, now).called


def out_of_turn_call(
    store: Store, desk_id: str, number: str, reason: str, actor: str, now: datetime | None = None
) -> Call:
    """`call_ticket`, also saying whose visit the call ended."""
    desk = desk_config(store, desk_id)
    reason = clean_reason(reason)
    if not reason:
        raise ReasonRequired("call_out_of_turn")
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, (TicketState.WAITING, TicketState.MISSED), ", not waiting.")
        if not eligible_at(ticket, desk):
            raise NotEligible(
                f"{ticket.number} cannot be served at desk {desk.id}; transfer it first.",
                number=ticket.number,
                desk=desk.id,
            )
        return _call(tx, _open_desk(tx, desk), ticket, actor, reason, desk.room)


def recall(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Ticket:
    desk = desk_config(store, desk_id)
    with store.write(now) as tx:
        _, ticket = _current(tx, desk)
        ticket.recalls += 1
        tx.save_ticket(ticket)
        tx.append(
            Recalled(
                ticket=ticket.number,
                desk=desk.id,
                queue=ticket.queue,
                recalls=ticket.recalls,
                room=desk.room,
            ),
            actor,
        )
        return ticket


def skip(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Ticket:
    """The called patient did not come: to the missed list (过号), the desk is free again."""
    desk = desk_config(store, desk_id)
    with store.write(now) as tx:
        state, ticket = _current(tx, desk)
        ticket.state = TicketState.MISSED
        state.current_ticket = None
        tx.save_ticket(ticket)
        tx.save_desk(state)
        tx.append(Skipped(ticket=ticket.number, desk=desk.id, queue=ticket.queue), actor)
        return ticket


def finish(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Ticket:
    desk = desk_config(store, desk_id)
    with store.write(now) as tx:
        state, ticket = _current(tx, desk)
        return _finish(tx, state, ticket, actor)


def _reinsert(
    tx: Tx, ticket: Ticket, queue: QueueConfig, behind: int, placement: Placement
) -> None:
    """Back into the line `behind` places after the head (never to the front).

    The placement is set first: the key is found by trying places under the ordering rules,
    and a requeued patient's priority class must not move the trial ticket either.
    """
    ticket.placement = placement
    window = reinsert_window(tx.read, tx.day, queue.id, tx.config, behind)
    key = reinsert_key(window, ticket, behind, tx.next_seq(), tx.config)
    ticket.sort_key = key if key is not None else base_key(to_micros(tx.now), ticket.id)
    ticket.state = TicketState.WAITING


def requeue(store: Store, number: str, actor: str, now: datetime | None = None) -> Ticket:
    """A missed patient came back: N places behind the current head (过号顺延)."""
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, (TicketState.MISSED,), "; only missed tickets are requeued.")
        queue = _queue(tx, ticket.queue)
        _reinsert(tx, ticket, queue, queue.requeue_behind, Placement.REQUEUED)
        tx.save_ticket(ticket)
        tx.append(
            Requeued(
                ticket=ticket.number,
                desk=ticket.desk,
                queue=ticket.queue,
                behind=queue.requeue_behind,
            ),
            actor,
        )
        return ticket


def send_away(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> Ticket:
    """The patient in this desk's room is sent for tests (检查): the desk is free, and the ticket
    waits on this desk's away list to come back to it. Only the patient in the room: a patient
    never called would leave the line unseen, and no desk would be theirs to come back to."""
    desk = desk_config(store, desk_id)
    with store.write(now) as tx:
        state, ticket = _current(tx, desk)
        state.current_ticket = None
        ticket.state = TicketState.AWAY
        ticket.desk = desk.id
        tx.save_ticket(ticket)
        tx.save_desk(state)
        tx.append(SentAway(ticket=ticket.number, desk=desk.id, queue=ticket.queue), actor)
        return ticket


def come_back(store: Store, number: str, actor: str, now: datetime | None = None) -> Ticket:
    """Back from tests (检后回诊): to the same desk, M places behind the head."""
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, (TicketState.AWAY,), ", not away for tests.")
        queue = _queue(tx, ticket.queue)
        if ticket.desk and (desk := tx.config.desk(ticket.desk)) and queue.id in desk.queues:
            ticket.pinned_desk = desk.id
        _reinsert(tx, ticket, queue, queue.return_behind, Placement.RETURNED)
        tx.save_ticket(ticket)
        tx.append(
            CameBack(
                ticket=ticket.number,
                desk=ticket.pinned_desk,
                queue=ticket.queue,
                behind=queue.return_behind,
            ),
            actor,
        )
        return ticket


@dataclass(frozen=True)
class ToDesk:
    """A transfer to one desk: the ticket is pinned there (in its queue if the desk serves it)."""

    id: str


@dataclass(frozen=True)
class ToQueue:
    """A transfer to a queue: any of its desks may call the ticket."""

    id: str


TransferTarget = ToDesk | ToQueue


def transfer_target(config: ClinicConfig, name: str) -> TransferTarget:
    """The desk or queue a nurse typed: `desk:ID` or `queue:ID` says which when a desk and a
    queue share an id; a bare id means the desk if there is one."""
    kind, _, bare = name.partition(":") if name.startswith(("desk:", "queue:")) else ("", "", name)
    if kind in ("", "desk") and config.desk(bare) is not None:
        return ToDesk(bare)
    if kind in ("", "queue") and config.queue(bare) is not None:
        return ToQueue(bare)
    raise QueueNotFound(name)


def transfer(
    store: Store,
    number: str,
    to: TransferTarget,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """To another queue, or to a desk (pinned there); keeps the arrival time unless configured."""
    config = store.config
    target_desk = config.desk(to.id) if isinstance(to, ToDesk) else None
    target_queue = config.queue(to.id) if isinstance(to, ToQueue) else None
    if target_desk is None and target_queue is None:
        raise QueueNotFound(to.id)
    reason = clean_optional_reason(reason)
    with store.write(now) as tx:
        ticket = tx.ticket_in(
            number,
            (TicketState.WAITING, TicketState.CALLED, TicketState.MISSED),
            " and cannot be transferred.",
        )
        source_queue = ticket.queue
        tx.free_desk_of(ticket)
        if target_desk is not None:
            queue_id = ticket.queue if ticket.queue in target_desk.queues else target_desk.queues[0]
            ticket.pinned_desk = target_desk.id
        else:
            assert target_queue is not None
            queue_id = target_queue.id
            ticket.pinned_desk = None
        queue = _queue(tx, queue_id)
        ticket.queue = queue.id
        ticket.desk = None
        ticket.state = TicketState.WAITING
        ticket.placement = Placement.TRANSFERRED
        arrival = (
            ticket.arrival_key
            if queue.transfer_keeps_arrival and ticket.arrival_key
            else to_micros(tx.now)
        )
        ticket.sort_key = base_key(arrival, ticket.id)
        tx.save_ticket(ticket)
        tx.append(
            Transferred(
                ticket=ticket.number,
                desk=ticket.pinned_desk,
                queue=queue.id,
                reason=reason,
                from_queue=source_queue,
            ),
            actor,
        )
        return ticket


def cancel(
    store: Store, number: str, reason: str, actor: str, now: datetime | None = None
) -> Ticket:
    reason = clean_reason(reason)
    if not reason:
        raise ReasonRequired("cancel")
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, OPEN_STATES, " already.")
        tx.free_desk_of(ticket)
        ticket.state = TicketState.CANCELLED
        ticket.note = reason
        ticket.finished_at = iso(tx.now)
        tx.save_ticket(ticket)
        tx.append(Cancelled(ticket=ticket.number, queue=ticket.queue, reason=reason), actor)
        return ticket


def pause(
    store: Store, desk_id: str, actor: str, reason: str | None = None, now: datetime | None = None
) -> DeskState:
    """停诊: the desk stops calling; the current patient, if any, stays with it."""
    return _set_paused(store, desk_id, True, actor, reason, now)


def resume(store: Store, desk_id: str, actor: str, now: datetime | None = None) -> DeskState:
    return _set_paused(store, desk_id, False, actor, None, now)


def _set_paused(
    store: Store, desk_id: str, paused: bool, actor: str, reason: str | None, now: datetime | None
) -> DeskState:
    desk = desk_config(store, desk_id)
    reason = clean_optional_reason(reason)
    with store.write(now) as tx:
        state = tx.desk(desk.id)
        if state.paused == paused:
            raise InvalidState(
                f"Desk {desk.id} is already {'paused' if paused else 'open'}.",
                "desk_already_paused" if paused else "desk_already_open",
                desk=desk.id,
            )
        state.paused = paused
        tx.save_desk(state)
        tx.append(Paused(desk=desk.id, reason=reason) if paused else Resumed(desk=desk.id), actor)
        return state


def _queue(tx: Tx, queue_id: str) -> QueueConfig:
    queue = tx.config.queue(queue_id)
    if queue is None:
        raise QueueNotFound(queue_id)
    return queue
