"""`clinic-queue`: parse, call one core function, print. Rules live in queue_core, not here.

Exit codes: 0 done; 1 the clinic's rules refuse (one line on stderr); 2 usage or configuration.
Plain commands never import textual or websockets, so they start fast.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack, closing
from datetime import date
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from clinic_queue.care_cli import add_care_commands
from clinic_queue.opened import Handler, open_store
from clinic_queue.sim_cli import add_commands
from clinic_queue.staff_cli import add_staff_commands
from clinic_queue.terminal import as_typed, json_line, shown, undecodable
from clinic_queue.voice_cli import add_voice_commands
from queue_core import commands, corrections, registration
from queue_core.address import PublicAddress, public_address
from queue_core.board import public_status
from queue_core.closing import close_day
from queue_core.config import DEFAULT_CONFIG, load_config
from queue_core.errors import (
    ConfigError,
    FileFault,
    NotInitialised,
    QueueError,
    TextRefused,
)
from queue_core.events import Event, EventType
from queue_core.his_diff import Kind
from queue_core.his_file import known_encoding
from queue_core.importer import RowsRefused, Sync, import_appointments
from queue_core.line import Line, read_board
from queue_core.masking import mask_name
from queue_core.model import Ticket, TicketState
from queue_core.staff import STAFF_ACTOR
from queue_core.store import Store, default_db, parse_iso
from queue_core.text import clean_actor, printable


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2, like every other refusal."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _actor(text: str) -> str:
    """Checked when the command line is read, so that a console or server with an actor the
    log would refuse does not even start. `staff:` names a member the server authenticated:
    nobody on the host may write it by hand."""
    try:
        actor = clean_actor(text)
    except TextRefused as exc:
        raise argparse.ArgumentTypeError(exc.problem) from None
    if actor.startswith(STAFF_ACTOR):
        raise argparse.ArgumentTypeError(
            f"{STAFF_ACTOR!r} is for staff logged in on the staff API only"
        )
    return actor


def _say(ticket: Ticket, text: str) -> None:
    print(f"{ticket.number} {mask_name(ticket.name)}: {text}".replace("  ", " "))


def cmd_init(args: argparse.Namespace) -> None:
    config = load_config(Path(args.config) if args.config else DEFAULT_CONFIG)
    store: Store = args.opened.enter_context(
        closing(registration.initialise(args.db or default_db(), config, args.actor))
    )
    print(
        f"Initialised {store.backend.location}: {config.name}, {len(config.queues)} queues, "
        f"{len(config.desks)} desks."
    )


def _print_sync(sync: Sync) -> None:
    """A dry run lists every change; a sync all but the additions (a first import has
    thousands); a refused file only its refused rows. Each on its own line, then the counts."""
    if not sync.refused:
        for change in sync.plan.changes:
            if change.kind is not Kind.ADD or not sync.written:
                where = f"{change.where}: " if change.where else ""
                line = f"{change.kind.value:<7} {where}{change.external_id} {change.detail}"
                print(printable(line))
    for refused in sync.refused:
        print(printable(f"refused {refused}"))
    verbs = (
        ("added", "updated", "cancelled") if sync.written else ("to add", "to update", "to cancel")
    )
    counts = [
        f"{sync.count(Kind.ADD)} {verbs[0]}",
        f"{sync.count(Kind.UPDATE)} {verbs[1]}",
        f"{sync.count(Kind.CANCEL)} {verbs[2]}",
        f"{sync.plan.unchanged} unchanged",
        f"{sync.count(Kind.KEEP)} kept",
        f"{len(sync.refused)} refused",
    ]
    how = "" if sync.written else ", nothing written" if sync.refused else ", dry run"
    print(printable(f"{sync.source} ({sync.encoding}){how}: {', '.join(counts)}."))


def cmd_import(args: argparse.Namespace) -> None:
    try:
        sync = import_appointments(
            open_store(args),
            Path(args.file),
            args.actor,
            encoding=args.encoding,
            complete=args.complete,
            dry_run=args.dry_run,
        )
    except RowsRefused as refused:
        _print_sync(refused.sync)
        raise
    _print_sync(sync)


SQLITE_INTEGERS = range(-(2**63), 2**63)  # what SQLite can compare a seq with


def _seq(text: str) -> int:
    try:
        seq = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an event number") from None
    if seq not in SQLITE_INTEGERS:
        raise argparse.ArgumentTypeError(f"{text} is out of range for an event number")
    return seq


def _encoding(name: str) -> str:
    if not known_encoding(name):
        raise argparse.ArgumentTypeError(f"unknown text encoding {name!r}")
    return name


def _warn_unreachable(address: PublicAddress) -> PublicAddress:
    """One line on stderr when no phone can open the links of `address`."""
    warning = address.warning()
    if warning is not None:
        print(f"clinic-queue: {warning}", file=sys.stderr)
    return address


def cmd_ticket(args: argparse.Namespace) -> None:
    store = open_store(args)
    address = public_address(store.config)  # a bad override is refused before issuing
    ticket = registration.issue_ticket(
        store,
        args.queue,
        args.actor,
        name=args.name or "",
        phone=args.phone or "",
        priority=args.priority,
        desk=args.desk,
    )
    ahead = Line.load(store).ahead_of(ticket.id) or 0
    queue = store.config.queue(ticket.queue)
    link = address.link(ticket.token)
    if args.json:
        print(
            json_line(
                {
                    "number": ticket.number,
                    "queue": ticket.queue,
                    "queue_name": queue.name if queue else ticket.queue,
                    "token": ticket.token,
                    "url": link,
                    "ahead": ahead,
                    "day": ticket.day,
                    "pinned_desk": ticket.pinned_desk,
                }
            )
        )
    else:
        print(f"{ticket.number}  {queue.name if queue else ticket.queue}  ahead: {ahead}  {link}")
    _warn_unreachable(address)  # after the ticket: a refusal stays one line


def cmd_checkin(args: argparse.Namespace) -> None:
    ticket = registration.check_in(open_store(args), args.number, args.actor)
    _say(ticket, f"checked in ({ticket.placement.value})")


def cmd_priority(args: argparse.Namespace) -> None:
    ticket = registration.set_priority(
        open_store(args),
        args.number,
        None if args.clear else args.cls,
        args.actor,
        reason=args.reason,
    )
    _say(ticket, f"priority {ticket.priority or 'cleared'}")


def cmd_call(args: argparse.Namespace) -> None:
    store = open_store(args)
    if args.ticket:
        done = commands.out_of_turn_call(
            store, args.desk, args.ticket, args.reason or "", args.actor
        )
    else:
        if args.reason:
            raise UsageError("call: --reason goes with --ticket (an out-of-turn call)")
        done = commands.next_call(store, args.desk, args.actor)
    if done.finished is not None:
        _say(done.finished, "finished")
    _say(done.called, f"called to desk {args.desk}")


def cmd_recall(args: argparse.Namespace) -> None:
    ticket = commands.recall(open_store(args), args.desk, args.actor)
    _say(ticket, f"recalled ({ticket.recalls})")


def cmd_skip(args: argparse.Namespace) -> None:
    _say(commands.skip(open_store(args), args.desk, args.actor), "skipped to the missed list")


def cmd_requeue(args: argparse.Namespace) -> None:
    _say(commands.requeue(open_store(args), args.number, args.actor), "back in the line")


def cmd_away(args: argparse.Namespace) -> None:
    _say(commands.send_away(open_store(args), args.desk, args.actor), "sent for tests")


def cmd_back(args: argparse.Namespace) -> None:
    _say(
        commands.come_back(open_store(args), args.number, args.actor),
        "back from tests, in the line",
    )


def cmd_done(args: argparse.Namespace) -> None:
    _say(commands.finish(open_store(args), args.desk, args.actor), "finished")


def cmd_transfer(args: argparse.Namespace) -> None:
    store = open_store(args)
    target = commands.transfer_target(store.config, args.to)
    ticket = commands.transfer(store, args.number, target, args.actor, reason=args.reason)
    _say(ticket, f"transferred to {args.to}")


def cmd_cancel(args: argparse.Namespace) -> None:
    _say(commands.cancel(open_store(args), args.number, args.reason, args.actor), "cancelled")


def cmd_reopen(args: argparse.Namespace) -> None:
    ticket = corrections.reopen(open_store(args), args.desk, args.reason, args.actor)
    _say(ticket, f"visit reopened at desk {args.desk}")


def cmd_uncancel(args: argparse.Namespace) -> None:
    ticket = corrections.uncancel(open_store(args), args.number, args.reason, args.actor)
    _say(ticket, f"cancel taken back: {ticket.state.value} again")


def cmd_undo_away(args: argparse.Namespace) -> None:
    ticket = corrections.undo_away(open_store(args), args.number, args.reason, args.actor)
    if ticket.state is TicketState.CALLED:
        _say(ticket, f"not sent for tests after all: back in the room of desk {ticket.desk}")
    else:
        _say(ticket, "not sent for tests after all: back at its place in the line")


def cmd_pause(args: argparse.Namespace) -> None:
    commands.pause(open_store(args), args.desk, args.actor, reason=args.reason)
    print(f"Desk {args.desk} paused.")


def cmd_resume(args: argparse.Namespace) -> None:
    commands.resume(open_store(args), args.desk, args.actor)
    print(f"Desk {args.desk} resumed.")


def cmd_status(args: argparse.Namespace) -> None:
    data = public_status(read_board(open_store(args)))
    if args.json:
        print(json_line(data))
        return
    from clinic_queue.render import print_board

    print_board(data)


def _event_line(event: Event, tz: ZoneInfo) -> dict[str, Any]:
    extra = {k: v for k, v in event.payload.items() if k != "changes"}
    return {
        "seq": event.seq,
        "at": parse_iso(event.at).astimezone(tz).isoformat(timespec="microseconds"),
        "type": event.type,
        "ticket": event.ticket,
        "desk": event.desk,
        "queue": event.queue,
        "actor": event.actor,
        "reason": event.reason,
        **extra,
    }


def cmd_events(args: argparse.Namespace) -> None:
    store = open_store(args)
    tz = store.config.tz
    events = store.events_matching(
        args.since,
        day=_day(args.day),
        ticket=args.ticket.upper() if args.ticket else None,
        desk=args.desk,
        type=args.type,
        actor=args.actor_is,
    )
    for event in events:
        line = _event_line(event, tz)
        if args.json:
            print(json_line(line))
        else:
            where = " ".join(f"{k}={line[k]}" for k in ("ticket", "desk", "queue") if line[k])
            why = f" reason={event.reason!r}" if event.reason else ""
            at = line["at"][:19] + line["at"][26:]  # to the second, with the clinic's offset
            print(printable(f"{event.seq:>6} {at} {event.type:<10} {where} by {event.actor}{why}"))


def _day(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"clinic-queue: {text!r} is not a day (YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace) -> None:
    from clinic_queue import reporting
    from queue_core.insight.reader import check_scope, make_report

    store = open_store(args)
    try:
        days = reporting.choose_days(args.day, args.first, args.last, store.today())
    except reporting.BadRange as exc:
        raise UsageError(str(exc)) from None
    check_scope(store.config, args.queue, args.desk)
    if args.tui:
        from queue_tui.app import run_report

        run_report(store, days, args.queue, args.desk)
        return
    report = make_report(store, days, args.queue, args.desk)
    reporting.write(report, store.config, args.format)


def cmd_close_day(args: argparse.Namespace) -> None:
    closed = close_day(open_store(args), args.actor, day=_day(args.day))
    if not closed:
        print("Nothing to close: every day with tickets is closed already.")
    for count in closed:
        print(
            f"Closed {count.day}: {count.not_seen} not seen, {count.no_show} no-show,"
            f" {count.ended} in a visit the close ended."
        )


def cmd_desk(args: argparse.Namespace) -> None:
    if args.server:
        from queue_tui.app import run_remote_desk
        from queue_tui.remote import staff_url

        staff_url(args.server)  # a mistyped address is one line here, not a login screen
        run_remote_desk(args.server, args.desk, _remote_slips())
        return
    from queue_tui.app import run_desk

    run_desk(open_store(args), args.desk, args.actor)


def _remote_slips() -> Path:
    """A console on another PC saves the slips it prints in the user's own folder."""
    return Path.home() / "clinic-queue-slips"


def cmd_triage(args: argparse.Namespace) -> None:
    if args.server:
        from queue_tui.app import run_remote_triage
        from queue_tui.remote import staff_url

        staff_url(args.server)
        run_remote_triage(args.server, _remote_slips())
        return
    from queue_tui.app import run_triage

    store = open_store(args)
    run_triage(store, args.actor, _warn_unreachable(public_address(store.config)))


def cmd_serve(args: argparse.Namespace) -> None:
    import ssl  # here: only the server needs it, plain commands start without it

    from display_server.process import run

    if (args.cert is None) != (args.key is None):
        raise UsageError("clinic-queue serve: --cert and --key go together")
    tls = None
    if args.cert is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            tls.load_cert_chain(args.cert, args.key)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"clinic-queue serve: cannot use {args.cert} and {args.key}: {exc}"
            ) from None
    store = open_store(args)
    try:  # on PostgreSQL, the folder of the queue's own files ($CLINIC_QUEUE_DATA_DIR)
        store.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        folder = store.path.parent
        raise UsageError(f"clinic-queue serve: cannot make {folder}: {exc.strerror}") from None
    _warn_unreachable(public_address(store.config))  # phones reach its pages there
    run(store, host=args.host, port=args.port, tls=tls, api_port=args.api_port)


def build_parser() -> _Parser:
    parser = _Parser(prog="clinic-queue", description="Patient queue and call-number system.")
    parser.add_argument(
        "--db", help="the queue database (default: $CLINIC_QUEUE_DB or ./clinic-queue.db)"
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--actor",
        type=_actor,
        default=f"host:{_login()}",
        help="who acts, for the audit trail (default: host:LOGIN, the shell's login name)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, handler: Handler, help_text: str) -> _Parser:
        p: _Parser = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("init", cmd_init, "create or update the database from a clinic configuration").add_argument(
        "--config", help="clinic TOML file (default: a one-queue clinic)"
    )
    p = add(
        "import", cmd_import, "sync appointments from a HIS export (CSV or JSON), all or nothing"
    )
    p.add_argument("file")
    p.add_argument(
        "--encoding", type=_encoding, help="the file's text encoding (default: UTF-8, else GB18030)"
    )
    p.add_argument(
        "--complete",
        action="store_true",
        help="the file lists every appointment of its days: cancel the ones it lacks",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p = add("ticket", cmd_ticket, "issue a walk-in ticket (issued and checked in)")
    p.add_argument("queue")
    p.add_argument("--name")
    p.add_argument("--phone", help="only the last 4 digits are kept, for check-in lookup")
    p.add_argument("--priority", help="a configured priority class")
    p.add_argument("--desk", help="pin to one desk (专家号)")
    p.add_argument("--json", action="store_true")
    add("checkin", cmd_checkin, "check in an appointment: it joins the line").add_argument("number")
    p = add("priority", cmd_priority, "mark a ticket with a priority class (or --clear it)")
    p.add_argument("number")
    p.add_argument("cls", nargs="?", metavar="CLASS")
    p.add_argument("--clear", action="store_true")
    p.add_argument("--reason")
    p = add("call", cmd_call, "call the next patient (or --ticket out of turn, with --reason)")
    p.add_argument("desk")
    p.add_argument("--ticket")
    p.add_argument("--reason")
    add("recall", cmd_recall, "call the current patient again").add_argument("desk")
    add("skip", cmd_skip, "the called patient did not come: to the missed list").add_argument(
        "desk"
    )
    add(
        "requeue", cmd_requeue, "a missed patient is back: into the line behind the head"
    ).add_argument("number")
    add("away", cmd_away, "send the patient in the room for tests").add_argument("desk")
    add(
        "back", cmd_back, "a patient is back from tests: to the same desk, behind the head"
    ).add_argument("number")
    add("done", cmd_done, "finish the current patient").add_argument("desk")
    p = add("transfer", cmd_transfer, "transfer a ticket to another queue or desk")
    p.add_argument("number")
    p.add_argument("--to", required=True, metavar="QUEUE_OR_DESK")
    p.add_argument("--reason")
    p = add("cancel", cmd_cancel, "cancel a ticket (a reason is required)")
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p = add("reopen", cmd_reopen, "the visit a desk just finished goes on (a reason is required)")
    p.add_argument("desk")
    p.add_argument("--reason", required=True)
    p = add(
        "uncancel", cmd_uncancel, "a ticket cancelled by mistake comes back (a reason is required)"
    )
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p = add(
        "undo-away",
        cmd_undo_away,
        "a patient sent for tests by mistake is back (a reason is required)",
    )
    p.add_argument("number")
    p.add_argument("--reason", required=True)
    p = add("pause", cmd_pause, "pause a desk (停诊): it calls nobody until resumed")
    p.add_argument("desk")
    p.add_argument("--reason")
    add("resume", cmd_resume, "resume a paused desk").add_argument("desk")
    add(
        "status", cmd_status, "the board: desks, who is called, who waits in which order"
    ).add_argument("--json", action="store_true")
    p = add("events", cmd_events, "the event log (audit trail), oldest first")
    p.add_argument("--since", type=_seq, default=0, metavar="SEQ")
    p.add_argument("--day", metavar="YYYY-MM-DD", help="only the events of this service day")
    p.add_argument("--ticket", metavar="NUMBER", help="only this ticket number's events")
    p.add_argument("--desk", help="only this desk's events")
    p.add_argument(
        "--type", choices=[t.value for t in EventType], metavar="TYPE", help="only this type"
    )
    p.add_argument("--by", dest="actor_is", metavar="ACTOR", help="only this actor's events")
    p.add_argument("--json", action="store_true")
    p = add(
        "report",
        cmd_report,
        "waits, visits, desks' load, out-of-turn calls, cancels and fairness of a day or days",
    )
    p.add_argument("--day", metavar="YYYY-MM-DD", help="this service day (default: today)")
    p.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="the first day of a range")
    p.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="the last day of a range")
    p.add_argument("--queue", help="only this queue's tickets")
    p.add_argument("--desk", help="only the tickets this desk called first, and its own work")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--tui", action="store_true", help="show it in the console's report screen")
    p = add(
        "close-day",
        cmd_close_day,
        "close today (and any earlier open day): open tickets get their final state",
    )
    p.add_argument("--day", metavar="YYYY-MM-DD", help="close up to this day instead of today")
    add_care_commands(add)
    server_help = "the queue server, e.g. https://queue.clinic.lan: log in there as staff"
    p = add("desk", cmd_desk, "open the desk console (TUI) for one consultation desk")
    p.add_argument("desk")
    p.add_argument("--server", help=server_help)
    p = add("triage", cmd_triage, "open the triage / registration console (TUI)")
    p.add_argument("--server", help=server_help)
    p = add("serve", cmd_serve, "run the display server for waiting-room screens and phones")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--cert", metavar="FILE", help="a PEM certificate (chain): speak https and wss")
    p.add_argument("--key", metavar="FILE", help="the PEM private key of --cert")
    api_help = "also serve the HIS API (docs/his-api.md) on this port, with the same TLS"
    p.add_argument("--api-port", type=int, metavar="PORT", help=api_help)
    add_commands(add)
    add_voice_commands(add)
    add_staff_commands(add, common)
    return parser


def _tell(line: str, code: int) -> int:
    """The refusal's line on stderr; with nobody reading stderr any more, the exit code alone."""
    try:
        print(line, file=sys.stderr, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stderr.fileno())
    return code


def _utf8(argv: Sequence[str]) -> None:
    """Python keeps an argument's bytes that are not UTF-8 as lone surrogates, which no file,
    database or terminal takes: refused here, before anything is done with them."""
    for place, argument in enumerate(argv, 1):
        if undecodable(argument):
            raise UsageError(
                f"clinic-queue: argument {place} ({as_typed(argument)}) is not UTF-8 text;"
                " nothing was done"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        _utf8(sys.argv[1:] if argv is None else argv)
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            raise UsageError("clinic-queue: a command is required (see clinic-queue --help)")
        # `main` is also called in-process (tests, scripts): no connection or lock file
        # descriptor may outlive the command.
        with ExitStack() as opened:
            args.opened = opened
            args.handler(args)
        sys.stdout.flush()  # here, not at exit: a reader gone by then is handled below
    except UsageError as exc:
        return _tell(shown(str(exc)), 2)
    except (ConfigError, NotInitialised) as exc:
        return _tell(shown(f"clinic-queue: {exc}"), 2)
    except FileFault as exc:
        return _tell(shown(f"clinic-queue: {exc.message}"), 2)
    except QueueError as exc:
        return _tell(shown(f"clinic-queue: {exc.message}"), 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `clinic-queue events | head`: the reader has all it wanted; end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0
