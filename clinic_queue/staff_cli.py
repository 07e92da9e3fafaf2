"""`clinic-queue staff add|list|disable|reset`: the staff accounts, for an administrator on the
database host (docs/cli.md, docs/staff-api.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from clinic_queue.opened import Add, open_store
from queue_core.staff import (
    add_staff,
    check_existing_staff,
    check_new_staff,
    disable_staff,
    list_staff,
    reset_password,
)
from queue_core.staff_errors import BadStaff
from queue_core.text import printable

ACTIONS = "add, list, disable, reset"


def _password(args: argparse.Namespace) -> str:
    """From stdin's first line for scripts (--password-stdin), else typed twice, unseen."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise BadStaff("two passwords typed differ", "password")
    return first


def _desks(text: str | None) -> tuple[str, ...]:
    return tuple(d.strip() for d in (text or "").split(",") if d.strip())


def cmd_add(args: argparse.Namespace) -> None:
    store = open_store(args)
    check_new_staff(store, args.name, args.role, _desks(args.desks))  # all of it before asking
    password = _password(args)
    account = add_staff(store, args.name, args.role, _desks(args.desks), password, args.actor)
    at = f" at {', '.join(account.desks)}" if account.desks else ""
    print(f"{account.name}: {account.role.value}{at}, added")


def cmd_list(args: argparse.Namespace) -> None:
    for account in list_staff(open_store(args)):
        state = "disabled" if account.disabled else "active"
        desks = ",".join(account.desks) or "-"
        print(printable(f"{account.name:<20} {account.role.value:<12} {desks:<20} {state}"))


def cmd_disable(args: argparse.Namespace) -> None:
    ended = disable_staff(open_store(args), args.name, args.actor)
    print(f"{args.name}: disabled, {ended} session(s) ended")


def cmd_reset(args: argparse.Namespace) -> None:
    store = open_store(args)
    check_existing_staff(store, args.name)
    ended = reset_password(store, args.name, _password(args), args.actor)
    print(f"{args.name}: new password set, {ended} session(s) ended")


def add_staff_commands(add: Add, common: argparse.ArgumentParser) -> None:
    """`staff` with its own actions; each takes the common options (--actor) too."""
    staff = add("staff", lambda _: staff.error("an action is needed: " + ACTIONS), "staff accounts")
    sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", parser_class=type(staff))

    def action(name: str, handler: Callable[[argparse.Namespace], None], text: str) -> Any:
        p = sub.add_parser(name, parents=[common], help=text, description=text)
        p.set_defaults(handler=handler)
        return p

    p = action("add", cmd_add, "add a staff account; the password is asked for")
    p.add_argument("name", help="a staff number or login: letters, digits, . _ -")
    p.add_argument("--role", required=True, help="desk, triage, admin, integration or screen")
    p.add_argument("--desks", metavar="A,B", help="the desks a desk (or integration) role works at")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    action("list", cmd_list, "the staff accounts, their roles and desks")
    action("disable", cmd_disable, "the account cannot log in; its sessions end").add_argument(
        "name"
    )
    p = action("reset", cmd_reset, "set a new password; the account's sessions end")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
